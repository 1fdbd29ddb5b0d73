"""Who may plan sessions, decide registrations and register learners. One function per
question, one test per branch.

Roles come from accounts.selectors (memberships of active organisations held by
active users); superusers are let through here explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import Role
from accounts.selectors import has_role, is_active_superuser, organisations_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import Organisation, User


def is_regulator(user: User | AnonymousUser) -> bool:
    """A regulator at any issuing authority (or a superuser): plans sessions, approves, sees statistics."""
    return is_active_superuser(user) or has_role(user, Role.REGULATOR)


def can_administer(user: User | AnonymousUser, authority: Organisation) -> bool:
    """Sessions are planned and registrations decided by the regulators of the session's authority."""
    return is_active_superuser(user) or has_role(user, Role.REGULATOR, organisation=authority)


def regulator_authority_ids(user: User | AnonymousUser) -> list[int]:
    return list(organisations_of(user, role=Role.REGULATOR).values_list("pk", flat=True))


def is_trainer(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.TRAINER)


def can_register_for(user: User | AnonymousUser, training_organisation: Organisation) -> bool:
    """Staff of a training organisation register its own learners, and nobody else's."""
    return is_active_superuser(user) or has_role(user, Role.TRAINER, organisation=training_organisation)


def trainer_organisation_ids(user: User | AnonymousUser) -> list[int]:
    return list(organisations_of(user, role=Role.TRAINER).values_list("pk", flat=True))
