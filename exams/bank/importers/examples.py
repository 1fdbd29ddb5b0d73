"""A small example file of every layout the importers understand, for the bank page.

Each example holds the same three questions (the template's), so a training
organisation can compare its own file with the one closest to it. The examples are
built from the writers, and every one reads back to the same questions (tested).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from . import aiken, csv_file, excel, gift, moodle_xml, word
from .records import TRUE_FALSE, TRUE_FALSE_EXPORT, QuestionRecord
from .tabular import TEMPLATE_ROWS

#: The header of the layout most provincial banks are published in.
NATIONAL_HEADER = ["作业种类", "试题类型(判断题、单选题、多选题)", "题目内容", "题目选项(选项之间用##隔开)", "题目答案"]
_KIND_NAMES = {"single": "单选题", "multiple": "多选题", "true_false": "判断题"}


def _workbook(rows: Iterable[Sequence[object]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("题库")
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def national_row(record: QuestionRecord, operation_type: str) -> list[str]:
    """One question as the national layout writes it: options "**A.…**B.…" in one cell."""
    if record.kind == TRUE_FALSE:
        options, answer = "", TRUE_FALSE_EXPORT[record.answer[0]]
    else:
        options = "##".join(f"{key}.{text}" for key, text in record.options)
        answer = "".join(record.answer)
    return [operation_type, _KIND_NAMES[record.kind], record.stem, options, answer]


def national_workbook(records: Iterable[QuestionRecord], operation_type: str = "低压电工作业") -> bytes:
    """A workbook in the national layout, with the title row such files often carry."""
    rows: list[Sequence[object]] = [["特种作业人员安全技术考核题库"], NATIONAL_HEADER]
    rows.extend(national_row(record, operation_type) for record in records)
    return _workbook(rows)


def option_columns_workbook(records: Iterable[QuestionRecord]) -> bytes:
    """One column per option, the chapter in two levels, and a serial-number column."""
    header = ["序号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "章节", "二级章节", "难度"]
    rows: list[Sequence[object]] = [header]
    for number, record in enumerate(records, start=1):
        texts = [text for _key, text in record.options] + [""] * (4 - len(record.options))
        answer = TRUE_FALSE_EXPORT[record.answer[0]] if record.kind == TRUE_FALSE else "".join(record.answer)
        chapter, _slash, section = record.knowledge_point.partition(" / ")
        rows.append(
            [number, _KIND_NAMES[record.kind], record.stem, *texts[:4], answer, record.explanation, chapter, section]
            + [record.difficulty]
        )
    return _workbook(rows)


@dataclass(frozen=True)
class Example:
    key: str
    label: Promise
    description: Promise
    filename: str
    content_type: str
    build: Callable[[], bytes]


def _aiken() -> bytes:
    return aiken.write(TEMPLATE_ROWS)[0]


EXAMPLES: dict[str, Example] = {
    example.key: example
    for example in (
        Example(
            "template",
            _("考证导入模板（Excel）"),
            _("操作项目 | 题型 | 题干 | 选项 | 答案 | 解析 | 知识点 | 难度；选项在一个单元格内，每行一个。附说明。"),
            "kaozheng-template.xlsx",
            excel.CONTENT_TYPE,
            excel.template,
        ),
        Example(
            "national",
            _("全国通用题库格式（Excel）"),
            _(
                "作业种类 | 试题类型 | 题目内容 | 题目选项（选项之间用##隔开）| 题目答案。"
                "表头上方的标题行、空行、空的第一列都可以；选项也可以用 **、|、；或制表符分隔。"
            ),
            "national-layout.xlsx",
            excel.CONTENT_TYPE,
            lambda: national_workbook(TEMPLATE_ROWS),
        ),
        Example(
            "option-columns",
            _("每个选项一列（Excel）"),
            _("选项A | 选项B | 选项C | 选项D（或 A | B | C | D）各占一列；章节可分几级，按列顺序合并为知识点。"),
            "option-columns.xlsx",
            excel.CONTENT_TYPE,
            lambda: option_columns_workbook(TEMPLATE_ROWS),
        ),
        Example(
            "csv",
            _("CSV 文本"),
            _("与 Excel 模板相同的列，UTF-8 或 GBK 编码，逗号或制表符分隔。"),
            "kaozheng-template.csv",
            csv_file.CONTENT_TYPE,
            lambda: csv_file.write(TEMPLATE_ROWS),
        ),
        Example(
            "docx",
            _("Word 文档（.docx）"),
            _(
                "“一、判断题”“二、单项选择题”等标题给出题型；题目以题号开头，选项单独成行或写在同一行，"
                "“答案：B”或“【答案】B”一行，可选“解析：”；题中的图片作为试题图片导入。"
            ),
            "word-layout.docx",
            word.CONTENT_TYPE,
            lambda: word.write(TEMPLATE_ROWS),
        ),
        Example(
            "moodle-xml",
            _("Moodle XML"),
            _("Moodle 导出的单选、多选和判断题，含图片。"),
            "moodle.xml",
            moodle_xml.CONTENT_TYPE,
            lambda: moodle_xml.write(TEMPLATE_ROWS),
        ),
        Example(
            "gift",
            _("GIFT"),
            _("Moodle 的 GIFT 文本格式。"),
            "questions.gift",
            gift.CONTENT_TYPE,
            lambda: gift.write(TEMPLATE_ROWS),
        ),
        Example(
            "aiken",
            _("Aiken"),
            _("只有选择题的简单文本格式；导入时需指定操作项目。"),
            "aiken.txt",
            aiken.CONTENT_TYPE,
            _aiken,
        ),
    )
}
