"""Practice on the phone (练习): sequential, random, by knowledge point, the wrong-answer
book and timed mock exams by the real blueprint.

Practice never touches formal attempts; it only asks whether the learner has one open
(then practice and mock exams wait until it is submitted: a candidate must not look up
the key of a question on their live paper). Questions come from the banks the real exam
draws from (the blueprints' banks for the operation type) and the national and
provincial banks, active questions only, and never from a bank that an open or upcoming
session draws its papers from, unless that bank is public for practice. The wrong-answer rule is pure
(``wrong_book_step``); the services below change state; the selectors read with a
fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.bank.models import Question, QuestionBank
from exams.catalogue.models import OperationType
from exams.papers.drawing import draw_questions, draw_rules, paper_rng, paper_snapshot
from exams.papers.models import Blueprint
from exams.papers.scoring import (
    InvalidAnswer,
    Option,
    PaperQuestion,
    ScoringError,
    is_correct,
    options_for,
    score_paper,
    validate_answer,
)

from .models import MockExam, PracticePosition, PracticeRecord

if TYPE_CHECKING:
    from accounts.models import User

#: Right answers in a row that take a question out of the wrong-answer book.
WRONG_BOOK_EXIT_STREAK = 2

MODES = ("sequential", "random", "point", "wrong")


class PracticeError(ScoringError):
    """A practice request that cannot be served; the message is shown to the learner."""


# --- The pure rule ----------------------------------------------------------------------


@dataclass(frozen=True)
class WrongBookState:
    in_wrong_book: bool
    streak: int


def wrong_book_step(state: WrongBookState, *, correct: bool) -> WrongBookState:
    """A wrong answer puts the question in the book and resets the streak; it leaves the
    book after WRONG_BOOK_EXIT_STREAK right answers in a row."""
    if not correct:
        return WrongBookState(in_wrong_book=True, streak=0)
    streak = state.streak + 1
    in_book = state.in_wrong_book and streak < WRONG_BOOK_EXIT_STREAK
    return WrongBookState(in_wrong_book=in_book, streak=streak)


# --- Selectors --------------------------------------------------------------------------


FORMAL_EXAM_OPEN = gettext_lazy("你有一场正式考试尚未交卷：交卷后才能继续练习和模拟考试。")


def has_open_formal_attempt(learner: User, *, now: dt.datetime | None = None) -> bool:
    """Whether the learner sits a formal theory exam right now (read through the user's
    relation: practice imports nothing of the formal rooms)."""
    now = now or timezone.now()
    return (
        get_user_model()
        .objects.filter(pk=learner.pk, attempts__submitted_at__isnull=True, attempts__deadline__gt=now)
        .exists()
    )


def ensure_practice_allowed(learner: User, *, now: dt.datetime | None = None) -> None:
    """PracticeError while the learner has an open formal attempt."""
    if has_open_formal_attempt(learner, now=now):
        raise PracticeError(str(FORMAL_EXAM_OPEN))


def live_banks(*, now: dt.datetime | None = None) -> QuerySet[Blueprint]:
    """Bank ids that an open or upcoming session draws its papers from (a subquery)."""
    now = now or timezone.now()
    return Blueprint.objects.filter(sessions__ends_at__gt=now).values("bank_id")


def practice_banks_filter(*, now: dt.datetime | None = None) -> Q:
    """Banks practice may serve: not in use by a live session, or public for practice."""
    return ~Q(bank_id__in=live_banks(now=now)) | Q(bank__public_for_practice=True)


def practice_questions(operation_type: OperationType, *, now: dt.datetime | None = None) -> QuerySet[Question]:
    """Active questions of the operation type in the banks a learner may practise from."""
    blueprint_banks = Blueprint.objects.filter(operation_type=operation_type).values("bank_id")
    return Question.objects.filter(
        Q(bank__level__in=[QuestionBank.Level.NATIONAL, QuestionBank.Level.PROVINCIAL])
        | Q(bank_id__in=blueprint_banks),
        practice_banks_filter(now=now),
        is_active=True,
        operation_types=operation_type,
    )


def operation_types_for(learner: User) -> QuerySet[OperationType]:
    """The operation types the learner trains or is registered for."""
    return (
        OperationType.objects.filter(Q(registrations__candidate=learner) | Q(courses__enrolments__learner=learner))
        .distinct()
        .order_by("code")
    )


@dataclass(frozen=True)
class PointProgress:
    knowledge_point: str
    questions: int
    answered: int
    correct: int


@dataclass(frozen=True)
class Progress:
    """One learner's practice of one operation type."""

    operation_type: OperationType
    questions: int
    answered: int
    answered_right: int
    attempts: int
    correct_attempts: int
    wrong_book: int
    points: list[PointProgress]
    mocks: list[MockExam]

    @property
    def percent_done(self) -> int:
        return round(100 * self.answered / self.questions) if self.questions else 0

    @property
    def accuracy(self) -> int | None:
        return round(100 * self.correct_attempts / self.attempts) if self.attempts else None


def practice_progress(learner: User, operation_type: OperationType) -> Progress:
    """Totals, the wrong-answer book and each knowledge point's progress: 4 queries."""
    per_point = {
        row["knowledge_point"]: row["n"]
        for row in practice_questions(operation_type).values("knowledge_point").annotate(n=Count("pk"))
    }
    records = PracticeRecord.objects.filter(learner=learner, operation_type=operation_type)
    by_point = {
        row["question__knowledge_point"]: row
        for row in records.values("question__knowledge_point").annotate(
            n_answered=Count("pk"), n_right=Count("pk", filter=Q(streak__gte=1))
        )
    }
    totals = records.aggregate(
        n_questions=Count("pk"),
        n_right=Count("pk", filter=Q(streak__gte=1)),
        n_attempts=Sum("answered"),
        n_correct=Sum("correct"),
        n_wrong=Count("pk", filter=Q(in_wrong_book=True)),
    )
    points = [
        PointProgress(
            knowledge_point=point,
            questions=count,
            answered=by_point.get(point, {}).get("n_answered", 0),
            correct=by_point.get(point, {}).get("n_right", 0),
        )
        for point, count in sorted(per_point.items())
    ]
    mocks = list(
        MockExam.objects.filter(learner=learner, operation_type=operation_type)
        .defer("paper", "answers")
        .order_by("-started_at")[:5]
    )
    return Progress(
        operation_type=operation_type,
        questions=sum(per_point.values()),
        answered=totals["n_questions"] or 0,
        answered_right=totals["n_right"] or 0,
        attempts=totals["n_attempts"] or 0,
        correct_attempts=totals["n_correct"] or 0,
        wrong_book=totals["n_wrong"] or 0,
        points=points,
        mocks=mocks,
    )


def next_question(
    learner: User,
    operation_type: OperationType,
    *,
    mode: str,
    knowledge_point: str = "",
    rng: random.Random | None = None,
) -> Question | None:
    """The question to practise next in a mode; None when there is none (e.g. an empty book)."""
    ensure_practice_allowed(learner)
    rng = rng or random.SystemRandom()
    pool = practice_questions(operation_type)
    if mode == "sequential":
        position = (
            PracticePosition.objects.filter(learner=learner, operation_type=operation_type)
            .values_list("last_question_id", flat=True)
            .first()
            or 0
        )
        return pool.filter(pk__gt=position).order_by("pk").first() or pool.order_by("pk").first()
    if mode == "wrong":
        record = (
            PracticeRecord.objects.filter(learner=learner, operation_type=operation_type, in_wrong_book=True)
            .filter(question__in=pool)
            .select_related("question")
            .order_by("last_answered_at", "pk")
            .first()
        )
        return record.question if record else None
    if mode == "point":
        pool = pool.filter(knowledge_point=knowledge_point)
        mastered = PracticeRecord.objects.filter(learner=learner, operation_type=operation_type, streak__gte=1)
        fresh = pool.exclude(pk__in=mastered.values("question_id"))
        if fresh.exists():
            pool = fresh
    elif mode != "random":
        raise PracticeError(_("未知的练习方式。"))
    ids = list(pool.values_list("pk", flat=True))
    if not ids:
        return None
    return Question.objects.get(pk=rng.choice(ids))


def practice_counter(
    learner: User, operation_type: OperationType, *, mode: str, question_id: int, knowledge_point: str = ""
) -> tuple[int, int]:
    """(n, N) for "第 n / N 题": the question's place in the bank in sequential order; in the
    wrong-answer book, the first of those left; otherwise how many of the pool are practised."""
    pool = practice_questions(operation_type)
    if mode == "point":
        pool = pool.filter(knowledge_point=knowledge_point)
    records = PracticeRecord.objects.filter(learner=learner, operation_type=operation_type, question__in=pool)
    if mode == "sequential":
        return pool.filter(pk__lte=question_id).count(), pool.count()
    if mode == "wrong":
        return 1, records.filter(in_wrong_book=True).count()
    practised = records.exclude(question_id=question_id).count()
    total = pool.count()
    return min(practised + 1, total), total


def practice_question(question: Question) -> PaperQuestion:
    """The question as practice shows it: the bank's own option order and key."""
    return PaperQuestion(
        id=question.pk,
        kind=question.kind,
        stem=question.stem,
        options=options_for(question.kind, (Option(key=o["key"], text=o["text"]) for o in question.options or [])),
        answer=tuple(question.answer),
        points=Decimal(1),
    )


# --- Services ---------------------------------------------------------------------------


def record_practice_answer(
    *,
    learner: User,
    operation_type: OperationType,
    question: Question,
    answer: list[str],
    advance_sequential: bool = False,
    now: dt.datetime | None = None,
) -> tuple[bool, PracticeRecord]:
    """Record one practice answer; returns (correct, record). Moves the wrong-answer book.

    An empty or invalid answer raises PracticeError and records nothing.
    """
    now = now or timezone.now()
    ensure_practice_allowed(learner, now=now)
    shown = practice_question(question)
    try:
        keys = validate_answer(shown, answer)
    except InvalidAnswer as exc:
        raise PracticeError(str(exc)) from exc
    if not keys:
        raise PracticeError(_("请先选择答案。"))
    if not practice_questions(operation_type).filter(pk=question.pk).exists():
        raise PracticeError(_("该题不在本操作项目的练习题中。"))
    correct = is_correct(shown, keys)
    with transaction.atomic():
        record, _created = PracticeRecord.objects.select_for_update().get_or_create(
            learner=learner,
            operation_type=operation_type,
            question=question,
            defaults={"last_answered_at": now},
        )
        _apply(record, keys, correct, now)
        if advance_sequential:
            PracticePosition.objects.update_or_create(
                learner=learner, operation_type=operation_type, defaults={"last_question_id": question.pk}
            )
    return correct, record


def _apply(record: PracticeRecord, keys: tuple[str, ...], correct: bool, now: dt.datetime) -> None:
    """Call while holding SELECT FOR UPDATE on the record."""
    state = wrong_book_step(WrongBookState(record.in_wrong_book, record.streak), correct=correct)
    record.answered += 1
    record.correct += int(correct)
    record.streak = state.streak
    record.in_wrong_book = state.in_wrong_book
    record.last_answer = list(keys)
    record.last_answered_at = now
    record.save(update_fields=["answered", "correct", "streak", "in_wrong_book", "last_answer", "last_answered_at"])


def mock_blueprint(learner: User, operation_type: OperationType, *, now: dt.datetime | None = None) -> Blueprint | None:
    """The blueprint of the learner's own theory session for the type, else the newest one.

    Only blueprints whose bank practice may serve: a mock exam shows its key once handed in.
    """
    blueprints = Blueprint.objects.filter(practice_banks_filter(now=now), operation_type=operation_type)
    own = (
        blueprints.filter(
            sessions__registrations__candidate=learner,
            sessions__registrations__operation_type=operation_type,
        )
        .order_by("-sessions__starts_at")
        .first()
    )
    if own is not None:
        return own
    return blueprints.order_by("-pk").first()


def start_mock_exam(
    *, learner: User, operation_type: OperationType, now: dt.datetime | None = None, rng: random.Random | None = None
) -> MockExam:
    """A timed mock exam drawn by the real blueprint (its time limit and pass mark).

    An unfinished mock of the same type still within its time is resumed instead.
    """
    now = now or timezone.now()
    ensure_practice_allowed(learner, now=now)
    open_mock = MockExam.objects.filter(
        learner=learner, operation_type=operation_type, submitted_at__isnull=True, deadline__gt=now
    ).first()
    if open_mock is not None:
        return open_mock
    blueprint = mock_blueprint(learner, operation_type, now=now)
    if blueprint is None:
        raise PracticeError(_("该操作项目还没有可用于模拟考试的组卷规则（正式考试所用的题库暂不公开）。"))
    rules = draw_rules(blueprint.rules.order_by("pk"))
    if not rules:
        raise PracticeError(_("组卷规则没有明细，无法组卷。"))
    questions = draw_questions(
        bank_id=blueprint.bank_id, operation_type_id=operation_type.pk, rules=rules, rng=rng or paper_rng()
    )
    return MockExam.objects.create(
        learner=learner,
        operation_type=operation_type,
        blueprint=blueprint,
        started_at=now,
        deadline=now + dt.timedelta(minutes=blueprint.time_limit_minutes),
        paper=paper_snapshot(blueprint, questions),
    )


def save_mock_answers(*, mock: MockExam, answers: dict[int, list[str]]) -> None:
    """Keep what the learner has answered so far (invalid choices are dropped)."""
    with transaction.atomic():
        locked = MockExam.objects.select_for_update().get(pk=mock.pk)
        if locked.submitted_at is not None:
            return
        locked.answers = _clean_mock_answers(locked, answers)
        locked.save(update_fields=["answers"])
        mock.answers = locked.answers


def _clean_mock_answers(mock: MockExam, answers: dict[int, list[str]]) -> dict[str, list[str]]:
    cleaned: dict[str, list[str]] = {}
    for data in mock.paper["questions"]:
        question = PaperQuestion.from_snapshot(data)
        try:
            keys = validate_answer(question, answers.get(question.id, []))
        except InvalidAnswer:
            continue
        if keys:
            cleaned[str(question.id)] = list(keys)
    return cleaned


def submit_mock_exam(
    *, mock: MockExam, answers: dict[int, list[str]] | None = None, now: dt.datetime | None = None
) -> MockExam:
    """Score the mock exam (idempotent) and feed each answered question to the wrong-answer book.

    After the deadline only what was saved before it counts.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = MockExam.objects.select_for_update().get(pk=mock.pk)
        if locked.submitted_at is not None:
            return locked
        if answers is not None and now < locked.deadline:
            locked.answers = _clean_mock_answers(locked, answers)
        questions = [PaperQuestion.from_snapshot(data) for data in locked.paper["questions"]]
        given = {int(qid): keys for qid, keys in locked.answers.items()}
        result = score_paper(questions, given, pass_mark=locked.paper["pass_mark"])
        locked.submitted_at = min(now, locked.deadline)
        locked.score = result.score
        locked.passed = result.passed
        locked.save(update_fields=["answers", "submitted_at", "score", "passed"])
        by_id = {question.id: question for question in questions}
        existing = {
            record.question_id: record
            for record in PracticeRecord.objects.select_for_update().filter(
                learner_id=locked.learner_id, operation_type_id=locked.operation_type_id, question_id__in=list(given)
            )
        }
        live = set(Question.objects.filter(pk__in=list(given)).values_list("pk", flat=True))
        for question_id, keys in given.items():
            if question_id not in live:
                continue
            record = existing.get(question_id) or PracticeRecord(
                learner_id=locked.learner_id,
                operation_type_id=locked.operation_type_id,
                question_id=question_id,
                last_answered_at=now,
            )
            if record.pk is None:
                record.save()
            _apply(record, tuple(keys), is_correct(by_id[question_id], keys), now)
    return locked
