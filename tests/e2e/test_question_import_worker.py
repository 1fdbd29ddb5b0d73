"""A real Celery worker, consuming from Redis, runs a confirmed question import."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from exams.bank.importers import write_questions
from exams.bank.importers.records import QuestionRecord
from exams.bank.models import QuestionImport
from exams.bank.services import check_question_import, confirm_question_import, import_progress
from tests.factories import MembershipFactory, OperationTypeFactory, QuestionBankFactory


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_confirmed_file(celery_worker_process):
    # given: a checked file of 300 questions in the trainer's own bank
    OperationTypeFactory(code="0102", name="低压电工作业")
    membership = MembershipFactory(role=Role.TRAINER)
    bank = QuestionBankFactory(organisation=membership.organisation)
    records = [
        QuestionRecord(line=0, kind="true_false", stem=f"第{n}题", options=(), answer=("T",), operation_types=("0102",))
        for n in range(300)
    ]
    upload = SimpleUploadedFile("bank.xlsx", write_questions(records, "xlsx"))
    question_import = check_question_import(bank=bank, actor=membership.user, upload=upload, fmt="xlsx")
    assert question_import.status == QuestionImport.Status.CHECKED

    # when: confirmed (the task is queued on commit)
    started = time.monotonic()
    confirm_question_import(question_import=question_import, actor=membership.user)
    while time.monotonic() < started + 60:
        question_import.refresh_from_db()
        if question_import.status in (QuestionImport.Status.DONE, QuestionImport.Status.FAILED):
            break
        assert celery_worker_process.poll() is None, "the Celery worker exited"
        time.sleep(0.1)

    # then
    assert (question_import.status, question_import.imported) == (QuestionImport.Status.DONE, 300)
    assert bank.questions.count() == 300
    assert import_progress(question_import) == 300
    print(f"pass -> 300 questions imported by a real worker in {(time.monotonic() - started) * 1000:.0f} ms")
