"""Bulk extension: the regulator extends a selected group of certificates at once.

The 6,000-worker emergency: review dates (and validity where it would end sooner) move
to one date, with one reason, audited per certificate. Set-based: per chunk one read,
one UPDATE and two bulk INSERTs (history and audit), each chunk its own transaction so
progress shows in the admin and a crash resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import AuditEvent, Organisation, User
from accounts.on_commit import queue_task

from .models import BulkExtension, Certificate, CertificateEvent
from .tasks import run_bulk_extension_task

CHUNK_SIZE = 2000
MAX_CERTIFICATES = 100_000


def start_bulk_extension(
    *,
    authority: Organisation,
    certificate_ids: Iterable[int],
    until: dt.date,
    reason: str,
    actor: User,
    today: dt.date | None = None,
) -> BulkExtension:
    """Record the job and queue it after commit. Only the authority's own current
    certificates are taken; the others in the selection are left out."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写延期原因。")}, code="required")
    if until <= today:
        raise ValidationError({"until": _("延期日期须晚于今天。")}, code="past")
    wanted = sorted({int(pk) for pk in certificate_ids})
    if not wanted:
        raise ValidationError(_("请选择要延期的证书。"), code="empty")
    if len(wanted) > MAX_CERTIFICATES:
        raise ValidationError(_("一次最多延期 %(max)s 本证书。") % {"max": MAX_CERTIFICATES}, code="too_many")
    with transaction.atomic():
        ids = _own_current_ids(authority, wanted)
        job = BulkExtension.objects.create(
            authority=authority,
            until=until,
            reason=reason[:500],
            certificate_ids=sorted(ids),
            total=len(ids),
            requested_by=actor,
        )
        record_event(
            actor=actor,
            action="certificates.bulk_extension.requested",
            obj=job,
            data={"until": until.isoformat(), "total": len(ids), "selected": len(wanted), "reason": job.reason},
        )
        queue_task(run_bulk_extension_task, job.pk)
    return job


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
            extended = _extend_chunk(job=job, chunk=chunk, until=until)
            job.done += len(chunk)
            job.extended += extended
            job.save(update_fields=["done", "extended"])


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
