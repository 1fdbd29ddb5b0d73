"""Exam pages: thin views that parse, check access, call one service and render.

The theory exam page works without JavaScript (one form, "save" and "交卷"); with it,
static/js/exam.js saves each answer through the JSON API as it is given.
"""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Role
from accounts.selectors import has_role
from exams.admission.models import ExamKind, Registration
from exams.bank.models import QuestionKind
from exams.errors import AnswerRejected, AttemptClosed, ExamError
from exams.papers.drawing import image_urls, paper_content
from exams.papers.scoring import MULTIPLE

from . import selectors
from .models import Attempt
from .save_tokens import save_token
from .services import save_answers, start_attempt, submit_attempt


def _own_attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    try:
        return selectors.attempt_for(request.user, attempt_id)
    except Attempt.DoesNotExist as exc:
        raise Http404 from exc


def _theory_action(registration: Registration, now) -> str:
    """What the candidate can do next with a registration: start, resume, result or nothing."""
    if registration.session.kind != ExamKind.THEORY:
        return ""
    attempt = getattr(registration, "attempt", None)
    if attempt is not None:
        if attempt.submitted_at is None and now < attempt.deadline:
            return "resume"
        return "result"
    session = registration.session
    if registration.status == Registration.Status.APPROVED and session.starts_at <= now < session.ends_at:
        return "start"
    return ""


@login_required
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {
            "registration": registration,
            "action": _theory_action(registration, now),
            "attempt": getattr(registration, "attempt", None),
            "practical_result": getattr(registration, "practical_result", None),
        }
        for registration in selectors.registrations_for(request.user)
    ]
    user = request.user
    can_invigilate = user.is_superuser or has_role(user, Role.EXAMINER) or has_role(user, Role.REGULATOR)
    return render(request, "exams/theory/index.html", {"rows": rows, "can_invigilate": can_invigilate})


@login_required
@require_POST
def start(request: HttpRequest, registration_id: int) -> HttpResponse:
    try:
        registration = selectors.registration_for(request.user, registration_id)
    except Registration.DoesNotExist as exc:
        raise Http404 from exc
    try:
        attempt = start_attempt(registration=registration, start_code=request.POST.get("start_code", ""))
    except AttemptClosed:
        return redirect("exams:result", attempt_id=registration.attempt.pk)
    except ExamError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("exams:index")
    return redirect("exams:attempt", attempt_id=attempt.pk)


def _epoch_ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def _page_questions(attempt: Attempt, saved: dict[int, tuple[list[str], object]]) -> list[dict]:
    """Questions for the page: options and the candidate's answers, never the key."""
    questions = []
    token = save_token(attempt)
    content = paper_content(attempt.paper)
    images = image_urls(q.get("image_id") for q in content)
    for number, q in enumerate(content, start=1):
        answer, saved_at = saved.get(q["id"], ([], None))
        given = set(answer)
        questions.append(
            {
                "number": number,
                "id": q["id"],
                "kind": q["kind"],
                "kind_label": QuestionKind(q["kind"]).label,
                "stem": q["stem"],
                "input_type": "checkbox" if q["kind"] == MULTIPLE else "radio",
                "answered": bool(given),
                "saved_at_ms": _epoch_ms(saved_at) if saved_at else "",
                "image_url": images.get(q.get("image_id")),
                "save_url": reverse("api:exams_save_answer", kwargs={"attempt_id": attempt.pk, "question_id": q["id"]})
                + f"?token={token}",
                "options": [{"key": o["key"], "text": o["text"], "checked": o["key"] in given} for o in q["options"]],
            }
        )
    return questions


@login_required
@require_http_methods(["GET", "POST"])
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    now = timezone.now()
    if attempt.submitted_at is None and now >= attempt.deadline:
        submit_attempt(attempt=attempt, now=now, auto=True)
        messages.warning(request, _("考试时间已到，答卷已自动交卷。"))
        return redirect("exams:result", attempt_id=attempt.pk)
    if attempt.submitted_at is not None:
        return redirect("exams:result", attempt_id=attempt.pk)

    if request.method == "POST":
        answers = {q["id"]: request.POST.getlist(f"q_{q['id']}") for q in attempt.paper["questions"]}
        try:
            save_answers(attempt=attempt, answers=answers)
        except AttemptClosed as exc:
            messages.warning(request, " ".join(exc.messages))
            return redirect("exams:result", attempt_id=attempt.pk)
        except AnswerRejected as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("exams:attempt", attempt_id=attempt.pk)
        if request.POST.get("action") == "save":
            messages.success(request, _("答案已保存。"))
            return redirect("exams:attempt", attempt_id=attempt.pk)
        submit_attempt(attempt=attempt)
        return redirect("exams:result", attempt_id=attempt.pk)

    questions = _page_questions(attempt, selectors.saved_answers_with_times(attempt))
    remaining_seconds = max(0, math.floor((attempt.deadline - now).total_seconds()))
    context = {
        "attempt": attempt,
        "registration": attempt.registration,
        "questions": questions,
        "answered": sum(1 for q in questions if q["answered"]),
        "remaining_minutes": math.ceil(remaining_seconds / 60),
        "remaining_seconds": remaining_seconds,
        "server_now_ms": _epoch_ms(now),
    }
    return render(request, "exams/theory/attempt.html", context)


@login_required
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _own_attempt(request, attempt_id)
    if attempt.submitted_at is None:
        if timezone.now() < attempt.deadline:
            return redirect("exams:attempt", attempt_id=attempt.pk)
        attempt = submit_attempt(attempt=attempt, auto=True)
    questions = attempt.paper["questions"]
    return render(
        request,
        "exams/theory/result.html",
        {
            "attempt": attempt,
            "registration": attempt.registration,
            "question_count": len(questions),
            "pass_mark": attempt.paper["pass_mark"],
        },
    )
