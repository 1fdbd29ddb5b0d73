"""Which column of a spreadsheet holds what: header recognition and the user's own choices.

Banks name their columns in many ways ("题目内容", "试题类型(判断题、单选题、多选题)",
" 题 干 ", "*答案"), put a title or empty rows above the header, leave the first column
empty, and add columns nobody asked for (序号, 备注). ``find_layout`` finds the header
row and gives every column a role; ``Layout.choose`` applies what the user chose (in the
preview, or with ``--columns 'stem=题目内容,options=题目选项'``). Pure: no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .records import FileProblem, cell_text

OPERATION_TYPE = "operation_type"
KIND = "kind"
STEM = "stem"
OPTIONS = "options"
ANSWER = "answer"
EXPLANATION = "explanation"
KNOWLEDGE_POINT = "knowledge_point"
DIFFICULTY = "difficulty"
IGNORED = "ignore"

#: Role → what the preview calls it, in the order the preview offers them.
ROLES = {
    OPERATION_TYPE: gettext_lazy("操作项目"),
    KIND: gettext_lazy("题型"),
    STEM: gettext_lazy("题干"),
    OPTIONS: gettext_lazy("选项"),
    ANSWER: gettext_lazy("答案"),
    EXPLANATION: gettext_lazy("解析"),
    KNOWLEDGE_POINT: gettext_lazy("知识点"),
    DIFFICULTY: gettext_lazy("难度"),
    IGNORED: gettext_lazy("不导入"),
}
#: Roles that several columns may share: options (one column per option) and knowledge
#: points (章节 with sub-levels, joined in column order).
SHARED_ROLES = (OPTIONS, KNOWLEDGE_POINT)
REQUIRED_ROLES = (STEM, ANSWER)

#: Role → the header names that mean it (compared without brackets, spaces and case).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    OPERATION_TYPE: (
        "操作项目", "操作项目代码", "作业种类", "工种", "作业类别", "作业项目", "准操项目", "所属工种", "操作类别",
        "operation type", "operation_types", "operation_type",
    ),
    KIND: ("题型", "试题类型", "类型", "题目类型", "题型名称", "试题题型", "kind", "type", "question type"),
    STEM: ("题干", "题目内容", "题目", "试题", "试题内容", "题目名称", "试题题干", "问题", "stem", "question"),
    OPTIONS: ("选项", "题目选项", "备选答案", "选项内容", "试题选项", "答案选项", "options"),
    ANSWER: ("答案", "题目答案", "正确答案", "标准答案", "参考答案", "试题答案", "answer"),
    EXPLANATION: ("解析", "答案解析", "试题解析", "题目解析", "解释", "答案说明", "explanation"),
    KNOWLEDGE_POINT: (
        "知识点", "章节", "考点", "分类", "所属章节", "章", "节", "试题分类", "题目分类", "knowledge point",
        "knowledge_point",
    ),
    DIFFICULTY: ("难度", "难易程度", "难度系数", "难易度", "难度等级", "difficulty"),
}  # fmt: skip
_ROLE_BY_NAME = {re.sub(r"[\s_]+", "", name.casefold()): role for role, names in HEADER_NAMES.items() for name in names}
#: "一级章节", "二级知识点", "章节2", "知识点（三级）" … are knowledge-point sub-levels.
_LEVELLED_POINT = re.compile(r"^(?:[一二三四五六七八九\d]级)?(?:章节|知识点|考点|分类|章|节)\d*$")
#: One column per option: "选项A", "A", "Option A", "A选项", "选项Ａ".
_OPTION_COLUMN = re.compile(r"^(?:选项|option)?([a-h])(?:选项|项)?$")
#: How far down a title and empty rows may push the header.
HEADER_SEARCH_ROWS = 20
_BRACKETED = re.compile(r"[(（【\[<《][^)）】\]>》]*[)）】\]>》]")


def header_key(value: object) -> str:
    """A header without brackets and what they hold, spaces, asterisks, colons and case."""
    text = _BRACKETED.sub("", unicodedata.normalize("NFKC", cell_text(value)))
    return re.sub(r"[\s*:：_]+", "", text).casefold()


def role_of_header(value: object) -> tuple[str, str]:
    """(role, option letter) a header names; ("", "") for a header we do not know."""
    key = header_key(value)
    if not key:
        return "", ""
    if key in _ROLE_BY_NAME:
        return _ROLE_BY_NAME[key], ""
    if _LEVELLED_POINT.match(key):
        return KNOWLEDGE_POINT, ""
    option = _OPTION_COLUMN.match(key)
    if option:
        return OPTIONS, option.group(1).upper()
    return "", ""


def column_letter(index: int) -> str:
    """Excel's name of a 0-based column index: A … Z, AA …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    role: str
    #: For a column per option: its letter (from the header, else its place among them).
    option_key: str = ""
    #: Whether the user chose this role (else it was recognised from the header).
    chosen: bool = False

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Layout:
    """The header row and the role of every column."""

    header_line: int
    columns: list[Column] = field(default_factory=list)

    def indices(self, role: str) -> list[int]:
        return [column.index for column in self.columns if column.role == role]

    def option_columns(self) -> list[tuple[str, int]]:
        """(letter, index) of the columns that each hold one option, or [] for a cell of options."""
        columns = [column for column in self.columns if column.role == OPTIONS]
        if len(columns) < 2:
            return []
        given = [column.option_key for column in columns]
        if all(given) and len(set(given)) == len(given):
            return sorted((key, column.index) for key, column in zip(given, columns, strict=True))
        return [(chr(ord("A") + place), column.index) for place, column in enumerate(columns)]

    def missing(self) -> list[str]:
        return [str(ROLES[role]) for role in REQUIRED_ROLES if not self.indices(role)]

    def choose(self, choices: Sequence[tuple[str, str]]) -> Layout:
        """The layout with the user's choices applied: (role, column) pairs, the column named
        by its header, its letter ("C") or its place ("#2"). A role that only one column
        may have leaves the column it was recognised in."""
        columns = {column.index: column for column in self.columns}
        for role, reference in choices:
            role = role.strip()
            if role not in ROLES:
                raise FileProblem(
                    _("不认识的列用途“%(role)s”，可用：%(roles)s。") % {"role": role, "roles": ", ".join(ROLES)}
                )
            index = self._find(reference)
            if role not in SHARED_ROLES and role != IGNORED:
                for other in list(columns.values()):
                    if other.role == role and other.index != index and not other.chosen:
                        columns[other.index] = replace(other, role=IGNORED, option_key="")
            option_key = columns[index].option_key if role == OPTIONS else ""
            columns[index] = replace(columns[index], role=role, option_key=option_key, chosen=True)
        return Layout(self.header_line, [columns[index] for index in sorted(columns)])

    def _find(self, reference: str) -> int:
        reference = reference.strip()
        if reference.startswith("#") and reference[1:].isdigit():
            index = int(reference[1:])
            if any(column.index == index for column in self.columns):
                return index
        for column in self.columns:
            if column.header.strip() == reference:
                return column.index
        for column in self.columns:
            if header_key(column.header) and header_key(column.header) == header_key(reference):
                return column.index
        for column in self.columns:
            if column.letter == reference.upper():
                return column.index
        raise FileProblem(
            _("第 %(line)s 行表头中找不到列“%(column)s”。") % {"line": self.header_line, "column": reference}
        )

    def summary(self, samples: dict[int, str]) -> dict[str, Any]:
        """What the preview shows of the layout (JSON): every column, its role and an example."""
        return {
            "header_line": self.header_line,
            "columns": [
                {
                    "index": column.index,
                    "letter": column.letter,
                    "header": column.header,
                    "role": column.role,
                    "chosen": column.chosen,
                    "sample": samples.get(column.index, "")[:60],
                }
                for column in self.columns
            ],
        }


def _recognised(row: Sequence[object], line: int) -> Layout:
    columns = []
    for index, cell in enumerate(row):
        header = cell_text(cell)
        if not header:
            continue
        role, option_key = role_of_header(header)
        columns.append(Column(index=index, header=header, role=role or IGNORED, option_key=option_key))
    # A role only one column may hold goes to the first column that names it.
    seen: set[str] = set()
    for position, column in enumerate(columns):
        if column.role in seen and column.role not in SHARED_ROLES and column.role != IGNORED:
            columns[position] = replace(column, role=IGNORED)
        seen.add(column.role)
    # A cell of options and columns per option together: the cell wins.
    options = [column for column in columns if column.role == OPTIONS]
    if len(options) > 1 and any(not column.option_key for column in options):
        keep = next(column.index for column in options if not column.option_key)
        columns = [
            replace(column, role=IGNORED, option_key="") if column.role == OPTIONS and column.index != keep else column
            for column in columns
        ]
    return Layout(header_line=line, columns=columns)


def find_layout(rows: Sequence[tuple[int, Sequence[object]]]) -> Layout:
    """The header among the first non-empty rows: the first that names a stem and an answer
    column; failing that, the first non-empty row (so the user can say what its columns are)."""
    first: Layout | None = None
    for line, row in rows[:HEADER_SEARCH_ROWS]:
        layout = _recognised(row, line)
        if first is None:
            first = layout
        if not layout.missing():
            return layout
    if first is None:
        raise FileProblem(_("文件中没有表头和试题。"))
    return first
