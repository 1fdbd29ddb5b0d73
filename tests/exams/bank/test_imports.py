"""Imports of banks as organisations hold them: operation types matched with notices,
duplicates in a file, the good rows only, and the import_questions command's options."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import AuditEvent
from exams.bank.importers import read_questions
from exams.bank.importers.records import build_record
from exams.bank.models import Question, QuestionBank
from exams.bank.selectors import question_records
from exams.bank.services import import_questions, plan_import
from exams.errors import ImportRejected
from tests.factories import OperationTypeFactory, QuestionBankFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return {
        "0102": OperationTypeFactory(code="0102", name="低压电工作业"),
        "0201": OperationTypeFactory(code="0201", name="熔化焊接与热切割作业"),
    }


def tf(line: int, stem: str, answer: str = "对", types: str = "0102"):
    return build_record(line, kind="判断题", stem=stem, options=[], answer=answer, operation_types=types)


# --- Operation types ------------------------------------------------------------------------


def test_names_banks_use_are_matched_with_one_notice_per_name(catalogue):
    # given
    bank = QuestionBankFactory()
    records = [tf(2, "一", types="电焊"), tf(3, "二", types="电焊"), tf(4, "三", types="低压电工"), tf(5, "四")]

    # when
    outcome = import_questions(bank=bank, records=records, actor=None)

    # then
    assert outcome.imported == 4
    assert [(n.line, n.message) for n in outcome.notices] == [
        (2, "操作项目“电焊”按“熔化焊接与热切割作业（0201）”导入。（共 2 行：第 2、3 行）"),
        (4, "操作项目“低压电工”按“低压电工作业（0102）”导入。"),
    ]
    types = {q.stem: [t.code for t in q.operation_types.all()] for q in Question.objects.filter(bank=bank)}
    assert types == {"一": ["0201"], "二": ["0201"], "三": ["0102"], "四": ["0102"]}


def test_a_value_nothing_matches_takes_the_default_type_with_a_notice(catalogue):
    bank = QuestionBankFactory()

    outcome = import_questions(
        bank=bank, records=[tf(2, "一", types="电工")], actor=None, default_operation_type=catalogue["0102"]
    )

    assert [(n.line, n.message) for n in outcome.notices] == [
        (2, "操作项目“电工”不在目录中，按默认操作项目“低压电工作业（0102）”导入。")
    ]
    assert [t.code for t in Question.objects.get(bank=bank).operation_types.all()] == ["0102"]


def test_a_value_nothing_matches_without_a_default_is_an_error_and_nothing_is_imported(catalogue):
    bank = QuestionBankFactory()

    with pytest.raises(ImportRejected) as excinfo:
        import_questions(bank=bank, records=[tf(2, "一"), tf(3, "二", types="电工")], actor=None)

    assert [(e.line, e.message) for e in excinfo.value.errors] == [
        (3, "操作项目“电工”不在目录中，请填写操作项目代码或名称，或指定默认操作项目。")
    ]
    assert not bank.questions.exists()


# --- Duplicates inside a file and the good rows ---------------------------------------------


def test_repeats_inside_a_file_are_reported_per_row_naming_a_different_answer(catalogue):
    bank = QuestionBankFactory()
    records = [tf(2, "一"), tf(3, "一"), tf(4, "一 ", answer="错")]

    plan = plan_import(bank=bank, records=records)

    assert [(e.line, e.message) for e in plan.errors] == [
        (3, "与第 2 行的试题重复。"),
        (4, "与第 2 行的试题重复，且答案不同（第 2 行为 正确，本行为 错误）。"),
    ]


def test_skipping_duplicates_leaves_the_repeats_out_and_counts_them(catalogue):
    bank = QuestionBankFactory()

    outcome = import_questions(
        bank=bank, records=[tf(2, "一"), tf(3, "一"), tf(4, "二")], actor=None, skip_duplicates=True
    )

    assert (outcome.imported, outcome.skipped) == (2, 1)
    assert sorted(bank.questions.values_list("stem", flat=True)) == ["一", "二"]


def test_importing_the_good_rows_leaves_the_bad_ones_out_and_names_them(catalogue):
    # given
    bank = QuestionBankFactory()
    records = [tf(2, "一"), tf(3, "二", types="9999"), tf(4, "一")]

    # when
    outcome = import_questions(bank=bank, records=records, actor=None, skip_bad_rows=True, source="bank.xlsx")

    # then
    assert outcome.imported == 1
    assert [(e.line, e.message) for e in outcome.left_out] == [
        (3, "操作项目“9999”不在目录中，请填写操作项目代码或名称，或指定默认操作项目。"),
        (4, "与第 2 行的试题重复。"),
    ]
    assert list(bank.questions.values_list("stem", flat=True)) == ["一"]
    event = AuditEvent.objects.get(action="exams.question_bank.imported")
    assert event.data == {"imported": 1, "skipped": 0, "left_out": 2, "source": "bank.xlsx"}


# --- The command ----------------------------------------------------------------------------


def test_the_command_reads_the_national_layout_with_notices(catalogue, tmp_path, capsys, xlsx, national_header):
    # given
    path = tmp_path / "national.xlsx"
    path.write_bytes(
        xlsx(
            [
                national_header,
                ["电焊", "单选题", "1.焊接时应（ ）。", "**A.戴面罩**B.不戴", "A"],
                ["低压电工作业", "判断题", "2.电工应持证上岗。", "", "√"],
            ]
        )
    )

    # when
    call_command("import_questions", str(path), "--bank", "national")

    # then
    output = capsys.readouterr()
    assert output.out == "imported 2 questions\n"
    assert output.err == "national.xlsx:2: 操作项目“电焊”按“熔化焊接与热切割作业（0201）”导入。\n"
    assert QuestionBank.objects.get(slug="national").questions.count() == 2


def test_the_command_prints_the_detected_mapping_with_verbosity_2(catalogue, tmp_path, capsys, xlsx):
    # given
    path = tmp_path / "bank.xlsx"
    path.write_bytes(
        xlsx([[None, "序号", "工种", "题目", "选项", "答案"], [None, 1, "0102", "题一", "A、甲B、乙", "B"]])
    )

    # when
    call_command("import_questions", str(path), "--bank", "b", verbosity=2)

    # then
    assert capsys.readouterr().out.splitlines() == [
        "header on row 1:",
        "    B 序号 -> ignore",
        "    C 工种 -> operation_type",
        "    D 题目 -> stem",
        "    E 选项 -> options",
        "    F 答案 -> answer",
        "options: 同一行内以字母 A、B、C 开头 (1)",
        "questions read: 1",
        "imported 1 questions",
    ]


def test_the_command_takes_the_columns_roles(catalogue, tmp_path, capsys, xlsx):
    # given: headers nobody would recognise
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx([["Q", "OPTS", "KEY"], ["题一", "A.甲##B.乙", "B"]]))

    # when
    call_command(
        "import_questions",
        str(path),
        "--bank",
        "b",
        "--operation-type",
        "0102",
        "--columns",
        "stem=Q,options=OPTS,answer=C",
        verbosity=2,
    )

    # then
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "header on row 1:",
        "    A Q -> stem (chosen)",
        "    B OPTS -> options (chosen)",
        "    C KEY -> answer (chosen)",
    ]
    assert out[-1] == "imported 1 questions"


@pytest.mark.parametrize(
    ("columns", "message"),
    [("stem", "--columns: expected ROLE=COLUMN, got 'stem'"), ("stem=Z9", "第 1 行表头中找不到列“Z9”。")],
)
def test_the_command_refuses_columns_that_do_not_fit(catalogue, tmp_path, capsys, xlsx, columns, message):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(xlsx([["题干", "答案"], ["题一", "对"]]))

    with pytest.raises((SystemExit, Exception)) as excinfo:
        call_command("import_questions", str(path), "--bank", "b", "--columns", columns)

    assert message in (str(excinfo.value) + capsys.readouterr().err)
    assert not QuestionBank.objects.filter(slug="b").exists()


def test_the_command_imports_a_word_document_with_the_default_type(catalogue, tmp_path, capsys, docx):
    # given
    path = tmp_path / "bank.docx"
    path.write_bytes(
        docx(["一、判断题", "1. 电工应持证上岗。", "答案：对", "二、单选题", "2. 题", "A.甲 B.乙", "答案：A"])
    )

    # when
    call_command("import_questions", str(path), "--bank", "w", "--format", "docx", "--operation-type", "0102")

    # then
    assert capsys.readouterr().out == "imported 2 questions\n"
    bank = QuestionBank.objects.get(slug="w")
    assert [(r.kind, r.operation_types) for r in question_records(bank)] == [
        ("true_false", ("0102",)),
        ("single", ("0102",)),
    ]


def test_the_command_refuses_a_word_document_without_a_type_naming_each_question(catalogue, tmp_path, capsys, docx):
    path = tmp_path / "bank.docx"
    path.write_bytes(docx(["1. 电工应持证上岗。", "答案：对"]))

    with pytest.raises(SystemExit) as excinfo:
        call_command("import_questions", str(path), "--bank", "w")

    assert excinfo.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "bank.docx:1: 没有填写操作项目，也没有指定默认操作项目。",
        "1 bad rows; nothing imported",
    ]


def test_a_generated_national_bank_imports_its_distinct_supported_questions_and_names_the_rest(
    catalogue, tmp_path, capsys, irregular_national_bank
):
    # given
    data, supported, distinct, refused = irregular_national_bank(300)
    path = tmp_path / "national.xlsx"
    path.write_bytes(data)

    # when: as it stands, all or nothing refuses it; the good rows then go in
    with pytest.raises(SystemExit):
        call_command("import_questions", str(path), "--bank", "n", "--skip-duplicates")
    refusal = capsys.readouterr().err.splitlines()
    call_command("import_questions", str(path), "--bank", "n", "--skip-duplicates", "--import-good-rows")
    output = capsys.readouterr()

    # then
    assert refusal[-1] == f"{len(refused)} bad rows; nothing imported"
    bank = QuestionBank.objects.get(slug="n")
    assert bank.questions.count() == supported
    assert supported / distinct >= 0.98
    assert output.out == f"imported {supported} questions (12 duplicates skipped, {len(refused)} bad rows left out)\n"
    assert [line for line in output.err.splitlines() if "不支持" in line] == [
        f"national.xlsx:{line}: {message}" for line, message in sorted(refused.items())
    ]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "docx"])
def test_an_export_of_a_national_bank_reimports_to_the_same_questions(catalogue, tmp_path, capsys, fmt, xlsx):
    # given: a bank imported from the national layout
    source = tmp_path / "national.xlsx"
    source.write_bytes(
        xlsx(
            [
                ["作业种类", "试题类型", "题目内容", "题目选项", "题目答案"],
                ["低压电工作业", "单选题", "1.题一", "**A.甲**B.乙", "B"],
                ["电焊", "多选题", "2.题二", "A、甲B、乙C、丙", "AC"],
                ["低压电工作业", "判断题", "3.题三", "A.正确##B.错误", "B"],
            ]
        )
    )
    call_command("import_questions", str(source), "--bank", "source")
    exported = tmp_path / f"export.{fmt}"

    # when
    call_command("export_questions", "--bank", "source", "--format", fmt, str(exported))
    call_command("import_questions", str(exported), "--bank", "copy")

    # then
    source_bank, copy = QuestionBank.objects.get(slug="source"), QuestionBank.objects.get(slug="copy")
    assert question_records(copy) == question_records(source_bank)
    assert len(read_questions(exported.read_bytes(), fmt).records) == 3


def test_the_cells_kept_of_bad_rows_stop_at_a_budget(monkeypatch):
    from exams.bank.importers.records import RowError
    from exams.bank.services import stored_errors

    monkeypatch.setattr("exams.bank.services.MAX_KEPT_CHARACTERS", 10)
    errors = [RowError(2, "坏"), RowError(3, "坏")]

    stored = stored_errors(errors, {2: ["甲" * 6], 3: ["乙" * 6]})

    assert stored == [{"line": 2, "message": "坏", "cells": ["甲" * 6]}, {"line": 3, "message": "坏", "cells": []}]


def test_previews_left_open_for_a_day_are_discarded_with_their_files(
    catalogue, xlsx, django_capture_on_commit_callbacks
):
    # given: an old open preview, a fresh one and an old finished import
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from accounts.private_media import private_storage
    from exams.bank.models import QuestionImport
    from exams.bank.services import discard_stale_question_imports

    bank = QuestionBankFactory()
    now = timezone.now()
    old, fresh, done = (
        QuestionImport.objects.create(bank=bank, original_name=name, format="xlsx", status=status)
        for name, status in (("old.xlsx", "invalid"), ("fresh.xlsx", "checked"), ("done.xlsx", "done"))
    )
    for item in (old, fresh):
        item.file.save(item.original_name, ContentFile(xlsx([["题干", "答案"], ["题", "对"]])))
    stored = old.file.name
    QuestionImport.objects.filter(pk__in=[old.pk, done.pk]).update(created_at=now - dt.timedelta(days=2))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        discarded = discard_stale_question_imports(now=now)

    # then
    assert discarded == 1
    assert {i.original_name: i.status for i in QuestionImport.objects.all()} == {
        "old.xlsx": "discarded",
        "fresh.xlsx": "checked",
        "done.xlsx": "done",
    }
    assert not private_storage().exists(stored)
    assert private_storage().exists(QuestionImport.objects.get(pk=fresh.pk).file.name)
