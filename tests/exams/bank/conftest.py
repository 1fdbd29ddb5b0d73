"""The bank tests' corpus: spreadsheets and Word documents written here, in every layout
and with the irregularities real banks have. No bank is copied from anywhere."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest
from openpyxl import Workbook

from tests.factories import png_bytes


def write_xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_docx(paragraphs: Sequence[object], *, table: Sequence[Sequence[str]] = ()) -> bytes:
    """A Word document: each item a paragraph; a list item is runs, where bytes are a picture
    and "\\n" a line break inside the paragraph."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    for item in paragraphs:
        paragraph = document.add_paragraph()
        for run in item if isinstance(item, list) else [item]:
            if isinstance(run, bytes):
                paragraph.add_run().add_picture(io.BytesIO(run), width=Cm(2))
            else:
                lines = str(run).split("\n")
                added = paragraph.add_run(lines[0])
                for line in lines[1:]:
                    added.add_break()
                    added.add_text(line)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def xlsx():
    return write_xlsx


@pytest.fixture
def docx():
    return write_docx


@pytest.fixture
def picture() -> bytes:
    return png_bytes()


#: The national layout's header, as provincial banks publish it.
NATIONAL_HEADER = ["作业种类", "试题类型(判断题、单选题、多选题)", "题目内容", "题目选项(选项之间用##隔开)", "题目答案"]


@pytest.fixture
def national_header() -> list[str]:
    return list(NATIONAL_HEADER)


@pytest.fixture
def irregular_national_bank():
    """A generated bank in the national layout with what real banks do: a title row, an
    empty first column, options written five ways, true/false answers written seven ways,
    numbered stems, 电焊 for the operation type, repeated questions, and a few questions
    of kinds the platform does not examine. Returns (file, distinct supported questions,
    distinct questions, {row: reason} of the rows that must be refused)."""

    def build(count: int = 300) -> tuple[bytes, int, int, dict[int, str]]:
        rows: list[list[object]] = [["", "低压电工作业理论考试题库（2026 版）"], [], ["", *NATIONAL_HEADER]]
        true_words = [("正确", "错误"), ("对", "错"), ("√", "×"), ("T", "F"), ("是", "否"), ("✓", "✗"), ("Y", "N")]
        option_styles = [
            lambda texts: "##".join(f"{k}.{t}" for k, t in zip("ABCD", texts, strict=False)),
            lambda texts: "".join(f"**{k}.{t}" for k, t in zip("ABCD", texts, strict=False)),
            lambda texts: "\n".join(f"{k}、{t}" for k, t in zip("ABCD", texts, strict=False)),
            lambda texts: "".join(f"{k}、{t}" for k, t in zip("ABCD", texts, strict=False)),
            lambda texts: "|".join(f"({k}){t}" for k, t in zip("ABCD", texts, strict=False)),
        ]
        refused: dict[int, str] = {}
        distinct_supported = 0
        for number in range(count):
            line = len(rows) + 1
            stem = f"{number + 1}、第{number}题：关于低压电气设备的说法（ ）。"
            operation_type = "电焊" if number % 10 == 0 else "低压电工作业"
            if number % 50 == 49:
                rows.append(["", operation_type, "填空题", f"第{number}题：安全电压不超过____伏。", "", "36"])
                refused[line] = "不支持的题型“填空题”：只能导入单选题、多选题和判断题。"
                continue
            distinct_supported += 1
            if number % 3 == 0:
                yes, no = true_words[number % len(true_words)]
                rows.append(["", operation_type, "判断题", stem, "", yes if number % 2 else no])
            else:
                texts = [f"说法{number}甲", f"说法{number}乙", f"说法{number}丙", f"说法{number}丁"]
                kind, answer = ("单选题", "B") if number % 3 == 1 else ("多选题", "A C D")
                rows.append(["", operation_type, kind, stem, option_styles[number % 5](texts), answer])
            if number % 25 == 0:
                rows.append(list(rows[-1]))  # the bank repeats a question
        return write_xlsx(rows), distinct_supported, distinct_supported + len(refused), refused

    return build
