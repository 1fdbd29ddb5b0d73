"""Excel (.xlsx) in the tabular layouts: read through the guarded ``spreadsheets.read_rows``,
written with openpyxl's streaming writer.

Row numbers in messages are the row numbers Excel shows. Cells are written as text,
never as formulas, so a stem that starts with "=" stays a stem.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

import spreadsheets

from .records import MAX_QUESTIONS, FileProblem, ParseResult, QuestionRecord
from .tabular import HEADERS, TEMPLATE_NOTES, TEMPLATE_ROWS, read_rows, record_row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows a sheet may have (empty ones count): the questions, a header, titles and gaps.
MAX_ROWS = MAX_QUESTIONS + 1_000


def read(data: bytes, columns: Sequence[tuple[str, str]] = ()) -> ParseResult:
    """The first sheet, through the guarded reader (unpacked size, rows and time limited)."""
    try:
        return read_rows(spreadsheets.read_rows(data, max_rows=MAX_ROWS), columns)
    except spreadsheets.SpreadsheetRejected as rejected:
        raise FileProblem(str(rejected)) from rejected


_WRAP = Alignment(wrap_text=True, vertical="top")
_BOLD = Font(bold=True)


def _text_cell(sheet, value: str, *, bold: bool = False) -> WriteOnlyCell | str:
    """A text cell; a styled cell object only where needed (styling every cell is slow)."""
    if not bold and "\n" not in value and not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if "\n" in value:
        cell.alignment = _WRAP
    if bold:
        cell.font = _BOLD
    return cell


def write(records: Iterable[QuestionRecord], *, notes: bool = False) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("试题"))
    for letter, width in zip("ABCDEFGH", (14, 10, 50, 40, 10, 40, 16, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_text_cell(sheet, header, bold=True) for header in HEADERS])
    for record in records:
        sheet.append([_text_cell(sheet, value) for value in record_row(record)])
    if notes:
        help_sheet = workbook.create_sheet(_("填写说明"))
        help_sheet.column_dimensions["A"].width = 100
        for note in TEMPLATE_NOTES:
            help_sheet.append([_text_cell(help_sheet, str(note))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The published template: the header, three example rows and a sheet of notes."""
    return write(TEMPLATE_ROWS, notes=True)


def errors_workbook(header: Sequence[str], errors: Iterable[dict]) -> bytes:
    """The rows left out of an import, as the file had them, each led by its row number and
    reason: the user corrects them here and imports this file again (the two leading
    columns are not read as questions)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("未导入的行"))
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 40
    sheet.freeze_panes = "C2"
    sheet.append([_text_cell(sheet, value, bold=True) for value in [_("原行号"), _("错误原因"), *header]])
    for error in errors:
        cells = [str(cell) for cell in error.get("cells") or []]
        sheet.append([error["line"] or "", _text_cell(sheet, error["message"]), *(_text_cell(sheet, c) for c in cells)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
