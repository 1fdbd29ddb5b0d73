"""The one exam step the learner's home puts first, from the real state of their registrations.

Pure rules over plain facts (no database): the dashboard selector gathers the facts.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

#: How long a new certificate stays the home's next step.
NEW_CERTIFICATE_DAYS = 30


class StepKind(enum.StrEnum):
    RESUME = "resume"  # a theory attempt is running: 继续考试
    START = "start"  # the theory window is open: 开始考试
    PRACTICAL_TODAY = "practical_today"  # the practical session is on: go to the site with the ticket
    COUNTDOWN = "countdown"  # the next session has not started yet
    WAITING = "waiting"  # sat, the result is not in yet (practical being scored)
    PASSED = "passed"  # sat and passed, the other part or the certificate follows
    RETAKE = "retake"  # failed: one retake may be registered
    RETRAIN = "retrain"  # the retake failed too: train again before registering
    CERTIFICATE = "certificate"  # a certificate was issued lately


@dataclass(frozen=True)
class ExamFacts:
    registration_id: int
    operation_type_id: int | None
    theory: bool
    approved: bool
    starts_at: dt.datetime
    ends_at: dt.datetime
    is_retake: bool = False
    #: The theory attempt: None before one starts.
    attempt_id: int | None = None
    attempt_deadline: dt.datetime | None = None
    attempt_submitted: bool = False
    #: The part's outcome once known (theory attempt or practical result).
    passed: bool | None = None
    score: str = ""


@dataclass(frozen=True)
class CertificateFacts:
    operation_type_id: int | None
    issued_on: dt.date


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    exam: ExamFacts | None = None
    certificate: CertificateFacts | None = None
    seconds_to_start: int = 0


def _sat(exam: ExamFacts, now: dt.datetime) -> bool:
    if exam.theory:
        return exam.attempt_submitted or (exam.attempt_deadline is not None and exam.attempt_deadline <= now)
    return exam.passed is not None or exam.ends_at <= now


def next_exam_step(
    *, exams: list[ExamFacts], certificates: list[CertificateFacts], now: dt.datetime
) -> NextStep | None:
    """The running exam first, then an open window, then the latest outcome of each operation
    type not yet crowned by a certificate, then the countdown to the soonest session."""
    today = now.date()
    certified = {c.operation_type_id: c.issued_on for c in certificates}

    def settled(exam: ExamFacts) -> bool:
        issued = certified.get(exam.operation_type_id)
        return issued is not None and issued >= exam.starts_at.date()

    live = [e for e in exams if e.approved and not settled(e)]
    for exam in live:
        if exam.theory and exam.attempt_id and not exam.attempt_submitted and exam.attempt_deadline:
            if now < exam.attempt_deadline:
                return NextStep(kind=StepKind.RESUME, exam=exam)
    for exam in sorted(live, key=lambda e: (e.starts_at, not e.theory)):  # theory first on exam day
        if exam.starts_at <= now < exam.ends_at and not _sat(exam, now):
            kind = StepKind.START if exam.theory else StepKind.PRACTICAL_TODAY
            return NextStep(kind=kind, exam=exam)

    fresh = [c for c in certificates if (today - c.issued_on).days <= NEW_CERTIFICATE_DAYS]
    upcoming = sorted((e for e in live if e.starts_at > now), key=lambda e: e.starts_at)
    sat = sorted((e for e in live if _sat(e, now)), key=lambda e: e.starts_at, reverse=True)
    latest_by_type: dict[int, ExamFacts] = {}
    for exam in sat:
        latest_by_type.setdefault(exam.operation_type_id, exam)
    waiting_types = {e.operation_type_id for e in upcoming}
    for exam in latest_by_type.values():
        if exam.passed is False and exam.operation_type_id not in waiting_types:
            return NextStep(kind=StepKind.RETRAIN if exam.is_retake else StepKind.RETAKE, exam=exam)
    if upcoming:
        first = upcoming[0]
        seconds = int((first.starts_at - now).total_seconds())
        return NextStep(kind=StepKind.COUNTDOWN, exam=first, seconds_to_start=seconds)
    if fresh:
        return NextStep(kind=StepKind.CERTIFICATE, certificate=max(fresh, key=lambda c: c.issued_on))
    for exam in latest_by_type.values():
        return NextStep(kind=StepKind.WAITING if exam.passed is None else StepKind.PASSED, exam=exam)
    return None


def countdown_parts(seconds: int) -> tuple[int, int, int]:
    """(days, hours, minutes) until a start, never negative."""
    seconds = max(seconds, 0)
    return seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
