"""The column layout shared by the Excel and CSV formats (and the published template).

操作项目 | 题型 | 题干 | 选项 | 答案 | 解析 | 知识点 | 难度 — the layout real banks use;
the last three are optional, and columns may come in any order. Options sit in one cell,
one a line ("A. …"); files with one column per option (选项A, 选项B, …) are read too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .records import (
    KIND_EXPORT_NAMES,
    TRUE_FALSE,
    TRUE_FALSE_EXPORT,
    FileProblem,
    ParseResult,
    QuestionRecord,
    RowProblem,
    build_record,
    cell_text,
    check_count,
    normal_text,
    split_options,
)

#: Field → the headers that name it (first one is written by the exporters).
COLUMNS: dict[str, tuple[str, ...]] = {
    "operation_types": ("操作项目", "操作项目代码", "作业类别", "operation type", "operation_types"),
    "kind": ("题型", "试题类型", "类型", "kind"),
    "stem": ("题干", "题目", "试题", "stem"),
    "options": ("选项", "options"),
    "answer": ("答案", "正确答案", "answer"),
    "explanation": ("解析", "答案解析", "explanation"),
    "knowledge_point": ("知识点", "knowledge point", "knowledge_point"),
    "difficulty": ("难度", "difficulty"),
}
HEADERS = [names[0] for names in COLUMNS.values()]
REQUIRED = ("kind", "stem", "answer")
OPTION_COLUMN_KEYS = "ABCDEFGH"

_FIELD_BY_HEADER = {normal_text(name): field for field, names in COLUMNS.items() for name in names}
_OPTION_COLUMN = {
    normal_text(f"{prefix}{key}"): key for key in OPTION_COLUMN_KEYS for prefix in ("选项", "选项 ", "option ", "")
}


class ColumnMap:
    """Which column holds which field, read from the header row."""

    def __init__(self, header: Sequence[object], header_line: int = 1):
        self.fields: dict[str, int] = {}
        self.option_columns: list[tuple[str, int]] = []
        for index, cell in enumerate(header):
            name = normal_text(cell_text(cell))
            if not name:
                continue
            if name in _FIELD_BY_HEADER and _FIELD_BY_HEADER[name] not in self.fields:
                self.fields[_FIELD_BY_HEADER[name]] = index
            elif name in _OPTION_COLUMN:
                self.option_columns.append((_OPTION_COLUMN[name], index))
        missing = [COLUMNS[field][0] for field in REQUIRED if field not in self.fields]
        if "options" not in self.fields and not self.option_columns:
            missing.append(COLUMNS["options"][0])
        if missing:
            raise FileProblem(
                _("第 %(line)s 行表头缺少列：%(columns)s。表头应为：%(headers)s。")
                % {"line": header_line, "columns": "、".join(missing), "headers": " | ".join(HEADERS)}
            )
        self.option_columns.sort()

    def cell(self, row: Sequence[object], field: str) -> object:
        index = self.fields.get(field)
        if index is None or index >= len(row):
            return ""
        return row[index]

    def options(self, row: Sequence[object]) -> list[str] | tuple[tuple[str, str], ...]:
        if "options" in self.fields:
            return split_options(self.cell(row, "options"))
        pairs = [(key, cell_text(row[index]) if index < len(row) else "") for key, index in self.option_columns]
        while pairs and not pairs[-1][1]:
            pairs.pop()  # fewer options than columns
        return tuple(pairs)


def read_rows(rows: Iterable[tuple[int, Sequence[object]]]) -> ParseResult:
    """Rows as (line number, cells), header first; blank rows are skipped."""
    result = ParseResult()
    iterator = iter(rows)
    columns: ColumnMap | None = None
    for line, row in iterator:
        if any(cell_text(cell) for cell in row):
            columns = ColumnMap(row, line)
            break
    if columns is None:
        raise FileProblem(_("文件中没有表头和试题。"))
    count = 0
    for line, row in iterator:
        if not any(cell_text(cell) for cell in row):
            continue
        count += 1
        check_count(count)
        try:
            record = build_record(
                line,
                kind=columns.cell(row, "kind"),
                stem=columns.cell(row, "stem"),
                options=columns.options(row),
                answer=columns.cell(row, "answer"),
                explanation=columns.cell(row, "explanation"),
                knowledge_point=columns.cell(row, "knowledge_point"),
                difficulty=columns.cell(row, "difficulty"),
                operation_types=columns.cell(row, "operation_types"),
            )
        except RowProblem as problem:
            result.add_problem(line, problem)
        else:
            result.records.append(record)
    if count == 0 and not result.errors:
        raise FileProblem(_("文件中没有试题。"))
    return result


def record_row(record: QuestionRecord) -> list[str]:
    """One record as the row the exporters write, in HEADERS order."""
    if record.kind == TRUE_FALSE:
        options, answer = "", TRUE_FALSE_EXPORT[record.answer[0]]
    else:
        options = "\n".join(f"{key}. {text}" for key, text in record.options)
        answer = "".join(record.answer)
    return [
        "、".join(record.operation_types),
        KIND_EXPORT_NAMES[record.kind],
        record.stem,
        options,
        answer,
        record.explanation,
        record.knowledge_point,
        str(record.difficulty),
    ]


#: Example rows of the downloadable template.
TEMPLATE_ROWS = [
    QuestionRecord(
        line=2,
        kind="single",
        stem="我国规定的安全电压额定值等级不包括下列哪一项？",
        options=(("A", "42 V"), ("B", "36 V"), ("C", "24 V"), ("D", "50 V")),
        answer=("D",),
        explanation="安全电压额定值等级为 42 V、36 V、24 V、12 V 和 6 V。",
        knowledge_point="安全电压",
        difficulty=2,
        operation_types=("0102",),
    ),
    QuestionRecord(
        line=3,
        kind="multiple",
        stem="停电检修时，保证安全的技术措施包括：",
        options=(("A", "停电"), ("B", "验电"), ("C", "装设接地线"), ("D", "口头通知")),
        answer=("A", "B", "C"),
        explanation="停电、验电、装设接地线、悬挂标示牌和装设遮栏。",
        knowledge_point="停电作业",
        difficulty=3,
        operation_types=("0102",),
    ),
    QuestionRecord(
        line=4,
        kind="true_false",
        stem="电气设备着火时，可以直接用水扑救带电设备。",
        options=(),
        answer=("F",),
        explanation="带电设备着火应先断电，或使用二氧化碳、干粉灭火器。",
        knowledge_point="电气防火",
        difficulty=1,
        operation_types=("0102",),
    ),
]

TEMPLATE_NOTES = [
    gettext_lazy("操作项目：填写操作项目代码（如 0102）或名称（如 低压电工作业），多个用顿号分隔。"),
    gettext_lazy("题型：单选题、多选题或判断题。"),
    gettext_lazy("选项：每个选项单独一行（单元格内按 Alt+Enter 换行），以 A. B. C. 开头；判断题不填。"),
    gettext_lazy("答案：单选题填一个字母，多选题填多个字母（如 ABC），判断题填“正确”或“错误”。"),
    gettext_lazy("解析、知识点、难度（1 到 5，默认 3）可以不填。"),
    gettext_lazy("导入时全部检查：任何一行有错误都不会导入，并列出每一行的行号和原因。"),
]
