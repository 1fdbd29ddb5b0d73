"""The lean answer save: a save carrying its attempt's token costs one statement on PostgreSQL
(the upsert) and reads no session, user or role; a token proves nothing for another attempt."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exams.theory.models import AttemptAnswer
from exams.theory.save_tokens import save_token
from exams.theory.services import start_attempt, submit_attempt
from tests.factories import lose_this_database_connection, make_theory

pytestmark = pytest.mark.django_db


def _put(client: Client, attempt, question, answer, token=None, **headers):
    url = f"/api/v1/attempts/{attempt.pk}/answers/{question['id']}"
    if token is not None:
        url += f"?token={token}"
    return client.put(url, data={"answer": answer}, content_type="application/json", **headers)


def test_a_save_with_the_token_runs_only_the_save_itself(django_assert_num_queries):
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    first, question = attempt.paper["questions"][:2]
    _put(Client(), attempt, first, first["answer"], token=save_token(attempt))  # reads the answer sheet once

    # on PostgreSQL the one upsert statement; elsewhere lock + upsert inside SAVEPOINT/RELEASE
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 4):
        response = _put(Client(), attempt, question, question["answer"], token=save_token(attempt))

    assert response.status_code == 200
    assert 0 < response.json()["remaining_seconds"] <= 120 * 60
    assert AttemptAnswer.objects.get(question_id=question["id"]).answer == question["answer"]


def test_the_token_also_works_as_a_header_and_the_api_hands_it_out(client):
    theory = make_theory()
    client.force_login(theory.candidate)
    body = client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts").json()
    question = body["questions"][0]

    response = Client().put(
        f"/api/v1/attempts/{body['id']}/answers/{question['id']}",
        data={"answer": ["T"] if question["kind"] == "true_false" else ["A"]},
        content_type="application/json",
        headers={"X-Attempt-Token": body["save_token"]},
    )

    assert response.status_code == 200
    assert AttemptAnswer.objects.count() == 1


def test_the_exam_page_saves_through_the_token(client):
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    client.force_login(theory.candidate)

    page = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()

    assert f"?token={save_token(attempt)}" in page


def test_a_token_of_another_attempt_or_a_forged_one_saves_nothing():
    mine, theirs = make_theory(), make_theory()
    attempt = start_attempt(registration=mine.registration)
    other = start_attempt(registration=theirs.registration)
    question = other.paper["questions"][0]
    candidate_id, _dot, mac = save_token(attempt).partition(".")

    borrowed = _put(Client(), other, question, question["answer"], token=save_token(attempt))
    forged = _put(Client(), other, question, question["answer"], token=f"{other.candidate_id}.{mac}")

    assert (borrowed.status_code, forged.status_code) == (401, 401)
    assert not AttemptAnswer.objects.exists()


def test_a_token_save_after_submission_is_409_and_a_bad_body_422():
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]
    token = save_token(attempt)

    bad = _put(Client(), attempt, question, "T", token=token)
    unknown = _put(Client(), attempt, {"id": 1}, ["T"], token=token)
    submit_attempt(attempt=attempt)
    late = _put(Client(), attempt, question, question["answer"], token=token)

    assert (bad.status_code, unknown.status_code, late.status_code) == (422, 422, 409)
    assert "已交卷" in late.json()["detail"]
    assert not AttemptAnswer.objects.exists()


def test_the_hand_in_with_the_token_scores_once():
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    for question in attempt.paper["questions"]:
        _put(Client(), attempt, question, question["answer"], token=save_token(attempt))
    url = f"/api/v1/attempts/{attempt.pk}/submit"

    first = Client().post(url, headers={"X-Attempt-Token": save_token(attempt)})
    again = Client().post(url, headers={"X-Attempt-Token": save_token(attempt)})
    anonymous = Client().post(url)

    assert first.json()["score"] == again.json()["score"] == 100
    assert anonymous.status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_token_save_sends_no_health_check_and_survives_a_lost_database_connection():
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    first, second = attempt.paper["questions"][:2]
    token = save_token(attempt)
    assert _put(Client(), attempt, first, first["answer"], token=token).status_code == 200
    # the database ends this process's kept connection (a restart, a pooler's idle timeout)
    backend_pid = lose_this_database_connection()

    with CaptureQueriesContext(connection) as queries:
        response = _put(Client(), attempt, second, second["answer"], token=token)

    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if (q["sql"] or "").strip().upper() == "SELECT 1"]
    assert connection.connection.info.backend_pid != backend_pid
    assert dict(AttemptAnswer.objects.values_list("question_id", "answer")) == {
        first["id"]: first["answer"],
        second["id"]: second["answer"],
    }
