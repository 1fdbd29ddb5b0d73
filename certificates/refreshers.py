"""The yearly refresher of the management-ability certificate (order No. 3 art. 9).

Principal leaders and safety managers train again every year: at least 12 hours, 16 in
coal mines, non-coal mines, hazardous chemicals, fireworks and metal smelting. The
holder is reminded in the last 60 days of a certificate year; a year that ended
without its hours is flagged to the holder, the employer (employers read
``missed_refreshers_for``) and the authority (the desk), and the certificate does not
lapse on its own for it. The rules are in exams.catalogue.rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit import record_event
from courses.selectors import refresher_study
from exams.catalogue.models import QualificationKind
from exams.catalogue.rules import RefresherYear, current_refresher, missed_refreshers, refresher_years

from .models import Certificate, RefresherNotice
from .notifications import notify_holder_after_commit

#: The holder is reminded in the last days of a certificate year.
REMINDER_DAYS = 60


@dataclass(frozen=True)
class RefresherStatus:
    required: int
    current: RefresherYear | None
    missed: list[RefresherYear] = field(default_factory=list)

    @property
    def hours_left(self) -> float:
        if self.current is None:
            return 0.0
        return max(0.0, self.current.required - self.current.hours)


def _held_since(certificate: Certificate) -> dt.date:
    return certificate.last_reviewed_on or certificate.issued_on


def refresher_statuses(certificates: list[Certificate], *, today: dt.date | None = None) -> dict[int, RefresherStatus]:
    """The refresher state of each management certificate among ``certificates`` (needs
    ``subject__kind`` and ``subject__industry`` joined): one query for all of them."""
    today = today or timezone.localdate()
    wanted = [c for c in certificates if c.subject.kind.code == QualificationKind.Code.MANAGEMENT]
    if not wanted:
        return {}
    study = refresher_study(
        learner_ids=sorted({c.holder_id for c in wanted}), subject_ids=sorted({c.subject_id for c in wanted})
    )
    result = {}
    for certificate in wanted:
        held_since = _held_since(certificate)
        high_risk = certificate.subject.industry is not None and certificate.subject.industry.high_risk
        hours: list[float] = []
        for enrolled_at, seconds in study.get((certificate.holder_id, certificate.subject_id), []):
            enrolled_on = timezone.localtime(enrolled_at).date()
            if enrolled_on < held_since:
                continue
            index = _year_index(held_since, enrolled_on)
            while len(hours) <= index:
                hours.append(0.0)
            hours[index] += seconds / 3600
        years = refresher_years(held_since=held_since, today=today, hours_by_year=hours, high_risk=high_risk)
        required = years[0].required if years else (16 if high_risk else 12)
        result[certificate.pk] = RefresherStatus(
            required=required, current=current_refresher(years, today), missed=missed_refreshers(years, today)
        )
    return result


def _year_index(held_since: dt.date, day: dt.date) -> int:
    years = refresher_years(held_since=held_since, today=day, hours_by_year=[], high_risk=False)
    return max(0, len(years) - 1)


def _management_certificates():
    return Certificate.objects.select_related("holder", "subject__kind", "subject__industry", "authority").filter(
        subject__kind__code=QualificationKind.Code.MANAGEMENT, status__in=Certificate.CURRENT_STATUSES
    )


def send_refresher_notices(*, today: dt.date | None = None, batch_size: int = 500) -> int:
    """Daily: remind holders whose certificate year ends within 60 days without its
    refresher hours, and flag years that ended without them. Each notice goes once
    (RefresherNotice is unique per certificate, year and kind). Returns notices sent."""
    today = today or timezone.localdate()
    sent = 0
    certificates = list(_management_certificates().order_by("pk"))
    for start in range(0, len(certificates), batch_size):
        batch = certificates[start : start + batch_size]
        statuses = refresher_statuses(batch, today=today)
        for certificate in batch:
            status = statuses.get(certificate.pk)
            if status is None:
                continue
            current = status.current
            if (
                current is not None
                and not current.done
                and current.ends_on - dt.timedelta(days=REMINDER_DAYS) <= today
                and current.ends_on <= certificate.valid_until
            ):
                sent += _notice(certificate, current, RefresherNotice.Kind.DUE)
            for year in status.missed:
                sent += _notice(certificate, year, RefresherNotice.Kind.MISSED)
    return sent


def _notice(certificate: Certificate, year: RefresherYear, kind: str) -> int:
    try:
        with transaction.atomic():
            RefresherNotice.objects.create(
                certificate=certificate,
                year_ends_on=year.ends_on,
                kind=kind,
                hours=Decimal(str(round(year.hours, 2))),
                required=year.required,
                sent_at=timezone.now(),
            )
            data = {"year_ends_on": year.ends_on.isoformat(), "hours": round(year.hours, 2), "required": year.required}
            if kind == RefresherNotice.Kind.MISSED:
                record_event(actor=None, action="certificates.certificate.refresher_missed", obj=certificate, data=data)
                notify_holder_after_commit(
                    certificate,
                    "refresher_missed",
                    f"{year.starts_on:%Y-%m-%d}—{year.ends_on:%Y-%m-%d} 已完成 {year.hours:.1f} 学时，"
                    f"应完成 {year.required} 学时",
                )
            else:
                notify_holder_after_commit(
                    certificate,
                    "refresher_due",
                    f"请于 {year.ends_on:%Y-%m-%d} 前完成不少于 {year.required} 学时的年度再培训"
                    f"（已完成 {year.hours:.1f} 学时）",
                )
    except IntegrityError:
        return 0  # already sent
    return 1


def missed_refreshers_for(*, holder_ids: list[int], today: dt.date | None = None) -> dict[int, list[RefresherYear]]:
    """Missed refresher years of these holders' management certificates, by certificate id
    (for the employer's and the authority's lists)."""
    certificates = list(_management_certificates().filter(holder_id__in=holder_ids))
    statuses = refresher_statuses(certificates, today=today)
    return {pk: status.missed for pk, status in statuses.items() if status.missed}
