"""Employers check a roster: an Excel file of names with ID or certificate numbers in,
each person's certificate status out (on the page and as Excel).

All or nothing: a file with a bad row is refused with every bad row listed; lookups
are logged like any verification; ID numbers never come back unmasked.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identity import InvalidIdNumber, mask_id_number, parse_id_number
from accounts.models import User
from accounts.selectors import user_by_id_number
from spreadsheets import SpreadsheetRejected, read_rows

from . import selectors
from .models import VerificationLog
from .rules import mask_certificate_number, normalize_certificate_number

MAX_BYTES = 1024 * 1024
MAX_ROWS = 500
#: Rows of the sheet read at most, blank ones included (a header, the people, some gaps).
MAX_SHEET_ROWS = 2 * MAX_ROWS + 1
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


def parse_roster(upload) -> list[RosterRow]:
    """Read the first sheet: a header row with 姓名 and 身份证号 or 证号, then people."""
    if upload.size > MAX_BYTES:
        raise RosterError([str(_("文件不能超过 1 MB。"))])
    try:
        # The guarded reader: unpacked size, rows (empty ones count) and time are capped,
        # so a small file that unpacks to millions of rows is refused at once.
        rows = (values for _line, values in read_rows(upload.read(), max_rows=MAX_SHEET_ROWS))
        header = [str(cell or "").strip().lower() for cell in next(rows, ())]
        return _parse(rows, header)
    except SpreadsheetRejected as exc:
        raise RosterError([str(exc)]) from None


def _parse(rows, header: list[str]) -> list[RosterRow]:
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
        if len(parsed) >= MAX_ROWS:
            raise RosterError([str(_("一次最多核验 %(max)s 人。") % {"max": MAX_ROWS})])
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
