"""Who may invigilate a theory session. One function per question, one test per branch.

Roles come from accounts.selectors (memberships of active organisations held by
active users); superusers are let through here explicitly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import Role
from accounts.selectors import has_role, is_active_superuser, organisations_of

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from exams.admission.models import ExamSession


def can_invigilate(user: User | AnonymousUser, session: ExamSession) -> bool:
    """Theory attempts are invigilated by an examiner of the session's exam site or a
    regulator of its issuing authority."""
    return (
        is_active_superuser(user)
        or has_role(user, Role.EXAMINER, organisation=session.site)
        or has_role(user, Role.REGULATOR, organisation=session.authority)
    )


def invigilated_site_and_authority_ids(user: User | AnonymousUser) -> tuple[list[int], list[int]]:
    """(exam sites where the user examines, authorities where the user regulates)."""
    return (
        list(organisations_of(user, role=Role.EXAMINER).values_list("pk", flat=True)),
        list(organisations_of(user, role=Role.REGULATOR).values_list("pk", flat=True)),
    )
