"""Word documents as training organisations write their banks: one test per variant, on
documents written by the corpus fixture. Numbers in messages are paragraph numbers. Pure."""

from __future__ import annotations

import io
import zipfile

import pytest

from exams.bank.importers import FileProblem, read_questions, write_questions
from exams.bank.importers.records import QuestionImage, QuestionRecord


def read(data: bytes):
    return read_questions(data, "docx")


def summary(result):
    return [(r.line, r.kind, r.stem, r.options, r.answer) for r in result.records]


def test_sections_give_the_kind_of_numbered_questions(docx):
    # given
    data = docx(
        [
            "低压电工作业理论题库",
            "一、判断题（共 2 题）",
            "1. 电工应持证上岗。（ ）",
            "答案：正确",
            "2、带电设备着火可以用水扑救。",
            "答案：×",
            "二、单项选择题",
            "1．我国安全电压额定值等级不包括（ ）。",
            "A. 42 V",
            "B. 36 V",
            "C. 50 V",
            "【答案】C",
            "三、多项选择题",
            "（1）停电检修的技术措施有（ ）。",
            "A、停电  B、验电  C、闲聊",
            "正确答案：AB",
        ]
    )

    # when
    result = read(data)

    # then
    assert result.errors == []
    assert summary(result) == [
        (3, "true_false", "电工应持证上岗。（ ）", (), ("T",)),
        (5, "true_false", "带电设备着火可以用水扑救。", (), ("F",)),
        (8, "single", "我国安全电压额定值等级不包括（ ）。", (("A", "42 V"), ("B", "36 V"), ("C", "50 V")), ("C",)),
        (14, "multiple", "停电检修的技术措施有（ ）。", (("A", "停电"), ("B", "验电"), ("C", "闲聊")), ("A", "B")),
    ]


@pytest.mark.parametrize("number", ["1.", "1、", "1．", "（1）", "(1)", "第1题", "第 1 题："])
def test_question_numbers(docx, number):
    result = read(docx([f"{number}电工应持证上岗。", "答案：对"]))

    assert summary(result) == [(1, "true_false", "电工应持证上岗。", (), ("T",))]


@pytest.mark.parametrize(
    "paragraphs",
    [
        ["1. 题干（ ）", "A. 甲", "B. 乙", "C. 丙", "答案：B"],
        ["1. 题干（ ）", "A. 甲  B. 乙  C. 丙", "答案：B"],
        ["1. 题干（ ）", "A、甲B、乙C、丙", "答案：B"],
        ["1. 题干（ ）", "A. 甲  B. 乙", "C. 丙", "答案：B"],
        ["1. 题干（ ）A、甲B、乙C、丙", "答案：B"],
        [["1. 题干（ ）\nA. 甲\nB. 乙\nC. 丙\n答案：B"]],
        ["1. 题干（ ）", "(A) 甲 (B) 乙 (C) 丙", "答案 B"],
    ],
    ids=["own-lines", "one-line", "no-spaces", "two-and-one", "after-stem", "line-breaks", "brackets"],
)
def test_options_on_their_own_lines_or_on_one_line(docx, paragraphs):
    result = read(docx(paragraphs))

    assert result.errors == []
    assert summary(result) == [(1, "single", "题干（ ）", (("A", "甲"), ("B", "乙"), ("C", "丙")), ("B",))]


@pytest.mark.parametrize(
    "answer_line",
    ["答案：C", "答案:C", "答案 C", "【答案】C", "【 答案 】 C", "正确答案：C", "参考答案:C", "标准答案：c"],
)
def test_answer_lines(docx, answer_line):
    result = read(docx(["1. 题干", "A. 甲", "B. 乙", "C. 丙", answer_line]))

    assert [r.answer for r in result.records] == [("C",)]


def test_an_answer_and_explanation_at_the_end_of_the_option_line(docx):
    result = read(
        docx(["1. 特种作业人员未经培训上岗的，责令（ ）。A、限期改正B、罚款C、停产答案:A解析:见安全生产法。"])
    )

    record = result.records[0]
    assert (record.stem, record.options, record.answer, record.explanation) == (
        "特种作业人员未经培训上岗的，责令（ ）。",
        (("A", "限期改正"), ("B", "罚款"), ("C", "停产")),
        ("A",),
        "见安全生产法。",
    )


@pytest.mark.parametrize("label", ["解析：", "解析:", "【解析】", "答案解析：", "试题解析："])
def test_explanation_lines_and_their_continuation(docx, label):
    result = read(docx(["1. 题干", "答案：对", f"{label}第一行", "第二行", "2. 下一题", "答案：错"]))

    assert [(r.stem, r.explanation) for r in result.records] == [("题干", "第一行\n第二行"), ("下一题", "")]


def test_a_true_false_answer_at_the_end_of_the_stem(docx):
    result = read(docx(["一、判断题", "1. 电工应持证上岗。（√）", "2. 可以带电作业。( × )"]))

    assert summary(result) == [
        (2, "true_false", "电工应持证上岗。（ ）", (), ("T",)),
        (3, "true_false", "可以带电作业。（ ）", (), ("F",)),
    ]


def test_without_sections_the_kind_comes_from_the_answer(docx):
    result = read(
        docx(["1. 判断", "答案：错误", "2. 单选", "A.甲", "B.乙", "答案：A", "3. 多选", "A.甲", "B.乙", "答案：AB"])
    )

    assert [r.kind for r in result.records] == ["true_false", "single", "multiple"]


def test_unnumbered_questions_after_a_finished_one(docx):
    result = read(docx(["1. 第一题", "答案：对", "第二题没有题号", "答案：错"]))

    assert [(r.line, r.stem, r.answer) for r in result.records] == [
        (1, "第一题", ("T",)),
        (3, "第二题没有题号", ("F",)),
    ]


def test_a_picture_inside_a_question_becomes_its_image(docx, picture):
    # given: one picture after the stem, one before any question (a letterhead: ignored);
    # Word stores the same picture once
    data = docx([[picture], "1. 看图判断，接线是否正确？", [picture], "答案：错", "2. 没有图", "答案：对"])

    # when
    result = read(data)

    # then
    first, second = result.records
    assert first.image is not None
    assert (first.image.name, first.image.data) == ("image1.png", picture)
    assert second.image is None


def test_two_pictures_in_one_question_keep_the_first_with_a_notice(docx, picture):
    result = read(docx(["1. 看图", [picture], [picture], "答案：对"]))

    assert result.records[0].image is not None
    assert [(n.line, n.message) for n in result.notices] == [(1, "这道题有 2 张图片，只保留了第一张。")]


def test_bad_questions_are_errors_with_their_paragraph_numbers(docx):
    # given
    data = docx(
        [
            "一、单项选择题",
            "1. 没有答案行",
            "A. 甲",
            "B. 乙",
            "2. 答案不在选项中",
            "A. 甲",
            "B. 乙",
            "答案：E",
            "二、填空题",
            "1. 安全电压不超过____伏。",
            "答案：36",
            "三、判断题",
            "1. 好题",
            "答案：对",
        ]
    )

    # when
    result = read(data)

    # then
    assert [(e.line, e.message) for e in result.errors] == [
        (2, "缺少答案行（如“答案：B”）。"),
        (5, "答案“E”不是选项 A、B 之一。"),
        (10, "不支持的题型“填空题”：只能导入单选题、多选题和判断题。"),
    ]
    assert [r.line for r in result.records] == [13]
    assert result.sources[5] == ["答案不在选项中\nA. 甲\nB. 乙\n答案：E"]


def test_an_operation_type_line_before_the_questions_applies_to_all(docx):
    result = read(docx(["操作项目：电焊", "1. 题一", "答案：对", "2. 题二", "答案：错", "操作项目：0102"]))

    assert [r.operation_types for r in result.records] == [("电焊",), ("0102",)]


def test_questions_in_a_table_are_read_like_a_spreadsheet(docx):
    data = docx(["题库"], table=[["题型", "题干", "选项", "答案"], ["单选题", "题一", "A.甲##B.乙", "B"]])

    result = read(data)

    assert summary(result) == [(2, "single", "题一", (("A", "甲"), ("B", "乙")), ("B",))]


def test_a_document_without_questions_says_what_it_looks_for(docx):
    with pytest.raises(FileProblem) as excinfo:
        read(docx(["会议纪要", "今天开会。"]))
    assert str(excinfo.value) == "文件中没有找到试题：试题应以题号开头（如“1.”），并有“答案：”行。"


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"not a zip", "不是有效的 Word（.docx）文件。"), (b"PK\x03\x04broken", "不是有效的 Word（.docx）文件。")],
)
def test_a_file_that_is_not_word_is_refused(data, message):
    with pytest.raises(FileProblem) as excinfo:
        read(data)
    assert str(excinfo.value) == message


def test_a_zip_bomb_is_refused_unread(monkeypatch, docx):
    monkeypatch.setattr("exams.bank.importers.word.MAX_UNPACKED_BYTES", 1000)

    with pytest.raises(FileProblem) as excinfo:
        read(docx(["1. 题", "答案：对"]))
    assert str(excinfo.value) == "Word 文件解压后过大，拒绝读取。"


def test_a_document_with_entities_does_not_expand_them(docx):
    # given: a "billion laughs" declared in the document part
    source = zipfile.ZipFile(io.BytesIO(docx(["1. 题", "答案：对"])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as hostile:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "word/document.xml":
                declaration = b'<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                content = content.replace(b"?>", b"?>" + declaration, 1).replace("题".encode(), b"&b;", 1)
            hostile.writestr(item, content)

    # when
    try:
        result = read(buffer.getvalue())
    except FileProblem:
        return  # refused outright: fine too

    # then: the entity was never expanded into the stem
    assert all("aaaa" not in record.stem for record in result.records)


def test_word_round_trips_every_field_with_a_picture(picture):
    # given
    records = [
        QuestionRecord(
            line=0,
            kind="true_false",
            stem="看图判断\n第二行",
            options=(),
            answer=("F",),
            explanation="解析第一行\n第二行",
            knowledge_point="电气防火",
            difficulty=2,
            operation_types=("0102",),
            image=QuestionImage("a.png", picture),
        ),
        QuestionRecord(line=0, kind="single", stem="单选", options=(("A", "甲"), ("B", "乙")), answer=("B",)),
        QuestionRecord(
            line=0, kind="multiple", stem="多选", options=(("A", "甲"), ("B", "乙"), ("C", "丙")), answer=("A", "C")
        ),
        QuestionRecord(line=0, kind="true_false", stem="又一道判断", options=(), answer=("T",)),
    ]

    # when
    again = read(write_questions(records, "docx"))

    # then: the same questions in the same order (a new section wherever the kind changes)
    assert again.errors == []
    assert [
        (r.kind, r.stem, r.options, r.answer, r.explanation, r.knowledge_point, r.difficulty) for r in again.records
    ] == [(r.kind, r.stem, r.options, r.answer, r.explanation, r.knowledge_point, r.difficulty) for r in records]
    assert [r.operation_types for r in again.records] == [("0102",), (), (), ()]
    assert again.records[0].image is not None and again.records[0].image.data == picture


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (100, "一百"), (105, "一百零五"),
     (110, "一百一十"), (1001, "一千零一")],
)  # fmt: skip
def test_section_numbers_of_a_long_export(number, text):
    from exams.bank.importers.word import chinese_number

    assert chinese_number(number) == text


def test_an_export_whose_kinds_alternate_keeps_its_order(docx):
    records = [
        QuestionRecord(
            line=0,
            kind=("true_false", "single")[n % 2],
            stem=f"题{n}",
            options=(("A", "甲"), ("B", "乙")) if n % 2 else (),
            answer=("A",) if n % 2 else ("T",),
        )
        for n in range(120)
    ]

    again = read(write_questions(records, "docx"))

    assert [(r.kind, r.stem) for r in again.records] == [(r.kind, r.stem) for r in records]


def test_a_stem_that_names_its_question_keeps_what_follows_the_number(docx):
    result = read(docx(["1. 第3题的说法：电工应持证上岗。", "答案：对"]))

    assert [r.stem for r in result.records] == ["第3题的说法：电工应持证上岗。"]
