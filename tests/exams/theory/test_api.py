"""The exam endpoints of the JSON API (/api/v1/)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import start_attempt
from tests.factories import UserFactory, answer_key, wrong_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate_client(theory) -> Client:
    client = Client()
    client.force_login(theory.candidate)
    return client


@pytest.fixture
def stranger_client() -> Client:
    client = Client()
    client.force_login(UserFactory())
    return client


def put_answer(client: Client, attempt_id: int, question_id: int, answer) -> object:
    return client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{question_id}",
        data={"answer": answer},
        content_type="application/json",
    )


def test_registrations_need_authentication(theory):
    response = Client().get("/api/v1/registrations")

    assert response.status_code == 401
    assert response.json() == {"detail": "需要登录。"}


def test_registrations_lists_the_callers_own(theory, candidate_client, stranger_client):
    # when
    response = candidate_client.get("/api/v1/registrations")

    # then
    assert response.status_code == 200
    (item,) = response.json()
    assert item["id"] == theory.registration.pk
    assert item["status"] == "approved"
    assert item["session"]["kind"] == "theory"
    assert item["session"]["name"] == theory.session.name
    assert item["operation_type"] == {"code": "0102", "name": "低压电工作业"}
    assert (item["attempt_id"], item["score"], item["passed"]) == (None, None, None)
    assert stranger_client.get("/api/v1/registrations").json() == []


def test_start_attempt_returns_the_paper_without_the_key(theory, candidate_client):
    # when
    response = candidate_client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts")

    # then
    assert response.status_code == 200
    body = response.json()
    attempt = Attempt.objects.get()
    assert body["id"] == attempt.pk
    assert len(body["questions"]) == 10
    for question in body["questions"]:
        assert set(question) == {"id", "kind", "stem", "points", "options", "answer", "image_url"}
        assert question["answer"] == []
        assert all(set(option) == {"key", "text"} for option in question["options"])
    true_false = next(q for q in body["questions"] if q["kind"] == "true_false")
    assert true_false["options"] == [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]


def test_start_attempt_again_resumes_with_the_saved_answers(theory, candidate_client):
    first = candidate_client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts").json()
    question = first["questions"][0]
    put_answer(candidate_client, first["id"], question["id"], ["F"])

    again = candidate_client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts").json()

    assert again["id"] == first["id"]
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in first["questions"]]
    assert again["questions"][0]["answer"] == ["F"]


def test_start_attempt_for_someone_elses_registration_is_404(theory, stranger_client):
    response = stranger_client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts")

    assert response.status_code == 404
    assert Attempt.objects.count() == 0


def test_start_attempt_refused_is_409_with_the_reason(theory, candidate_client):
    theory.registration.status = "pending"
    theory.registration.save()

    response = candidate_client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts")

    assert response.status_code == 409
    assert response.json() == {"detail": "报名尚未审核通过，不能开始考试。"}


def test_put_answer_saves_it(theory, candidate_client):
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]

    response = put_answer(candidate_client, attempt.pk, question["id"], ["T"])

    assert response.status_code == 200
    saved = AttemptAnswer.objects.get()
    assert (saved.question_id, saved.answer) == (question["id"], ["T"])
    returned = dt.datetime.fromisoformat(response.json()["saved_at"].replace("Z", "+00:00"))
    assert returned == saved.saved_at.replace(microsecond=saved.saved_at.microsecond // 1000 * 1000)


def test_put_answer_with_an_invalid_key_is_422_and_nothing_saved(theory, candidate_client):
    attempt = start_attempt(registration=theory.registration)
    single = next(q for q in attempt.paper["questions"] if q["kind"] == "single")

    response = put_answer(candidate_client, attempt.pk, single["id"], ["Z"])

    assert response.status_code == 422
    assert response.json() == {"detail": f"第 {single['id']} 题没有选项 Z。"}
    assert AttemptAnswer.objects.count() == 0


def test_put_answer_with_a_malformed_body_is_422(theory, candidate_client):
    attempt = start_attempt(registration=theory.registration)

    response = put_answer(candidate_client, attempt.pk, attempt.paper["questions"][0]["id"], "T")

    assert response.status_code == 422
    assert AttemptAnswer.objects.count() == 0


def test_put_answer_on_someone_elses_attempt_is_404(theory, stranger_client):
    attempt = start_attempt(registration=theory.registration)

    response = put_answer(stranger_client, attempt.pk, attempt.paper["questions"][0]["id"], ["T"])

    assert response.status_code == 404
    assert AttemptAnswer.objects.count() == 0


def test_put_answer_after_the_deadline_is_409_and_nothing_saved(theory, candidate_client):
    # given: an attempt whose deadline has just passed
    attempt = start_attempt(registration=theory.registration, now=timezone.now() - dt.timedelta(minutes=121))

    # when
    response = put_answer(candidate_client, attempt.pk, attempt.paper["questions"][0]["id"], ["T"])

    # then
    assert response.status_code == 409
    assert response.json() == {"detail": "考试时间已到，答卷已自动交卷，不能再保存答案。"}
    assert AttemptAnswer.objects.count() == 0
    attempt.refresh_from_db()
    assert attempt.auto_submitted is True
    assert attempt.submitted_at == attempt.deadline


def test_put_answer_after_submission_is_409(theory, candidate_client):
    attempt = start_attempt(registration=theory.registration)
    candidate_client.post(f"/api/v1/attempts/{attempt.pk}/submit")

    response = put_answer(candidate_client, attempt.pk, attempt.paper["questions"][0]["id"], ["T"])

    assert response.status_code == 409
    assert response.json() == {"detail": "答卷已交卷，不能再保存答案。"}


def test_submit_scores_and_is_idempotent(theory, candidate_client):
    # given: 9 right, 1 wrong
    attempt = start_attempt(registration=theory.registration)
    questions = attempt.paper["questions"]
    for question in questions[:9]:
        put_answer(candidate_client, attempt.pk, question["id"], question["answer"])
    put_answer(candidate_client, attempt.pk, questions[9]["id"], wrong_answer(questions[9]))

    # when
    first = candidate_client.post(f"/api/v1/attempts/{attempt.pk}/submit")
    second = candidate_client.post(f"/api/v1/attempts/{attempt.pk}/submit")

    # then
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    attempt.refresh_from_db()
    body = first.json()
    assert dt.datetime.fromisoformat(body.pop("submitted_at")) == attempt.submitted_at.replace(
        microsecond=attempt.submitted_at.microsecond // 1000 * 1000
    )
    assert body == {"score": 90.0, "passed": True, "auto_submitted": False}


def test_submit_someone_elses_attempt_is_404(theory, stranger_client):
    attempt = start_attempt(registration=theory.registration)

    response = stranger_client.post(f"/api/v1/attempts/{attempt.pk}/submit")

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_session_auth_needs_the_csrf_token_that_exam_js_sends(theory):
    # given: a browser session with CSRF enforced, as in real use
    client = Client(enforce_csrf_checks=True)
    client.force_login(theory.candidate)
    attempt = start_attempt(registration=theory.registration)
    question_id = attempt.paper["questions"][0]["id"]
    url = f"/api/v1/attempts/{attempt.pk}/answers/{question_id}"
    token = "k" * 32  # the CSRF cookie's secret, as the page sets it
    client.cookies["csrftoken"] = token

    # when
    without = client.put(url, data={"answer": ["T"]}, content_type="application/json")
    with_token = client.put(url, data={"answer": ["T"]}, content_type="application/json", HTTP_X_CSRFTOKEN=token)

    # then
    assert without.status_code in (401, 403)
    assert with_token.status_code == 200
    assert AttemptAnswer.objects.get().answer == ["T"]


def test_app_clients_use_the_session_token(theory):
    # given: an app client logged in through allauth's headless API
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        data={"username": theory.candidate.username, "password": "Demo-2026!"},
        content_type="application/json",
    )
    token = login.json()["meta"]["session_token"]
    app = Client(HTTP_X_SESSION_TOKEN=token)

    # when
    started = app.post(f"/api/v1/registrations/{theory.registration.pk}/attempts")
    attempt = Attempt.objects.get()
    key = answer_key(attempt)
    question_id = next(iter(key))
    saved = app.put(
        f"/api/v1/attempts/{attempt.pk}/answers/{question_id}",
        data={"answer": key[question_id]},
        content_type="application/json",
    )

    # then
    assert started.status_code == 200
    assert saved.status_code == 200


def test_registrations_carry_the_ticket_code_and_check_in(practical):
    from django.test import Client

    client = Client()
    client.force_login(practical.candidate)

    (item,) = client.get("/api/v1/registrations").json()

    assert item["ticket_code"] == "TESTCODE23"
    assert item["checked_in_at"] is not None
