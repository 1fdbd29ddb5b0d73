"""Answer saves (and the submit) by attempt token: the exam day's most frequent requests, kept lean.

A candidate's page (and the API's attempt payload) carries a token bound to the attempt
and its candidate, made with the site's secret. A save that presents it, in the
``X-Attempt-Token`` header or the ``token`` query parameter, is answered by this
middleware before the session, the user, the role look-up of the MFA rule and the CSRF
check run: the token proves who may write to this attempt (a page of another site can
neither read it nor set the header), and it allows nothing but saving answers to this
one attempt, while it is open (the save itself checks that), and handing it in. A
request without a token, or with one that does not verify, goes the usual way through
the API.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from exams.errors import AnswerRejected, AttemptClosed

from .models import Attempt
from .services import save_answer, save_answer_quickly, submit_attempt

_SALT = "exams.theory.save_tokens"
SAVE_PATH = re.compile(r"^/api/v1/attempts/(\d+)/answers/(\d+)$")
SUBMIT_PATH = re.compile(r"^/api/v1/attempts/(\d+)/submit$")


def _mac(attempt_id: int, candidate_id: int) -> str:
    return salted_hmac(_SALT, f"{attempt_id}:{candidate_id}", algorithm="sha256").hexdigest()[:32]


def save_token(attempt: Attempt) -> str:
    """The token that lets the attempt's candidate save answers to it."""
    return f"{attempt.candidate_id}.{_mac(attempt.pk, attempt.candidate_id)}"


def token_candidate(attempt_id: int, token: str) -> int | None:
    """The candidate id the token was made for on this attempt, or None if it does not verify."""
    candidate, _dot, mac = token.partition(".")
    if not candidate.isdigit() or not mac:
        return None
    if not constant_time_compare(mac, _mac(attempt_id, int(candidate))):
        return None
    return int(candidate)


_ENCODER = DjangoJSONEncoder()


def _error(status: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def save_by_token(request: HttpRequest, attempt_id: int, question_id: int, candidate_id: int) -> HttpResponse:
    """PUT /api/v1/attempts/{id}/answers/{question_id} as the API answers it."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = None
    answer = body.get("answer") if isinstance(body, dict) else None
    if not isinstance(answer, list) or not all(isinstance(key, str) for key in answer):
        return _error(422, _('答案应为选项列表，例如 ["B"]。'))
    now = timezone.now()
    quick = save_answer_quickly(
        attempt_id=attempt_id, candidate_id=candidate_id, question_id=question_id, answer=answer, now=now
    )
    if quick is not None:
        deadline = quick[1]
    else:  # the full service: saves, or says what is wrong
        try:
            saved = save_answer(
                attempt=Attempt(pk=attempt_id),
                candidate=get_user_model()(pk=candidate_id),
                question_id=question_id,
                answer=answer,
                now=now,
            )
        except Attempt.DoesNotExist:
            return _error(404, _("答卷不存在。"))
        except AttemptClosed as exc:
            return _error(409, " ".join(exc.messages))
        except AnswerRejected as exc:
            return _error(422, " ".join(exc.messages))
        deadline = saved.attempt.deadline
    remaining = max(0, math.floor((deadline - now).total_seconds()))
    body = f'{{"saved_at":"{_ENCODER.default(now)}","remaining_seconds":{remaining}}}'
    return HttpResponse(body.encode(), content_type="application/json")


def submit_by_token(attempt_id: int, candidate_id: int) -> HttpResponse:
    """POST /api/v1/attempts/{id}/submit as the API answers it."""
    try:
        attempt = submit_attempt(attempt=Attempt(pk=attempt_id), candidate=get_user_model()(pk=candidate_id))
    except Attempt.DoesNotExist:
        return _error(404, _("答卷不存在。"))
    body = {
        "score": float(attempt.score) if attempt.score is not None else None,
        "passed": attempt.passed,
        "submitted_at": attempt.submitted_at,
        "auto_submitted": attempt.auto_submitted,
    }
    return JsonResponse(body, encoder=DjangoJSONEncoder)


class AttemptTokenSaveMiddleware:
    """Place before the session middleware (config/settings)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "PUT":
            match = SAVE_PATH.match(request.path_info)
        elif request.method == "POST":
            match = SUBMIT_PATH.match(request.path_info)
        else:
            match = None
        token = request.headers.get("X-Attempt-Token") or request.GET.get("token", "") if match else ""
        if match and token:
            attempt_id = int(match[1])
            candidate_id = token_candidate(attempt_id, token)
            if candidate_id is not None:
                if request.method == "PUT":
                    return save_by_token(request, attempt_id, int(match[2]), candidate_id)
                return submit_by_token(attempt_id, candidate_id)
        return self.get_response(request)
