"""Employers check a roster: an Excel file of names with ID or certificate numbers in,
each person's certificate status out (on the page and as Excel).

All or nothing: a file with a bad row is refused with every bad row listed; lookups
are logged like any verification; ID numbers never come back unmasked. A roster of more
than ``settings.ROSTER_SYNC_ROWS`` people is checked by a task (``RosterCheck``), with its
progress on the roster page, so no request holds a worker for long.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identity import InvalidIdNumber, mask_id_number, parse_id_number
from accounts.models import User
from accounts.on_commit import queue_task
from accounts.selectors import user_by_id_number
from spreadsheets import SpreadsheetRejected, read_rows

from . import selectors
from .models import RosterCheck, VerificationLog
from .rules import mask_certificate_number, normalize_certificate_number
from .tasks import run_roster_check_task

MAX_BYTES = 1024 * 1024
#: People checked per transaction by the task (progress moves on after each chunk).
CHUNK_SIZE = 100
#: Large roster checks (results and any file left) are kept this many days.
KEEP_DAYS = 30
NAME_HEADERS = {"姓名", "name"}
KEY_HEADERS = {"身份证号", "身份证号码", "证号", "证书编号", "证书号", "id", "number"}


class RosterError(ValueError):
    """The file cannot be checked; ``errors`` says why, row by row where it can."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    id_number: str = ""
    number: str = ""


@dataclass
class RosterResult:
    line: int
    name: str
    key_masked: str
    found: bool
    certificates: list[dict] = field(default_factory=list)


def max_rows() -> int:
    """People on one roster at most (settings.ROSTER_MAX_ROWS)."""
    return int(settings.ROSTER_MAX_ROWS)


def parse_roster(upload) -> list[RosterRow]:
    """Read the first sheet: a header row with 姓名 and 身份证号 or 证号, then people."""
    if upload.size > MAX_BYTES:
        raise RosterError([str(_("文件不能超过 1 MB。"))])
    return parse_roster_content(upload.read())


def parse_roster_content(content: bytes) -> list[RosterRow]:
    most = max_rows()
    try:
        # The guarded reader: unpacked size, rows (empty ones count) and time are capped,
        # so a small file that unpacks to millions of rows is refused at once. Rows read at
        # most, blank ones included: a header, the people, some gaps.
        rows = (values for _line, values in read_rows(content, max_rows=2 * most + 1))
        header = [str(cell or "").strip().lower() for cell in next(rows, ())]
        return _parse(rows, header, most)
    except SpreadsheetRejected as exc:
        raise RosterError([str(exc)]) from None


def _parse(rows, header: list[str], most: int) -> list[RosterRow]:
    name_col = next((i for i, h in enumerate(header) if h in NAME_HEADERS), None)
    key_col = next((i for i, h in enumerate(header) if h in KEY_HEADERS), None)
    if name_col is None or key_col is None:
        raise RosterError([str(_("第1行须为表头：“姓名”和“身份证号”或“证号”。"))])
    parsed: list[RosterRow] = []
    errors: list[str] = []
    for line, values in enumerate(rows, start=2):
        values = list(values) + [None] * (max(name_col, key_col) + 1 - len(values))
        name = str(values[name_col] or "").strip()
        key = str(values[key_col] or "").strip()
        if not name and not key:
            continue
        if len(parsed) >= most:
            raise RosterError([str(_("一次最多核验 %(max)s 人。") % {"max": most})])
        if not name or not key:
            errors.append(str(_("第%(line)s行：姓名和身份证号/证号都要填写。") % {"line": line}))
            continue
        try:
            parsed.append(RosterRow(line=line, name=name, id_number=parse_id_number(key).value))
        except InvalidIdNumber:
            number = normalize_certificate_number(key)
            if not number.isalnum() or len(number) > 40:
                errors.append(str(_("第%(line)s行：身份证号或证号格式不正确。") % {"line": line}))
                continue
            parsed.append(RosterRow(line=line, name=name, number=number))
    if errors:
        raise RosterError(errors)
    if not parsed:
        raise RosterError([str(_("文件中没有要核验的人员。"))])
    return parsed


def check_roster(*, rows: list[RosterRow], user: User, client: str, today: dt.date | None = None) -> list[RosterResult]:
    """Each person's certificates (status as a verifier sees it), all lookups logged."""
    today = today or timezone.localdate()
    results: list[RosterResult] = []
    logs: list[VerificationLog] = []
    for row in rows:
        if row.id_number:
            holder = user_by_id_number(row.id_number)
            found = (
                [
                    certificate
                    for certificate in selectors.certificates_for_holder(holder)
                    if certificate.holder_name.strip() == row.name
                ]
                if holder is not None
                else []
            )
            key_masked = mask_id_number(row.id_number)
        else:
            certificate = selectors.find_by_number_and_name(row.number, row.name)
            found = [certificate] if certificate is not None else []
            key_masked = mask_certificate_number(row.number)
        records = [selectors.public_record(certificate, today=today) for certificate in found]
        results.append(
            RosterResult(
                line=row.line,
                name=row.name,
                key_masked=key_masked,
                found=bool(found),
                certificates=[
                    {
                        "operation_type": record.operation_type_name,
                        "number": record.number,
                        "status": str(record.status),
                        "status_label": record.status_label,
                        "status_class": record.status_class,
                        "valid_until": record.valid_until.isoformat(),
                        "review_due": record.review_due.isoformat(),
                        "issuer": record.issuer,
                    }
                    for record in records
                ],
            )
        )
        logs.extend(
            VerificationLog(
                certificate=certificate,
                authority_id=certificate.authority_id,
                channel=VerificationLog.Channel.ROSTER,
                found=True,
                result=str(record.status),
                client=client,
                user=user,
            )
            for certificate, record in zip(found, records, strict=True)
        )
        if not found:
            logs.append(
                VerificationLog(
                    channel=VerificationLog.Channel.ROSTER, found=False, result="not_found", client=client, user=user
                )
            )
    VerificationLog.objects.bulk_create(logs)
    return results


def is_large(rows: list[RosterRow]) -> bool:
    """Checked by a task rather than within the request."""
    return len(rows) > int(settings.ROSTER_SYNC_ROWS)


def start_roster_check(*, user: User, content: bytes, total: int, client: str) -> RosterCheck:
    """Keep a parsed roster privately and queue its check; the page follows its progress."""
    with transaction.atomic():
        job = RosterCheck(requested_by=user, client=client, total=total)
        job.file.save("roster.xlsx", ContentFile(content), save=False)
        job.save()
        queue_task(run_roster_check_task, job.pk)
    return job


def run_roster_check(*, job_id: int, chunk_size: int = CHUNK_SIZE) -> RosterCheck:
    """Check the stored roster chunk by chunk from where it stopped; a finished job is a
    no-op. The file is deleted once the results are in (they hold masked numbers only)."""
    job = RosterCheck.objects.select_related("requested_by").get(pk=job_id)
    if job.finished:
        return job
    try:
        with job.file.open("rb") as handle:
            rows = parse_roster_content(handle.read())
    except (RosterError, OSError, ValueError):
        return _finish(job_id, status=RosterCheck.Status.FAILED)
    RosterCheck.objects.filter(pk=job_id).update(status=RosterCheck.Status.RUNNING, total=len(rows))
    while True:
        with transaction.atomic():
            job = RosterCheck.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=job_id)
            chunk = rows[job.done : job.done + chunk_size]
            if not chunk:
                break
            results = check_roster(rows=chunk, user=job.requested_by, client=job.client)
            job.results = [*job.results, *(result.__dict__ for result in results)]
            job.done += len(chunk)
            job.found += sum(1 for result in results if result.found)
            job.save(update_fields=["results", "done", "found"])
    return _finish(job_id, status=RosterCheck.Status.DONE)


def _finish(job_id: int, *, status: str) -> RosterCheck:
    with transaction.atomic():
        job = RosterCheck.objects.select_for_update().get(pk=job_id)
        stored = job.file.name
        job.status = status
        job.finished_at = timezone.now()
        job.file = ""
        job.save(update_fields=["status", "finished_at", "file"])
        if stored:
            storage = job.file.storage
            transaction.on_commit(lambda: storage.delete(stored))
    return job


def purge_roster_checks(*, now: dt.datetime | None = None) -> int:
    """Remove roster checks older than KEEP_DAYS, with their results and any file left."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=KEEP_DAYS)
    old = list(RosterCheck.objects.filter(created_at__lt=cutoff).only("pk", "file"))
    files = [job.file.name for job in old if job.file]
    with transaction.atomic():
        deleted, _counts = RosterCheck.objects.filter(pk__in=[job.pk for job in old]).delete()
        storage = RosterCheck._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return deleted


def roster_workbook(results: list[dict]) -> bytes:
    """The results as an Excel file, one row per certificate (or per person not found)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("核验结果"))
    sheet.append(
        [
            str(h)
            for h in (
                _("行号"),
                _("姓名"),
                _("身份证号/证号"),
                _("操作项目"),
                _("证号"),
                _("状态"),
                _("有效期至"),
                _("应复审日期"),
                _("发证机关"),
            )
        ]
    )
    for result in results:
        if not result["certificates"]:
            sheet.append([result["line"], result["name"], result["key_masked"], "", "", str(_("未找到")), "", "", ""])
        for item in result["certificates"]:
            sheet.append(
                [
                    result["line"],
                    result["name"],
                    result["key_masked"],
                    item["operation_type"],
                    item["number"],
                    item["status_label"],
                    item["valid_until"],
                    item["review_due"],
                    item["issuer"],
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
