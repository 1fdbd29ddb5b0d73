"""The home's exam step, from the facts of the learner's registrations (no database)."""

from __future__ import annotations

import datetime as dt

from cms.next_steps import CertificateFacts, ExamFacts, StepKind, countdown_parts, next_exam_step

NOW = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def exam(pk: int, *, starts: dt.datetime, theory: bool = True, **facts) -> ExamFacts:
    return ExamFacts(
        registration_id=pk,
        operation_type_id=facts.pop("operation_type_id", 1),
        theory=theory,
        approved=facts.pop("approved", True),
        starts_at=starts,
        ends_at=starts + 2 * HOUR,
        **facts,
    )


def test_an_open_theory_window_gives_the_start_button():
    step = next_exam_step(exams=[exam(1, starts=NOW - HOUR)], certificates=[], now=NOW)
    assert step is not None and (step.kind, step.exam.registration_id) == (StepKind.START, 1)


def test_a_running_attempt_is_resumed_before_anything_else():
    running = exam(2, starts=NOW - HOUR, attempt_id=9, attempt_deadline=NOW + HOUR)
    step = next_exam_step(exams=[exam(1, starts=NOW + HOUR, theory=False), running], certificates=[], now=NOW)
    assert step is not None and (step.kind, step.exam.registration_id) == (StepKind.RESUME, 2)


def test_before_the_window_a_countdown_to_the_soonest_session():
    later, sooner = exam(1, starts=NOW + 50 * HOUR), exam(2, starts=NOW + 26 * HOUR + dt.timedelta(minutes=5))
    step = next_exam_step(exams=[later, sooner], certificates=[], now=NOW)
    assert step is not None and (step.kind, step.exam.registration_id) == (StepKind.COUNTDOWN, 2)
    assert countdown_parts(step.seconds_to_start) == (1, 2, 5)


def test_a_failed_exam_shows_the_retake_rules_and_a_failed_retake_says_train_again():
    failed = exam(1, starts=NOW - 3 * HOUR, attempt_id=5, attempt_submitted=True, passed=False, score="52.00")
    step = next_exam_step(exams=[failed], certificates=[], now=NOW)
    assert step is not None and step.kind == StepKind.RETAKE

    retake_failed = exam(2, starts=NOW - 2 * HOUR, attempt_id=6, attempt_submitted=True, passed=False, is_retake=True)
    step = next_exam_step(exams=[failed, retake_failed], certificates=[], now=NOW)
    assert step is not None and step.kind == StepKind.RETRAIN


def test_after_a_fail_then_a_passed_retake_and_the_certificate_the_first_exam_is_no_longer_named():
    # given: the first theory failed, the retake passed, the practical passed, the certificate issued today
    failed = exam(1, starts=NOW - 5 * HOUR, attempt_id=5, attempt_submitted=True, passed=False)
    retake = exam(2, starts=NOW - 3 * HOUR, attempt_id=6, attempt_submitted=True, passed=True, is_retake=True)
    practical = exam(3, starts=NOW - 3 * HOUR, theory=False, passed=True)
    certificate = CertificateFacts(operation_type_id=1, issued_on=NOW.date())

    step = next_exam_step(exams=[failed, retake, practical], certificates=[certificate], now=NOW)

    assert step is not None and step.kind == StepKind.CERTIFICATE and step.exam is None


def test_a_registered_retake_counts_down_instead_of_repeating_the_fail():
    failed = exam(1, starts=NOW - 30 * HOUR, attempt_id=5, attempt_submitted=True, passed=False)
    retake = exam(2, starts=NOW + 20 * HOUR, is_retake=True)
    step = next_exam_step(exams=[failed, retake], certificates=[], now=NOW)
    assert step is not None and (step.kind, step.exam.registration_id) == (StepKind.COUNTDOWN, 2)


def test_pending_registrations_and_nothing_at_all_give_no_exam_step():
    assert next_exam_step(exams=[exam(1, starts=NOW - HOUR, approved=False)], certificates=[], now=NOW) is None
    assert next_exam_step(exams=[], certificates=[], now=NOW) is None


def test_on_a_day_with_both_parts_open_the_theory_start_comes_first():
    practical, theory = exam(2, starts=NOW - HOUR, theory=False), exam(1, starts=NOW - HOUR)
    step = next_exam_step(exams=[practical, theory], certificates=[], now=NOW)
    assert step is not None and (step.kind, step.exam.registration_id) == (StepKind.START, 1)
