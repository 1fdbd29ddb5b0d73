"""Who may examine where. One function per question, one test per branch.

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
    from exams.admission.models import ExamSession


def is_examiner(user: User | AnonymousUser) -> bool:
    """An examiner at any exam site (or a superuser): may open the practical roster."""
    return is_active_superuser(user) or has_role(user, Role.EXAMINER)


def examiner_site_ids(user: User | AnonymousUser) -> list[int]:
    """The sites at which the user examines; superusers are handled by the callers."""
    return list(organisations_of(user, role=Role.EXAMINER).values_list("pk", flat=True))


def can_score_at(user: User | AnonymousUser, site: Organisation) -> bool:
    """Practical results are recorded only by an examiner member of the session's site."""
    return is_active_superuser(user) or has_role(user, Role.EXAMINER, organisation=site)


def can_see_evidence(user: User | AnonymousUser, session: ExamSession) -> bool:
    """Evidence photos are seen by the examiners of the session's site and the regulators
    of its authority, never through public media."""
    return (
        is_active_superuser(user)
        or has_role(user, Role.EXAMINER, organisation=session.site)
        or has_role(user, Role.REGULATOR, organisation=session.authority)
    )
