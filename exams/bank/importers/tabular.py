"""The rows of Excel and CSV files: Kaozheng's own template and the layouts banks use.

Kaozheng writes 操作项目 | 题型 | 题干 | 选项 | 答案 | 解析 | 知识点 | 难度 (options one a
line). It reads that and the layouts training organisations hold, such as the national
作业种类 | 试题类型 | 题目内容 | 题目选项(选项之间用##隔开) | 题目答案: the header is found and
its columns recognised by ``columns``, the options split by ``options``, and the layout
it saw is reported with the result for the preview.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .columns import ANSWER, DIFFICULTY, EXPLANATION, KIND, KNOWLEDGE_POINT, OPERATION_TYPE, OPTIONS, STEM, find_layout
from .records import (
    KIND_EXPORT_NAMES,
    TRUE_FALSE,
    TRUE_FALSE_EXPORT,
    FileProblem,
    ParseResult,
    QuestionRecord,
    RowError,
    RowProblem,
    build_record,
    cell_text,
    check_count,
)

#: The columns of Kaozheng's own template, as the exporters write them.
HEADERS = ["操作项目", "题型", "题干", "选项", "答案", "解析", "知识点", "难度"]
#: One knowledge point from several columns (章节 with sub-levels): "第一章 / 第二节".
POINT_SEPARATOR = " / "


def _cell(row: Sequence[object], index: int) -> object:
    return row[index] if index < len(row) else ""


def _joined(row: Sequence[object], indices: Sequence[int], separator: str) -> str:
    return separator.join(text for text in (cell_text(_cell(row, index)) for index in indices) if text)


def read_rows(rows: Iterable[tuple[int, Sequence[object]]], columns: Sequence[tuple[str, str]] = ()) -> ParseResult:
    """Rows as (line number, cells); the header is found among the first rows.

    ``columns`` are the user's (role, column) choices over what the header says. A
    header without a stem or an answer column is reported as an error of its line,
    with the layout, so the preview can ask which column is which.
    """
    filled = [(line, row) for line, row in rows if any(cell_text(cell) for cell in row)]
    layout = find_layout(filled).choose(columns)
    result = ParseResult(
        header=[cell_text(cell) for cell in next(row for line, row in filled if line == layout.header_line)]
    )
    body = [(line, row) for line, row in filled if line > layout.header_line]
    check_count(len(body))
    samples: dict[int, str] = {}
    for _line, row in body[:20]:
        for index, cell in enumerate(row):
            if index not in samples and cell_text(cell):
                samples[index] = " ".join(cell_text(cell).split())
    result.layout = layout.summary(samples)
    missing = layout.missing()
    if missing:
        result.errors.append(
            RowError(
                layout.header_line,
                _("第 %(line)s 行表头缺少列：%(columns)s。请在预览中指定各列的用途，或把表头改为：%(headers)s。")
                % {"line": layout.header_line, "columns": "、".join(missing), "headers": " | ".join(HEADERS)},
            )
        )
        return result
    if not body:
        raise FileProblem(_("文件中没有试题。"))
    single: dict[str, int | None] = {
        role: next(iter(layout.indices(role)), None)
        for role in (OPERATION_TYPE, KIND, STEM, ANSWER, EXPLANATION, DIFFICULTY)
    }
    option_cell = layout.indices(OPTIONS)[0] if len(layout.indices(OPTIONS)) == 1 else None
    option_columns = layout.option_columns()
    points = layout.indices(KNOWLEDGE_POINT)

    def value(row: Sequence[object], role: str) -> object:
        index = single[role]
        return "" if index is None else _cell(row, index)

    for line, row in body:
        result.sources[line] = [cell_text(cell) for cell in row]
        options: list[str] | tuple[tuple[str, str], ...]
        if option_columns:
            pairs = [(key, cell_text(_cell(row, index))) for key, index in option_columns]
            while pairs and not pairs[-1][1]:
                pairs.pop()  # fewer options than columns
            options = tuple(pairs)
        else:
            options = [cell_text(_cell(row, option_cell))] if option_cell is not None else []
        try:
            record = build_record(
                line,
                kind=value(row, KIND),
                stem=value(row, STEM),
                options=options,
                answer=value(row, ANSWER),
                explanation=value(row, EXPLANATION),
                knowledge_point=_joined(row, points, POINT_SEPARATOR),
                difficulty=value(row, DIFFICULTY),
                operation_types=value(row, OPERATION_TYPE),
                infer_missing_kind=True,
                numbered_stem=True,
            )
        except RowProblem as problem:
            result.add_problem(line, problem)
        else:
            result.records.append(record)
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
