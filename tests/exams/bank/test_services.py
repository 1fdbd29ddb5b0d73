"""Bank services and commands: imports all or nothing, duplicates, versions, retiring."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from accounts.models import AuditEvent, Role
from exams.bank.importers import read_questions, write_questions
from exams.bank.importers.records import build_record
from exams.bank.models import Question, QuestionBank
from exams.bank.selectors import question_records, question_versions
from exams.bank.services import create_question, import_questions, reinstate_question, retire_question, revise_question
from exams.errors import BankError, ImportRejected
from exams.theory.services import save_answers, start_attempt, submit_attempt
from tests.factories import (
    MembershipFactory,
    OperationTypeFactory,
    OrganisationFactory,
    QuestionBankFactory,
    QuestionFactory,
    answer_key,
)

pytestmark = pytest.mark.django_db


def tf(line: int, stem: str, answer: str = "对", types: str = "0102"):
    return build_record(line, kind="判断题", stem=stem, options=[], answer=answer, operation_types=types)


def single(line: int, stem: str, answer: str = "B", types: str = "0102"):
    return build_record(
        line, kind="单选题", stem=stem, options=["甲", "乙", "丙"], answer=answer, operation_types=types
    )


@pytest.fixture
def low_voltage():
    return OperationTypeFactory(code="0102", name="低压电工作业")


# --- Imports -----------------------------------------------------------------------------


def test_import_stores_every_record_with_its_operation_types(low_voltage):
    # given
    bank = QuestionBankFactory()
    other = OperationTypeFactory(code="0103", name="高压电工作业")
    records = [tf(2, "题一"), single(3, "题二", types="0102、高压电工作业")]

    # when
    outcome = import_questions(bank=bank, records=records, actor=None, source="bank.xlsx")

    # then
    assert (outcome.imported, outcome.skipped) == (2, 0)
    first, second = Question.objects.filter(bank=bank).order_by("pk")
    assert (first.kind, first.stem, first.answer, first.options, first.version, first.is_active) == (
        "true_false",
        "题一",
        ["T"],
        [],
        1,
        True,
    )
    assert second.options == [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}, {"key": "C", "text": "丙"}]
    assert set(second.operation_types.all()) == {low_voltage, other}
    assert first.lineage != second.lineage
    event = AuditEvent.objects.get(action="exams.question_bank.imported")
    assert event.data == {"imported": 2, "skipped": 0, "left_out": 0, "source": "bank.xlsx"}


def test_import_with_one_bad_record_imports_nothing_and_names_every_bad_record(low_voltage):
    # given
    bank = QuestionBankFactory()
    QuestionFactory(bank=bank, kind="true_false", stem="已有的题", operation_types=[low_voltage])
    records = [
        tf(2, "新题"),
        tf(3, "已有的题 "),
        tf(4, "未知项目", types="9999"),
        tf(5, "新题"),
        tf(6, "无项目", types=""),
    ]

    # when
    with pytest.raises(ImportRejected) as excinfo:
        import_questions(bank=bank, records=records, actor=None)

    # then
    existing = Question.objects.get(bank=bank)
    assert [(e.line, e.message) for e in excinfo.value.errors] == [
        (3, f"题库中已有相同的试题（编号 {existing.pk}）。"),
        (4, "操作项目“9999”不在目录中，请填写操作项目代码或名称，或指定默认操作项目。"),
        (5, "与第 2 行的试题重复。"),
        (6, "没有填写操作项目，也没有指定默认操作项目。"),
    ]
    assert excinfo.value.messages[0] == f"第 3 行：题库中已有相同的试题（编号 {existing.pk}）。"
    assert Question.objects.filter(bank=bank).count() == 1
    assert not AuditEvent.objects.filter(action="exams.question_bank.imported").exists()


def test_import_can_skip_duplicates_instead(low_voltage):
    # given
    bank = QuestionBankFactory()
    QuestionFactory(bank=bank, kind="true_false", stem="已有的题", operation_types=[low_voltage])

    # when
    outcome = import_questions(
        bank=bank, records=[tf(2, "已有的题"), tf(3, "新题"), tf(4, "新题")], actor=None, skip_duplicates=True
    )

    # then
    assert (outcome.imported, outcome.skipped) == (1, 2)
    assert sorted(Question.objects.filter(bank=bank).values_list("stem", flat=True)) == ["已有的题", "新题"]


def test_import_uses_the_default_operation_type_for_records_without_one(low_voltage):
    # given
    bank = QuestionBankFactory()

    # when
    import_questions(bank=bank, records=[tf(2, "题", types="")], actor=None, default_operation_type=low_voltage)

    # then
    assert list(Question.objects.get(bank=bank).operation_types.all()) == [low_voltage]


def test_import_into_another_organisations_bank_is_refused(low_voltage):
    # given
    trainer = MembershipFactory(role=Role.TRAINER).user
    bank = QuestionBankFactory(organisation=OrganisationFactory())

    # when / then
    with pytest.raises(PermissionDenied):
        import_questions(bank=bank, records=[tf(2, "题")], actor=trainer)
    assert not Question.objects.filter(bank=bank).exists()


def test_import_into_ones_own_bank_is_allowed(low_voltage):
    # given
    membership = MembershipFactory(role=Role.TRAINER)
    bank = QuestionBankFactory(organisation=membership.organisation)

    # when
    import_questions(bank=bank, records=[tf(2, "题")], actor=membership.user)

    # then
    assert Question.objects.get(bank=bank).created_by == membership.user


# --- Commands ----------------------------------------------------------------------------


def test_import_command_prints_the_count_and_creates_the_bank(low_voltage, tmp_path, capsys):
    # given
    path = tmp_path / "bank.csv"
    path.write_text('操作项目,题型,题干,选项,答案\n0102,判断题,题一,,对\n0102,单选题,题二,"A. 甲\nB. 乙",B\n')

    # when
    call_command("import_questions", str(path), "--bank", "new-bank")

    # then
    assert capsys.readouterr().out == "imported 2 questions\n"
    assert QuestionBank.objects.get(slug="new-bank").questions.count() == 2


def test_import_command_prints_each_bad_row_and_exits_1_having_imported_nothing(low_voltage, tmp_path, capsys):
    # given
    bank = QuestionBankFactory(slug="b")
    path = tmp_path / "bank.csv"
    path.write_text("操作项目,题型,题干,选项,答案\n0102,判断题,好题,,对\n0102,判断题,坏题,,也许\n0102,问答,x,,y\n")

    # when
    with pytest.raises(SystemExit) as excinfo:
        call_command("import_questions", str(path), "--bank", "b", "--format", "csv")

    # then
    assert excinfo.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        "bank.csv:3: 判断题答案“也许”无法识别，应为“正确”或“错误”。",
        "bank.csv:4: 不支持的题型“问答”：只能导入单选题、多选题和判断题。",
        "2 bad rows; nothing imported",
    ]
    assert not bank.questions.exists()


def test_import_command_reports_bank_duplicates_as_bad_rows(low_voltage, tmp_path, capsys):
    # given
    bank = QuestionBankFactory(slug="b")
    existing = QuestionFactory(bank=bank, kind="true_false", stem="题一", operation_types=[low_voltage])
    path = tmp_path / "bank.aiken"
    path.write_text("题二\nA. 甲\nB. 乙\nANSWER: A\n")
    (tmp_path / "dup.csv").write_text("操作项目,题型,题干,选项,答案\n0102,判断题,题一,,对\n")

    # when
    with pytest.raises(SystemExit):
        call_command("import_questions", str(tmp_path / "dup.csv"), "--bank", "b")
    call_command("import_questions", str(path), "--bank", "b", "--operation-type", "0102")

    # then
    output = capsys.readouterr()
    assert output.err.splitlines()[0] == f"dup.csv:2: 题库中已有相同的试题（编号 {existing.pk}）。"
    assert output.out == "imported 1 questions\n"


def test_import_command_refuses_an_unreadable_file(tmp_path, capsys):
    # given
    path = tmp_path / "bank.xlsx"
    path.write_bytes(b"not a zip")

    # when
    with pytest.raises(SystemExit) as excinfo:
        call_command("import_questions", str(path), "--bank", "b")

    # then
    assert excinfo.value.code == 1
    assert capsys.readouterr().err == "bank.xlsx: 不是有效的 Excel（.xlsx）文件。\n"
    assert not QuestionBank.objects.filter(slug="b").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "moodle-xml", "gift"])
def test_an_export_reimports_to_the_same_questions(low_voltage, tmp_path, capsys, fmt):
    # given
    bank = QuestionBankFactory(slug="source")
    OperationTypeFactory(code="0103", name="高压电工作业")
    import_questions(
        bank=bank,
        records=[
            tf(2, "题一 <b>粗体</b>", "错"),
            single(3, "题二\n第二行", "C", "0102、0103"),
            build_record(
                4,
                kind="多选",
                stem="题三",
                options=["甲", "乙", "丙"],
                answer="AC",
                operation_types="0102",
                explanation="解析",
                knowledge_point="知识点",
                difficulty=5,
            ),
        ],
        actor=None,
    )
    path = tmp_path / f"export.{fmt}"

    # when
    call_command("export_questions", "--bank", "source", "--format", fmt, str(path))
    call_command("import_questions", str(path), "--bank", "copy", "--format", fmt)

    # then
    assert capsys.readouterr().out.splitlines() == [f"exported 3 questions to {path}", "imported 3 questions"]
    assert question_records(QuestionBank.objects.get(slug="copy")) == question_records(bank)


def test_export_writes_only_current_versions(low_voltage):
    # given
    bank = QuestionBankFactory()
    question = QuestionFactory(bank=bank, kind="true_false", stem="旧题干", operation_types=[low_voltage])
    revise_question(question=question, actor=None, stem="新题干")

    # when
    records = read_questions(write_questions(question_records(bank), "csv"), "csv").records

    # then
    assert [record.stem for record in records] == ["新题干"]


# --- Versions ----------------------------------------------------------------------------


def test_an_edit_makes_a_new_version_and_the_old_one_is_no_longer_drawn(low_voltage):
    # given
    question = QuestionFactory(kind="single", stem="原题", operation_types=[low_voltage])

    # when
    revised = revise_question(question=question, actor=None, stem="改过的题", answer=["C"])

    # then
    question.refresh_from_db()
    assert (question.is_active, question.stem, question.answer, question.version) == (False, "原题", ["B"], 1)
    assert (revised.is_active, revised.stem, revised.answer, revised.version) == (True, "改过的题", ["C"], 2)
    assert revised.lineage == question.lineage
    assert list(revised.operation_types.all()) == [low_voltage]
    assert list(question_versions(question)) == [revised, question]
    assert AuditEvent.objects.get(action="exams.question.revised").data == {"previous": question.pk, "version": 2}


def test_an_edit_that_changes_nothing_makes_no_version(low_voltage):
    question = QuestionFactory(kind="single", operation_types=[low_voltage])

    again = revise_question(question=question, actor=None, stem=question.stem)

    assert again == question
    assert Question.objects.filter(lineage=question.lineage).count() == 1


def test_an_edit_of_an_old_version_is_refused(low_voltage):
    # given
    question = QuestionFactory(kind="single", operation_types=[low_voltage])
    revise_question(question=question, actor=None, stem="第二版")

    # when / then
    with pytest.raises(BankError) as excinfo:
        revise_question(question=question, actor=None, stem="基于第一版的修改")
    assert excinfo.value.messages == ["该试题已有更新的版本（第 2 版），请在最新版本上修改。"]
    assert Question.objects.filter(lineage=question.lineage).count() == 2


def test_an_invalid_edit_is_refused_and_changes_nothing(low_voltage):
    question = QuestionFactory(kind="single", operation_types=[low_voltage])

    with pytest.raises(BankError) as excinfo:
        revise_question(question=question, actor=None, answer=["Z"])

    assert excinfo.value.messages == ["答案“Z”不是选项 A、B、C、D 之一。"]
    question.refresh_from_db()
    assert (question.is_active, question.answer) == (True, ["B"])
    assert Question.objects.filter(lineage=question.lineage).count() == 1


def test_editing_questions_keeps_attempt_snapshots_and_scores_unchanged(theory):
    # given: a candidate's paper drawn before the bank is edited
    attempt = start_attempt(registration=theory.registration)
    paper_before = attempt.paper
    key = answer_key(attempt)

    # when: every question on the paper gets a new version with another key and stem
    for question in Question.objects.filter(pk__in=key):
        new_answer = ["F"] if question.kind == "true_false" else ["A"]
        revise_question(question=question, actor=None, stem=question.stem + "（修订）", answer=new_answer)
    attempt.refresh_from_db()
    save_answers(attempt=attempt, answers=key)
    result = submit_attempt(attempt=attempt)

    # then
    assert attempt.paper == paper_before
    assert (result.score, result.passed) == (100, True)
    assert not Question.objects.filter(pk__in=key, is_active=True).exists()


def test_create_question_refuses_a_duplicate(low_voltage):
    # given
    bank = QuestionBankFactory()
    first = create_question(
        bank=bank, actor=None, operation_types=[low_voltage], kind="true_false", stem="电工须持证", answer=["T"]
    )

    # when / then
    with pytest.raises(BankError) as excinfo:
        create_question(
            bank=bank, actor=None, operation_types=[low_voltage], kind="true_false", stem=" 电工须持证", answer=["F"]
        )
    assert excinfo.value.messages == [f"题库中已有相同的试题（编号 {first.pk}）。"]
    assert bank.questions.count() == 1


# --- Retiring ----------------------------------------------------------------------------


def test_retiring_stops_drawing_and_is_safe_to_repeat(low_voltage):
    # given
    question = QuestionFactory(operation_types=[low_voltage])

    # when
    retire_question(question=question, actor=None, reason="区分度为负")
    again = retire_question(question=question, actor=None, reason="再次")

    # then
    question.refresh_from_db()
    assert (question.is_active, question.retired_reason) == (False, "区分度为负")
    assert again.retired_at == question.retired_at
    assert AuditEvent.objects.filter(action="exams.question.retired").count() == 1


def test_retiring_needs_a_reason(low_voltage):
    question = QuestionFactory(operation_types=[low_voltage])

    with pytest.raises(BankError):
        retire_question(question=question, actor=None, reason="  ")

    question.refresh_from_db()
    assert question.is_active is True


def test_retiring_someone_elses_question_is_refused(low_voltage):
    trainer = MembershipFactory(role=Role.TRAINER).user
    question = QuestionFactory(bank=QuestionBankFactory(organisation=OrganisationFactory()))

    with pytest.raises(PermissionDenied):
        retire_question(question=question, actor=trainer, reason="不好")

    question.refresh_from_db()
    assert question.is_active is True


def test_a_retired_question_can_be_reinstated_once(low_voltage):
    # given
    question = QuestionFactory(operation_types=[low_voltage])
    retire_question(question=question, actor=None, reason="误操作")

    # when
    reinstate_question(question=question, actor=None)
    reinstate_question(question=question, actor=None)

    # then
    question.refresh_from_db()
    assert (question.is_active, question.retired_at, question.retired_reason) == (True, None, "")
    assert AuditEvent.objects.filter(action="exams.question.reinstated").count() == 1


def test_a_superseded_version_cannot_be_reinstated(low_voltage):
    question = QuestionFactory(operation_types=[low_voltage])
    revise_question(question=question, actor=None, stem="第二版")

    with pytest.raises(BankError) as excinfo:
        reinstate_question(question=question, actor=None)

    assert excinfo.value.messages == ["该版本已被新版本取代，不能恢复。"]
    assert Question.objects.filter(lineage=question.lineage, is_active=True).get().version == 2


def test_pictures_in_a_moodle_file_become_question_images_and_export_again(low_voltage, tmp_path, capsys):
    # given
    import base64

    from tests.factories import moodle_with_file, png_bytes

    path = tmp_path / "bank.xml"
    path.write_bytes(moodle_with_file(base64.b64encode(png_bytes()).decode(), name="circuit.png"))

    # when
    call_command("import_questions", str(path), "--bank", "pictures", "--operation-type", "0102")
    call_command("export_questions", "--bank", "pictures", "--format", "moodle-xml", str(tmp_path / "out.xml"))

    # then
    question = QuestionBank.objects.get(slug="pictures").questions.get()
    assert (question.image.width, question.image.height) == (4, 3)
    again = read_questions((tmp_path / "out.xml").read_bytes(), "moodle-xml").records[0]
    assert again.image is not None and again.image.data == png_bytes()


def test_a_failed_import_command_creates_no_bank(low_voltage, tmp_path):
    # given
    path = tmp_path / "bank.csv"
    path.write_text("操作项目,题型,题干,选项,答案\n9999,判断题,题一,,对\n")

    # when
    with pytest.raises(SystemExit):
        call_command("import_questions", str(path), "--bank", "never")

    # then
    assert not QuestionBank.objects.filter(slug="never").exists()


class WorkerDied(Exception):
    pass


def test_an_import_interrupted_half_way_leaves_nothing_and_runs_again(low_voltage, monkeypatch):
    # given: a confirmed import of three questions, written one per batch
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exams.bank import services as bank_services
    from exams.bank.models import QuestionImport
    from exams.bank.services import check_question_import, run_question_import
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True)
    bank = QuestionBankFactory()
    data = write_questions([tf(n, f"题{n}") for n in range(2, 5)], "csv")
    question_import = check_question_import(
        bank=bank, actor=admin, upload=SimpleUploadedFile("bank.csv", data), fmt="csv"
    )
    QuestionImport.objects.filter(pk=question_import.pk).update(status=QuestionImport.Status.QUEUED)
    monkeypatch.setattr(bank_services, "BATCH_SIZE", 1)
    attach = bank_services._attach_images
    calls = []

    def dies_on_second_batch(questions, records):
        calls.append(len(questions))
        if len(calls) == 2:
            raise WorkerDied
        attach(questions, records)

    monkeypatch.setattr(bank_services, "_attach_images", dies_on_second_batch)

    # when: the worker dies after the first batch
    with pytest.raises(WorkerDied):
        run_question_import(import_id=question_import.pk)

    # then: nothing was kept, and the redelivered task imports everything once
    question_import.refresh_from_db()
    assert question_import.status == QuestionImport.Status.RUNNING
    assert not bank.questions.exists()
    monkeypatch.setattr(bank_services, "_attach_images", attach)
    finished = run_question_import(import_id=question_import.pk)
    again = run_question_import(import_id=question_import.pk)
    assert (finished.status, finished.imported) == (QuestionImport.Status.DONE, 3)
    assert again.status == QuestionImport.Status.DONE
    assert bank.questions.count() == 3


def test_duplicates_in_a_one_line_xml_file_are_told_apart(low_voltage):
    # given: a minified Moodle XML file, every question on line 1; the second repeats the first
    bank = QuestionBankFactory()
    question = "<question type='truefalse'><questiontext><text>{}</text></questiontext><answer fraction='100'><text>true</text></answer></question>"  # noqa: E501
    data = ("<quiz>" + question.format("题一") + question.format("题一") + question.format("题二") + "</quiz>").encode()
    records = read_questions(data, "moodle-xml").records

    # when
    outcome = import_questions(
        bank=bank, records=records, actor=None, default_operation_type=low_voltage, skip_duplicates=True
    )

    # then: the first is kept, the repeat skipped, the third imported
    assert (outcome.imported, outcome.skipped) == (2, 1)
    assert sorted(bank.questions.values_list("stem", flat=True)) == ["题一", "题二"]


def test_a_question_of_an_operation_type_also_examines_its_subject(low_voltage):
    from exams.catalogue.services import subject_of

    question = create_question(
        bank=QuestionBankFactory(),
        actor=None,
        operation_types=[low_voltage],
        kind="true_false",
        stem="验电",
        answer=["T"],
    )
    assert list(question.subjects.all()) == [subject_of(low_voltage)]
