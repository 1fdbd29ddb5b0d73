"""The authentication backends: Django's and allauth's, reading the signed-in user on each
request, with the roles the MFA rule asks about, in one written-out query on PostgreSQL.

Every signed-in request reads its user by id, then the MFA rule reads the user's roles:
two queries, whose building through the ORM cost more than PostgreSQL spends answering
them. Elsewhere (SQLite) the stock read is used.
"""

from __future__ import annotations

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import connection

from .db import planned_cursor, without_health_check
from .models import Membership, Organisation, User

#: The signed-in user with ``active_roles``: every role held in an active organisation.
_USER_SQL = """
    SELECT {columns}, ARRAY(
        SELECT DISTINCT m.role FROM {membership} m JOIN {organisation} o ON o.id = m.organisation_id
        WHERE m.user_id = u.id AND o.is_active
    ) AS active_roles
    FROM {user} u WHERE u.id = %s
"""


@functools.cache
def _user_read() -> tuple[list, str]:
    """The user's columns read per request and the statement reading them, built once.
    The encrypted ID number is left deferred: read (and decrypted) only where it is shown."""
    fields = [field for field in User._meta.concrete_fields if field.attname != "id_number"]
    sql = _USER_SQL.format(
        columns=", ".join(f'u."{field.column}"' for field in fields),
        user=User._meta.db_table,
        membership=Membership._meta.db_table,
        organisation=Organisation._meta.db_table,
    )
    return fields, sql


def user_with_roles(user_id: int | str) -> User | None:
    """The user of that id with ``active_roles`` set (read by accounts.selectors.roles_of),
    or None; one query on PostgreSQL, planned once per connection (accounts.db), with no
    health-check SELECT 1 before it: it is the first query of nearly every signed-in request."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    fields, sql = _user_read()

    def read() -> tuple | None:
        with planned_cursor() as cursor:
            cursor.execute(sql, [pk])
            return cursor.fetchone()

    row = without_health_check(read)
    if row is None:
        return None
    values = list(row[:-1])
    for index, field in enumerate(fields):
        for convert in field.get_db_converters(connection):  # none today; kept for any field that has one
            values[index] = convert(values[index], None, connection)
    user = User.from_db(connection.alias, [field.attname for field in fields], values)
    user.active_roles = row[-1]
    return user


class _UserWithRoles:
    def get_user(self, user_id):
        if connection.vendor != "postgresql":
            return super().get_user(user_id)  # type: ignore[misc]
        user = user_with_roles(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_UserWithRoles, DjangoModelBackend):
    pass


class AuthenticationBackend(_UserWithRoles, AllauthBackend):
    pass
