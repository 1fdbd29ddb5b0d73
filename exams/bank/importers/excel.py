"""Excel (.xlsx) in the tabular layout: read with openpyxl's streaming reader, written likewise.

Row numbers in messages are the row numbers Excel shows. Cells are written as text,
never as formulas, so a stem that starts with "=" stays a stem.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from .records import FileProblem, ParseResult, QuestionRecord
from .tabular import HEADERS, TEMPLATE_NOTES, TEMPLATE_ROWS, read_rows, record_row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An .xlsx is a zip; refuse one that would unpack into something absurd (a zip bomb).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: What openpyxl and zipfile raise on a damaged file, while opening it or reading its rows.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OSError,
    SyntaxError,
)


def read(data: bytes) -> ParseResult:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except _DAMAGED as exc:
        raise FileProblem(_("不是有效的 Excel（.xlsx）文件。")) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(_("Excel 文件解压后过大，拒绝读取。"))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, *_DAMAGED) as exc:
        raise FileProblem(_("不是有效的 Excel（.xlsx）文件。")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = ((number, row) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1))
        return read_rows(rows)
    except FileProblem:
        raise
    except _DAMAGED as exc:
        # A damaged archive or sheet shows up only while the rows are read.
        raise FileProblem(_("Excel 文件已损坏，无法读取。")) from exc
    finally:
        workbook.close()


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
