"""Spreadsheets as training organisations hold them: header recognition, option encodings,
true/false answers, numbered stems, answer spellings, kinds, the user's column choices.
One test per variant, on files written by the corpus fixtures. Pure: no database."""

from __future__ import annotations

import pytest

from exams.bank.importers import FileProblem, read_questions
from exams.bank.importers.operation_types import Catalogue, CatalogueEntry, match_operation_type
from exams.bank.importers.records import build_record


def read(data: bytes, **options):
    return read_questions(data, "xlsx", **options)


def fields(record):
    return (record.line, record.kind, record.stem, record.options, record.answer, record.operation_types)


# --- The national layout and its header ----------------------------------------------------


def test_the_national_layout_with_a_title_row_and_an_empty_first_column(xlsx, national_header):
    # given: what a provincial bank looks like
    data = xlsx(
        [
            [None, "低压电工作业题库"],
            [],
            [None, *national_header],
            [
                None,
                "低压电工作业",
                "单选题",
                "1.安全生产管理，坚持（ ）的方针。",
                "**A.以人为本**B.发展**C.综合治理",
                "A",
            ],
            [None, "低压电工作业", "判断题", "2、电工应持证上岗。", "", "正确"],
            [None, "低压电工作业", "多选题", "3．触电急救的原则是（ ）。", "A.迅速##B.就地##C.准确##D.坚持", "ABCD"],
        ]
    )

    # when
    result = read(data)

    # then
    assert result.errors == []
    assert [fields(r) for r in result.records] == [
        (
            4,
            "single",
            "安全生产管理，坚持（ ）的方针。",
            (("A", "以人为本"), ("B", "发展"), ("C", "综合治理")),
            ("A",),
            ("低压电工作业",),
        ),
        (5, "true_false", "电工应持证上岗。", (), ("T",), ("低压电工作业",)),
        (
            6,
            "multiple",
            "触电急救的原则是（ ）。",
            (("A", "迅速"), ("B", "就地"), ("C", "准确"), ("D", "坚持")),
            ("A", "B", "C", "D"),
            ("低压电工作业",),
        ),
    ]
    assert result.layout["header_line"] == 3
    assert [(c["letter"], c["role"]) for c in result.layout["columns"]] == [
        ("B", "operation_type"),
        ("C", "kind"),
        ("D", "stem"),
        ("E", "options"),
        ("F", "answer"),
    ]
    assert result.layout["option_encodings"] == {"**": 1, "##": 1}
    assert result.layout["true_false_writings"] == {"正确/错误": 1}


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("作业种类", "operation_type"),
        ("操作项目", "operation_type"),
        ("工种", "operation_type"),
        ("作业类别", "operation_type"),
        ("试题类型(判断题、单选题、多选题)", "kind"),
        ("题型", "kind"),
        ("类型", "kind"),
        ("题目类型", "kind"),
        ("题目内容", "stem"),
        ("题干", "stem"),
        ("题目", "stem"),
        ("试题", "stem"),
        ("试题内容", "stem"),
        ("题目选项(选项之间用##隔开)", "options"),
        ("选项", "options"),
        ("备选答案", "options"),
        ("题目答案", "answer"),
        ("正确答案", "answer"),
        ("标准答案", "answer"),
        ("参考答案", "answer"),
        ("解析", "explanation"),
        ("答案解析", "explanation"),
        ("试题解析", "explanation"),
        ("知识点", "knowledge_point"),
        ("章节", "knowledge_point"),
        ("考点", "knowledge_point"),
        ("分类", "knowledge_point"),
        ("难度", "difficulty"),
        (" 题 干 ", "stem"),
        ("*答案", "answer"),
        ("答案：", "answer"),
        ("题干【必填】", "stem"),
        ("序号", "ignore"),
    ],
)
def test_header_names_banks_use(xlsx, header, role):
    # given: the column under test first, then whatever else a question needs
    others = {"stem": ["题干", "题"], "answer": ["答案", "对"]}
    row_header = [header] + [name for key, (name, _value) in others.items() if key != role]
    row = ["对" if role == "answer" else "题" if role == "stem" else "判断题" if role == "kind" else "1"]
    row += [value for key, (_name, value) in others.items() if key != role]

    # when
    result = read(xlsx([row_header, row]))

    # then
    assert result.layout["columns"][0]["role"] == role


def test_one_column_per_option_with_letters_or_names_as_headers(xlsx):
    # given
    data = xlsx(
        [
            ["题型", "题干", "A", "B", "C", "D", "答案"],
            ["单选题", "题一", "甲", "乙", "丙", "", "C"],
            ["多选题", "题二", "甲", "乙", "丙", "丁", "BD"],
        ]
    )

    # when
    result = read(data)

    # then
    assert [(r.options, r.answer) for r in result.records] == [
        ((("A", "甲"), ("B", "乙"), ("C", "丙")), ("C",)),
        ((("A", "甲"), ("B", "乙"), ("C", "丙"), ("D", "丁")), ("B", "D")),
    ]
    assert result.layout["option_encodings"] == {"columns": 2}


def test_a_chapter_column_with_sub_levels_joins_them_into_the_knowledge_point(xlsx):
    data = xlsx(
        [["题干", "答案", "章节", "二级章节", "知识点"], ["题一", "对", "第一章 电工基础", "第二节 安全电压", ""]]
    )

    record = read(data).records[0]

    assert record.knowledge_point == "第一章 电工基础 / 第二节 安全电压"


@pytest.mark.parametrize(("written", "difficulty"), [("易", 1), ("中", 3), ("难", 5), ("2", 2), ("", 3)])
def test_difficulty_as_a_number_or_a_word(xlsx, written, difficulty):
    data = xlsx([["题干", "答案", "难度"], ["题一", "对", written]])

    assert read(data).records[0].difficulty == difficulty


def test_unknown_columns_are_ignored_and_listed(xlsx):
    data = xlsx([["序号", "题干", "答案", "备注", "出题人"], [1, "题一", "对", "无", "张三"]])

    result = read(data)

    assert result.errors == []
    assert [c["header"] for c in result.layout["columns"] if c["role"] == "ignore"] == ["序号", "备注", "出题人"]


def test_a_header_found_nowhere_is_reported_with_its_columns_for_the_user_to_name(xlsx):
    # given: headers nobody would recognise
    data = xlsx([["Q", "OPTS", "KEY"], ["题一", "A.甲##B.乙", "B"]])

    # when
    result = read(data)

    # then
    assert [(e.line, e.message) for e in result.errors] == [
        (
            1,
            "第 1 行表头缺少列：题干、答案。请在预览中指定各列的用途，或把表头改为："
            "操作项目 | 题型 | 题干 | 选项 | 答案 | 解析 | 知识点 | 难度。",
        )
    ]
    assert [c["header"] for c in result.layout["columns"]] == ["Q", "OPTS", "KEY"]


def test_the_users_column_choices_by_header_letter_or_place(xlsx):
    # given
    data = xlsx([["Q", "OPTS", "KEY"], ["题一", "A.甲##B.乙", "B"]])

    # when
    result = read(data, columns=[("stem", "Q"), ("options", "B"), ("answer", "#2")])

    # then
    assert result.errors == []
    assert fields(result.records[0]) == (2, "single", "题一", (("A", "甲"), ("B", "乙")), ("B",), ())
    assert [(c["role"], c["chosen"]) for c in result.layout["columns"]] == [
        ("stem", True),
        ("options", True),
        ("answer", True),
    ]


def test_choosing_a_role_moves_it_away_from_the_recognised_column(xlsx):
    # given: two candidate stems; the recognised one is the short title, the user picks the other
    data = xlsx([["题目", "试题内容", "答案"], ["标题一", "完整的题干一", "对"]])

    # when
    result = read(data, columns=[("stem", "试题内容")])

    # then
    assert result.records[0].stem == "完整的题干一"
    assert [c["role"] for c in result.layout["columns"]] == ["ignore", "stem", "answer"]


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        (("stem", "不存在"), "第 1 行表头中找不到列“不存在”。"),
        (
            ("题干", "A"),
            "不认识的列用途“题干”，可用：operation_type, kind, stem, options, answer, explanation, "
            "knowledge_point, difficulty, ignore。",
        ),
    ],
)
def test_a_column_choice_that_does_not_fit_the_file_is_refused(xlsx, choice, message):
    with pytest.raises(FileProblem) as excinfo:
        read(xlsx([["题干", "答案"], ["题一", "对"]]), columns=[choice])
    assert str(excinfo.value) == message


# --- Option encodings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "encoding"),
    [
        ("A.甲\nB.乙\nC.丙", "lines"),
        ("甲\n乙\n丙", "lines"),
        ("A.甲##B.乙##C.丙", "##"),
        ("##A.甲##B.乙##C.丙", "##"),
        ("**A.甲**B.乙**C.丙", "**"),
        ("A.甲**B.乙**C.丙", "**"),
        ("A.甲|B.乙|C.丙", "|"),
        ("A.甲；B.乙；C.丙", "；"),
        ("A.甲\tB.乙\tC.丙", "tab"),
        ("A、甲B、乙C、丙", "inline"),
        ("A．甲  B．乙  C．丙", "inline"),
        ("A:甲 B:乙 C:丙", "inline"),
        ("(A)甲(B)乙(C)丙", "inline"),
        ("（A）甲（B）乙（C）丙", "inline"),
        ("A)甲 B)乙 C)丙", "inline"),
        ("A 甲 B 乙 C 丙", "inline"),
        ("A甲\nB乙\nC丙", "lines"),
        ("Ａ．甲\nＢ．乙\nＣ．丙", "lines"),
        ("A. 甲  B. 乙\nC. 丙", "inline"),
    ],
)
def test_option_encodings(xlsx, cell, encoding):
    data = xlsx([["题型", "题干", "选项", "答案"], ["单选题", "题一", cell, "ｂ"]])

    result = read(data)

    assert result.errors == []
    assert result.records[0].options == (("A", "甲"), ("B", "乙"), ("C", "丙"))
    assert result.records[0].answer == ("B",)
    assert result.layout["option_encodings"] == {encoding: 1}


def test_options_that_contain_numbers_and_latin_letters_keep_them(xlsx):
    data = xlsx([["题型", "题干", "选项", "答案"], ["单选题", "题一", "A、1.5米B、ABS塑料C、36 V", "C"]])

    assert read(data).records[0].options == (("A", "1.5米"), ("B", "ABS塑料"), ("C", "36 V"))


def test_option_letters_out_of_order_are_a_row_error(xlsx):
    data = xlsx([["题型", "题干", "选项", "答案"], ["单选题", "题一", "A.甲\nC.乙", "A"]])

    assert [(e.line, e.message) for e in read(data).errors] == [(2, "选项字母应依次为 A、B，实际为 A、C。")]


# --- True/false ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "answer", "writing"),
    [
        ("正确", "T", "正确/错误"),
        ("错误", "F", "正确/错误"),
        ("对", "T", "对/错"),
        ("错", "F", "对/错"),
        ("√", "T", "√/×"),
        ("×", "F", "√/×"),
        ("✓", "T", "✓/✗"),
        ("✗", "F", "✓/✗"),
        ("T", "T", "T/F"),
        ("F", "F", "T/F"),
        ("Y", "T", "Y/N"),
        ("N", "F", "Y/N"),
        ("是", "T", "是/否"),
        ("否", "F", "是/否"),
        ("1", "T", "1/0"),
        ("0", "F", "1/0"),
    ],
)
def test_true_false_answers(xlsx, written, answer, writing):
    data = xlsx([["题型", "题干", "答案"], ["判断题", "题一", written]])

    result = read(data)

    assert result.records[0].answer == (answer,)
    assert result.layout["true_false_writings"] == {writing: 1}


@pytest.mark.parametrize(
    ("options", "written", "answer"),
    [
        ("A.正确##B.错误", "A", "T"),
        ("A.正确##B.错误", "B", "F"),
        ("A.错误##B.正确", "A", "F"),
        ("A.错误##B.正确", "B", "T"),
        ("A.对\nB.错", "B", "F"),
        ("A.错\nB.对", "B", "T"),
    ],
)
def test_true_false_written_as_a_choice_between_right_and_wrong_in_either_order(xlsx, options, written, answer):
    data = xlsx([["题型", "题干", "选项", "答案"], ["判断题", "题一", options, written]])

    record = read(data).records[0]

    assert (record.kind, record.options, record.answer) == ("true_false", (), (answer,))


def test_a_row_without_a_kind_takes_it_from_its_answer(xlsx):
    data = xlsx(
        [
            ["题干", "选项", "答案"],
            ["判断", "", "×"],
            ["单选", "A.甲##B.乙", "B"],
            ["多选", "A.甲##B.乙##C.丙", "AC"],
            ["对错写成选项", "A.正确##B.错误", "A"],
        ]
    )

    assert [(r.kind, r.answer) for r in read(data).records] == [
        ("true_false", ("F",)),
        ("single", ("B",)),
        ("multiple", ("A", "C")),
        ("true_false", ("T",)),
    ]


# --- Stems, answers and kinds --------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stem"),
    [
        ("1.电工应持证上岗。", "电工应持证上岗。"),
        ("12、电工应持证上岗。", "电工应持证上岗。"),
        ("3．电工应持证上岗。", "电工应持证上岗。"),
        ("（4）电工应持证上岗。", "电工应持证上岗。"),
        ("(5) 电工应持证上岗。", "电工应持证上岗。"),
        ("第6题 电工应持证上岗。", "电工应持证上岗。"),
        ("1.5米以下为低处。", "1.5米以下为低处。"),
        ("第3题的说法正确。", "第3题的说法正确。"),
        ("第7题", "第7题"),
        ("安全电压不超过（ ）伏。", "安全电压不超过（ ）伏。"),
        ("安全电压不超过(  )伏。", "安全电压不超过(  )伏。"),
        ("安全电压不超过____伏。", "安全电压不超过____伏。"),
    ],
)
def test_question_numbers_are_dropped_and_blanks_kept(xlsx, written, stem):
    data = xlsx([["题型", "题干", "答案"], ["判断题", written, "对"]])

    assert read(data).records[0].stem == stem


@pytest.mark.parametrize(
    ("written", "answer"),
    [
        ("A B C", ("A", "B", "C")),
        ("A,B,C", ("A", "B", "C")),
        ("ABC", ("A", "B", "C")),
        ("a、c", ("A", "C")),
        ("ＡＣ", ("A", "C")),
        ("Ａ，Ｃ", ("A", "C")),
        ("C A", ("A", "C")),
        ("答案：AC", ("A", "C")),
    ],
)
def test_multiple_choice_answers_as_banks_write_them(xlsx, written, answer):
    data = xlsx([["题型", "题干", "选项", "答案"], ["多选题", "题一", "A.甲##B.乙##C.丙", written]])

    assert read(data).records[0].answer == answer


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("判断题", "true_false"),
        ("判断", "true_false"),
        ("单选题", "single"),
        ("单项选择题", "single"),
        ("单选", "single"),
        ("多选题", "multiple"),
        ("多项选择题", "multiple"),
        ("单选题（1分）", "single"),
    ],
)
def test_kind_names(xlsx, written, kind):
    answer = "对" if kind == "true_false" else "AB" if kind == "multiple" else "A"
    data = xlsx([["题型", "题干", "选项", "答案"], [written, "题一", "" if kind == "true_false" else "甲##乙", answer]])

    assert read(data).records[0].kind == kind


@pytest.mark.parametrize(("answer", "kind"), [("B", "single"), ("BC", "multiple")])
def test_an_open_number_of_answers_is_single_or_multiple_choice_by_its_answer(xlsx, answer, kind):
    data = xlsx([["题型", "题干", "选项", "答案"], ["不定项", "题一", "甲##乙##丙", answer]])

    assert read(data).records[0].kind == kind


def test_kinds_the_platform_does_not_examine_are_row_errors_and_the_other_rows_read(xlsx):
    # given
    data = xlsx(
        [
            ["题型", "题干", "选项", "答案"],
            ["填空题", "安全电压不超过____伏。", "", "36"],
            ["判断题", "电工应持证上岗。", "", "对"],
            ["计算题", "求电流。", "", "2 A"],
            ["问答", "简述触电急救。", "", "……"],
            ["看图题", "这是什么？", "", "A"],
        ]
    )

    # when
    result = read(data)

    # then
    assert [r.line for r in result.records] == [3]
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "不支持的题型“填空题”：只能导入单选题、多选题和判断题。"),
        (4, "不支持的题型“计算题”：只能导入单选题、多选题和判断题。"),
        (5, "不支持的题型“问答”：只能导入单选题、多选题和判断题。"),
        (6, "题型“看图题”无法识别，应为单选题、多选题或判断题。"),
    ]


# --- The generated national bank: ≥ 98 % of its distinct questions, the rest named ----------


def test_a_generated_irregular_national_bank_reads_every_supported_question(irregular_national_bank):
    # given
    data, supported, distinct, refused = irregular_national_bank(300)

    # when
    result = read(data)

    # then: every supported question is read (the repeats are duplicates for the service)
    assert len({r.fingerprint for r in result.records}) == supported
    assert supported / distinct >= 0.98
    assert {e.line: e.message for e in result.errors} == refused
    assert set(result.layout["option_encodings"]) == {"##", "**", "lines", "inline", "|"}


# --- Operation types -----------------------------------------------------------------------

CATALOGUE = Catalogue.of(
    [
        CatalogueEntry(1, "0101", "高压电工作业"),
        CatalogueEntry(2, "0102", "低压电工作业"),
        CatalogueEntry(3, "0201", "熔化焊接与热切割作业"),
        CatalogueEntry(4, "0507", "煤矿采煤机(掘进机)操作作业"),
    ]
)


@pytest.mark.parametrize(
    ("value", "code", "notice"),
    [
        ("0102", "0102", ""),
        ("低压电工作业", "0102", ""),
        ("低压电工", "0102", "操作项目“低压电工”按“低压电工作业（0102）”导入。"),
        ("低压电工 作业", "0102", "操作项目“低压电工 作业”按“低压电工作业（0102）”导入。"),
        ("电焊", "0201", "操作项目“电焊”按“熔化焊接与热切割作业（0201）”导入。"),
        ("焊工", "0201", "操作项目“焊工”按“熔化焊接与热切割作业（0201）”导入。"),
        ("电工作业-低压电工作业", "0102", "操作项目“电工作业-低压电工作业”按“低压电工作业（0102）”导入。"),
        (
            "煤矿采煤机（掘进机）操作作业",
            "0507",
            "操作项目“煤矿采煤机（掘进机）操作作业”按“煤矿采煤机(掘进机)操作作业（0507）”导入。",
        ),
    ],
)
def test_operation_types_match_by_code_name_or_the_name_banks_use(value, code, notice):
    match = match_operation_type(value, CATALOGUE)

    assert match is not None
    assert (match.entry.code, match.notice) == (code, notice)


@pytest.mark.parametrize("value", ["电工", "9999", "高处作业", ""])
def test_operation_types_that_match_nothing_or_more_than_one(value):
    assert match_operation_type(value, CATALOGUE) is None


# --- Limits --------------------------------------------------------------------------------


def test_the_excel_reader_is_the_guarded_one(xlsx, monkeypatch):
    monkeypatch.setattr("exams.bank.importers.excel.MAX_ROWS", 3)

    with pytest.raises(FileProblem) as excinfo:
        read(xlsx([["题干", "答案"], ["一", "对"], ["二", "对"], ["三", "对"]]))
    assert str(excinfo.value) == "表格行数过多：一次最多 3 行（空行也计算在内）。"


def test_build_record_keeps_numbers_of_stems_from_the_admin_form():
    record = build_record(0, kind="判断题", stem="1. 保留题号", options=[], answer="对")

    assert record.stem == "1. 保留题号"
