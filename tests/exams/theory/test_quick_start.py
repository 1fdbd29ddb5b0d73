"""The exam-day start on PostgreSQL: a registration whose paper was drawn ahead starts in one
statement; every case that statement does not cover takes the usual path and gets its usual
answer, with nothing written twice."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuditEvent
from exams.admission.models import CheckInMode, Registration
from exams.bank.models import Question
from exams.errors import AttemptNotAllowed
from exams.papers.drawing import candidate_questions_json
from exams.theory.models import Attempt, DrawnPaper
from exams.theory.save_tokens import save_token
from exams.theory.services import (
    draw_paper_ahead,
    save_answer,
    save_answer_quickly,
    start_attempt,
    submit_attempt,
)
from tests.factories import UserFactory, lose_this_database_connection, make_theory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _drawn_theory(**kwargs):
    theory = make_theory(**kwargs)
    drawn = draw_paper_ahead(registration=theory.registration)
    assert drawn is not None
    return theory, drawn


def test_a_drawn_paper_starts_in_one_statement_with_its_audit_event():
    theory, drawn = _drawn_theory()
    now = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        attempt = start_attempt(registration=theory.registration, candidate=theory.registration.candidate, now=now)

    assert len(queries.captured_queries) == 1
    stored = Attempt.objects.get()
    assert (attempt.pk, attempt.resumed) == (stored.pk, False)
    assert stored.paper == attempt.paper == drawn.paper
    assert stored.started_at == attempt.started_at == now
    assert stored.deadline == attempt.deadline == now + dt.timedelta(minutes=theory.blueprint.time_limit_minutes)
    assert (stored.submitted_at, stored.score, stored.extra_minutes, stored.close_reason) == (None, None, 0, "")
    event = AuditEvent.objects.get(action="exams.attempt.started")
    assert (event.actor_id, event.object_type, event.object_id) == (
        theory.registration.candidate_id,
        "exams.attempt",
        str(stored.pk),
    )
    assert event.data["registration"] == theory.registration.pk
    assert event.data["questions"] == 10
    assert event.data["drawn_ahead"] is True
    assert dt.datetime.fromisoformat(event.data["deadline"]) == stored.deadline
    assert event.at == now
    # the start kept no answer sheet: the first save reads it from the paper, the next is one statement
    first, second = drawn.paper["questions"][:2]
    with CaptureQueriesContext(connection) as saving_first:
        save_answer(attempt=stored, question_id=first["id"], answer=first["answer"])
    with CaptureQueriesContext(connection) as saving_second:
        save_answer(attempt=stored, question_id=second["id"], answer=second["answer"])
    assert len(saving_first.captured_queries) == 2
    assert len(saving_second.captured_queries) == 1


def test_the_quick_start_scores_like_any_other():
    theory, drawn = _drawn_theory()
    attempt = start_attempt(registration=theory.registration)
    for question in attempt.paper["questions"][:8]:
        save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])

    submitted = submit_attempt(attempt=attempt)

    assert str(submitted.score) == "80.00"


def test_someone_elses_registration_is_not_found_and_starts_nothing():
    theory, _drawn = _drawn_theory()

    with pytest.raises(Registration.DoesNotExist):
        start_attempt(registration=theory.registration, candidate=UserFactory())

    assert not Attempt.objects.exists()
    assert not AuditEvent.objects.filter(action="exams.attempt.started").exists()


def test_a_second_start_resumes_the_attempt():
    theory, _drawn = _drawn_theory()
    first = start_attempt(registration=theory.registration)

    again = start_attempt(registration=theory.registration)

    assert (again.pk, again.resumed) == (first.pk, True)
    assert Attempt.objects.count() == 1
    assert AuditEvent.objects.filter(action="exams.attempt.started").count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda t: Registration.objects.filter(pk=t.registration.pk).update(checked_in_at=None), "not_checked_in"),
        (
            lambda t: Registration.objects.filter(pk=t.registration.pk).update(status=Registration.Status.PENDING),
            "not_approved",
        ),
        (
            lambda t: (
                type(t.session)
                .objects.filter(pk=t.session.pk)
                .update(
                    starts_at=timezone.now() + dt.timedelta(hours=1), ends_at=timezone.now() + dt.timedelta(hours=3)
                )
            ),
            "not_started",
        ),
        (
            lambda t: (
                type(t.session)
                .objects.filter(pk=t.session.pk)
                .update(
                    starts_at=timezone.now() - dt.timedelta(hours=3), ends_at=timezone.now() - dt.timedelta(hours=1)
                )
            ),
            "session_over",
        ),
        (
            lambda t: (
                type(t.session)
                .objects.filter(pk=t.session.pk)
                .update(checkin_mode=CheckInMode.REMOTE, start_code="246810")
            ),
            "wrong_start_code",
        ),
    ],
    ids=["not checked in", "not approved", "not started", "over", "remote without the code"],
)
def test_what_the_one_statement_does_not_admit_gets_the_usual_refusal(change, code):
    theory, _drawn = _drawn_theory()
    change(theory)

    with pytest.raises(AttemptNotAllowed) as refused:
        start_attempt(registration=theory.registration)

    assert refused.value.code == code
    assert not Attempt.objects.exists()
    assert not AuditEvent.objects.filter(action="exams.attempt.started").exists()


def test_a_remote_session_starts_with_the_right_code_on_the_usual_path():
    theory, drawn = _drawn_theory()
    type(theory.session).objects.filter(pk=theory.session.pk).update(
        checkin_mode=CheckInMode.REMOTE, start_code="246810"
    )

    attempt = start_attempt(registration=theory.registration, start_code="246 810")

    assert attempt.paper == drawn.paper
    assert AuditEvent.objects.get(action="exams.attempt.started").data["drawn_ahead"] is True


def test_another_open_attempt_of_the_candidate_is_refused():
    candidate = UserFactory()
    first, _ = _drawn_theory(candidate=candidate)
    second, _ = _drawn_theory(candidate=candidate)
    start_attempt(registration=first.registration)

    with pytest.raises(AttemptNotAllowed) as refused:
        start_attempt(registration=second.registration)

    assert refused.value.code == "another_open_attempt"
    assert Attempt.objects.count() == 1


def test_a_drawn_paper_with_a_retired_version_or_an_old_pass_mark_is_drawn_again():
    retired_theory, retired_drawn = _drawn_theory()
    retired = retired_drawn.paper["questions"][0]["q"]
    Question.objects.filter(pk=retired).update(is_active=False)
    marked_theory, marked_drawn = _drawn_theory()
    type(marked_theory.blueprint).objects.filter(pk=marked_theory.blueprint.pk).update(pass_mark=90)

    retired_attempt = start_attempt(registration=retired_theory.registration)
    marked_attempt = start_attempt(registration=marked_theory.registration)

    assert retired not in {q["q"] for q in retired_attempt.paper["questions"]}
    assert marked_attempt.paper["pass_mark"] == 90
    assert [e.data["drawn_ahead"] for e in AuditEvent.objects.filter(action="exams.attempt.started")] == [False, False]


def test_concurrent_starts_of_a_drawn_paper_make_one_attempt(race):
    theory, drawn = _drawn_theory()

    results = race(*(lambda: start_attempt(registration=theory.registration) for _ in range(4)))

    attempt = Attempt.objects.get()
    assert [getattr(result, "pk", result) for result in results] == [attempt.pk] * 4
    assert sorted(result.resumed for result in results) == [False, True, True, True]
    assert attempt.paper == drawn.paper
    assert AuditEvent.objects.filter(action="exams.attempt.started").count() == 1


def test_a_hand_in_locks_reads_and_closes_the_attempt_in_three_statements_with_its_audit_event():
    theory, _drawn = _drawn_theory()
    attempt = start_attempt(registration=theory.registration)
    for question in attempt.paper["questions"][:5]:
        save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])
    now = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        submitted = submit_attempt(attempt=attempt, candidate=theory.registration.candidate, now=now)

    statements = [q["sql"].strip() for q in queries.captured_queries]
    assert [sql for sql in statements if sql not in ("SELECT 1", "BEGIN", "COMMIT")] == statements[1:-1]
    assert (statements[0], len(statements[1:-1]), statements[-1]) == ("BEGIN", 3, "COMMIT")
    stored = Attempt.objects.get()
    assert (stored.submitted_at, stored.auto_submitted, str(stored.score), stored.passed) == (
        now,
        False,
        "50.00",
        False,
    )
    assert (submitted.submitted_at, submitted.score, submitted.passed) == (now, stored.score, False)
    event = AuditEvent.objects.get(action="exams.attempt.submitted")
    assert (event.actor_id, event.object_id, event.at) == (theory.registration.candidate_id, str(stored.pk), now)
    assert event.data == {
        "score": "50.00",
        "passed": False,
        "correct": 5,
        "questions": 10,
        "answered": 5,
        "auto": False,
        "closed_by_invigilator": False,
    }
    # handing in again changes nothing and records nothing
    again = submit_attempt(attempt=attempt, candidate=theory.registration.candidate)
    assert (again.submitted_at, again.score) == (stored.submitted_at, stored.score)
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 1


def test_a_hand_in_after_the_deadline_counts_at_the_deadline_with_no_actor():
    theory, _drawn = _drawn_theory()
    attempt = start_attempt(registration=theory.registration)

    submitted = submit_attempt(attempt=attempt, now=attempt.deadline + dt.timedelta(minutes=3))

    stored = Attempt.objects.get()
    assert (stored.submitted_at, stored.auto_submitted, str(stored.score)) == (attempt.deadline, True, "0.00")
    assert submitted.auto_submitted is True
    event = AuditEvent.objects.get(action="exams.attempt.submitted")
    assert (event.actor_id, event.data["auto"], event.data["answered"]) == (None, True, 0)


def test_someone_elses_hand_in_is_not_found_and_closes_nothing():
    theory, _drawn = _drawn_theory()
    attempt = start_attempt(registration=theory.registration)

    with pytest.raises(Attempt.DoesNotExist):
        submit_attempt(attempt=attempt, candidate=UserFactory())

    assert Attempt.objects.get().submitted_at is None


@pytest.mark.parametrize("kept", [True, False], ids=["shown kept when drawn", "drawn before it was kept"])
def test_the_api_start_sends_the_questions_as_drawn(client, kept):
    theory, drawn = _drawn_theory()
    if not kept:
        DrawnPaper.objects.filter(pk=drawn.pk).update(shown="")
    client.force_login(theory.registration.candidate)

    response = client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts")

    assert response.status_code == 200
    body = response.json()
    assert body["questions"] == json.loads(candidate_questions_json(drawn.paper, {}))
    assert [q["id"] for q in body["questions"]] == [q["id"] for q in drawn.paper["questions"]]
    assert body["id"] == Attempt.objects.get().pk


def test_an_answer_whose_save_commits_while_the_hand_in_waits_for_the_lock_is_scored():
    theory, _drawn = _drawn_theory()
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]
    saved, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def save_and_hold():
        try:
            with transaction.atomic():  # the save's FOR SHARE lock is held until this commits
                outcome["saved"] = save_answer_quickly(
                    attempt_id=attempt.pk,
                    candidate_id=None,
                    question_id=question["id"],
                    answer=question["answer"],
                    now=timezone.now(),
                )
                saved.set()
                release.wait(10)
        finally:
            connections.close_all()

    def hand_in():
        try:
            outcome["submitted"] = submit_attempt(attempt=attempt)
        finally:
            connections.close_all()

    saver = threading.Thread(target=save_and_hold)
    saver.start()
    assert saved.wait(10)
    submitter = threading.Thread(target=hand_in)
    submitter.start()
    _wait_until_a_backend_waits_for_a_lock()
    release.set()
    saver.join(10)
    submitter.join(10)

    assert outcome["saved"] is not None  # acknowledged
    assert str(outcome["submitted"].score) == "10.00"
    assert str(Attempt.objects.get().score) == "10.00"


def _wait_until_a_backend_waits_for_a_lock() -> None:
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the hand-in never waited for the save's lock")


def test_a_hand_in_by_token_sends_no_health_check_and_survives_a_lost_database_connection():
    theory, _drawn = _drawn_theory()
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]
    save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])
    backend_pid = lose_this_database_connection()

    with CaptureQueriesContext(connection) as queries:
        response = Client().post(
            f"/api/v1/attempts/{attempt.pk}/submit", headers={"X-Attempt-Token": save_token(attempt)}
        )

    assert response.status_code == 200
    assert response.json()["score"] == 10.0
    assert connection.connection.info.backend_pid != backend_pid
    assert not [q for q in queries.captured_queries if (q["sql"] or "").strip().upper() == "SELECT 1"]
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 1
