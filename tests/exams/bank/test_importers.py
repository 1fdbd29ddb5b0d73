"""Question files in every format: happy paths, malformed files with exact line numbers,
oversized files, hostile content, round trips. Pure: no database."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from exams.bank.importers import FORMATS, FileProblem, guess_format, read_questions, write_questions
from exams.bank.importers.records import MAX_FILE_BYTES, QuestionRecord, RowError, build_record, fingerprint
from exams.bank.importers.tabular import HEADERS, TEMPLATE_ROWS
from tests.factories import moodle_with_file, png_bytes

HEADER = ["操作项目", "题型", "题干", "选项", "答案", "解析", "知识点", "难度"]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors_of(data: bytes, fmt: str) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in read_questions(data, fmt).errors]


def without_lines(records):
    return [QuestionRecord(**{**record.__dict__, "line": 0}) for record in records]


# --- Excel -------------------------------------------------------------------------------


def test_excel_reads_the_published_layout():
    # given
    data = xlsx(
        [
            HEADER,
            ["0102", "单选题", "安全电压不包括：", "A. 42 V\nB. 36 V\nC. 50 V", "C", "见规程", "安全电压", 2],
            ["0102、低压电工作业", "多选", "停电检修的技术措施：", "A、停电\nB、验电\nC、闲聊", "A,B", "", "", ""],
            ["0102", "判断题", "带电设备着火可以用水扑救。", "", "错误", "", "电气防火", "较难"],
            [None, None, None, None, None, None, None, None],
            ["0102", "判断", "电工作业人员必须年满18周岁。", None, True, None, None, None],
        ]
    )

    # when
    result = read_questions(data, "xlsx")

    # then
    assert result.errors == []
    assert [(r.line, r.kind, r.answer, r.difficulty) for r in result.records] == [
        (2, "single", ("C",), 2),
        (3, "multiple", ("A", "B"), 3),
        (4, "true_false", ("F",), 4),
        (6, "true_false", ("T",), 3),
    ]
    first = result.records[0]
    assert first.options == (("A", "42 V"), ("B", "36 V"), ("C", "50 V"))
    assert (first.explanation, first.knowledge_point, first.operation_types) == ("见规程", "安全电压", ("0102",))
    assert result.records[1].operation_types == ("0102", "低压电工作业")
    assert result.records[2].options == ()


def test_excel_columns_in_any_order_and_one_column_per_option():
    # given
    data = xlsx(
        [
            ["答案", "题干", "题型", "选项A", "选项B", "选项C", "选项D", "操作项目"],
            ["B", "题一", "单选题", "甲", "乙", "丙", "", "0102"],
        ]
    )

    # when
    result = read_questions(data, "xlsx")

    # then
    assert result.errors == []
    assert result.records[0].options == (("A", "甲"), ("B", "乙"), ("C", "丙"))
    assert result.records[0].answer == ("B",)


def test_excel_reports_every_bad_row_with_its_excel_row_number():
    # given
    data = xlsx(
        [
            HEADER,
            ["0102", "单选题", "好题", "A. 甲\nB. 乙", "A", "", "", ""],
            ["0102", "问答题", "坏题型", "A. 甲\nB. 乙", "A", "", "", ""],
            ["0102", "单选题", "", "A. 甲\nB. 乙", "A", "", "", ""],
            ["0102", "单选题", "答案不在选项中", "A. 甲\nB. 乙", "E", "", "", ""],
            ["0102", "单选题", "两个答案", "A. 甲\nB. 乙\nC. 丙", "AB", "", "", ""],
            ["0102", "多选题", "只有一个答案", "A. 甲\nB. 乙\nC. 丙", "A", "", "", ""],
            ["0102", "判断题", "判断答案无效", "", "也许", "", "", ""],
            ["0102", "单选题", "只有一个选项", "A. 甲", "A", "", "", ""],
            ["0102", "单选题", "字母跳了", "A. 甲\nC. 乙", "A", "", "", ""],
            ["0102", "单选题", "难度越界", "A. 甲\nB. 乙", "A", "", "", 9],
            ["0102", "单选题", "缺答案", "A. 甲\nB. 乙", "", "", "", ""],
            ["0102", "单选题", "选项重复", "A. 甲\nB. 甲", "A", "", "", ""],
        ]
    )

    # when
    errors = errors_of(data, "xlsx")

    # then
    assert errors == [
        (3, "不支持的题型“问答题”：只能导入单选题、多选题和判断题。"),
        (4, "缺少题干。"),
        (5, "答案“E”不是选项 A、B 之一。"),
        (6, "单选题只能有一个答案，实际为 AB。"),
        (7, "多选题至少要有两个正确答案，实际为 A。"),
        (8, "判断题答案“也许”无法识别，应为“正确”或“错误”。"),
        (9, "选择题应有 2 到 8 个选项，实际有 1 个。"),
        (10, "选项字母应依次为 A、B，实际为 A、C。"),
        (11, "难度“9”无效，应为 1 到 5 的整数（或易、较易、中、较难、难）。"),
        (12, "缺少答案。"),
        (13, "选项内容有重复。"),
    ]


def test_excel_without_a_stem_or_answer_column_names_them_on_the_header_line():
    # given
    data = xlsx([["题干", "备注"], ["题一", ""]])

    # when
    result = read_questions(data, "xlsx")

    # then: an error of the header line, with the columns the preview lets the user assign
    assert result.records == []
    assert [(e.line, e.message) for e in result.errors] == [
        (
            1,
            "第 1 行表头缺少列：答案。请在预览中指定各列的用途，或把表头改为："
            "操作项目 | 题型 | 题干 | 选项 | 答案 | 解析 | 知识点 | 难度。",
        )
    ]
    assert [(c["letter"], c["header"], c["role"]) for c in result.layout["columns"]] == [
        ("A", "题干", "stem"),
        ("B", "备注", "ignore"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is not a spreadsheet", "不是有效的 Excel（.xlsx）文件。"),
        (b"", "文件是空的。"),
    ],
)
def test_a_file_that_is_not_excel_is_refused(data, message):
    with pytest.raises(FileProblem) as excinfo:
        read_questions(data, "xlsx")
    assert str(excinfo.value) == message


def test_an_excel_with_a_header_only_has_no_questions():
    with pytest.raises(FileProblem) as excinfo:
        read_questions(xlsx([HEADER]), "xlsx")
    assert str(excinfo.value) == "文件中没有试题。"


def test_excel_export_writes_text_never_formulas():
    # given
    record = QuestionRecord(
        line=0, kind="true_false", stem='=HYPERLINK("http://x")', options=(), answer=("T",), operation_types=("0102",)
    )

    # when
    data = write_questions([record], "xlsx")

    # then
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["C2"].data_type == "s"
    assert read_questions(data, "xlsx").records[0].stem == '=HYPERLINK("http://x")'


def test_the_template_reads_back_to_its_examples_and_has_notes():
    # given
    from exams.bank.importers.excel import template

    data = template()

    # when
    workbook = load_workbook(io.BytesIO(data))

    # then
    assert [cell.value for cell in workbook.worksheets[0][1]] == HEADERS
    assert workbook.sheetnames == ["试题", "填写说明"]
    assert without_lines(read_questions(data, "xlsx").records) == without_lines(TEMPLATE_ROWS)


# --- CSV ---------------------------------------------------------------------------------


def test_csv_in_utf8_with_multiline_options_reports_physical_start_lines():
    # given
    text = (
        "操作项目,题型,题干,选项,答案\n"
        '0102,单选题,题一,"A. 甲\nB. 乙",A\n'
        '0102,单选题,题二,"A. 甲\nB. 乙\nC. 丙",D\n'
        "0102,判断题,题三,,对\n"
        "0102,判断题,,,对\n"
    )

    # when
    result = read_questions(text.encode("utf-8"), "csv")

    # then
    assert [r.stem for r in result.records] == ["题一", "题三"]
    assert [(e.line, e.message) for e in result.errors] == [
        (4, "答案“D”不是选项 A、B、C 之一。"),
        (8, "缺少题干。"),
    ]


def test_csv_in_gbk_with_a_bom_less_header_is_read():
    # given
    data = "题型,题干,选项,答案,操作项目\r\n判断题,电工必须持证上岗。,,正确,0102\r\n".encode("gbk")

    # when
    result = read_questions(data, "csv")

    # then
    assert result.errors == []
    assert result.records[0].stem == "电工必须持证上岗。"


def test_csv_with_an_unclosed_quote_is_refused_with_its_line():
    data = '题型,题干,选项,答案\n单选题,"题一,A,B\n判断题,x,,对\n'.encode()
    with pytest.raises(FileProblem) as excinfo:
        read_questions(data, "csv")
    assert str(excinfo.value) == "第 2 行 CSV 格式错误：引号不成对。"


def test_csv_export_guards_cells_a_spreadsheet_would_run():
    # given
    record = QuestionRecord(line=0, kind="true_false", stem="=1+1 是公式吗", options=(), answer=("F",))

    # when
    data = write_questions([record], "csv")

    # then
    assert "'=1+1 是公式吗" in data.decode("utf-8-sig")
    assert read_questions(data, "csv").records[0].stem == "=1+1 是公式吗"


# --- Aiken -------------------------------------------------------------------------------

AIKEN = """我国安全电压额定值等级不包括：
A. 42 V
B. 36 V
C. 50 V
ANSWER: C

停电检修的技术措施有：
A. 停电
B. 验电
C. 聊天
ANSWER: AB
"""


def test_aiken_reads_single_and_multiple_choice():
    # when
    result = read_questions(AIKEN.encode(), "aiken")

    # then
    assert result.errors == []
    assert [(r.line, r.kind, r.answer) for r in result.records] == [(1, "single", ("C",)), (7, "multiple", ("A", "B"))]
    assert result.records[0].options == (("A", "42 V"), ("B", "36 V"), ("C", "50 V"))


def test_aiken_reports_malformed_questions_by_their_first_line():
    # given
    text = (
        "好题\nA. 甲\nB. 乙\nANSWER: A\n"
        "\n"
        "没有答案行\nA. 甲\nB. 乙\n"
        "\n"
        "答案越界\nA. 甲\nB. 乙\nANSWER: F\n"
        "\n"
        "选项之后有杂行\nA. 甲\n杂行\nB. 乙\nANSWER: A\n"
    )

    # when
    errors = errors_of(text.encode(), "aiken")

    # then
    assert errors == [
        (6, "缺少“ANSWER: 字母”行。"),
        (10, "答案“F”不是选项 A、B 之一。"),
        (15, "第 17 行既不是选项也不是 ANSWER 行。"),
    ]


def test_aiken_export_leaves_out_true_false_and_says_how_many():
    from exams.bank.importers import aiken

    data, left_out = aiken.write(TEMPLATE_ROWS)

    assert left_out == 1
    assert [r.kind for r in read_questions(data, "aiken").records] == ["single", "multiple"]


# --- GIFT --------------------------------------------------------------------------------


def test_gift_reads_choice_true_false_weights_escapes_and_metadata():
    # given
    text = r"""// a comment that is ignored
$CATEGORY: $course$/top/电工

// @operation_types: 0102
// @knowledge_point: 安全电压
// @difficulty: 2
::Q1:: 安全电压额定值 \{等级\} 不包括： {
  ~42 V#错了
  =50 V
  ####只有 42\, 36\, 24\, 12\, 6 V\: 五级。
}

::Q2::[html]<p>停电检修 &amp; 措施：</p> {~%50%停电 ~%50%验电 ~%-100%聊天}

电气设备着火可以用水扑救。{FALSE}
"""

    # when
    result = read_questions(text.encode(), "gift")

    # then
    assert result.errors == []
    single, multiple, true_false = result.records
    assert (single.line, single.kind, single.answer) == (4, "single", ("B",))
    assert single.stem == "安全电压额定值 {等级} 不包括："
    assert single.options == (("A", "42 V"), ("B", "50 V"))
    assert single.explanation == r"只有 42\, 36\, 24\, 12\, 6 V: 五级。"
    assert (single.knowledge_point, single.difficulty, single.operation_types) == ("安全电压", 2, ("0102",))
    assert (multiple.line, multiple.kind, multiple.answer) == (13, "multiple", ("A", "B"))
    assert multiple.stem == "停电检修 & 措施："
    assert (true_false.line, true_false.kind, true_false.answer) == (15, "true_false", ("F",))


def test_gift_reports_unsupported_and_malformed_questions():
    # given
    text = (
        "没有答案部分\n"
        "\n"
        "简答 {=电压 =电流}\n"
        "\n"
        "数值 {#42}\n"
        "\n"
        "匹配 {=a -> 1 =b -> 2}\n"
        "\n"
        "问答 {}\n"
        "\n"
        "没有正确项 {~甲 ~乙}\n"
    )

    # when
    errors = errors_of(text.encode(), "gift")

    # then
    assert errors == [
        (1, "缺少用 { } 括起来的答案部分。"),
        (3, "不支持的 GIFT 题型（填空题）：没有错误选项（~）。"),
        (5, "不支持的 GIFT 题型（数值题）。"),
        (7, "不支持的 GIFT 题型（匹配题）。"),
        (9, "不支持的 GIFT 题型（问答题）。"),
        (11, "没有标出正确选项（= 或正权重）。"),
    ]


# --- Moodle XML --------------------------------------------------------------------------

MOODLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category"><category><text>$course$/top</text></category></question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>安全电压<b>不包括</b>：</p>]]></text></questiontext>
    <generalfeedback format="html"><text>见规程</text></generalfeedback>
    <single>true</single>
    <answer fraction="0"><text>42 V</text></answer>
    <answer fraction="100"><text>50 V</text></answer>
    <tags><tag><text>操作项目:0102</text></tag><tag><text>难度:4</text></tag></tags>
  </question>
  <question type="truefalse">
    <questiontext format="plain_text"><text>电工必须持证上岗。</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="multichoice">
    <questiontext format="html"><text>措施：</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>停电</text></answer>
    <answer fraction="50"><text>验电</text></answer>
    <answer fraction="-100"><text>聊天</text></answer>
  </question>
</quiz>
"""


def test_moodle_xml_reads_choice_and_true_false_with_tags():
    # when
    result = read_questions(MOODLE.encode(), "moodle-xml")

    # then
    assert result.errors == []
    single, true_false, multiple = result.records
    assert (single.line, single.stem, single.answer, single.explanation) == (4, "安全电压不包括：", ("B",), "见规程")
    assert (single.operation_types, single.difficulty) == (("0102",), 4)
    assert (true_false.line, true_false.kind, true_false.answer) == (13, "true_false", ("T",))
    assert (multiple.line, multiple.kind, multiple.answer) == (18, "multiple", ("A", "B"))


def test_moodle_xml_reports_bad_questions_by_the_line_of_their_element():
    # given
    text = """<?xml version="1.0"?>
<quiz>
  <question type="essay"><questiontext><text>论述</text></questiontext></question>
  <question type="multichoice">
    <questiontext><text>没有正确项</text></questiontext>
    <answer fraction="0"><text>甲</text></answer>
    <answer fraction="0"><text>乙</text></answer>
  </question>
  <question type="truefalse">
    <questiontext><text>两个都对</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
  </question>
  <question type="multichoice">
    <questiontext><text>分数不是数字</text></questiontext>
    <answer fraction="abc"><text>甲</text></answer>
  </question>
</quiz>"""

    # when
    errors = errors_of(text.encode(), "moodle-xml")

    # then
    assert errors == [
        (3, "不支持的 Moodle 题型“essay”，只能导入单选、多选和判断题。"),
        (4, "没有得分的选项（fraction 大于 0）。"),
        (9, '判断题应有且只有一个得分答案（fraction="100"）。'),
        (14, "fraction 属性“abc”不是数字。"),
    ]


def test_moodle_xml_that_is_not_well_formed_is_refused_with_its_line():
    with pytest.raises(FileProblem) as excinfo:
        read_questions(b"<quiz>\n<question>\n</quiz>", "moodle-xml")
    assert str(excinfo.value) == "第 3 行 XML 格式错误，文件无法读取。"


def test_moodle_xml_with_entity_expansion_is_refused():
    # given: a "billion laughs" file
    text = (
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<quiz><question type='truefalse'><questiontext><text>&b;</text></questiontext></question></quiz>"
    )

    # when / then
    with pytest.raises(FileProblem) as excinfo:
        read_questions(text.encode(), "moodle-xml")
    assert str(excinfo.value) == "XML 文件包含实体或 DTD 声明，出于安全原因拒绝读取。"


def test_moodle_xml_with_another_root_is_refused():
    with pytest.raises(FileProblem) as excinfo:
        read_questions(b"<html><body/></html>", "moodle-xml")
    assert str(excinfo.value) == "不是 Moodle XML 文件：根元素应为 <quiz>。"


# --- Every format ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "docx", "moodle-xml", "gift"])
def test_every_format_round_trips_every_field(fmt):
    # given: awkward text in every field
    records = [
        *TEMPLATE_ROWS,
        QuestionRecord(
            line=0,
            kind="single",
            stem='<script>alert("x")</script> 特殊字符 {=~#:} & "引号"\n第二行',
            options=(("A", "a < b"), ("B", "50%"), ("C", "=SUM(A1)")),
            answer=("C",),
            explanation="解析 #1 ~ = {}",
            knowledge_point="符号:测试",
            difficulty=5,
            operation_types=("0102", "0103"),
        ),
    ]

    # when
    again = read_questions(write_questions(records, fmt), fmt)

    # then
    assert again.errors == []
    assert without_lines(again.records) == without_lines(records)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_oversized_files_are_refused_before_reading(fmt):
    with pytest.raises(FileProblem) as excinfo:
        read_questions(b"x" * (MAX_FILE_BYTES + 1), fmt)
    assert str(excinfo.value) == "文件过大（20.0 MB），最大允许 20 MB。"


def test_too_many_questions_are_refused():
    # given
    from exams.bank.importers.records import MAX_QUESTIONS

    text = "\n\n".join(f"题{n}\nA. 甲\nB. 乙\nANSWER: A" for n in range(MAX_QUESTIONS + 1))

    # when / then
    with pytest.raises(FileProblem) as excinfo:
        read_questions(text.encode(), "aiken")
    assert str(excinfo.value) == f"试题过多：一个文件最多 {MAX_QUESTIONS} 道题。"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.xlsx", "xlsx"), ("A.CSV", "csv"), ("q.xml", "moodle-xml"), ("q.gift", "gift"), ("q.txt", "aiken")],
)
def test_format_is_guessed_from_the_extension(name, fmt):
    assert guess_format(name) == fmt


def test_an_unknown_extension_asks_for_a_format():
    with pytest.raises(FileProblem) as excinfo:
        guess_format("exports/bank.pdf")
    assert str(excinfo.value) == (
        "无法从文件名“bank.pdf”判断格式，请指定格式（xlsx、csv、docx、moodle-xml、gift、aiken）。"
    )


@pytest.mark.parametrize(("name", "suffix"), [("bank.xls", ".xlsx"), ("bank.doc", ".docx"), ("题库.WPS", ".docx")])
def test_old_office_files_are_asked_to_be_saved_anew(name, suffix):
    with pytest.raises(FileProblem) as excinfo:
        guess_format(name)
    assert (
        str(excinfo.value) == f"“{name}”是旧版 Office 格式，请在 Excel / Word / WPS 中“另存为” {suffix} 格式后再上传。"
    )


def test_scripts_in_question_text_are_kept_as_text_from_tabular_formats():
    # given
    data = xlsx([HEADER, ["0102", "判断题", "<script>alert(1)</script>危险", "", "对", "", "", ""]])

    # then: stored verbatim as text; pages escape it (see test_bank_admin)
    assert read_questions(data, "xlsx").records[0].stem == "<script>alert(1)</script>危险"


def test_scripts_in_html_question_text_are_dropped():
    # given
    text = (
        "<quiz><question type='truefalse'><questiontext format='html'><text>"
        "&lt;p&gt;安全&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;第一&lt;/p&gt;"
        "</text></questiontext><answer fraction='100'><text>true</text></answer></question></quiz>"
    )

    # then
    assert read_questions(text.encode(), "moodle-xml").records[0].stem == "安全第一"


# --- Rules -------------------------------------------------------------------------------


def test_duplicates_ignore_spacing_case_and_option_order():
    spaced = fingerprint("single", "电压  是多少？", ["甲", "乙"])
    assert spaced == fingerprint("single", " 电压 是多少？", ["乙", "甲"])
    assert fingerprint("single", "Voltage?", ["a"]) == fingerprint("single", "voltage?", ["A"])
    assert fingerprint("single", "电压？", ["甲", "乙"]) != fingerprint("multiple", "电压？", ["甲", "乙"])


def test_duplicates_in_a_file_name_the_first_occurrence():
    # given
    from exams.bank.importers.records import find_duplicates_in_file

    first = build_record(2, kind="判断", stem="电工须持证。", options=[], answer="对")
    again = build_record(5, kind="判断", stem="电工须持证。 ", options=[], answer="错")

    # then
    assert find_duplicates_in_file([first, again]) == [RowError(5, "与第 2 行的试题重复。")]


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("ACD", ("A", "C", "D")), ("D,A", ("A", "D")), ("a、c", ("A", "C")), ("Ｂ Ｃ", ("B", "C"))],
)
def test_multiple_choice_answers_in_the_ways_banks_write_them(answer, expected):
    record = build_record(2, kind="多选题", stem="题", options=["甲", "乙", "丙", "丁"], answer=answer)
    assert record.answer == expected


@pytest.mark.parametrize("word", ["正确", "对", "√", "T", "true", "是"])
def test_true_answers(word):
    assert build_record(2, kind="判断题", stem="题", options=[], answer=word).answer == ("T",)


@pytest.mark.parametrize("word", ["错误", "错", "×", "F", "FALSE", "否"])
def test_false_answers(word):
    assert build_record(2, kind="判断题", stem="题", options=[], answer=word).answer == ("F",)


def test_aiken_round_trips_choice_questions_without_metadata():
    # given
    from exams.bank.importers import aiken

    choice = [record for record in TEMPLATE_ROWS if record.kind != "true_false"]

    # when
    again = read_questions(aiken.write(TEMPLATE_ROWS)[0], "aiken").records

    # then: what Aiken can carry comes back; explanation, knowledge point, difficulty and
    # operation types it cannot carry (the import's default operation type fills in)
    assert [(r.kind, r.stem, r.options, r.answer) for r in again] == [
        (r.kind, r.stem, r.options, r.answer) for r in choice
    ]
    assert {(r.explanation, r.knowledge_point, r.difficulty, r.operation_types) for r in again} == {("", "", 3, ())}


# --- Images (Moodle XML embeds them) -----------------------------------------------------


def test_moodle_xml_reads_an_embedded_picture():
    import base64

    record = read_questions(moodle_with_file(base64.b64encode(png_bytes()).decode()), "moodle-xml").records[0]

    assert record.stem == "看图判断"
    assert record.image is not None
    assert (record.image.name, record.image.data) == ("电路图.png", png_bytes())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("***", "图片“电路图.png”的 base64 编码无效。"),
        ("aGVsbG8=", "“电路图.png”不是有效的图片。"),
    ],
)
def test_moodle_xml_reports_a_bad_embedded_picture(content, message):
    assert errors_of(moodle_with_file(content), "moodle-xml") == [(1, message)]


def test_moodle_xml_round_trips_a_picture():
    from exams.bank.importers.records import QuestionImage

    record = QuestionRecord(
        line=0, kind="true_false", stem="看图", options=(), answer=("T",), image=QuestionImage("a.png", png_bytes())
    )

    again = read_questions(write_questions([record], "moodle-xml"), "moodle-xml").records

    assert without_lines(again) == [record]


@pytest.mark.parametrize(
    "cell",
    ["A. 42 V  B. 36 V  C. 50 V", "A.42 V|B.36 V|C.50 V", "A、42 V B、36 V C、50 V"],
)
def test_options_on_one_line_are_split_at_each_letter(cell):
    record = build_record(2, kind="单选题", stem="题", options=[cell], answer="C")

    assert record.options == (("A", "42 V"), ("B", "36 V"), ("C", "50 V"))


def test_true_false_written_as_a_choice_between_right_and_wrong():
    data = xlsx([HEADER, ["0102", "判断题", "电工须持证。", "A. 正确\nB. 错误", "B", "", "", ""]])

    record = read_questions(data, "xlsx").records[0]

    assert (record.kind, record.options, record.answer) == ("true_false", (), ("F",))


def test_a_truncated_excel_file_is_refused():
    from exams.bank.importers.excel import template

    data = template()

    with pytest.raises(FileProblem) as excinfo:
        read_questions(data[: len(data) // 2], "xlsx")
    assert str(excinfo.value) == "不是有效的 Excel（.xlsx）文件。"


def test_an_excel_file_with_a_damaged_sheet_is_refused():
    # given: a well-formed archive whose first sheet breaks off in its last row
    import zipfile

    from exams.bank.importers.excel import template

    source = zipfile.ZipFile(io.BytesIO(template()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for item in source.infolist():
            content = source.read(item.filename)
            damaged.writestr(item, content[:-40] if item.filename.endswith("sheet1.xml") else content)

    # when / then
    with pytest.raises(FileProblem) as excinfo:
        read_questions(buffer.getvalue(), "xlsx")
    assert str(excinfo.value) == "Excel 文件已损坏，无法读取。"
