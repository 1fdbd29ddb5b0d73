"""What the learner's dashboard shows, read from the other apps in a fixed number of queries.

The cms app only reads here; nothing else imports it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from accounts.models import Role
from accounts.selectors import roles_of
from certificates.models import Certificate
from certificates.rules import DISPLAY_STATUS_CLASSES, DISPLAY_STATUS_LABELS, display_status
from certificates.selectors import certificate_state, certificates_for_holder
from courses.selectors import CourseProgress, enrolments_for
from exams.models import Registration
from exams.selectors import registrations_for

if TYPE_CHECKING:
    from accounts.models import User

#: Roles whose holders work in the Wagtail admin.
STAFF_ROLES = frozenset({Role.TRAINER, Role.EXAMINER, Role.REGULATOR, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class CertificateEntry:
    """A certificate with the status it has today (it may have lapsed since it was stored)."""

    certificate: Certificate
    status: str
    status_label: str
    css_class: str


@dataclass(frozen=True)
class Dashboard:
    courses: list[CourseProgress]
    registrations: list[Registration]
    certificates: list[CertificateEntry]
    roles: frozenset[str]
    is_site_staff: bool = False

    @property
    def shows_admin(self) -> bool:
        return self.is_site_staff or bool(self.roles & STAFF_ROLES)

    @property
    def shows_practical(self) -> bool:
        return Role.EXAMINER in self.roles


def dashboard_for(*, user: User, today: dt.date | None = None) -> Dashboard:
    """Courses (3 queries), registrations, certificates and roles (1 each)."""
    today = today or timezone.localdate()
    registrations = list(registrations_for(user))
    certificates = []
    for certificate in certificates_for_holder(user):
        status = display_status(certificate_state(certificate), today)
        label = str(DISPLAY_STATUS_LABELS[status])
        certificates.append(
            CertificateEntry(
                certificate=certificate,
                status=str(status),
                status_label=label,
                css_class=DISPLAY_STATUS_CLASSES[status],
            )
        )
    roles = frozenset(roles_of(user))
    return Dashboard(
        courses=enrolments_for(learner=user),
        registrations=registrations,
        certificates=certificates,
        roles=roles,
        is_site_staff=user.is_staff or user.is_superuser,
    )


def home_sections(*, home) -> dict:
    """The course sections and latest notices linked from the home page: two queries."""
    from courses.models import CourseIndexPage

    from .models import NoticePage

    return {
        "course_indexes": list(CourseIndexPage.objects.live().child_of(home).order_by("path")),
        "notices": list(NoticePage.objects.live().descendant_of(home).order_by("-published_on", "-pk")[:5]),
    }
