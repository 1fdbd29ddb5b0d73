"""Races on PostgreSQL: concurrent starts, submits, saves and sweeps of one attempt.

Each test runs real threads, each with its own database connection, released
together by a barrier; row locks and constraints must leave exactly one result.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AuditEvent
from exams.errors import AttemptClosed
from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import save_answer, start_attempt, submit_attempt, submit_expired_attempts
from tests.factories import make_theory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_concurrent_starts_make_one_attempt(race):
    theory = make_theory()

    results = race(*(lambda: start_attempt(registration=theory.registration) for _ in range(4)))

    assert Attempt.objects.count() == 1
    attempt = Attempt.objects.get()
    assert [getattr(result, "pk", result) for result in results] == [attempt.pk] * 4
    assert AuditEvent.objects.filter(action="exams.attempt.started").count() == 1


def test_two_concurrent_submits_produce_one_result(race):
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    for question in attempt.paper["questions"][:9]:
        save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])

    results = race(*(lambda: submit_attempt(attempt=attempt) for _ in range(4)))

    assert {(result.score, result.submitted_at) for result in results} == {
        (Attempt.objects.get().score, Attempt.objects.get().submitted_at)
    }
    assert str(Attempt.objects.get().score) == "90.00"
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 1


def test_the_sweep_racing_a_late_submit_produces_one_result(race):
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    late = attempt.deadline + dt.timedelta(seconds=5)

    results = race(
        lambda: submit_expired_attempts(now=late),
        lambda: submit_attempt(attempt=attempt, now=late),
        lambda: submit_expired_attempts(now=late),
    )

    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 1
    assert results[1].pk == attempt.pk
    assert results[0] + results[2] in (0, 1)


def test_saves_racing_a_submit_are_either_scored_or_refused(race):
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    questions = attempt.paper["questions"]

    def saver(question):
        return lambda: save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])

    results = race(*(saver(q) for q in questions[:6]), lambda: submit_attempt(attempt=attempt))

    acknowledged = [r for r in results[:6] if isinstance(r, AttemptAnswer)]
    refused = [r for r in results[:6] if isinstance(r, AttemptClosed)]
    assert len(acknowledged) + len(refused) == 6
    attempt.refresh_from_db()
    # every acknowledged answer was committed before the submit scored the paper
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == len(acknowledged)
    assert attempt.score == 10 * len(acknowledged)


def test_on_postgresql_an_answer_is_saved_in_one_statement(django_assert_num_queries):
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    first, question = attempt.paper["questions"][:2]
    save_answer(attempt=attempt, question_id=first["id"], answer=first["answer"])  # reads the answer sheet once

    with django_assert_num_queries(1):
        saved = save_answer(
            attempt=Attempt(pk=attempt.pk),
            candidate=theory.candidate,
            question_id=question["id"],
            answer=question["answer"],
        )

    assert saved.attempt.deadline == attempt.deadline
    assert AttemptAnswer.objects.get(question_id=question["id"]).answer == question["answer"]


def test_on_postgresql_the_one_statement_save_refuses_someone_elses_and_closed_attempts():
    from tests.factories import UserFactory

    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]

    with pytest.raises(Attempt.DoesNotExist):
        save_answer(attempt=attempt, candidate=UserFactory(), question_id=question["id"], answer=question["answer"])
    submit_attempt(attempt=attempt)
    with pytest.raises(AttemptClosed):
        save_answer(attempt=attempt, candidate=theory.candidate, question_id=question["id"], answer=["T"])

    assert not AttemptAnswer.objects.exists()
