"""Exam endpoints of the JSON API (/api/v1/): registrations and the theory attempt.

The caller is ``request.auth`` (session cookie or X-Session-Token). Another user's
attempt or registration is a 404, never a 403. Answer keys never leave the server.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from . import selectors
from .models import Attempt, Registration
from .services import (
    AnswerRejected,
    AttemptClosed,
    AttemptNotAllowed,
    ExamError,
    save_answer,
    start_attempt,
    submit_attempt,
)

router = Router(tags=["exams"])


class ErrorOut(Schema):
    detail: str


class OperationTypeOut(Schema):
    code: str
    name: str


class SessionOut(Schema):
    id: int
    name: str
    kind: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    site: str


class RegistrationOut(Schema):
    id: int
    status: str
    session: SessionOut
    operation_type: OperationTypeOut
    attempt_id: int | None
    score: float | None
    passed: bool | None
    #: The admission ticket's code once approved (shown as text and QR at check-in).
    ticket_code: str | None = None
    checked_in_at: dt.datetime | None = None


class OptionOut(Schema):
    key: str
    text: str


class QuestionOut(Schema):
    id: int
    kind: str
    stem: str
    points: float
    options: list[OptionOut]
    #: The candidate's saved answer (never the key).
    answer: list[str]


class AttemptOut(Schema):
    id: int
    deadline: dt.datetime
    submitted_at: dt.datetime | None
    questions: list[QuestionOut]


class AnswerIn(Schema):
    answer: list[str]


class SavedOut(Schema):
    saved_at: dt.datetime


class SubmitOut(Schema):
    score: float
    passed: bool


def _message(exc: ExamError) -> str:
    return " ".join(exc.messages)


def _registration_out(registration: Registration) -> dict:
    session = registration.session
    attempt = getattr(registration, "attempt", None)
    if session.kind == "practical":
        result = getattr(registration, "practical_result", None)
        score = float(result.total) if result else None
        passed = result.passed if result else None
    else:
        score = float(attempt.score) if attempt and attempt.score is not None else None
        passed = attempt.passed if attempt else None
    return {
        "id": registration.pk,
        "status": registration.status,
        "session": {
            "id": session.pk,
            "name": session.name,
            "kind": session.kind,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
            "site": session.site.name,
        },
        "operation_type": {"code": registration.operation_type.code, "name": registration.operation_type.name},
        "attempt_id": attempt.pk if attempt else None,
        "score": score,
        "passed": passed,
        "ticket_code": registration.ticket_code,
        "checked_in_at": registration.checked_in_at,
    }


def attempt_payload(attempt: Attempt, answers: dict[int, list[str]]) -> dict:
    """The attempt as the candidate sees it: options and saved answers, no key."""
    return {
        "id": attempt.pk,
        "deadline": attempt.deadline,
        "submitted_at": attempt.submitted_at,
        "questions": [
            {
                "id": q["id"],
                "kind": q["kind"],
                "stem": q["stem"],
                "points": float(q["points"]),
                "options": [{"key": o["key"], "text": o["text"]} for o in q["options"]],
                "answer": answers.get(q["id"], []),
            }
            for q in attempt.paper["questions"]
        ],
    }


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    try:
        return selectors.attempt_for(request.auth, attempt_id)
    except Attempt.DoesNotExist as exc:
        raise HttpError(404, _("答卷不存在。")) from exc


@router.get("/registrations", response=list[RegistrationOut], url_name="exams_registrations")
def list_registrations(request: HttpRequest):
    return [_registration_out(registration) for registration in selectors.registrations_for(request.auth)]


@router.post(
    "/registrations/{registration_id}/attempts",
    response={200: AttemptOut, 404: ErrorOut, 409: ErrorOut},
    url_name="exams_start_attempt",
)
def start_or_resume_attempt(request: HttpRequest, registration_id: int):
    try:
        registration = selectors.registration_for(request.auth, registration_id)
    except Registration.DoesNotExist as exc:
        raise HttpError(404, _("报名不存在。")) from exc
    try:
        attempt = start_attempt(registration=registration)
    except (AttemptClosed, AttemptNotAllowed) as exc:
        raise HttpError(409, _message(exc)) from exc
    return attempt_payload(attempt, selectors.saved_answers(attempt))


@router.put(
    "/attempts/{attempt_id}/answers/{question_id}",
    response={200: SavedOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    url_name="exams_save_answer",
)
def put_answer(request: HttpRequest, attempt_id: int, question_id: int, payload: AnswerIn):
    attempt = _own_attempt(request, attempt_id)
    try:
        saved = save_answer(attempt=attempt, question_id=question_id, answer=payload.answer)
    except AttemptClosed as exc:
        raise HttpError(409, _message(exc)) from exc
    except AnswerRejected as exc:
        raise HttpError(422, _message(exc)) from exc
    return {"saved_at": saved.saved_at}


@router.post("/attempts/{attempt_id}/submit", response={200: SubmitOut, 404: ErrorOut}, url_name="exams_submit_attempt")
def post_submit(request: HttpRequest, attempt_id: int):
    attempt = submit_attempt(attempt=_own_attempt(request, attempt_id))
    return {"score": float(attempt.score), "passed": attempt.passed}
