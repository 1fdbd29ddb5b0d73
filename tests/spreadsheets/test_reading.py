"""The guarded spreadsheet reader: rows stream out, hostile files are refused early."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from spreadsheets import SpreadsheetRejected, read_rows


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_rows_come_out_numbered_as_excel_shows_them():
    data = xlsx([["姓名", "证号"], ["张三", "T1"], [None, None], ["李四", "T2"]])

    assert list(read_rows(data, max_rows=10)) == [
        (1, ("姓名", "证号")),
        (2, ("张三", "T1")),
        (3, (None, None)),
        (4, ("李四", "T2")),
    ]


def test_more_rows_than_allowed_are_refused_counting_empty_ones():
    data = xlsx([["a"], [None], [None], ["b"]])

    with pytest.raises(SpreadsheetRejected, match="一次最多 3 行"):
        list(read_rows(data, max_rows=3))


def test_a_sheet_declaring_millions_of_rows_is_refused_before_reading_them():
    # given: a tiny sheet whose dimension claims three million rows
    data = xlsx([["a"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                # openpyxl writes '<dimension ref="A1:A1" />', or without the space through lxml
                content = re.sub(rb'<dimension ref="A1:A1"\s*/>', b'<dimension ref="A1:A3000000" />', content)
                assert b"A3000000" in content
            target.writestr(info, content)

    # then
    with pytest.raises(SpreadsheetRejected, match="行数过多"):
        next(read_rows(buffer.getvalue(), max_rows=1000))


def test_a_zip_bomb_is_refused_before_it_is_parsed():
    data = xlsx([["a" * 1000] for _ in range(50)])

    with pytest.raises(SpreadsheetRejected, match="解压后过大"):
        next(read_rows(data, max_rows=1000, max_unpacked_bytes=10_000))


def test_a_slow_sheet_is_stopped_by_the_time_budget():
    # given: a clock that jumps a minute on every look
    ticks = iter(range(0, 10_000 * 60, 60))
    data = xlsx([[n] for n in range(600)])

    # then
    with pytest.raises(SpreadsheetRejected, match="读取超时"):
        list(read_rows(data, max_rows=1000, time_budget=30, clock=lambda: next(ticks)))


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_what_is_not_an_xlsx_gets_a_plain_message(data):
    with pytest.raises(SpreadsheetRejected, match="不是有效的 Excel"):
        next(read_rows(data, max_rows=10))
