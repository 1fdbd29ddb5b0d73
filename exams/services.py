"""Every change of exam state goes through here.

Services take keyword arguments, run in one transaction, lock rows in a fixed order
(exam session → registration → attempt) and are safe to repeat: a second call returns
what the first one made. Locks taken with select_related name ``of=("self",)``:
PostgreSQL refuses FOR UPDATE on the nullable side of an outer join (a session's
blueprint or rubric). Errors are ValidationError subclasses whose messages are shown
to users as they are.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event

from .eligibility import PASS_VALID_MONTHS, months_before
from .models import (
    Attempt,
    AttemptAnswer,
    ExamKind,
    ExamSession,
    PracticalResult,
    Question,
    Registration,
)
from .permissions import can_score_at
from .registration import assess_candidate
from .scoring import (
    BankQuestion,
    DrawRule,
    InvalidAnswer,
    Option,
    PaperQuestion,
    PaperShortfall,
    ScoringError,
    draw_paper,
    score_paper,
    score_practical,
    validate_answer,
)

if TYPE_CHECKING:
    from accounts.models import Organisation, User

    from .models import OperationType

#: Registrations that hold a seat in a session.
SEAT_HOLDING = (Registration.Status.PENDING, Registration.Status.APPROVED)


class ExamError(ValidationError):
    """Base of the exam errors; the message names the rule that was broken."""


class EligibilityError(ExamError):
    """The candidate may not register for this session."""


class AttemptNotAllowed(ExamError):
    """The theory attempt cannot be started now (status, time window, another attempt)."""


class AttemptClosed(ExamError):
    """The attempt is submitted or past its deadline: nothing more can be saved."""


class AnswerRejected(ExamError):
    """The answer names a question or option that is not on the candidate's paper."""


class PracticalResultError(ExamError):
    """The practical result cannot be recorded as given."""


# --- Registration ---------------------------------------------------------------------


def register_candidate(
    *,
    session: ExamSession,
    candidate: User,
    operation_type: OperationType,
    registered_by: User | None,
    training_organisation: Organisation | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """Register a candidate for a session after checking eligibility and capacity.

    Every rule of exams/eligibility.py is checked and every failure explained at once.
    The session row is locked (SELECT FOR UPDATE) before seats are counted, so two
    registrations never take the last seat. Repeating it returns the registration made.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update(of=("self",)).select_related("rubric").get(pk=session.pk)
        existing = Registration.objects.filter(session=locked, candidate=candidate).first()
        if existing is not None:
            if existing.operation_type_id != operation_type.pk:
                raise EligibilityError(_("考生已报名本场次的其他操作项目。"), code="already_registered")
            return existing
        problems = session_problems(locked, operation_type, now=now)
        assessment = assess_candidate(session=locked, candidate=candidate, operation_type=operation_type)
        problems += assessment.problems
        if problems:
            raise EligibilityError(problems, code="ineligible")
        if seats_left(locked) < 1:
            raise EligibilityError(_("本场次名额已满。"), code="session_full")
        registration = Registration.objects.create(
            session=locked,
            candidate=candidate,
            operation_type=operation_type,
            training_organisation=training_organisation,
            registered_by=registered_by if registered_by is not None and registered_by.pk else None,
            is_retake=assessment.is_retake,
            retake_subjects=assessment.retake_subjects,
        )
        record_event(
            actor=registered_by,
            action="exams.registration.created",
            obj=registration,
            data={
                "session": locked.pk,
                "candidate": candidate.pk,
                "operation_type": operation_type.code,
                "retake": assessment.is_retake,
                "retake_subjects": assessment.retake_subjects,
                "training_organisation": training_organisation.pk if training_organisation else None,
            },
        )
    return registration


def session_problems(session: ExamSession, operation_type: OperationType, *, now: dt.datetime) -> list[str]:
    """Why the session cannot take this registration (closed, wrong operation type)."""
    problems: list[str] = []
    if now >= session.ends_at:
        problems.append(_("考试场次已结束，不能报名。"))
    if not session.operation_types.filter(pk=operation_type.pk).exists():
        problems.append(_("本场次不考“%(operation_type)s”。") % {"operation_type": operation_type.name})
    return problems


def seats_left(session: ExamSession) -> int:
    """Free seats; call while holding SELECT FOR UPDATE on the session for a decision."""
    taken = Registration.objects.filter(session=session, status__in=SEAT_HOLDING).count()
    return session.capacity - taken


# --- Theory attempts --------------------------------------------------------------------


def start_attempt(
    *, registration: Registration, now: dt.datetime | None = None, rng: random.Random | None = None
) -> Attempt:
    """Start the registration's theory attempt, or return the open one (resume).

    The paper is drawn by the session's blueprint and snapshotted, key and points
    included, so later edits to the bank never change this candidate's score.
    """
    now = now or timezone.now()
    closed: Attempt | None = None
    with transaction.atomic():
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__blueprint", "operation_type")
            .get(pk=registration.pk)
        )
        existing = Attempt.objects.select_for_update().filter(registration=reg).first()
        if existing is not None:
            if existing.submitted_at is None and now < existing.deadline:
                return existing
            if existing.submitted_at is None:
                _close_attempt(existing, now=now, auto=True)
            closed = existing
        else:
            attempt = _create_attempt(reg, now=now, rng=rng or random.SystemRandom())
    if closed is not None:
        raise AttemptClosed(_("本场考试已交卷。"), code="submitted")
    return attempt


def _create_attempt(reg: Registration, *, now: dt.datetime, rng: random.Random) -> Attempt:
    """Call while holding SELECT FOR UPDATE on the registration."""
    session = reg.session
    if session.kind != ExamKind.THEORY or session.blueprint is None:
        raise AttemptNotAllowed(_("这不是理论考试场次。"), code="not_theory")
    if reg.status != Registration.Status.APPROVED:
        raise AttemptNotAllowed(_("报名尚未审核通过，不能开始考试。"), code="not_approved")
    if now < session.starts_at:
        raise AttemptNotAllowed(_("考试尚未开始。"), code="not_started")
    if now >= session.ends_at:
        raise AttemptNotAllowed(_("考试已结束。"), code="session_over")
    blueprint = session.blueprint
    if blueprint.operation_type_id != reg.operation_type_id:
        raise AttemptNotAllowed(_("本场次没有该操作项目的试卷。"), code="no_paper")
    other = _other_open_attempt(reg)
    if other is not None:
        if now < other.deadline:
            raise AttemptNotAllowed(_ANOTHER_OPEN_ATTEMPT, code="another_open_attempt")
        _close_attempt(other, now=now, auto=True)

    rules = [
        DrawRule(kind=rule.kind, count=rule.count, points=rule.points, knowledge_point=rule.knowledge_point)
        for rule in blueprint.rules.order_by("pk")
    ]
    if not rules:
        raise AttemptNotAllowed(_("组卷规则没有明细，无法组卷。"), code="empty_blueprint")
    available: dict[str, list[BankQuestion]] = defaultdict(list)
    rows = Question.objects.filter(
        bank_id=blueprint.bank_id,
        is_active=True,
        operation_types=reg.operation_type_id,
        kind__in={rule.kind for rule in rules},
    ).only("pk", "kind", "stem", "options", "answer", "knowledge_point")
    for row in rows.order_by("pk"):
        available[row.kind].append(
            BankQuestion(
                id=row.pk,
                kind=row.kind,
                stem=row.stem,
                options=tuple(Option(key=o["key"], text=o["text"]) for o in row.options or []),
                answer=tuple(row.answer),
                knowledge_point=row.knowledge_point,
            )
        )
    try:
        questions = draw_paper(rules, available, rng)
    except PaperShortfall as exc:
        raise AttemptNotAllowed(str(exc), code="paper_shortfall") from exc
    paper = {
        "blueprint_id": blueprint.pk,
        "pass_mark": blueprint.pass_mark,
        "time_limit_minutes": blueprint.time_limit_minutes,
        "questions": [question.to_snapshot() for question in questions],
    }
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                registration=reg,
                candidate_id=reg.candidate_id,
                started_at=now,
                deadline=now + dt.timedelta(minutes=blueprint.time_limit_minutes),
                paper=paper,
            )
    except IntegrityError as exc:
        # Only a concurrent start elsewhere gets here: the constraint
        # one_open_attempt_per_candidate is the last word on "one attempt at a time".
        raise AttemptNotAllowed(_ANOTHER_OPEN_ATTEMPT, code="another_open_attempt") from exc
    record_event(
        actor=reg.candidate,
        action="exams.attempt.started",
        obj=attempt,
        data={"registration": reg.pk, "questions": len(questions), "deadline": attempt.deadline.isoformat()},
    )
    return attempt


_ANOTHER_OPEN_ATTEMPT = gettext_lazy("你还有另一场考试尚未交卷，请先完成并交卷后再开始本场考试。")


def _other_open_attempt(reg: Registration) -> Attempt | None:
    return (
        Attempt.objects.select_for_update()
        .filter(candidate_id=reg.candidate_id, submitted_at__isnull=True)
        .exclude(registration=reg)
        .first()
    )


def _paper_question(attempt: Attempt, question_id: int) -> PaperQuestion:
    for data in attempt.paper["questions"]:
        if int(data["id"]) == int(question_id):
            return PaperQuestion.from_snapshot(data)
    raise AnswerRejected(_("第 %(question)s 题不在本答卷中。") % {"question": question_id}, code="unknown_question")


def _open_attempt_or_close(attempt_pk: int, now: dt.datetime) -> tuple[Attempt, bool]:
    """Lock the attempt; if its deadline has passed, submit it. Returns (attempt, writable).

    Call inside a transaction.
    """
    locked = Attempt.objects.select_for_update().get(pk=attempt_pk)
    if locked.submitted_at is not None:
        return locked, False
    if now >= locked.deadline:
        _close_attempt(locked, now=now, auto=True)
        return locked, False
    return locked, True


def _closed_error(attempt: Attempt) -> AttemptClosed:
    if attempt.auto_submitted:
        return AttemptClosed(_("考试时间已到，答卷已自动交卷，不能再保存答案。"), code="deadline_passed")
    return AttemptClosed(_("答卷已交卷，不能再保存答案。"), code="submitted")


def save_answer(
    *, attempt: Attempt, question_id: int, answer: Iterable[str], now: dt.datetime | None = None
) -> AttemptAnswer:
    """Save one answer durably. After the deadline the attempt is submitted instead.

    An answer that reaches the server after the deadline is refused (AttemptClosed),
    and the attempt that was still open is submitted on that same request.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked, writable = _open_attempt_or_close(attempt.pk, now)
        if writable:
            question = _paper_question(locked, question_id)
            keys = _valid_keys(question, answer)
            saved, _created = AttemptAnswer.objects.update_or_create(
                attempt=locked, question_id=question.id, defaults={"answer": list(keys), "saved_at": now}
            )
            return saved
    raise _closed_error(locked)


def save_answers(*, attempt: Attempt, answers: Mapping[int, Iterable[str]], now: dt.datetime | None = None) -> int:
    """Save a whole form of answers at once (the page without JavaScript); all or nothing.

    Questions left blank are only written when they had an answer before (to clear it).
    Returns the number of answers written.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked, writable = _open_attempt_or_close(attempt.pk, now)
        if writable:
            cleaned = {}
            for question_id, answer in answers.items():
                question = _paper_question(locked, question_id)
                cleaned[question.id] = _valid_keys(question, answer)
            existing = {row.question_id: row for row in locked.answers.all()}
            written = 0
            for question_id, keys in cleaned.items():
                row = existing.get(question_id)
                if row is None and not keys:
                    continue
                if row is not None and tuple(row.answer) == keys:
                    continue
                AttemptAnswer.objects.update_or_create(
                    attempt=locked, question_id=question_id, defaults={"answer": list(keys), "saved_at": now}
                )
                written += 1
            return written
    raise _closed_error(locked)


def _valid_keys(question: PaperQuestion, answer: Iterable[str]) -> tuple[str, ...]:
    if isinstance(answer, str):
        raise AnswerRejected(_('答案应为选项列表，例如 ["B"]。'), code="invalid_answer")
    try:
        return validate_answer(question, answer)
    except InvalidAnswer as exc:
        raise AnswerRejected(str(exc), code="invalid_answer") from exc


def submit_attempt(*, attempt: Attempt, now: dt.datetime | None = None, auto: bool = False) -> Attempt:
    """Submit and score the attempt. Repeating it returns the same score."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.submitted_at is None:
            _close_attempt(locked, now=now, auto=auto)
    return locked


def submit_expired_attempts(*, now: dt.datetime | None = None) -> int:
    """Submit every open attempt whose deadline has passed; returns how many it submitted.

    Each attempt is submitted in its own transaction so that one bad paper does not
    hold back the others, and an attempt the candidate submitted meanwhile is skipped.
    """
    now = now or timezone.now()
    due = list(
        Attempt.objects.filter(submitted_at__isnull=True, deadline__lte=now)
        .order_by("deadline")
        .values_list("pk", flat=True)
    )
    submitted = 0
    for pk in due:
        with transaction.atomic():
            locked = Attempt.objects.select_for_update().filter(pk=pk, submitted_at__isnull=True).first()
            if locked is None:
                continue
            _close_attempt(locked, now=now, auto=True)
            submitted += 1
    return submitted


def _close_attempt(attempt: Attempt, *, now: dt.datetime, auto: bool) -> None:
    """Score and submit. Call while holding SELECT FOR UPDATE on the attempt.

    An attempt submitted at or after its deadline counts as submitted at the deadline,
    automatically: nothing given after the deadline was accepted.
    """
    answers = {row.question_id: row.answer for row in attempt.answers.all()}
    questions = [PaperQuestion.from_snapshot(data) for data in attempt.paper["questions"]]
    result = score_paper(questions, answers, pass_mark=attempt.paper["pass_mark"])
    late = now >= attempt.deadline
    attempt.submitted_at = min(now, attempt.deadline)
    attempt.auto_submitted = auto or late
    attempt.score = result.score
    attempt.passed = result.passed
    attempt.save(update_fields=["submitted_at", "auto_submitted", "score", "passed"])
    record_event(
        actor=None if attempt.auto_submitted else attempt.candidate,
        action="exams.attempt.submitted",
        obj=attempt,
        data={
            "score": str(result.score),
            "passed": result.passed,
            "correct": result.correct,
            "questions": result.questions,
            "auto": attempt.auto_submitted,
        },
    )


# --- Practical results ------------------------------------------------------------------


def passed_theory_attempt(*, candidate: User, operation_type: OperationType, now: dt.datetime) -> Attempt | None:
    """The latest theory pass for the operation type that is still valid (12 months)."""
    since = months_before(timezone.localtime(now), PASS_VALID_MONTHS)
    return (
        Attempt.objects.filter(
            candidate=candidate,
            registration__operation_type=operation_type,
            passed=True,
            submitted_at__gte=since,
            submitted_at__lte=now,
        )
        .order_by("-submitted_at", "-pk")
        .first()
    )


def record_practical_result(
    *,
    registration: Registration,
    examiner: User,
    subject_scores: Mapping[str, Decimal],
    veto: bool,
    veto_reason: str = "",
    detail: Mapping | None = None,
    now: dt.datetime | None = None,
) -> PracticalResult:
    """Record the final practical result, audited; on a pass, qualify the candidate.

    The result is final: a repeat by the same examiner returns the recorded one
    unchanged; another examiner is told who submitted it (a change is a correction,
    exams/practical.py). Only a checked-in candidate is scored. On a retake of a rubric
    that repeats only failed subjects, the other subjects are carried over from the
    failed result. When it passes and the theory part passed within 12 months, every
    hook in settings.KAOZHENG_ON_QUALIFIED runs in this same transaction (exams never
    imports the certificates app), so a failing hook leaves no result behind either.
    """
    now = now or timezone.now()
    veto_reason = (veto_reason or "").strip()
    with transaction.atomic():
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__rubric", "session__site", "session__authority", "candidate", "operation_type")
            .get(pk=registration.pk)
        )
        session = reg.session
        if not can_score_at(examiner, session.site):
            raise PermissionDenied(_("只有本考点的考评员可以录入实操成绩。"))
        existing = PracticalResult.objects.select_related("examiner").filter(registration=reg).first()
        if existing is not None:
            if existing.examiner_id == examiner.pk:
                return existing
            raise PracticalResultError(
                _("该考生的成绩已由考评员%(name)s于 %(time)s 提交，如需更改请申请更正。")
                % {
                    "name": existing.examiner.real_name or existing.examiner.username,
                    "time": timezone.localtime(existing.submitted_at).strftime("%H:%M"),
                },
                code="already_submitted",
            )
        if session.kind != ExamKind.PRACTICAL or session.rubric is None:
            raise PracticalResultError(_("这不是实操考试场次的报名。"), code="not_practical")
        if reg.status != Registration.Status.APPROVED:
            raise PracticalResultError(_("报名尚未审核通过，不能录入成绩。"), code="not_approved")
        if now < session.starts_at:
            raise PracticalResultError(_("考试尚未开始，不能录入成绩。"), code="not_started")
        if reg.checked_in_at is None:
            raise PracticalResultError(_("考生尚未签到，不能录入成绩。"), code="not_checked_in")
        rubric = session.rubric
        if veto and not veto_reason:
            raise PracticalResultError(_("触发否决项时须填写否决原因。"), code="veto_needs_reason")
        theory = passed_theory_attempt(candidate=reg.candidate, operation_type=reg.operation_type, now=now)
        if theory is None:
            raise PracticalResultError(
                _("考生在 %(months)s 个月内没有通过“%(operation_type)s”理论考试，不能录入实操成绩。")
                % {"months": PASS_VALID_MONTHS, "operation_type": reg.operation_type.name},
                code="no_theory_pass",
            )
        weights = {subject.code: subject.weight for subject in rubric.subjects.all()}
        given = dict(subject_scores)
        carried = _carried_subjects(reg, weights) if reg.retake_subjects else {}
        for code, value in carried.items():
            given.setdefault(code, value)
        try:
            score = score_practical(
                weights=weights,
                subject_scores=given,
                veto=veto,
                pass_mark=rubric.pass_mark,
                each_subject_must_pass=rubric.retake_failed_subject_only,
            )
        except ScoringError as exc:
            raise PracticalResultError(str(exc), code="invalid_scores") from exc
        result = PracticalResult.objects.create(
            registration=reg,
            examiner=examiner,
            rubric=rubric,
            subject_scores={code: str(value) for code, value in score.subject_scores.items()},
            veto=veto,
            veto_reason=veto_reason if veto else "",
            total=score.total,
            passed=score.passed,
            failed_subjects=list(score.failed_subjects),
            carried_subjects={code: str(value) for code, value in carried.items()},
            detail=dict(detail or {}),
            submitted_at=now,
        )
        record_event(
            actor=examiner,
            action="exams.practical_result.recorded",
            obj=result,
            data={
                "registration": reg.pk,
                "subject_scores": result.subject_scores,
                "carried_subjects": result.carried_subjects,
                "veto": veto,
                "veto_reason": result.veto_reason,
                "total": str(score.total),
                "passed": score.passed,
                "theory_attempt": theory.pk,
            },
        )
        if result.passed:
            qualify_candidate(registration=reg, theory=theory, result=result, actor=examiner)
    return result


def _carried_subjects(reg: Registration, weights: Mapping[str, int]) -> dict[str, Decimal]:
    """Subject scores a subject-only retake keeps from the candidate's failed result."""
    previous = (
        PracticalResult.objects.filter(
            registration__candidate_id=reg.candidate_id,
            registration__operation_type_id=reg.operation_type_id,
            passed=False,
        )
        .exclude(registration=reg)
        .order_by("-submitted_at")
        .first()
    )
    if previous is None:
        return {}
    return {
        code: Decimal(value)
        for code, value in previous.subject_scores.items()
        if code in weights and code not in reg.retake_subjects
    }


def qualify_candidate(*, registration: Registration, theory: Attempt, result: PracticalResult, actor: User) -> None:
    """Run every KAOZHENG_ON_QUALIFIED hook; call inside the transaction that passed the result."""
    for path in getattr(settings, "KAOZHENG_ON_QUALIFIED", []):
        import_string(path)(
            candidate=registration.candidate,
            operation_type=registration.operation_type,
            authority=registration.session.authority,
            theory_attempt=theory,
            practical_result=result,
            actor=actor,
        )
