"""Exam selectors: scoped to the user and a fixed number of queries."""

from __future__ import annotations

import pytest

from exams.theory import selectors
from exams.theory.services import start_attempt
from tests.factories import UserFactory, make_theory

pytestmark = pytest.mark.django_db


def test_registrations_for_reads_a_list_in_one_query(django_assert_num_queries):
    # given: three registrations, one with an attempt
    candidate = UserFactory()
    theories = [make_theory(candidate=candidate) for _ in range(3)]
    start_attempt(registration=theories[0].registration)
    make_theory()  # someone else's

    # when / then
    with django_assert_num_queries(1):
        rows = [
            (r.session.name, r.session.site.name, r.operation_type.name, getattr(r, "attempt", None))
            for r in selectors.registrations_for(candidate)
        ]
    assert len(rows) == 3
    assert sum(1 for row in rows if row[3] is not None) == 1


def test_open_attempt_for(theory):
    assert selectors.open_attempt_for(theory.candidate) is None

    attempt = start_attempt(registration=theory.registration)

    assert selectors.open_attempt_for(theory.candidate) == attempt
    assert selectors.open_attempt_for(UserFactory()) is None
