"""Races on PostgreSQL: concurrent imports and edits of one bank stay consistent."""

from __future__ import annotations

import pytest

from exams.bank.importers.records import build_record
from exams.bank.models import Question
from exams.bank.services import import_questions, revise_question
from exams.errors import BankError, ImportRejected
from tests.factories import OperationTypeFactory, QuestionBankFactory, QuestionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_imports_of_one_file_store_it_once(race):
    # given
    OperationTypeFactory(code="0102")
    bank = QuestionBankFactory()
    records = [
        build_record(n + 2, kind="判断题", stem=f"第{n}题", options=[], answer="对", operation_types="0102")
        for n in range(50)
    ]

    # when
    results = race(
        lambda: import_questions(bank=bank, records=records, actor=None),
        lambda: import_questions(bank=bank, records=records, actor=None),
    )

    # then: one import stored all 50, the other found each one already there
    outcomes = [r for r in results if not isinstance(r, Exception)]
    rejections = [r for r in results if isinstance(r, ImportRejected)]
    assert len(outcomes) == 1 and outcomes[0].imported == 50
    assert len(rejections) == 1 and len(rejections[0].errors) == 50
    assert Question.objects.filter(bank=bank).count() == 50


def test_two_concurrent_edits_of_one_question_make_one_new_version(race):
    # given
    operation_type = OperationTypeFactory(code="0102")
    question = QuestionFactory(kind="single", stem="原题", operation_types=[operation_type])

    # when
    results = race(
        lambda: revise_question(question=question, actor=None, stem="甲的修改"),
        lambda: revise_question(question=question, actor=None, stem="乙的修改"),
    )

    # then
    versions = Question.objects.filter(lineage=question.lineage)
    assert versions.count() == 2
    assert versions.filter(is_active=True).count() == 1
    assert sum(isinstance(r, Question) for r in results) == 1
    assert sum(isinstance(r, BankError) for r in results) == 1


def test_confirming_and_discarding_one_import_at_once_have_one_outcome(race, xlsx):
    # given: a checked file in a trainer's bank
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import AuditEvent, Role
    from exams.bank.models import QuestionImport
    from exams.bank.services import check_question_import, confirm_question_import, discard_question_import
    from tests.factories import MembershipFactory

    OperationTypeFactory(code="0102")
    membership = MembershipFactory(role=Role.TRAINER)
    bank = QuestionBankFactory(organisation=membership.organisation)
    upload = SimpleUploadedFile("b.xlsx", xlsx([["操作项目", "题型", "题干", "答案"], ["0102", "判断题", "题", "对"]]))
    question_import = check_question_import(bank=bank, actor=membership.user, upload=upload, fmt="xlsx")

    # when
    race(
        lambda: confirm_question_import(question_import=question_import, actor=membership.user),
        lambda: discard_question_import(question_import=question_import, actor=membership.user),
    )

    # then: either imported or discarded, never both
    question_import.refresh_from_db()
    actions = set(
        AuditEvent.objects.filter(object_id=str(question_import.pk), action__startswith="exams.question_import.")
        .exclude(action="exams.question_import.checked")
        .values_list("action", flat=True)
    )
    if question_import.status == QuestionImport.Status.DISCARDED:
        assert (actions, bank.questions.count()) == ({"exams.question_import.discarded"}, 0)
    else:  # queued for a worker, or already run by an eager one
        assert question_import.status in (QuestionImport.Status.QUEUED, QuestionImport.Status.DONE)
        assert actions == {"exams.question_import.confirmed"}
