"""accounts.db on PostgreSQL: the planned cursor's statements are prepared once per
connection, logged and translated like any other; Django's own queries are not."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.db import planned_cursor
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

_PREPARED = "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s"


def _prepared(marker: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_PREPARED, [f"%{marker}%"])
        return cursor.fetchone()[0]


def test_a_statement_sent_often_through_the_planned_cursor_is_prepared():
    # given
    user = UserFactory()
    planned = "SELECT username /* planned */ FROM accounts_user WHERE id = %s"
    usual = "SELECT username /* usual */ FROM accounts_user WHERE id = %s"

    # when
    with CaptureQueriesContext(connection) as queries:
        for _ in range(8):
            with planned_cursor() as cursor:
                cursor.execute(planned, [user.pk])
                assert cursor.fetchone() == (user.username,)
            with connection.cursor() as cursor:
                cursor.execute(usual, [user.pk])

    # then: PostgreSQL keeps the planned one only; both were logged like any query
    assert _prepared("/* planned */") == 1
    assert _prepared("/* usual */") == 0
    assert len(queries.captured_queries) == 16


def test_its_errors_are_djangos():
    user = UserFactory()

    with pytest.raises(IntegrityError), transaction.atomic(), planned_cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (username) SELECT username FROM accounts_user WHERE id = %s", [user.pk]
        )
