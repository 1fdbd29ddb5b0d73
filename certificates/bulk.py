"""Bulk extension: the regulator extends a selected group of certificates at once.

The 6,000-worker emergency: review dates (and validity where it would end sooner) move
to one date, with one reason, audited per certificate. Set-based: per chunk one read,
one UPDATE and two bulk INSERTs (history and audit), each chunk its own transaction so
progress shows in the admin and a crash resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.identity import mask_name
from accounts.models import AuditEvent, Organisation, User
from accounts.on_commit import queue_task

from .models import BulkExtension, Certificate, CertificateEvent
from .rules import extended_dates, restorable_by_extension
from .tasks import run_bulk_extension_task

CHUNK_SIZE = 2000
MAX_CERTIFICATES = 100_000
#: The preview lists this many certificates; the counts cover them all.
PREVIEW_ROWS = 200


@dataclass(frozen=True)
class PreviewRow:
    number: str
    holder_masked: str
    review_due: dt.date
    new_review_due: dt.date
    valid_until: dt.date
    new_valid_until: dt.date
    #: Lapsed inside the emergency window: restored, then extended.
    restored: bool


@dataclass(frozen=True)
class BulkPreview:
    """What confirming would do, read before anything is done."""

    #: Certificates the job would take (as ``start_bulk_extension`` counts them).
    total: int
    #: Of those, how many get a later date (the others already run past ``until``).
    changing: int
    rows: list[PreviewRow] = field(default_factory=list)
    #: Numbers typed in that are not the authority's certificates that can be extended.
    missing: list[str] = field(default_factory=list)
    #: Names the selection and the dates: confirming checks that it has not changed since.
    digest: str = ""

    @property
    def unchanged(self) -> int:
        return self.total - self.changing


def bulk_selection(
    authority: Organisation,
    *,
    numbers: list[str],
    operation_type=None,
    review_due_from: dt.date | None = None,
    review_due_to: dt.date | None = None,
    windowed: bool = False,
) -> QuerySet[Certificate]:
    """The authority's certificates a bulk extension is asked for: by typed numbers,
    operation type and review-due range. With an emergency window the lapsed ones are
    included too (the service keeps only those lapsed inside the window)."""
    statuses = list(Certificate.CURRENT_STATUSES)
    if windowed:
        statuses.append(Certificate.Status.LAPSED)
    selection = Certificate.objects.filter(authority=authority, status__in=statuses)
    if numbers:
        selection = selection.filter(number__in=numbers)
    if operation_type:
        selection = selection.filter(operation_type=operation_type)
    if review_due_from:
        selection = selection.filter(review_due__gte=review_due_from)
    if review_due_to:
        selection = selection.filter(review_due__lte=review_due_to)
    return selection


def preview_bulk_extension(
    *,
    authority: Organisation,
    certificate_ids: Iterable[int],
    until: dt.date,
    numbers: Iterable[str] = (),
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> BulkPreview:
    """The certificates ``start_bulk_extension`` would take for the same arguments, with
    their dates before and after, and the typed numbers it could not find. Reads only."""
    wanted = sorted({int(pk) for pk in certificate_ids})
    ids = _own_current_ids(authority, wanted)
    restored: set[int] = set()
    if window_start is not None and window_end is not None:
        restored = set(_restorable_ids(authority, wanted, window_start, window_end))
    taken = sorted({*ids, *restored})
    changing = 0
    rows: list[PreviewRow] = []
    found: set[str] = set()
    for start in range(0, len(taken), 10_000):
        for pk, number, holder_name, review_due, valid_until in (
            Certificate.objects.filter(pk__in=taken[start : start + 10_000])
            .order_by("number")
            .values_list("pk", "number", "holder_name", "review_due", "valid_until")
        ):
            found.add(number)
            new_review_due, new_valid_until = extended_dates(
                review_due=review_due, valid_until=valid_until, until=until
            )
            if (new_review_due, new_valid_until) != (review_due, valid_until) or pk in restored:
                changing += 1
            if len(rows) < PREVIEW_ROWS:
                rows.append(
                    PreviewRow(
                        number=number,
                        holder_masked=mask_name(holder_name),
                        review_due=review_due,
                        new_review_due=new_review_due,
                        valid_until=valid_until,
                        new_valid_until=new_valid_until,
                        restored=pk in restored,
                    )
                )
    missing = [number for number in dict.fromkeys(numbers) if number not in found]
    digest = hashlib.sha256(
        json.dumps([until.isoformat(), str(window_start), str(window_end), taken, sorted(restored)]).encode()
    ).hexdigest()[:32]
    return BulkPreview(total=len(taken), changing=changing, rows=rows, missing=missing, digest=digest)


def start_bulk_extension(
    *,
    authority: Organisation,
    certificate_ids: Iterable[int],
    until: dt.date,
    reason: str,
    actor: User,
    today: dt.date | None = None,
    window_start: dt.date | None = None,
    window_end: dt.date | None = None,
) -> BulkExtension:
    """Record the job and queue it after commit. Only the authority's own current
    certificates are taken; the others in the selection are left out.

    With an emergency window (``window_start``..``window_end``), the authority's
    certificates in the selection that lapsed by date inside it (their review or validity
    ran out during the emergency, not a failed review) are restored and extended too.
    """
    reason = (reason or "").strip()
    wanted = sorted({int(pk) for pk in certificate_ids})
    check_bulk_request(reason=reason, until=until, window_start=window_start, window_end=window_end, today=today)
    if not wanted:
        raise ValidationError(_("请选择要延期的证书。"), code="empty")
    if len(wanted) > MAX_CERTIFICATES:
        raise ValidationError(_("一次最多延期 %(max)s 本证书。") % {"max": MAX_CERTIFICATES}, code="too_many")
    with transaction.atomic():
        ids = _own_current_ids(authority, wanted)
        if window_start is not None and window_end is not None:
            ids += _restorable_ids(authority, wanted, window_start, window_end)
        job = BulkExtension.objects.create(
            authority=authority,
            until=until,
            window_start=window_start,
            window_end=window_end,
            reason=reason[:500],
            certificate_ids=sorted(ids),
            total=len(ids),
            requested_by=actor,
        )
        record_event(
            actor=actor,
            action="certificates.bulk_extension.requested",
            obj=job,
            data={
                "until": until.isoformat(),
                "total": len(ids),
                "selected": len(wanted),
                "reason": job.reason,
                "window": [window_start.isoformat(), window_end.isoformat()] if window_start and window_end else None,
            },
        )
        queue_task(run_bulk_extension_task, job.pk)
    return job


def check_bulk_request(
    *,
    reason: str,
    until: dt.date,
    window_start: dt.date | None,
    window_end: dt.date | None,
    today: dt.date | None = None,
) -> None:
    """The request's own rules, checked by the preview and again by ``start_bulk_extension``."""
    today = today or timezone.localdate()
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写延期原因。")}, code="required")
    if until <= today:
        raise ValidationError({"until": _("延期日期须晚于今天。")}, code="past")
    if (window_start is None) != (window_end is None):
        raise ValidationError(_("请同时填写应急期的开始和结束日期。"), code="window")
    if window_start is not None and window_end is not None and not window_start <= window_end <= until:
        raise ValidationError(_("应急期须先开始后结束，且不晚于延期日期。"), code="window")


def _own_current_ids(authority: Organisation, wanted: list[int]) -> list[int]:
    """The selected ids that are the authority's current certificates (chunked: SQLite
    caps the parameters of one query)."""
    ids: list[int] = []
    for start in range(0, len(wanted), 10_000):
        ids.extend(
            Certificate.objects.filter(
                pk__in=wanted[start : start + 10_000], authority=authority, status__in=Certificate.CURRENT_STATUSES
            ).values_list("pk", flat=True)
        )
    return ids


def _lapse_events(certificate_ids: list[int]) -> dict[int, CertificateEvent]:
    """The latest LAPSE or REVIEW step of each certificate: it says how it lapsed."""
    latest: dict[int, CertificateEvent] = {}
    for event in CertificateEvent.objects.filter(
        certificate_id__in=certificate_ids,
        action__in=(CertificateEvent.Action.LAPSE, CertificateEvent.Action.REVIEW, CertificateEvent.Action.RESTORE),
    ).order_by("certificate_id", "at", "pk"):
        latest[event.certificate_id] = event
    return latest


def _restorable_rows(rows: list[tuple], window_start: dt.date, window_end: dt.date) -> list[tuple]:
    """Of (pk, status, review_due, valid_until, holder_id, subject_id) rows, those lapsed
    by date inside the window (bulk extension's rule), with the status to go back to."""
    events = _lapse_events([row[0] for row in rows])
    result = []
    for pk, status, review_due, valid_until, holder_id, subject_id in rows:
        event = events.get(pk)
        by_date = event is not None and event.action == CertificateEvent.Action.LAPSE
        if restorable_by_extension(
            status=status,
            lapsed_by_date=by_date,
            review_due=review_due,
            valid_until=valid_until,
            window_start=window_start,
            window_end=window_end,
        ):
            result.append((pk, event.from_status if event else "valid", review_due, valid_until, holder_id, subject_id))
    return result


def _restorable_ids(
    authority: Organisation, wanted: list[int], window_start: dt.date, window_end: dt.date
) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(wanted), 10_000):
        rows = list(
            Certificate.objects.filter(
                pk__in=wanted[start : start + 10_000], authority=authority, status=Certificate.Status.LAPSED
            ).values_list("pk", "status", "review_due", "valid_until", "holder_id", "subject_id")
        )
        ids.extend(row[0] for row in _restorable_rows(rows, window_start, window_end))
    return ids


def run_bulk_extension(*, job_id: int, chunk_size: int = CHUNK_SIZE) -> BulkExtension:
    """Work through the job chunk by chunk from where it stopped; a finished job is a no-op."""
    job = BulkExtension.objects.get(pk=job_id)
    if job.status == BulkExtension.Status.DONE:
        return job
    BulkExtension.objects.filter(pk=job_id).update(status=BulkExtension.Status.RUNNING)
    ids: list[int] = job.certificate_ids
    until = job.until
    while True:
        with transaction.atomic():
            job = BulkExtension.objects.select_for_update().get(pk=job_id)
            chunk = ids[job.done : job.done + chunk_size]
            if not chunk:
                job.status = BulkExtension.Status.DONE
                job.finished_at = timezone.now()
                job.save(update_fields=["status", "finished_at"])
                return job
            restored = _restore_chunk(job=job, chunk=chunk, until=until)
            extended = _extend_chunk(job=job, chunk=chunk, until=until)
            job.done += len(chunk)
            job.extended += extended
            job.restored += restored
            job.save(update_fields=["done", "extended", "restored"])


def _extend_chunk(*, job: BulkExtension, chunk: list[int], until: dt.date) -> int:
    now = timezone.now()
    rows = list(
        Certificate.objects.select_for_update()
        .filter(pk__in=chunk, authority_id=job.authority_id, status__in=Certificate.CURRENT_STATUSES)
        .order_by("pk")
        .values_list("pk", "status", "review_due", "valid_until")
    )
    rows = [row for row in rows if row[2] < until or row[3] < until]
    if not rows:
        return 0
    Certificate.objects.filter(pk__in=[row[0] for row in rows]).update(
        review_due=Greatest(F("review_due"), Value(until)), valid_until=Greatest(F("valid_until"), Value(until))
    )
    actor_id = job.requested_by_id
    CertificateEvent.objects.bulk_create(
        [
            CertificateEvent(
                certificate_id=pk,
                action=CertificateEvent.Action.EXTEND,
                from_status=status,
                to_status=status,
                reason=job.reason,
                actor_id=actor_id,
                at=now,
                data={
                    "job": job.pk,
                    "review_due_before": review_due.isoformat(),
                    "valid_until_before": valid_until.isoformat(),
                    "until": until.isoformat(),
                },
            )
            for pk, status, review_due, valid_until in rows
        ],
        batch_size=1000,
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=actor_id,
                action="certificates.certificate.extended",
                object_type="certificates.certificate",
                object_id=str(pk),
                data={"job": job.pk, "until": until.isoformat(), "review_due_before": review_due.isoformat()},
            )
            for pk, _status, review_due, _valid_until in rows
        ],
        batch_size=1000,
    )
    return len(rows)


def _restore_chunk(*, job: BulkExtension, chunk: list[int], until: dt.date) -> int:
    """Restore the chunk's certificates that lapsed by date inside the job's window to the
    status they had, unless the holder has since been issued another current certificate
    for the subject. The extension that follows moves their dates on."""
    if job.window_start is None or job.window_end is None:
        return 0
    rows = list(
        Certificate.objects.select_for_update()
        .filter(pk__in=chunk, authority_id=job.authority_id, status=Certificate.Status.LAPSED)
        .order_by("pk")
        .values_list("pk", "status", "review_due", "valid_until", "holder_id", "subject_id")
    )
    restorable = _restorable_rows(rows, job.window_start, job.window_end)
    if not restorable:
        return 0
    taken = set(
        Certificate.objects.filter(
            holder_id__in={row[4] for row in restorable}, status__in=Certificate.CURRENT_STATUSES
        ).values_list("holder_id", "subject_id")
    )
    restorable = [row for row in restorable if (row[4], row[5]) not in taken]
    now = timezone.now()
    reason = str(_("应急期批量延期恢复"))
    for status in {row[1] for row in restorable}:
        Certificate.objects.filter(pk__in=[row[0] for row in restorable if row[1] == status]).update(
            status=status, status_changed_at=now, status_reason=reason
        )
    CertificateEvent.objects.bulk_create(
        [
            CertificateEvent(
                certificate_id=pk,
                action=CertificateEvent.Action.RESTORE,
                from_status=Certificate.Status.LAPSED,
                to_status=status,
                reason=job.reason,
                actor_id=job.requested_by_id,
                at=now,
                data={"job": job.pk, "window": [job.window_start.isoformat(), job.window_end.isoformat()]},
            )
            for pk, status, *_rest in restorable
        ]
    )
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor_id=job.requested_by_id,
                action="certificates.certificate.restored",
                object_type="certificates.certificate",
                object_id=str(pk),
                data={"job": job.pk, "to": status, "until": until.isoformat()},
            )
            for pk, status, *_rest in restorable
        ]
    )
    return len(restorable)
