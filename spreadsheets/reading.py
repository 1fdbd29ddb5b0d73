"""One guarded way to read the rows of an uploaded .xlsx.

An .xlsx is a zip of XML. A small file can unpack to gigabytes (a zip bomb) or declare
millions of empty rows that openpyxl dutifully walks, holding a CPU for minutes. So the
archive's unpacked size is checked before anything is parsed, rows are counted as they
stream (empty ones included) and refused past a cap, and a time budget stops a sheet that
is slow for any other reason. Messages are for the person who uploaded the file.
"""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

#: What an .xlsx may unpack to; real files of 20,000 questions unpack to about 10 MB.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Seconds of reading after which a sheet is refused.
TIME_BUDGET_SECONDS = 30.0

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


class SpreadsheetRejected(ValueError):
    """The file cannot be read as given; the message says why, in the user's language."""


def read_rows(
    data: bytes,
    *,
    max_rows: int,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
    time_budget: float = TIME_BUDGET_SECONDS,
    clock: Any = time.monotonic,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Yield ``(row number, cell values)`` of the first sheet, row numbers as Excel shows them.

    Refuses (SpreadsheetRejected) a file that is not an .xlsx, unpacks to more than
    ``max_unpacked_bytes``, has more than ``max_rows`` rows (empty rows count: they
    cost the same to read), or takes longer than ``time_budget`` seconds.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except _DAMAGED as exc:
        raise SpreadsheetRejected(_("不是有效的 Excel（.xlsx）文件。")) from exc
    if unpacked > max_unpacked_bytes:
        raise SpreadsheetRejected(_("Excel 文件解压后过大，拒绝读取。"))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, *_DAMAGED) as exc:
        raise SpreadsheetRejected(_("不是有效的 Excel（.xlsx）文件。")) from exc
    too_many = _("表格行数过多：一次最多 %(max)s 行（空行也计算在内）。") % {"max": max_rows}
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row or 0
        if declared > max_rows:
            raise SpreadsheetRejected(too_many)
        deadline = clock() + time_budget
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > max_rows:
                raise SpreadsheetRejected(too_many)
            if number % 256 == 0 and clock() > deadline:
                raise SpreadsheetRejected(_("表格读取超时，请拆分后再上传。"))
            yield number, row
    except SpreadsheetRejected:
        raise
    except _DAMAGED as exc:
        # A damaged archive or sheet shows up only while the rows are read.
        raise SpreadsheetRejected(_("Excel 文件已损坏，无法读取。")) from exc
    finally:
        workbook.close()
