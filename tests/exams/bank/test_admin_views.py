"""题库管理 in the Wagtail admin: scoped to the organisation, import flow, export, statistics."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from accounts.models import AuditEvent, Role
from accounts.private_media import private_storage
from exams.bank.importers import read_questions
from exams.bank.models import Question, QuestionImport
from exams.bank.services import import_progress
from exams.catalogue.models import OperationType
from exams.theory.services import start_attempt
from tests.factories import (
    MembershipFactory,
    OperationTypeFactory,
    OrganisationFactory,
    QuestionBankFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db
HEADER = ["操作项目", "题型", "题干", "选项", "答案"]
SCRIPT = '<script>alert("x")</script>'


def xlsx_upload(rows, name="bank.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in [HEADER, *rows]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def admin_user(role=Role.TRAINER, organisation=None):
    membership = MembershipFactory(role=role, organisation=organisation or OrganisationFactory())
    user = membership.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    return user


@pytest.fixture
def low_voltage():
    return OperationTypeFactory(code="0102", name="低压电工作业")


@pytest.fixture
def trainer(client, low_voltage):
    user = admin_user()
    client.force_login(user)
    return user


@pytest.fixture
def own_bank(trainer):
    return QuestionBankFactory(organisation=trainer.memberships.get().organisation)


@pytest.fixture
def other_bank(trainer):
    return QuestionBankFactory(organisation=OrganisationFactory())


# --- Access ------------------------------------------------------------------------------


def test_the_bank_page_lists_only_banks_the_user_may_read(client, own_bank, other_bank):
    response = client.get("/admin/question_banks/")

    assert response.status_code == 200
    assert own_bank.name in response.content.decode()
    assert other_bank.name not in response.content.decode()


def test_the_bank_page_is_refused_to_admin_users_who_are_not_bank_staff(client, low_voltage):
    client.force_login(admin_user(role=Role.EXAMINER))

    response = client.get("/admin/question_banks/")

    assert (response.status_code, response.url) == (302, "/admin/")  # Wagtail's answer to PermissionDenied


def test_the_bank_page_needs_admin_access(client, low_voltage):
    membership = MembershipFactory(role=Role.TRAINER)
    client.force_login(membership.user)

    response = client.get("/admin/question_banks/")

    assert (response.status_code, response.url) == (302, "/admin/login/?next=/admin/question_banks/")


def test_staff_create_their_organisations_bank_once(client, trainer):
    organisation = trainer.memberships.get().organisation
    url = f"/admin/question_banks/organisations/{organisation.pk}/create/"

    client.post(url)
    client.post(url)

    assert organisation.question_banks.count() == 1


def test_staff_cannot_create_a_bank_for_another_organisation(client, trainer):
    organisation = OrganisationFactory()

    response = client.post(f"/admin/question_banks/organisations/{organisation.pk}/create/")

    assert (response.status_code, response.url) == (302, "/admin/")
    assert not organisation.question_banks.exists()


def test_snippet_listing_of_questions_is_scoped(client, own_bank, other_bank):
    mine = QuestionFactory(bank=own_bank, stem="本机构的题")
    QuestionFactory(bank=other_bank, stem="别的机构的题")

    response = client.get("/admin/snippets/exams/question/")

    assert response.status_code == 200
    assert mine.stem in response.content.decode()
    assert "别的机构的题" not in response.content.decode()


def test_editing_another_organisations_question_is_not_found(client, other_bank):
    question = QuestionFactory(bank=other_bank)

    assert client.get(f"/admin/snippets/exams/question/edit/{question.pk}/").status_code == 404


def test_editing_a_question_in_the_admin_saves_a_new_version(client, own_bank, low_voltage):
    # given
    question = QuestionFactory(bank=own_bank, kind="single", stem="原题", operation_types=[low_voltage])
    url = f"/admin/snippets/exams/question/edit/{question.pk}/"
    assert client.get(url).status_code == 200

    # when
    response = client.post(
        url,
        {
            "kind": "single",
            "stem": "改过的题",
            "options_text": "A. 甲\nB. 乙\nC. 丙",
            "answer_text": "C",
            "explanation": "",
            "knowledge_point": "知识点",
            "difficulty": "3",
            "operation_types": [low_voltage.pk],
        },
    )

    # then
    assert response.status_code == 302
    question.refresh_from_db()
    current = Question.objects.get(lineage=question.lineage, is_active=True)
    assert (question.is_active, question.stem) == (False, "原题")
    assert (current.version, current.stem, current.answer) == (2, "改过的题", ["C"])
    assert current.options == [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}, {"key": "C", "text": "丙"}]


def test_an_invalid_answer_in_the_admin_is_shown_and_nothing_changes(client, own_bank, low_voltage):
    question = QuestionFactory(bank=own_bank, kind="single", operation_types=[low_voltage])

    response = client.post(
        f"/admin/snippets/exams/question/edit/{question.pk}/",
        {
            "kind": "single",
            "stem": "题",
            "options_text": "A. 甲\nB. 乙",
            "answer_text": "D",
            "difficulty": "3",
            "operation_types": [low_voltage.pk],
        },  # fmt: skip
    )

    assert response.status_code == 200
    assert "答案“D”不是选项 A、B 之一。" in response.content.decode()
    assert Question.objects.filter(lineage=question.lineage).count() == 1


def test_adding_a_question_into_another_organisations_bank_is_refused(client, other_bank, low_voltage):
    response = client.post(
        "/admin/snippets/exams/question/add/",
        {
            "bank": other_bank.pk,
            "kind": "true_false",
            "stem": "题",
            "answer_text": "对",
            "difficulty": "3",
            "operation_types": [low_voltage.pk],
        },  # fmt: skip
    )

    assert response.status_code == 200  # the form shows the bank as not a valid choice
    assert not other_bank.questions.exists()


def test_adding_a_question_into_ones_own_bank(client, own_bank, low_voltage):
    response = client.post(
        "/admin/snippets/exams/question/add/",
        {
            "bank": own_bank.pk,
            "kind": "true_false",
            "stem": "电工须持证上岗。",
            "answer_text": "对",
            "difficulty": "3",
            "operation_types": [low_voltage.pk],
        },  # fmt: skip
    )

    assert response.status_code == 302
    assert own_bank.questions.get().answer == ["T"]


# --- Import flow -------------------------------------------------------------------------


def test_a_bad_file_is_previewed_with_every_error_and_nothing_is_imported(client, own_bank):
    # given
    upload = xlsx_upload(
        [["0102", "判断题", "好题", "", "对"], ["0102", "判断题", "坏题", "", "也许"], ["9", "单选", "x", "", "A"]]
    )

    # when
    response = client.post(f"/admin/question_banks/{own_bank.pk}/import/", {"file": upload}, follow=True)

    # then
    page = response.content.decode()
    question_import = QuestionImport.objects.get()
    assert question_import.status == QuestionImport.Status.INVALID
    assert question_import.errors == [
        {
            "line": 3,
            "message": "判断题答案“也许”无法识别，应为“正确”或“错误”。",
            "cells": ["0102", "判断题", "坏题", "", "也许"],
        },
        {"line": 4, "message": "选择题应有 2 到 8 个选项，实际有 0 个。", "cells": ["9", "单选", "x", "", "A"]},
    ]
    assert "判断题答案“也许”无法识别" in page
    assert "2 处错误，尚未导入任何试题" in page
    assert not own_bank.questions.exists()
    assert question_import.file  # kept for another check with other column roles, or the good rows


def test_a_good_file_is_previewed_then_imported_on_confirmation(client, own_bank, django_capture_on_commit_callbacks):
    # given
    upload = xlsx_upload(
        [["0102", "判断题", SCRIPT + "危险", "", "对"], ["0102", "单选题", "题二", "A. 甲\nB. 乙", "B"]]
    )
    client.post(f"/admin/question_banks/{own_bank.pk}/import/", {"file": upload})
    question_import = QuestionImport.objects.get()
    detail = f"/admin/question_banks/imports/{question_import.pk}/"

    stored = question_import.file.name
    assert private_storage().exists(stored)

    # when: the preview, then the confirmation (the task runs eagerly after commit)
    preview = client.get(detail).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail)  # a second click queues nothing more
    done = client.get(detail).content.decode()

    # then
    assert question_import.status == QuestionImport.Status.CHECKED
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;危险" in preview
    assert SCRIPT not in preview
    question_import.refresh_from_db()
    assert (question_import.status, question_import.imported) == (QuestionImport.Status.DONE, 2)
    assert import_progress(question_import) == 2
    assert "已导入 2 道题。" in done
    assert not private_storage().exists(stored)
    assert sorted(own_bank.questions.values_list("stem", flat=True)) == [SCRIPT + "危险", "题二"]


def test_an_import_that_meets_a_duplicate_added_meanwhile_fails_and_imports_nothing(
    client, own_bank, low_voltage, django_capture_on_commit_callbacks
):
    # given: checked, then someone adds the same question before confirmation
    client.post(
        f"/admin/question_banks/{own_bank.pk}/import/",
        {"file": xlsx_upload([["0102", "判断题", "题一", "", "对"], ["0102", "判断题", "题二", "", "对"]])},
    )
    question_import = QuestionImport.objects.get()
    existing = QuestionFactory(bank=own_bank, kind="true_false", stem="题二", operation_types=[low_voltage])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/question_banks/imports/{question_import.pk}/")

    # then
    question_import.refresh_from_db()
    assert question_import.status == QuestionImport.Status.FAILED
    assert question_import.errors == [
        {
            "line": 3,
            "message": f"题库中已有相同的试题（编号 {existing.pk}）。",
            "cells": ["0102", "判断题", "题二", "", "对"],
        }
    ]
    assert list(own_bank.questions.all()) == [existing]


def test_importing_into_another_organisations_bank_is_not_found(client, other_bank):
    response = client.post(f"/admin/question_banks/{other_bank.pk}/import/", {"file": xlsx_upload([])})

    assert response.status_code == 404
    assert not QuestionImport.objects.exists()


def test_another_organisations_import_is_not_found(client, other_bank):
    other = QuestionImport.objects.create(bank=other_bank, original_name="x.xlsx", format="xlsx")

    assert client.get(f"/admin/question_banks/imports/{other.pk}/").status_code == 404
    assert client.post(f"/admin/question_banks/imports/{other.pk}/").status_code == 404


def test_an_oversized_upload_is_refused_by_the_form(client, own_bank, monkeypatch):
    monkeypatch.setattr("exams.bank.importers.records.MAX_FILE_BYTES", 1024 * 1024)
    upload = SimpleUploadedFile("big.csv", b"x" * (1024 * 1024 + 1))

    response = client.post(f"/admin/question_banks/{own_bank.pk}/import/", {"file": upload})

    assert response.status_code == 200
    assert "文件过大（1.0 MB），最大允许 1 MB。" in response.content.decode()
    assert not QuestionImport.objects.exists()


def test_an_unknown_extension_asks_for_the_format(client, own_bank):
    response = client.post(
        f"/admin/question_banks/{own_bank.pk}/import/", {"file": SimpleUploadedFile("bank.pdf", b"abc")}
    )

    assert "无法从文件名“bank.pdf”判断格式" in response.content.decode()
    assert not QuestionImport.objects.exists()


# --- Export and template -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "docx", "moodle-xml", "gift"])
def test_export_downloads_what_reimports_to_the_same_questions(client, trainer, own_bank, low_voltage, fmt):
    QuestionFactory(bank=own_bank, kind="single", stem="题一", operation_types=[low_voltage])

    response = client.get(f"/admin/question_banks/{own_bank.pk}/export/?format={fmt}")

    assert response.status_code == 200
    assert [r.stem for r in read_questions(response.content, fmt).records] == ["题一"]
    event = AuditEvent.objects.get(action="exams.question_bank.exported")
    assert (event.actor, event.data) == (trainer, {"format": fmt, "questions": 1})


def test_export_of_a_bank_one_cannot_read_is_not_found(client, other_bank):
    assert client.get(f"/admin/question_banks/{other_bank.pk}/export/?format=xlsx").status_code == 404


def test_the_template_downloads(client, trainer):
    response = client.get("/admin/question_banks/template.xlsx")

    assert response.status_code == 200
    assert len(read_questions(response.content, "xlsx").records) == 3


# --- Statistics and retiring -------------------------------------------------------------


def test_statistics_page_escapes_question_text_and_retires_a_question(client, theory, trainer):
    # given: the theory fixture's bank belongs to the trainer's organisation, with a script in a stem
    bank = theory.blueprint.bank
    bank.organisation = trainer.memberships.get().organisation
    bank.save(update_fields=["organisation"])
    Question.objects.filter(bank=bank).update(stem=SCRIPT)
    attempt = start_attempt(registration=theory.registration)
    from exams.theory.services import submit_attempt

    submit_attempt(attempt=attempt)
    question_id = attempt.paper["questions"][0]["q"]

    # when
    page = client.get(f"/admin/question_banks/{bank.pk}/statistics/").content.decode()
    response = client.post(f"/admin/question_banks/questions/{question_id}/retire/", {"reason": "答案有误"})

    # then
    assert "&lt;script&gt;" in page and SCRIPT not in page
    assert response.status_code == 302
    retired = Question.objects.get(pk=question_id)
    assert (retired.is_active, retired.retired_reason) == (False, "答案有误")


def test_retiring_another_organisations_question_is_not_found(client, other_bank):
    question = QuestionFactory(bank=other_bank)

    response = client.post(f"/admin/question_banks/questions/{question.pk}/retire/", {"reason": "x"})

    assert response.status_code == 404
    question.refresh_from_db()
    assert question.is_active is True


def test_the_exam_page_escapes_scripts_in_question_text(client, theory):
    Question.objects.filter(bank=theory.blueprint.bank).update(stem=SCRIPT)
    attempt = start_attempt(registration=theory.registration)
    client.force_login(theory.candidate)

    page = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert SCRIPT not in page


def test_staff_rename_their_bank_but_cannot_move_it_to_another_layer_or_organisation(client, own_bank, other_bank):
    # given
    organisation = own_bank.organisation

    # when
    response = client.post(
        f"/admin/snippets/exams/questionbank/edit/{own_bank.pk}/",
        {"slug": "taken-over", "name": "新名称", "level": "national", "organisation": other_bank.organisation_id},
    )

    # then
    assert response.status_code == 302
    own_bank.refresh_from_db()
    assert (own_bank.name, own_bank.level, own_bank.organisation, own_bank.slug) == (
        "新名称",
        "organisation",
        organisation,
        own_bank.slug,
    )
    assert own_bank.slug != "taken-over"


def test_staff_cannot_edit_another_organisations_bank(client, other_bank):
    assert client.get(f"/admin/snippets/exams/questionbank/edit/{other_bank.pk}/").status_code == 404


def test_reinstating_a_retired_question_of_ones_own_bank(client, own_bank, trainer):
    from exams.bank.services import retire_question

    question = retire_question(question=QuestionFactory(bank=own_bank), actor=trainer, reason="误操作")

    response = client.post(f"/admin/question_banks/questions/{question.pk}/reinstate/")

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.is_active is True


def test_reinstating_another_organisations_question_is_not_found(client, other_bank):
    from exams.bank.services import retire_question

    question = retire_question(question=QuestionFactory(bank=other_bank), actor=None, reason="x")

    assert client.post(f"/admin/question_banks/questions/{question.pk}/reinstate/").status_code == 404
    question.refresh_from_db()
    assert question.is_active is False


def test_the_bank_filter_of_the_question_listing_names_only_readable_banks(client, own_bank, other_bank):
    response = client.get("/admin/snippets/exams/question/")

    page = response.content.decode()
    assert own_bank.name in page
    assert other_bank.name not in page


def test_filtering_questions_by_another_organisations_bank_shows_nothing_of_it(client, own_bank, other_bank):
    QuestionFactory(bank=other_bank, stem="别的机构的题")

    response = client.get(f"/admin/snippets/exams/question/?bank={other_bank.pk}")

    assert "别的机构的题" not in response.content.decode()


def test_the_question_listing_runs_the_same_number_of_queries_for_more_questions(client, own_bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get("/admin/snippets/exams/question/").status_code == 200
        return len(context.captured_queries)

    QuestionFactory(bank=own_bank)
    few = queries()
    for _ in range(10):
        QuestionFactory(bank=own_bank)

    assert queries() == few


def test_the_versions_page_shows_every_version_escaped(client, own_bank, low_voltage):
    from exams.bank.services import revise_question

    question = QuestionFactory(bank=own_bank, kind="true_false", stem="第一版题干", operation_types=[low_voltage])
    revise_question(question=question, actor=None, stem=SCRIPT, answer=["F"])

    page = client.get(f"/admin/question_banks/questions/{question.pk}/versions/").content.decode()

    assert "第一版题干" in page and "已被新版本取代" in page and "当前版本" in page
    assert "答案：正确" in page and "答案：错误" in page
    assert "&lt;script&gt;" in page and SCRIPT not in page


def test_the_versions_page_of_another_organisations_question_is_not_found(client, other_bank):
    question = QuestionFactory(bank=other_bank)

    assert client.get(f"/admin/question_banks/questions/{question.pk}/versions/").status_code == 404


def test_the_question_listing_escapes_scripts_in_question_text(client, own_bank):
    QuestionFactory(bank=own_bank, stem=SCRIPT)

    page = client.get("/admin/snippets/exams/question/").content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)" in page
    assert SCRIPT not in page


def test_the_statistics_page_takes_a_period(client, own_bank):
    response = client.get(f"/admin/question_banks/{own_bank.pk}/statistics/?days=90&flagged=1")

    assert response.status_code == 200
    assert '<option value="90" selected>' in response.content.decode()


# --- The mapping preview: columns, re-check, good rows, errors workbook, discard -------------


def upload_national(client, bank, xlsx, rows, header=("Q", "选项", "KEY")):
    client.post(
        f"/admin/question_banks/{bank.pk}/import/", {"file": SimpleUploadedFile("n.xlsx", xlsx([header, *rows]))}
    )
    return QuestionImport.objects.latest("pk")


def test_the_preview_shows_each_columns_role_and_a_recheck_with_new_roles_passes(client, own_bank, xlsx):
    # given: a file whose stem and answer columns are not recognised
    question_import = upload_national(client, own_bank, xlsx, [["题一", "A.甲##B.乙", "B"]])
    detail = f"/admin/question_banks/imports/{question_import.pk}/"
    page = client.get(detail).content.decode()
    assert question_import.status == QuestionImport.Status.INVALID
    assert '<select name="column_0"' in page and "识别结果" in page

    # when: the user names the columns and checks again
    response = client.post(
        detail,
        {
            "action": "recheck",
            "column_0": "stem",
            "column_1": "options",
            "column_2": "answer",
            "default_operation_type": OperationType.objects.get(code="0102").pk,
        },
    )

    # then
    question_import.refresh_from_db()
    assert response.status_code == 302
    assert question_import.status == QuestionImport.Status.CHECKED
    assert question_import.columns == [["stem", "#0"], ["options", "#1"], ["answer", "#2"]]
    assert (question_import.errors, question_import.importable) == ([], 1)
    assert AuditEvent.objects.filter(
        action="exams.question_import.rechecked", object_id=str(question_import.pk)
    ).exists()
    assert "用 ## 分隔（1 题）" in client.get(detail).content.decode()


def test_importing_the_good_rows_leaves_the_bad_ones_downloadable(
    client, own_bank, xlsx, django_capture_on_commit_callbacks
):
    # given
    question_import = upload_national(
        client,
        own_bank,
        xlsx,
        [["0102", "判断题", "好题", "", "对"], ["0102", "填空题", "坏题____", "", "36"]],
        header=HEADER,
    )
    detail = f"/admin/question_banks/imports/{question_import.pk}/"
    assert "只导入无误的 1 道题" in client.get(detail).content.decode()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail, {"action": "good_rows"})
    errors = client.get(f"/admin/question_banks/imports/{question_import.pk}/errors.xlsx")

    # then
    question_import.refresh_from_db()
    assert (question_import.status, question_import.total, question_import.imported, question_import.left_out) == (
        "done",
        2,
        1,
        1,
    )
    assert list(own_bank.questions.values_list("stem", flat=True)) == ["好题"]
    sheet = load_workbook(io.BytesIO(errors.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["原行号", "错误原因", *HEADER],
        [3, "不支持的题型“填空题”：只能导入单选题、多选题和判断题。", "0102", "填空题", "坏题____", None, "36"],
    ]
    assert not question_import.file


def test_a_file_with_errors_is_not_imported_on_a_plain_confirmation(client, own_bank, xlsx):
    question_import = upload_national(client, own_bank, xlsx, [["0102", "判断题", "坏题", "", "也许"]], header=HEADER)

    response = client.post(f"/admin/question_banks/imports/{question_import.pk}/", {"action": "confirm"}, follow=True)

    question_import.refresh_from_db()
    assert question_import.status == QuestionImport.Status.INVALID
    assert "文件中有错误：请改正后重新上传，或选择“只导入无误的行”。" in response.content.decode()
    assert not own_bank.questions.exists()


def test_discarding_deletes_the_kept_file(client, own_bank, xlsx, django_capture_on_commit_callbacks):
    question_import = upload_national(client, own_bank, xlsx, [["0102", "判断题", "题", "", "对"]], header=HEADER)
    stored = question_import.file.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/question_banks/imports/{question_import.pk}/", {"action": "discard"})

    question_import.refresh_from_db()
    assert question_import.status == QuestionImport.Status.DISCARDED
    assert not private_storage().exists(stored)
    assert not own_bank.questions.exists()


def test_a_confirmed_import_cannot_be_checked_again(client, own_bank, xlsx, django_capture_on_commit_callbacks):
    question_import = upload_national(client, own_bank, xlsx, [["0102", "判断题", "题", "", "对"]], header=HEADER)
    detail = f"/admin/question_banks/imports/{question_import.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail, {"action": "confirm"})

    roles = {f"column_{index}": role for index, role in enumerate(["ignore", "kind", "stem", "options", "answer"])}
    response = client.post(detail, {"action": "recheck", **roles}, follow=True)

    assert "这次导入已确认或已放弃，不能再修改，请重新上传文件。" in response.content.decode()
    question_import.refresh_from_db()
    assert question_import.columns == []


def test_an_unknown_action_is_not_found(client, own_bank, xlsx):
    question_import = upload_national(client, own_bank, xlsx, [["0102", "判断题", "题", "", "对"]], header=HEADER)

    assert client.post(f"/admin/question_banks/imports/{question_import.pk}/", {"action": "x"}).status_code == 404


@pytest.mark.parametrize("action", ["confirm", "good_rows", "recheck", "discard"])
def test_another_organisations_import_cannot_be_acted_on(client, other_bank, action):
    question_import = QuestionImport.objects.create(bank=other_bank, original_name="x.xlsx", format="xlsx")

    response = client.post(f"/admin/question_banks/imports/{question_import.pk}/", {"action": action})

    assert response.status_code == 404
    question_import.refresh_from_db()
    assert question_import.status == QuestionImport.Status.CHECKED


def test_the_errors_of_another_organisations_import_are_not_found(client, other_bank):
    question_import = QuestionImport.objects.create(
        bank=other_bank, original_name="x.xlsx", format="xlsx", errors=[{"line": 2, "message": "秘密"}]
    )

    assert client.get(f"/admin/question_banks/imports/{question_import.pk}/errors.xlsx").status_code == 404


def test_an_import_without_errors_has_no_errors_file(client, own_bank):
    question_import = QuestionImport.objects.create(bank=own_bank, original_name="x.xlsx", format="xlsx")

    assert client.get(f"/admin/question_banks/imports/{question_import.pk}/errors.xlsx").status_code == 404


def test_the_errors_file_is_refused_to_admin_users_who_are_not_bank_staff(client, own_bank):
    question_import = QuestionImport.objects.create(
        bank=own_bank, original_name="x.xlsx", format="xlsx", errors=[{"line": 2, "message": "x"}]
    )
    client.force_login(admin_user(role=Role.EXAMINER))

    response = client.get(f"/admin/question_banks/imports/{question_import.pk}/errors.xlsx")

    assert (response.status_code, response.url) == (302, "/admin/")


@pytest.mark.parametrize(
    ("key", "fmt"),
    [
        ("template", "xlsx"),
        ("national", "xlsx"),
        ("option-columns", "xlsx"),
        ("csv", "csv"),
        ("docx", "docx"),
        ("moodle-xml", "moodle-xml"),
        ("gift", "gift"),
        ("aiken", "aiken"),
    ],
)
def test_every_example_on_the_bank_page_downloads_and_reads_back(client, trainer, key, fmt):
    page = client.get("/admin/question_banks/").content.decode()

    response = client.get(f"/admin/question_banks/examples/{key}/")

    assert f'href="/admin/question_banks/examples/{key}/"' in page
    assert response.status_code == 200
    result = read_questions(response.content, fmt)
    assert result.errors == []
    assert len(result.records) == (2 if key == "aiken" else 3)


def test_an_unknown_example_is_not_found(client, trainer):
    assert client.get("/admin/question_banks/examples/nothing/").status_code == 404


def test_examples_are_refused_to_admin_users_who_are_not_bank_staff(client, low_voltage):
    client.force_login(admin_user(role=Role.EXAMINER))

    response = client.get("/admin/question_banks/examples/national/")

    assert (response.status_code, response.url) == (302, "/admin/")


def test_a_word_upload_is_previewed_without_columns(client, own_bank, docx):
    upload = SimpleUploadedFile("bank.docx", docx(["一、判断题", "1. 电工应持证上岗。（√）"]))

    client.post(f"/admin/question_banks/{own_bank.pk}/import/", {"file": upload, "default_operation_type": ""})

    question_import = QuestionImport.objects.get()
    page = client.get(f"/admin/question_banks/imports/{question_import.pk}/").content.decode()
    assert question_import.format == "docx"
    assert [e["message"] for e in question_import.errors] == ["没有填写操作项目，也没有指定默认操作项目。"]
    assert "column_0" not in page
    assert "判断题答案：√/×（1 题）" in page
