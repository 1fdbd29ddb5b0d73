"""What a post requires and what falls due: pure functions over dataclasses, no database.

Training (order No. 3, 生产经营单位安全培训规定): a new worker gets three-level safety
education (三级安全教育) of at least 24 hours, 72 in high-risk sectors (mines, hazardous
chemicals, fireworks, metal smelting), then at least 20 hours of refresher training a
year. Certificates: a special-operations certificate is reviewed every 3 years and
renewed at 6; a three-post (management) certificate is renewed every 3 years. An
employer sees what falls due within 30, 60 and 90 days, and what is missing now.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

NEW_WORKER_HOURS = 24
HIGH_RISK_NEW_WORKER_HOURS = 72
YEARLY_REFRESHER_HOURS = 20
#: The windows an employer looks ahead, in days.
HORIZONS = (30, 60, 90)
#: Display statuses (certificates.rules.DisplayStatus values) of a certificate in force.
IN_FORCE = frozenset({"valid", "review_due_soon"})


def new_worker_hours(*, high_risk: bool) -> int:
    """Hours of three-level safety education a new worker on the post needs."""
    return HIGH_RISK_NEW_WORKER_HOURS if high_risk else NEW_WORKER_HOURS


class DueKind(enum.StrEnum):
    MISSING = "missing"
    REVIEW = "review"
    RENEWAL = "renewal"
    #: The yearly refresher of principal leaders and safety managers (order No. 3 art. 9).
    REFRESHER = "refresher"


DUE_KIND_LABELS = {
    DueKind.MISSING: _("缺证"),
    DueKind.REVIEW: _("复审"),
    DueKind.RENEWAL: _("换证"),
    DueKind.REFRESHER: _("年度再培训"),
}


@dataclass(frozen=True)
class Requirement:
    """A certificate a post needs: a subject (operation type, or post in an industry)."""

    subject_code: str
    subject_name: str


@dataclass(frozen=True)
class HeldCertificate:
    subject_code: str
    subject_name: str
    number: str
    #: The display status today (certificates.rules.display_status).
    status: str
    review_due: dt.date
    valid_until: dt.date
    #: Management certificates: the end of the current refresher year while its hours are
    #: not done, or the end of a year that was missed (then overdue).
    refresher_due_on: dt.date | None = None


@dataclass(frozen=True)
class DueItem:
    kind: DueKind
    subject_name: str
    #: None for a certificate missing now.
    due_on: dt.date | None
    days_left: int
    number: str = ""

    @property
    def label(self) -> str:
        return str(DUE_KIND_LABELS[self.kind])

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 or self.kind == DueKind.MISSING


def due_items(
    *,
    required: Iterable[Requirement],
    held: Iterable[HeldCertificate],
    today: dt.date,
    horizon: int = HORIZONS[-1],
) -> list[DueItem]:
    """What falls due within ``horizon`` days, soonest first: reviews and renewals of
    certificates in force, and required certificates the person does not hold in force
    (missing, lapsed, revoked ... all the same to the employer: due now)."""
    items: list[DueItem] = []
    in_force = [certificate for certificate in held if certificate.status in IN_FORCE]
    for certificate in in_force:
        renewal = certificate.valid_until <= certificate.review_due
        due_on = certificate.valid_until if renewal else certificate.review_due
        days_left = (due_on - today).days
        if days_left <= horizon:
            items.append(
                DueItem(
                    kind=DueKind.RENEWAL if renewal else DueKind.REVIEW,
                    subject_name=certificate.subject_name,
                    due_on=due_on,
                    days_left=days_left,
                    number=certificate.number,
                )
            )
        if certificate.refresher_due_on is not None:
            days_left = (certificate.refresher_due_on - today).days
            if days_left <= horizon:
                items.append(
                    DueItem(
                        kind=DueKind.REFRESHER,
                        subject_name=certificate.subject_name,
                        due_on=certificate.refresher_due_on,
                        days_left=days_left,
                        number=certificate.number,
                    )
                )
    held_codes = {certificate.subject_code for certificate in in_force}
    for requirement in required:
        if requirement.subject_code not in held_codes:
            items.append(DueItem(kind=DueKind.MISSING, subject_name=requirement.subject_name, due_on=None, days_left=0))
    return sorted(items, key=lambda item: (item.days_left, item.subject_name))


def within(items: Iterable[DueItem], days: int) -> list[DueItem]:
    """The items due within ``days`` (missing and overdue ones included)."""
    return [item for item in items if item.days_left <= days]


def counts_by_horizon(items: Iterable[DueItem]) -> dict[int, int]:
    """How many items fall due within each horizon (cumulative: the 60 include the 30)."""
    items = list(items)
    return {days: len(within(items, days)) for days in HORIZONS}
