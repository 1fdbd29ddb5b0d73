"""Exam endpoints of the JSON API (/api/v1/): registrations and the theory attempt.

The caller is ``request.auth`` (session cookie or X-Session-Token). Another user's
attempt or registration is a 404, never a 403. Answer keys never leave the server.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from exams.admission.models import ExamSession, Registration
from exams.errors import AnswerRejected, AttemptClosed, AttemptNotAllowed, ExamError, InvigilationError
from exams.papers.drawing import candidate_questions_json

from . import selectors
from .models import Attempt
from .save_tokens import save_token
from .services import close_attempt, extend_attempt, save_answer, start_attempt, submit_attempt

router = Router(tags=["exams"])


class ErrorOut(Schema):
    """Every error: a message in the user's language."""

    detail: str


class ValidationErrorOut(Schema):
    """A body that does not parse (a list of field errors) or an answer that is not valid (a message)."""

    detail: str | list[dict[str, Any]]


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
    id: int = Field(description="A number of this attempt only (not the bank's): save answers under it.")
    kind: str = Field(description="single | multiple | true_false")
    stem: str
    points: float
    options: list[OptionOut] = Field(description="Shuffled and relabelled A, B, C…; T/F for true/false.")
    #: The candidate's saved answer (never the key).
    answer: list[str] = Field(description="The candidate's saved answer (never the key); [] when unanswered.")
    image_url: str | None = Field(None, description="A picture that belongs to the stem, if any.")


class AttemptOut(Schema):
    id: int
    registration_id: int
    deadline: dt.datetime
    server_time: dt.datetime = Field(description="The server's clock: count down from deadline - server_time.")
    remaining_seconds: int = Field(description="Seconds left by the server's clock; 0 once submitted.")
    submitted_at: dt.datetime | None
    score: float | None
    passed: bool | None
    save_token: str = Field(
        description="Send as the X-Attempt-Token header when saving answers: the lean path of exam day."
    )
    questions: list[QuestionOut]


class AnswerIn(Schema):
    answer: list[str] = Field(description='Option keys, e.g. ["B"], ["A", "C"], ["T"]; [] clears the answer.')


class SavedOut(Schema):
    saved_at: dt.datetime
    remaining_seconds: int


class SubmitOut(Schema):
    score: float
    passed: bool
    submitted_at: dt.datetime
    auto_submitted: bool


class ClockOut(Schema):
    deadline: dt.datetime
    server_time: dt.datetime
    remaining_seconds: int
    submitted: bool


class InvigilatedAttemptOut(Schema):
    registration_id: int
    candidate: str
    operation_type: str
    attempt_id: int | None
    status: str = Field(description="not_started | in_progress | submitted")
    answered: int
    questions: int
    deadline: dt.datetime | None
    remaining_seconds: int | None
    extra_minutes: int
    score: float | None
    passed: bool | None


class ExtendIn(Schema):
    minutes: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=500)


class CloseIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


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


def _remaining(attempt: Attempt, now: dt.datetime) -> int:
    if attempt.submitted_at is not None:
        return 0
    return max(0, math.floor((attempt.deadline - now).total_seconds()))


def _attempt_head(attempt: Attempt) -> dict:
    now = timezone.now()
    return {
        "id": attempt.pk,
        "registration_id": attempt.registration_id,
        "deadline": attempt.deadline,
        "server_time": now,
        "remaining_seconds": _remaining(attempt, now),
        "submitted_at": attempt.submitted_at,
        "score": float(attempt.score) if attempt.score is not None else None,
        "passed": attempt.passed,
        "save_token": save_token(attempt),
    }


def attempt_payload(attempt: Attempt, answers: dict[int, list[str]]) -> dict:
    """The attempt as the candidate sees it: options and saved answers, no key."""
    return _attempt_head(attempt) | {"questions": json.loads(candidate_questions_json(attempt.paper, answers))}


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    try:
        return selectors.attempt_for(request.auth, attempt_id)
    except Attempt.DoesNotExist as exc:
        raise HttpError(404, _("答卷不存在。")) from exc


_NOT_FOUND = {401: ErrorOut, 404: ErrorOut}


def _start_code(request: HttpRequest) -> str:
    """The optional start code of a start request's JSON body ("" when there is none)."""
    if not request.body:
        return ""
    try:
        body = json.loads(request.body)
    except ValueError:
        return ""
    code = body.get("start_code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else ""


def _paper_response(attempt: Attempt, answers: dict[int, list[str]]) -> HttpResponse:
    """attempt_payload's JSON (AttemptOut by construction), written without building it.

    The questions come as the JSON text candidate_questions_json writes (for a first start,
    the text written when the paper was drawn ahead), spliced into the rest: validating a
    100-question paper against the schema, or even building it as dictionaries, costs more
    than the rest of a start (exam-day starts come all at once). Chinese text goes as UTF-8,
    not escaped: a third fewer bytes to a phone.
    """
    head = json.dumps(_attempt_head(attempt), cls=DjangoJSONEncoder, ensure_ascii=False)
    questions = attempt.shown_questions if not answers and attempt.shown_questions else None
    body = head[:-1] + ',"questions":' + (questions or candidate_questions_json(attempt.paper, answers)) + "}"
    return HttpResponse(body.encode(), content_type="application/json")


@router.get("/registrations", response={200: list[RegistrationOut], 401: ErrorOut}, url_name="exams_registrations")
def list_registrations(request: HttpRequest):
    """The caller's exam registrations, newest session first."""
    return [_registration_out(registration) for registration in selectors.registrations_for(request.auth)]


@router.post(
    "/registrations/{registration_id}/attempts",
    response={200: AttemptOut, **_NOT_FOUND, 409: ErrorOut},
    url_name="exams_start_attempt",
)
def start_or_resume_attempt(request: HttpRequest, registration_id: int):
    """Start the theory attempt, or resume the open one (same paper, saved answers).

    A remote session needs the start code the invigilator reads out, as the JSON body
    ``{"start_code": "123456"}``; a session checked in at the site needs the check-in.
    409 when it cannot start (not approved, not checked in, a wrong start code, outside
    the session's window, another attempt open, the bank cannot fill the blueprint) or
    is already submitted.
    """
    try:
        attempt = start_attempt(
            registration=Registration(pk=registration_id), candidate=request.auth, start_code=_start_code(request)
        )
    except Registration.DoesNotExist as exc:
        raise HttpError(404, _("报名不存在。")) from exc
    except (AttemptClosed, AttemptNotAllowed) as exc:
        raise HttpError(409, _message(exc)) from exc
    # A paper drawn by this very call has no answers yet: no need to read them.
    answers = selectors.saved_answers(attempt) if getattr(attempt, "resumed", True) else {}
    return _paper_response(attempt, answers)


@router.get("/attempts/{attempt_id}", response={200: AttemptOut, **_NOT_FOUND}, url_name="exams_attempt")
def get_attempt(request: HttpRequest, attempt_id: int):
    """The attempt with the saved answers (resume on another device); after the deadline it is submitted first."""
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None and timezone.now() >= attempt.deadline:
        attempt = submit_attempt(attempt=attempt, auto=True)
    return _paper_response(attempt, selectors.saved_answers(attempt))


@router.get("/attempts/{attempt_id}/time", response={200: ClockOut, **_NOT_FOUND}, url_name="exams_attempt_time")
def get_attempt_time(request: HttpRequest, attempt_id: int):
    """The server's clock for the countdown: cheap enough to poll (extra time shows up here)."""
    attempt = _own_attempt(request, attempt_id)
    now = timezone.now()
    return {
        "deadline": attempt.deadline,
        "server_time": now,
        "remaining_seconds": _remaining(attempt, now),
        "submitted": attempt.submitted_at is not None or now >= attempt.deadline,
    }


@router.put(
    "/attempts/{attempt_id}/answers/{question_id}",
    response={200: SavedOut, **_NOT_FOUND, 409: ErrorOut, 422: ValidationErrorOut},
    url_name="exams_save_answer",
)
def put_answer(request: HttpRequest, attempt_id: int, question_id: int, payload: AnswerIn):
    """Save one answer; the 200 reply comes only after it is committed. Repeating it is safe.

    409 after the deadline (the attempt is then submitted) or after submission;
    422 for an option the question does not have.
    """
    try:
        saved = save_answer(
            attempt=Attempt(pk=attempt_id), candidate=request.auth, question_id=question_id, answer=payload.answer
        )
    except Attempt.DoesNotExist as exc:
        raise HttpError(404, _("答卷不存在。")) from exc
    except AttemptClosed as exc:
        raise HttpError(409, _message(exc)) from exc
    except AnswerRejected as exc:
        raise HttpError(422, _message(exc)) from exc
    return {"saved_at": saved.saved_at, "remaining_seconds": _remaining(saved.attempt, saved.saved_at)}


@router.post("/attempts/{attempt_id}/submit", response={200: SubmitOut, **_NOT_FOUND}, url_name="exams_submit_attempt")
def post_submit(request: HttpRequest, attempt_id: int):
    """Submit and score (idempotent: a repeat, or a race, returns the same result)."""
    try:
        attempt = submit_attempt(attempt=Attempt(pk=attempt_id), candidate=request.auth)
    except Attempt.DoesNotExist as exc:
        raise HttpError(404, _("答卷不存在。")) from exc
    return {
        "score": float(attempt.score),
        "passed": attempt.passed,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
    }


# --- Invigilation -----------------------------------------------------------------------


def _invigilated_session(request: HttpRequest, session_id: int):
    try:
        return selectors.invigilated_session(request.auth, session_id)
    except ExamSession.DoesNotExist as exc:
        raise HttpError(404, _("考试场次不存在。")) from exc


@router.get(
    "/sessions/{session_id}/attempts",
    response={200: list[InvigilatedAttemptOut], **_NOT_FOUND},
    url_name="exams_invigilation",
)
def list_session_attempts(request: HttpRequest, session_id: int):
    """Invigilators: every candidate of a theory session with the state of their attempt."""
    session = _invigilated_session(request, session_id)
    return selectors.invigilation_rows(session, now=timezone.now())


def _invigilated_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    try:
        return selectors.invigilated_attempt(request.auth, attempt_id)
    except Attempt.DoesNotExist as exc:
        raise HttpError(404, _("答卷不存在。")) from exc


@router.post(
    "/attempts/{attempt_id}/extend",
    response={200: AttemptOut, **_NOT_FOUND, 409: ErrorOut, 422: ValidationErrorOut},
    url_name="exams_extend_attempt",
)
def post_extend(request: HttpRequest, attempt_id: int, payload: ExtendIn):
    """Invigilators: give the candidate extra minutes (1–60), with a reason; audited."""
    attempt = _invigilated_attempt(request, attempt_id)
    try:
        attempt = extend_attempt(
            attempt=attempt, invigilator=request.auth, minutes=payload.minutes, reason=payload.reason
        )
    except AttemptClosed as exc:
        raise HttpError(409, _message(exc)) from exc
    except InvigilationError as exc:
        raise HttpError(422, _message(exc)) from exc
    return attempt_payload(attempt, {})


@router.post(
    "/attempts/{attempt_id}/close",
    response={200: SubmitOut, **_NOT_FOUND, 422: ValidationErrorOut},
    url_name="exams_close_attempt",
)
def post_close(request: HttpRequest, attempt_id: int, payload: CloseIn):
    """Invigilators: close (收卷) the attempt now, scoring what was saved, with a reason; audited."""
    attempt = _invigilated_attempt(request, attempt_id)
    try:
        attempt = close_attempt(attempt=attempt, invigilator=request.auth, reason=payload.reason)
    except InvigilationError as exc:
        raise HttpError(422, _message(exc)) from exc
    return {
        "score": float(attempt.score),
        "passed": attempt.passed,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
    }
