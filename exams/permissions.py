"""Who may do what in exams. One function per question, one test per branch.

Roles come from accounts.selectors (memberships of active organisations held by
active users); superusers are let through here explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import Role
from accounts.selectors import has_role, organisations_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import Organisation, User

    from .models import ExamSession


def _is_superuser(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_examiner(user: User | AnonymousUser) -> bool:
    """An examiner at any exam site (or a superuser): may open the practical roster."""
    return _is_superuser(user) or has_role(user, Role.EXAMINER)


def examiner_site_ids(user: User | AnonymousUser) -> list[int]:
    """The sites at which the user examines; superusers are handled by the callers."""
    return list(organisations_of(user, role=Role.EXAMINER).values_list("pk", flat=True))


def can_score_at(user: User | AnonymousUser, site: Organisation) -> bool:
    """Practical results are recorded only by an examiner member of the session's site."""
    return _is_superuser(user) or has_role(user, Role.EXAMINER, organisation=site)


def is_regulator(user: User | AnonymousUser) -> bool:
    """A regulator at any issuing authority (or a superuser): plans sessions, approves, sees statistics."""
    return _is_superuser(user) or has_role(user, Role.REGULATOR)


def can_administer(user: User | AnonymousUser, authority: Organisation) -> bool:
    """Sessions are planned and registrations decided by the regulators of the session's authority."""
    return _is_superuser(user) or has_role(user, Role.REGULATOR, organisation=authority)


def regulator_authority_ids(user: User | AnonymousUser) -> list[int]:
    return list(organisations_of(user, role=Role.REGULATOR).values_list("pk", flat=True))


def is_trainer(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.TRAINER)


def can_register_for(user: User | AnonymousUser, training_organisation: Organisation) -> bool:
    """Staff of a training organisation register its own learners, and nobody else's."""
    return _is_superuser(user) or has_role(user, Role.TRAINER, organisation=training_organisation)


def trainer_organisation_ids(user: User | AnonymousUser) -> list[int]:
    return list(organisations_of(user, role=Role.TRAINER).values_list("pk", flat=True))


def can_invigilate(user: User | AnonymousUser, session: ExamSession) -> bool:
    """Theory attempts are invigilated by an examiner of the session's exam site or a
    regulator of its issuing authority."""
    return (
        _is_superuser(user)
        or has_role(user, Role.EXAMINER, organisation=session.site)
        or has_role(user, Role.REGULATOR, organisation=session.authority)
    )


def invigilated_site_and_authority_ids(user: User | AnonymousUser) -> tuple[list[int], list[int]]:
    """(exam sites where the user examines, authorities where the user regulates)."""
    return (
        list(organisations_of(user, role=Role.EXAMINER).values_list("pk", flat=True)),
        list(organisations_of(user, role=Role.REGULATOR).values_list("pk", flat=True)),
    )
