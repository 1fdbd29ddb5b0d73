"""CSV in the tabular layout: UTF-8 (Excel's "CSV UTF-8") or GB18030, comma or tab separated.

Line numbers are the physical line on which a record starts (an options cell may
span several lines). Cells that a spreadsheet would run as a formula are written
with a leading apostrophe, which the reader removes again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence

from django.utils.translation import gettext as _

from .records import FileProblem, ParseResult, QuestionRecord, decode_text
from .tabular import HEADERS, read_rows, record_row

CONTENT_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = re.compile(r"^'?[=+\-@]")


def _unguard(value: str) -> str:
    return value[1:] if value.startswith("'") and _FORMULA_START.match(value) and len(value) > 1 else value


def _guard(value: str) -> str:
    return "'" + value if _FORMULA_START.match(value) else value


def _records(text: str) -> Iterator[tuple[int, Sequence[str]]]:
    first_line = text.split("\n", 1)[0]
    dialect = "excel-tab" if first_line.count("\t") > first_line.count(",") else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileProblem(_("第 %(line)s 行 CSV 格式错误：引号不成对。") % {"line": start}) from exc
        yield start, [_unguard(cell) for cell in row]
        start = reader.line_num + 1


def read(data: bytes, columns: Sequence[tuple[str, str]] = ()) -> ParseResult:
    text = decode_text(data)
    if "\x00" in text:
        raise FileProblem(_("不是文本文件。"))
    return read_rows(_records(text), columns)


def write(records: Iterable[QuestionRecord]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for record in records:
        writer.writerow([_guard(value) for value in record_row(record)])
    # The BOM makes Excel open the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
