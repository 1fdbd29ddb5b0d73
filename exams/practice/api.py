"""Practice endpoints of the JSON API (/api/v1/practice/…) for phone apps and mini-programs.

The same rules as the practice pages (exams/practice/services.py): the next question of a mode,
an answer checked at once with the key and explanation, progress per operation type.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from exams.catalogue.models import OperationType

from .services import (
    FORMAL_EXAM_OPEN,
    MODES,
    PracticeError,
    has_open_formal_attempt,
    next_question,
    practice_progress,
    practice_question,
    practice_questions,
    record_practice_answer,
)

router = Router(tags=["practice"])


class ErrorOut(Schema):
    detail: str


class PracticeOptionOut(Schema):
    key: str
    text: str


class PracticeQuestionOut(Schema):
    id: int
    kind: str
    stem: str
    knowledge_point: str
    options: list[PracticeOptionOut]


class PracticeAnswerIn(Schema):
    answer: list[str] = Field(description='Option keys, e.g. ["B"] or ["T"].')
    mode: str = Field("random", description="sequential | random | point | wrong")


class PracticeResultOut(Schema):
    correct: bool
    key: list[str] = Field(description="The right answer, shown once the learner has answered.")
    explanation: str
    in_wrong_book: bool
    streak: int = Field(description="Right answers in a row; two take a question out of the wrong-answer book.")


class PointOut(Schema):
    knowledge_point: str
    questions: int
    answered: int


class ProgressOut(Schema):
    operation_type: str
    questions: int
    answered: int
    accuracy: int | None = Field(description="Percent of right answers, None before the first answer.")
    wrong_book: int
    points: list[PointOut]


class NextQuery(Schema):
    mode: str = "sequential"
    kp: str = ""


def _operation_type(code: str) -> OperationType:
    return get_object_or_404(OperationType, code=code, is_active=True)


def _refuse_during_formal_exam(request: HttpRequest) -> None:
    if has_open_formal_attempt(request.auth):
        raise HttpError(409, str(FORMAL_EXAM_OPEN))


@router.get("/practice/{code}/progress", response={200: ProgressOut, 401: ErrorOut, 404: ErrorOut})
def get_progress(request: HttpRequest, code: str):
    """The caller's practice of one operation type: totals, wrong-answer book, knowledge points."""
    progress = practice_progress(request.auth, _operation_type(code))
    return {
        "operation_type": progress.operation_type.code,
        "questions": progress.questions,
        "answered": progress.answered,
        "accuracy": progress.accuracy,
        "wrong_book": progress.wrong_book,
        "points": [
            {"knowledge_point": p.knowledge_point, "questions": p.questions, "answered": p.answered}
            for p in progress.points
        ],
    }


@router.get(
    "/practice/{code}/next",
    response={200: PracticeQuestionOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def get_next(request: HttpRequest, code: str, query: Query[NextQuery]):
    """The next question of a mode (no key); 404 when there is none, e.g. an empty wrong-answer book;
    409 while the caller has a formal exam open."""
    _refuse_during_formal_exam(request)
    if query.mode not in MODES:
        raise HttpError(422, _("未知的练习方式。"))
    row = next_question(request.auth, _operation_type(code), mode=query.mode, knowledge_point=query.kp)
    if row is None:
        raise HttpError(404, _("暂时没有可以练习的题目。"))
    shown = practice_question(row)
    return {
        "id": shown.id,
        "kind": shown.kind,
        "stem": shown.stem,
        "knowledge_point": row.knowledge_point,
        "options": [{"key": o.key, "text": o.text} for o in shown.options],
    }


@router.post(
    "/practice/{code}/answers/{question_id}",
    response={200: PracticeResultOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def post_answer(request: HttpRequest, code: str, question_id: int, payload: PracticeAnswerIn):
    """Check one practice answer: right or wrong at once, with the key and explanation (409 while
    the caller has a formal exam open; 404 for a question of a bank a live session draws from)."""
    operation_type = _operation_type(code)
    _refuse_during_formal_exam(request)
    row = practice_questions(operation_type).filter(pk=question_id).first()
    if row is None:
        raise HttpError(404, _("该题不在本操作项目的练习题中。"))
    try:
        correct, record = record_practice_answer(
            learner=request.auth,
            operation_type=operation_type,
            question=row,
            answer=payload.answer,
            advance_sequential=payload.mode == "sequential",
        )
    except PracticeError as exc:
        raise HttpError(422, str(exc)) from exc
    return {
        "correct": correct,
        "key": list(row.answer),
        "explanation": row.explanation,
        "in_wrong_book": record.in_wrong_book,
        "streak": record.streak,
    }
