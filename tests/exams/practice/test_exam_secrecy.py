"""Practice never gives away the key of a live exam (security finding: answer keys through practice).

A bank that an open or upcoming session draws from is kept out of practice and mock exams unless
it is public for practice, and a candidate sitting a formal exam gets no practice at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.bank.models import QuestionBank, QuestionKind
from exams.practice.models import MockExam, PracticeRecord
from exams.practice.services import (
    PracticeError,
    next_question,
    practice_questions,
    record_practice_answer,
    start_mock_exam,
)
from exams.theory.services import start_attempt, submit_attempt
from tests.factories import UserFactory, make_theory

pytestmark = pytest.mark.django_db


def _set_public(theory, public: bool) -> None:
    QuestionBank.objects.filter(pk=theory.blueprint.bank_id).update(public_for_practice=public)


def test_a_bank_an_open_session_draws_from_is_not_practised():
    theory = make_theory()

    assert next_question(UserFactory(), theory.operation_type, mode="random") is None
    assert not practice_questions(theory.operation_type).exists()


def test_a_bank_an_upcoming_session_draws_from_is_not_practised():
    theory = make_theory()
    later = timezone.now() + dt.timedelta(days=7)
    theory.session.starts_at, theory.session.ends_at = later, later + dt.timedelta(hours=2)
    theory.session.save(update_fields=["starts_at", "ends_at"])

    assert not practice_questions(theory.operation_type).exists()


def test_the_bank_is_practised_again_once_its_sessions_are_over():
    theory = make_theory()
    past = timezone.now() - dt.timedelta(days=7)
    theory.session.starts_at, theory.session.ends_at = past, past + dt.timedelta(hours=2)
    theory.session.save(update_fields=["starts_at", "ends_at"])

    assert practice_questions(theory.operation_type).count() == 20


def test_a_bank_public_for_practice_is_practised_while_in_use():
    theory = make_theory()
    _set_public(theory, True)

    assert practice_questions(theory.operation_type).count() == 20


def test_answering_a_live_exam_question_in_practice_is_404_and_shows_no_key(client):
    theory = make_theory()
    question = theory.blueprint.bank.questions.filter(kind=QuestionKind.SINGLE).first()
    client.force_login(UserFactory())
    code = theory.operation_type.code

    page = client.post(reverse("exams:practice_answer", args=[code, question.pk]), {"answer": ["A"]})
    api = client.post(
        f"/api/v1/practice/{code}/answers/{question.pk}", data={"answer": ["A"]}, content_type="application/json"
    )

    assert (page.status_code, api.status_code) == (404, 404)
    assert "key" not in api.json()
    assert not PracticeRecord.objects.exists()


def test_no_mock_exam_is_drawn_from_a_bank_in_live_use():
    theory = make_theory()

    with pytest.raises(PracticeError, match="暂不公开"):
        start_mock_exam(learner=UserFactory(), operation_type=theory.operation_type)

    assert not MockExam.objects.exists()


def test_a_candidate_with_an_open_formal_attempt_gets_no_practice_or_mock():
    theory = make_theory()
    _set_public(theory, True)
    candidate = theory.candidate
    question = theory.blueprint.bank.questions.first()
    start_attempt(registration=theory.registration)

    with pytest.raises(PracticeError, match="尚未交卷"):
        next_question(candidate, theory.operation_type, mode="random")
    with pytest.raises(PracticeError, match="尚未交卷"):
        record_practice_answer(learner=candidate, operation_type=theory.operation_type, question=question, answer=["T"])
    with pytest.raises(PracticeError, match="尚未交卷"):
        start_mock_exam(learner=candidate, operation_type=theory.operation_type)

    assert not PracticeRecord.objects.exists()
    assert not MockExam.objects.exists()


def test_pages_and_api_refuse_practice_during_a_formal_attempt_and_allow_it_after(client):
    theory = make_theory()
    _set_public(theory, True)
    attempt = start_attempt(registration=theory.registration)
    code = theory.operation_type.code
    client.force_login(theory.candidate)

    page = client.get(reverse("exams:practice_question", args=[code]) + "?mode=random")
    mock = client.post(reverse("exams:practice_mock_start", args=[code]))
    api = client.get(f"/api/v1/practice/{code}/next?mode=random")
    submit_attempt(attempt=attempt)
    after = client.get(f"/api/v1/practice/{code}/next?mode=random")

    assert (page.status_code, page["Location"]) == (302, reverse("exams:index"))
    assert (mock.status_code, mock["Location"]) == (302, reverse("exams:index"))
    assert api.status_code == 409
    assert "尚未交卷" in api.json()["detail"]
    assert not MockExam.objects.exists()
    assert after.status_code == 200


def test_an_attempt_past_its_deadline_no_longer_blocks_practice():
    theory = make_theory()
    _set_public(theory, True)
    start_attempt(registration=theory.registration, now=timezone.now() - dt.timedelta(hours=3))

    assert next_question(theory.candidate, theory.operation_type, mode="random") is not None
