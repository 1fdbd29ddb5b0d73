"""Thin endpoints for the lesson heartbeat and the enrol button."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import CoursePage, LessonPage
from .services import StaleHeartbeat, answer_check_question, enrol, record_lesson_time
from .templatetags.study_time import study_time


@require_POST
def heartbeat(request: HttpRequest, page_id: int) -> JsonResponse:
    """Body ``{"position": {...}, "nonce": "..."}``; replies ``{"seconds", "completed", "course_completed", "nonce"}``.

    The first heartbeat of a page view carries no nonce; each reply hands out the one
    the next heartbeat must carry. A stale nonce gets 409 and nothing is recorded.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("需要登录。")}, status=401)
    lesson = get_object_or_404(LessonPage.objects.live(), pk=page_id)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"detail": _("请求格式不正确。")}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"detail": _("请求格式不正确。")}, status=400)
    nonce = body.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        return JsonResponse({"detail": _("请求格式不正确。")}, status=400)
    try:
        progress = record_lesson_time(
            learner=request.user, lesson=lesson, position=body.get("position"), nonce=nonce or None
        )
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except StaleHeartbeat as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=409)
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {
            "seconds": progress.seconds,
            "completed": progress.completed_at is not None,
            "course_completed": progress.enrolment.completed_at is not None,
            "credited": study_time(progress.seconds),
            "nonce": progress.nonce,
        }
    )


@require_POST
@login_required
def answer_check(request: HttpRequest, page_id: int, block_id: str) -> HttpResponse:
    """The lesson's check-question form posts here; the result shows on the lesson page."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=page_id)
    try:
        answer = [int(value) for value in request.POST.getlist("answer")]
    except ValueError:
        answer = []
    try:
        record = answer_check_question(learner=request.user, lesson=lesson, block_id=block_id, answer=answer)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect(lesson.get_url(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{lesson.get_url(request)}#check-{block_id}")
    if record.correct:
        messages.success(request, _("回答正确。"))
    else:
        messages.error(request, _("回答错误，请再想一想。"))
    return redirect(f"{lesson.get_url(request)}#check-{block_id}")


@require_POST
@login_required
def enrol_course(request: HttpRequest, page_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=page_id)
    enrol(learner=request.user, course=course)
    messages.success(request, _("报名成功，可以开始学习了。"))
    return redirect(course.get_url(request))
