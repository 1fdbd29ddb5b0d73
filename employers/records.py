"""The training archive (培训档案) inspectors ask an employer for: one PDF per person (through
``printing.render_pdf``) and one Excel workbook for the whole firm.

Only people who consented appear with their certificates; the others are listed with
what the employer typed and "待本人同意". ID numbers are masked in both.
"""

from __future__ import annotations

import datetime as dt
import io

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Organisation
from printing import FONT_FAMILY, render_pdf

from .rules import HORIZONS, new_worker_hours, within
from .selectors import StaffRow

PAGE_CSS = f"""
@page {{ size: A4; margin: 16mm 14mm; }}
body {{ font-family: "{FONT_FAMILY}"; font-size: 10.5pt; color: #111; }}
h1 {{ font-size: 16pt; margin: 0 0 4mm; }}
h2 {{ font-size: 12pt; margin: 6mm 0 2mm; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #999; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }}
th {{ background: #eef2f7; }}
.facts th {{ width: 28mm; }}
.muted {{ color: #555; font-size: 9pt; }}
ul {{ list-style: none; padding-left: 0; }}
"""


def post_hours(post) -> int | None:
    """The new-worker education hours the post asks for, or None when it asks none."""
    if post is None or not post.new_worker_education:
        return None
    return new_worker_hours(high_risk=post.high_risk)


def person_record_pdf(*, organisation: Organisation, row: StaffRow, today: dt.date | None = None) -> bytes:
    """One person's archive: who, where, what the post requires, certificates, what is due."""
    today = today or timezone.localdate()
    post = row.entry.post
    html = render_to_string(
        "employers/record_pdf.html",
        {
            "organisation": organisation,
            "row": row,
            "entry": row.entry,
            "new_worker_hours": new_worker_hours(high_risk=post.high_risk)
            if post and post.new_worker_education
            else None,
            "subjects": list(post.required_subjects.all()) if post else [],
            "generated_at": timezone.localtime(),
            "today": today,
        },
    )
    return render_pdf(html, stylesheet=PAGE_CSS)


def _text(sheet, value: str):
    """A cell that a spreadsheet never runs as a formula: names are typed by people."""
    from openpyxl.cell import WriteOnlyCell

    if not value.startswith(("=", "+", "-", "@")):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def firm_record_xlsx(*, organisation: Organisation, rows: list[StaffRow]) -> bytes:
    """The whole register: one line per certificate (or per person without one)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("培训档案"))
    sheet.freeze_panes = "A2"
    sheet.append(
        [
            gettext("部门"),
            gettext("岗位"),
            gettext("姓名"),
            gettext("身份证号"),
            gettext("入职日期"),
            gettext("本人同意"),
            gettext("证书类别"),
            gettext("科目"),
            gettext("证号"),
            gettext("状态"),
            gettext("应复审日期"),
            gettext("有效期至"),
            *(gettext("%(days)s天内到期") % {"days": days} for days in HORIZONS),
        ]
    )
    for row in rows:
        entry = row.entry
        person = [
            entry.department.name if entry.department else "",
            entry.post.name if entry.post else "",
            entry.name,
            entry.id_number_masked,
            entry.hired_on.isoformat() if entry.hired_on else "",
            entry.get_consent_display(),
        ]
        due = [
            "；".join(
                f"{item.label} {item.subject_name}" + (f" {item.due_on.isoformat()}" if item.due_on else "")
                for item in within(row.due, days)
            )
            for days in HORIZONS
        ]
        person = [_text(sheet, value) for value in person]
        if not row.certificates:
            sheet.append([*person, "", "", "", "", "", "", *due])
            continue
        for certificate in row.certificates:
            sheet.append(
                [
                    *person,
                    certificate.kind_name,
                    certificate.subject_name,
                    certificate.number,
                    certificate.status_label,
                    certificate.review_due.isoformat(),
                    certificate.valid_until.isoformat(),
                    *due,
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_template_xlsx() -> bytes:
    """The file to fill in for an import: the header row and one example."""
    from openpyxl import Workbook

    from .services import IMPORT_COLUMNS

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("员工名册")
    sheet.append(list(IMPORT_COLUMNS))
    sheet.append(["张三", "11010519491231002X", "13912345678", gettext("生产部"), gettext("电工"), "2026-03-01"])
    for column, width in zip("ABCDEF", (10, 22, 14, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
