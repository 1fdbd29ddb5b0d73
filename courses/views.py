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
from .services import enrol, record_lesson_time


@require_POST
def heartbeat(request: HttpRequest, page_id: int) -> JsonResponse:
    """Body ``{"position": {...}}``; replies ``{"seconds", "completed", "course_completed"}``."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("需要登录。")}, status=401)
    lesson = get_object_or_404(LessonPage.objects.live(), pk=page_id)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"detail": _("请求格式不正确。")}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"detail": _("请求格式不正确。")}, status=400)
    try:
        progress = record_lesson_time(learner=request.user, lesson=lesson, position=body.get("position"))
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    except ValidationError as exc:
        return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
    return JsonResponse(
        {
            "seconds": progress.seconds,
            "completed": progress.completed_at is not None,
            "course_completed": progress.enrolment.completed_at is not None,
        }
    )


@require_POST
@login_required
def enrol_course(request: HttpRequest, page_id: int) -> HttpResponse:
    course = get_object_or_404(CoursePage.objects.live(), pk=page_id)
    enrol(learner=request.user, course=course)
    messages.success(request, _("报名成功，可以开始学习了。"))
    return redirect(course.get_url(request))
