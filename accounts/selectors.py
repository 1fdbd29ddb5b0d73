"""Read-only queries about people, their organisations and roles.

Other apps check permissions through these (an examiner at this exam site, a trainer
of that training organisation), so they look only at memberships of active
organisations held by active users. A superuser holds no role here by being one:
apps that want to let administrators through say so explicitly.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet

from .encryption import lookup_hash
from .identity import InvalidIdNumber, normalize_id_number, parse_id_number
from .models import ExamBan, Membership, Organisation, User
from .phone import InvalidPhone, normalize_phone


def _is_member_candidate(user: User | AnonymousUser | None) -> TypeGuard[User]:
    return bool(user is not None and user.is_authenticated and user.is_active and user.pk)


def _memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user, organisation__is_active=True)


def roles_of(user: User | AnonymousUser | None) -> set[str]:
    """Every role the user holds in at least one active organisation (one query).

    Asked on every signed-in request (the MFA rule), so the query is written out: building
    it through the ORM cost four times what PostgreSQL spends answering it.
    """
    if not _is_member_candidate(user):
        return set()
    read_with_user = getattr(user, "active_roles", None)  # the request's user (accounts.backends)
    if isinstance(read_with_user, list):
        return set(read_with_user)
    with connection.cursor() as cursor:
        cursor.execute(
            _ROLES_SQL.format(membership=Membership._meta.db_table, organisation=Organisation._meta.db_table), [user.pk]
        )
        return {role for (role,) in cursor.fetchall()}


_ROLES_SQL = """
    SELECT DISTINCT m.role FROM {membership} m JOIN {organisation} o ON o.id = m.organisation_id
    WHERE m.user_id = %s AND o.is_active
"""


def organisations_of(user: User | AnonymousUser | None, *, role: str) -> QuerySet[Organisation]:
    """The active organisations in which the user holds `role`."""
    if not _is_member_candidate(user):
        return Organisation.objects.none()
    return Organisation.objects.filter(is_active=True, memberships__user=user, memberships__role=role).distinct()


def has_role(user: User | AnonymousUser | None, role: str, organisation: Organisation | None = None) -> bool:
    """Whether the user holds `role` (at `organisation`, when given) in an active organisation."""
    if not _is_member_candidate(user):
        return False
    memberships = _memberships(user).filter(role=role)
    if organisation is not None:
        memberships = memberships.filter(organisation=organisation)
    return memberships.exists()


def user_by_id_number(id_number: str) -> User | None:
    """The account registered with this ID number, found through its keyed hash."""
    value = normalize_id_number(id_number)
    try:
        value = parse_id_number(value).value
    except InvalidIdNumber:
        return None
    return User.objects.filter(id_number_hash=lookup_hash(value)).first()


def user_by_phone(phone: str) -> User | None:
    try:
        value = normalize_phone(phone)
    except InvalidPhone:
        return None
    return User.objects.filter(phone=value).first()


def active_exam_ban(user: User, *, on: dt.date) -> ExamBan | None:
    """The ban that bars `user` from exams on date `on`, the longest-running first."""
    return (
        ExamBan.objects.filter(user=user, lifted_at__isnull=True, starts_on__lte=on, ends_on__gt=on)
        .order_by("-ends_on")
        .first()
    )


def is_active_superuser(user: User | AnonymousUser | None) -> bool:
    """A signed-in, active superuser: the apps that let administrators through ask this."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)
