"""The gate check for contractors' people (门岗核验): an employer uploads a contractor's
roster of any size; a task checks it in chunks through certificates.roster's matching
(each lookup logged as a roster verification), with its progress on the page; results
are kept 30 days, then removed nightly.

All or nothing on upload: a file with a bad row is refused with every bad row named.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.audit import record_event
from accounts.identity import InvalidIdNumber, parse_id_number
from accounts.models import Organisation, Role, User
from accounts.on_commit import queue_task
from accounts.selectors import has_role
from certificates.roster import RosterRow, check_roster
from certificates.rules import normalize_certificate_number
from spreadsheets import SpreadsheetRejected, read_rows

from .models import GateCheck
from .services import NOT_AN_EMPLOYER, StaffImportError
from .tasks import run_gate_check_task

#: A contractor's whole workforce in one file.
MAX_ROWS = 50_000
CHUNK = 200
KEEP_DAYS = 30
NAME_HEADERS = {"姓名", "name"}
KEY_HEADERS = {"身份证号", "身份证号码", "证号", "证书编号", "证书号", "id", "number"}


def read_gate_roster(data: bytes) -> list[RosterRow]:
    """Every person of the file (姓名 and 身份证号 or 证号); StaffImportError names every bad row."""
    rows: list[RosterRow] = []
    errors: list[str] = []
    name_col = key_col = None
    try:
        for line, values in read_rows(data, max_rows=MAX_ROWS + 1):
            cells = ["" if value is None else str(value).strip() for value in values]
            if name_col is None or key_col is None:
                header = [cell.lower() for cell in cells]
                name_col = next((i for i, h in enumerate(header) if h in NAME_HEADERS), None)
                key_col = next((i for i, h in enumerate(header) if h in KEY_HEADERS), None)
                if name_col is None or key_col is None:
                    raise StaffImportError([gettext("第1行须为表头：“姓名”和“身份证号”或“证号”。")])
                continue
            cells += [""] * (max(name_col, key_col) + 1 - len(cells))
            name, key = cells[name_col], cells[key_col]
            if not name and not key:
                continue
            if not name or not key:
                errors.append(gettext("第%(line)s行：姓名和身份证号/证号都要填写。") % {"line": line})
                continue
            try:
                rows.append(RosterRow(line=line, name=name, id_number=parse_id_number(key).value))
            except InvalidIdNumber:
                number = normalize_certificate_number(key)
                if not number.isalnum() or len(number) > 40:
                    errors.append(gettext("第%(line)s行：身份证号或证号格式不正确。") % {"line": line})
                    continue
                rows.append(RosterRow(line=line, name=name, number=number))
    except SpreadsheetRejected as exc:
        raise StaffImportError([str(exc)]) from exc
    if errors:
        raise StaffImportError(errors)
    if not rows:
        raise StaffImportError([gettext("文件中没有要核验的人员。")])
    return rows


def start_gate_check(*, organisation: Organisation, actor: User, data: bytes, name: str) -> GateCheck:
    """Check the file and queue its check; nothing is stored for a refused file."""
    if organisation.kind != Organisation.Kind.EMPLOYER or not has_role(actor, Role.EMPLOYER, organisation):
        raise PermissionDenied(NOT_AN_EMPLOYER)
    rows = read_gate_roster(data)
    with transaction.atomic():
        check = GateCheck.objects.create(
            organisation=organisation,
            name=(name or "roster.xlsx")[:200],
            total=len(rows),
            pending_rows=json.dumps([dataclasses.asdict(row) for row in rows], ensure_ascii=False),
            requested_by=actor,
        )
        record_event(actor=actor, action="employers.gate_check.requested", obj=check, data={"people": len(rows)})
        queue_task(run_gate_check_task, check.pk)
    return check


def run_gate_check(*, check_id: int, client: str = "gate-check") -> GateCheck | None:
    """Work through the roster, one chunk per transaction, so the page shows progress and a
    worker stopped midway resumes where it left off."""
    while True:
        with transaction.atomic():
            check = (
                GateCheck.objects.select_for_update(of=("self",))
                .select_related("requested_by")
                .filter(pk=check_id)
                .first()
            )
            if check is None or check.status in (GateCheck.Status.DONE, GateCheck.Status.FAILED):
                return check
            pending = json.loads(check.pending_rows or "[]")
            if not pending:
                check.status = GateCheck.Status.DONE
                check.finished_at = timezone.now()
                check.pending_rows = ""
                check.save(update_fields=["status", "finished_at", "pending_rows"])
                record_event(
                    actor=check.requested_by,
                    action="employers.gate_check.finished",
                    obj=check,
                    data={"people": check.total, "found": check.found},
                )
                return check
            chunk, rest = pending[:CHUNK], pending[CHUNK:]
            requester = check.requested_by
            results = check_roster(rows=[RosterRow(**row) for row in chunk], user=requester, client=client)
            check.results = [*check.results, *(dataclasses.asdict(result) for result in results)]
            check.done += len(chunk)
            check.found += sum(1 for result in results if result.found)
            check.pending_rows = json.dumps(rest, ensure_ascii=False) if rest else ""
            check.status = GateCheck.Status.RUNNING
            check.save(update_fields=["results", "done", "found", "pending_rows", "status"])


def purge_gate_checks(*, now: dt.datetime | None = None) -> int:
    """Remove checks older than 30 days (their results with them); returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=KEEP_DAYS)
    deleted, _ = GateCheck.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def gate_checks(organisation: Organisation) -> list[GateCheck]:
    return list(GateCheck.objects.filter(organisation=organisation).defer("pending_rows", "results")[:30])


def gate_check(organisation: Organisation, pk: int) -> GateCheck | None:
    return GateCheck.objects.filter(organisation=organisation, pk=pk).defer("pending_rows").first()
