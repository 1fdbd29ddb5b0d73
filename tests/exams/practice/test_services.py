"""Practice: the wrong-answer rule (pure), the practice services and pages."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from exams.bank.models import QuestionBank, QuestionKind
from exams.practice.models import MockExam, PracticePosition, PracticeRecord
from exams.practice.services import (
    PracticeError,
    WrongBookState,
    next_question,
    practice_progress,
    record_practice_answer,
    start_mock_exam,
    submit_mock_exam,
    wrong_book_step,
)
from exams.theory.models import Attempt
from tests.factories import QuestionBankFactory, QuestionFactory, UserFactory, make_theory

# --- the pure rule ------------------------------------------------------------------------


def test_a_wrong_answer_puts_the_question_in_the_book_and_resets_the_streak():
    assert wrong_book_step(WrongBookState(False, 3), correct=False) == WrongBookState(True, 0)


def test_a_question_leaves_the_book_after_two_right_answers_in_a_row():
    state = wrong_book_step(WrongBookState(False, 0), correct=False)

    once = wrong_book_step(state, correct=True)
    twice = wrong_book_step(once, correct=True)

    assert once == WrongBookState(True, 1)
    assert twice == WrongBookState(False, 2)


def test_a_wrong_answer_between_right_ones_starts_the_count_again():
    state = WrongBookState(True, 1)

    state = wrong_book_step(state, correct=False)
    state = wrong_book_step(state, correct=True)

    assert state == WrongBookState(True, 1)


def test_right_answers_never_put_a_question_in_the_book():
    assert wrong_book_step(WrongBookState(False, 0), correct=True) == WrongBookState(False, 1)


# --- services -------------------------------------------------------------------------------


@pytest.fixture
def setup(db):
    """An open theory session whose bank the authority made public for practice."""
    theory = make_theory()
    QuestionBank.objects.filter(pk=theory.blueprint.bank_id).update(public_for_practice=True)
    question = theory.blueprint.bank.questions.filter(kind=QuestionKind.SINGLE).order_by("pk").first()
    return theory, question


@pytest.mark.django_db
def test_wrong_then_right_twice_moves_a_question_in_and_out_of_the_book(setup):
    theory, question = setup
    learner = UserFactory()

    correct, record = record_practice_answer(
        learner=learner, operation_type=theory.operation_type, question=question, answer=["A"]
    )
    assert (correct, record.in_wrong_book) == (False, True)
    assert next_question(learner, theory.operation_type, mode="wrong") == question

    record_practice_answer(learner=learner, operation_type=theory.operation_type, question=question, answer=["B"])
    assert PracticeRecord.objects.get().in_wrong_book is True
    correct, record = record_practice_answer(
        learner=learner, operation_type=theory.operation_type, question=question, answer=["B"]
    )

    assert (correct, record.in_wrong_book, record.answered, record.correct) == (True, False, 3, 2)
    assert next_question(learner, theory.operation_type, mode="wrong") is None


@pytest.mark.django_db
def test_an_empty_or_invalid_answer_records_nothing(setup):
    theory, question = setup
    learner = UserFactory()

    for answer in ([], ["Z"]):
        with pytest.raises(PracticeError):
            record_practice_answer(
                learner=learner, operation_type=theory.operation_type, question=question, answer=answer
            )

    assert not PracticeRecord.objects.exists()


@pytest.mark.django_db
def test_sequential_practice_resumes_after_the_last_answered_question(setup):
    theory, _question = setup
    learner = UserFactory()
    first = next_question(learner, theory.operation_type, mode="sequential")

    record_practice_answer(
        learner=learner,
        operation_type=theory.operation_type,
        question=first,
        answer=first.answer,
        advance_sequential=True,
    )

    second = next_question(learner, theory.operation_type, mode="sequential")
    assert second.pk > first.pk
    assert PracticePosition.objects.get().last_question_id == first.pk


@pytest.mark.django_db
def test_inactive_questions_and_other_organisations_banks_are_never_practised(setup):
    theory, _question = setup
    theory.blueprint.bank.questions.update(is_active=False)
    stranger_bank = QuestionBankFactory(level=QuestionBank.Level.ORGANISATION)
    QuestionFactory(bank=stranger_bank, operation_types=[theory.operation_type])

    assert next_question(UserFactory(), theory.operation_type, mode="random") is None


@pytest.mark.django_db
def test_national_bank_questions_are_practised(setup):
    theory, _question = setup
    theory.blueprint.bank.questions.update(is_active=False)
    national = QuestionBankFactory(level=QuestionBank.Level.NATIONAL)
    question = QuestionFactory(bank=national, operation_types=[theory.operation_type])

    assert next_question(UserFactory(), theory.operation_type, mode="random") == question


@pytest.mark.django_db
def test_knowledge_point_practice_offers_that_points_questions_only(setup):
    theory, _question = setup
    point = QuestionFactory(
        bank=theory.blueprint.bank, operation_types=[theory.operation_type], knowledge_point="触电急救"
    )

    assert next_question(UserFactory(), theory.operation_type, mode="point", knowledge_point="触电急救") == point


@pytest.mark.django_db
def test_progress_counts_per_operation_type(setup, django_assert_num_queries):
    theory, question = setup
    learner = UserFactory()
    record_practice_answer(learner=learner, operation_type=theory.operation_type, question=question, answer=["A"])

    with django_assert_num_queries(4):
        progress = practice_progress(learner, theory.operation_type)

    assert (progress.questions, progress.answered, progress.wrong_book, progress.accuracy) == (20, 1, 1, 0)


@pytest.mark.django_db
def test_mock_exam_uses_the_real_blueprint_and_is_not_a_formal_attempt(setup):
    theory, _question = setup
    learner = theory.candidate

    mock = start_mock_exam(learner=learner, operation_type=theory.operation_type, rng=random.Random(1))

    assert len(mock.paper["questions"]) == 10
    assert mock.paper["pass_mark"] == 80
    assert mock.deadline - mock.started_at == dt.timedelta(minutes=120)
    assert not Attempt.objects.exists()
    assert start_mock_exam(learner=learner, operation_type=theory.operation_type) == mock


@pytest.mark.django_db
def test_submitting_a_mock_exam_scores_it_and_fills_the_wrong_answer_book(setup):
    theory, _question = setup
    learner = UserFactory()
    mock = start_mock_exam(learner=learner, operation_type=theory.operation_type)
    questions = mock.paper["questions"]
    answers = {q["id"]: q["answer"] for q in questions[:8]}
    wrong = questions[8]
    answers[wrong["id"]] = [next(o["key"] for o in wrong["options"] if o["key"] not in wrong["answer"])]

    result = submit_mock_exam(mock=mock, answers=answers)
    again = submit_mock_exam(mock=mock, answers={})

    assert (result.score, result.passed) == (Decimal("80.00"), True)
    assert again.score == result.score
    assert PracticeRecord.objects.filter(learner=learner).count() == 9
    assert list(PracticeRecord.objects.filter(in_wrong_book=True).values_list("question_id", flat=True)) == [
        wrong["id"]
    ]


@pytest.mark.django_db
def test_a_mock_exam_submitted_after_the_deadline_counts_only_what_was_saved(setup):
    theory, _question = setup
    mock = start_mock_exam(learner=UserFactory(), operation_type=theory.operation_type)
    answers = {q["id"]: q["answer"] for q in mock.paper["questions"]}

    result = submit_mock_exam(mock=mock, answers=answers, now=mock.deadline + dt.timedelta(minutes=1))

    assert result.score == Decimal("0.00")
    assert result.submitted_at == mock.deadline


# --- pages ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_practice_needs_login():
    response = Client().get(reverse("exams:practice"))

    assert response.status_code == 302


@pytest.mark.django_db
def test_practice_home_sends_a_learner_with_one_type_to_it(setup, client):
    theory, _question = setup

    client.force_login(theory.candidate)
    response = client.get("/exams/practice/")

    assert response.status_code == 302
    assert response["Location"] == reverse("exams:practice_operation", args=[theory.operation_type.code])


@pytest.mark.django_db
def test_answering_on_the_page_shows_right_or_wrong_and_the_next_link(setup, client):
    theory, question = setup
    client.force_login(theory.candidate)
    code = theory.operation_type.code

    page = client.get(reverse("exams:practice_question", args=[code]) + "?mode=random")
    response = client.post(
        reverse("exams:practice_answer", args=[code, question.pk]), {"answer": ["A"], "mode": "random"}
    )

    assert page.status_code == 200
    assert 'name="answer"' in page.content.decode()
    assert response.status_code == 200
    html = response.content.decode()
    assert "回答错误" in html
    assert 'class="option right"' in html
    assert "?mode=random" in html
    assert PracticeRecord.objects.get().in_wrong_book is True


@pytest.mark.django_db
def test_answering_nothing_on_the_page_is_422_and_records_nothing(setup, client):
    theory, question = setup

    client.force_login(theory.candidate)
    response = client.post(
        reverse("exams:practice_answer", args=[theory.operation_type.code, question.pk]), {"mode": "sequential"}
    )

    assert response.status_code == 422
    assert "请先选择答案" in response.content.decode()
    assert not PracticeRecord.objects.exists()


@pytest.mark.django_db
def test_mock_exam_pages_start_answer_and_submit(setup, client):
    theory, _question = setup
    client.force_login(theory.candidate)

    start = client.post(reverse("exams:practice_mock_start", args=[theory.operation_type.code]))
    mock = MockExam.objects.get()
    page = client.get(start["Location"])
    answers = {f"q_{q['id']}": q["answer"] for q in mock.paper["questions"]}
    submitted = client.post(start["Location"], {**answers, "action": "submit"})
    result = client.get(start["Location"])

    assert start["Location"] == reverse("exams:practice_mock", args=[mock.pk])
    assert page.status_code == 200
    assert 'id="timer"' in page.content.decode()
    assert submitted.status_code == 302
    mock.refresh_from_db()
    assert (mock.score, mock.passed) == (Decimal("100.00"), True)
    assert "模拟考试不计入正式成绩" in result.content.decode()


@pytest.mark.django_db
def test_someone_elses_mock_exam_is_404(setup, client):
    theory, _question = setup
    mock = start_mock_exam(learner=theory.candidate, operation_type=theory.operation_type)

    client.force_login(UserFactory())
    response = client.get(reverse("exams:practice_mock", args=[mock.pk]))

    assert response.status_code == 404


@pytest.mark.django_db
def test_operation_page_shows_progress_and_modes(setup, client):
    theory, _question = setup

    client.force_login(theory.candidate)
    response = client.get(reverse("exams:practice_operation", args=[theory.operation_type.code]))

    html = response.content.decode()
    assert response.status_code == 200
    for label in ("顺序练习", "随机练习", "错题本", "模拟考试"):
        assert label in html


# --- API ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_practice_needs_login(setup):
    theory, _question = setup

    response = Client().get(f"/api/v1/practice/{theory.operation_type.code}/next")

    assert response.status_code == 401


@pytest.mark.django_db
def test_api_practice_next_answer_and_progress(setup, client):
    theory, question = setup
    client.force_login(UserFactory())
    code = theory.operation_type.code

    first = client.get(f"/api/v1/practice/{code}/next?mode=sequential")
    wrong = client.post(
        f"/api/v1/practice/{code}/answers/{question.pk}",
        data={"answer": ["A"], "mode": "random"},
        content_type="application/json",
    )
    progress = client.get(f"/api/v1/practice/{code}/progress")

    assert first.status_code == 200
    assert set(first.json()) == {"id", "kind", "stem", "knowledge_point", "options"}
    assert wrong.json() == {"correct": False, "key": ["B"], "explanation": "", "in_wrong_book": True, "streak": 0}
    body = progress.json()
    assert (body["answered"], body["wrong_book"], body["accuracy"]) == (1, 1, 0)


@pytest.mark.django_db
def test_api_practice_empty_wrong_book_is_404_and_bad_answer_is_422(setup, client):
    theory, question = setup
    client.force_login(UserFactory())
    code = theory.operation_type.code

    empty = client.get(f"/api/v1/practice/{code}/next?mode=wrong")
    bad = client.post(
        f"/api/v1/practice/{code}/answers/{question.pk}", data={"answer": ["Z"]}, content_type="application/json"
    )

    assert empty.status_code == 404
    assert bad.status_code == 422
    assert not PracticeRecord.objects.exists()
