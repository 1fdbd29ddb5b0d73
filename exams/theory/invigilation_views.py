"""Invigilation pages (监考): a phone-sized list of a theory session's attempts.

An examiner of the session's exam site or a regulator of its authority sees every
candidate's progress and can give one candidate extra time or close their attempt,
each with a reason that is audited. Sessions the user may not invigilate are 404.
"""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.private_media import private_file_response
from accounts.selectors import has_role
from exams.admission.models import ExamSession, Registration
from exams.errors import AttemptClosed, ExamError

from . import selectors
from .invigilation_forms import CloseAttemptForm, ExtendAttemptForm
from .models import Attempt
from .services import close_attempt, extend_attempt


def _require_invigilator(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_superuser or has_role(user, Role.EXAMINER) or has_role(user, Role.REGULATOR)):
        raise PermissionDenied(_("只有考评员或监管人员可以监考。"))


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    _require_invigilator(request)
    day = timezone.localdate()
    return render(
        request,
        "exams/theory/invigilate_index.html",
        {"sessions": selectors.invigilation_day(request.user, day), "day": day},
    )


@login_required
def session_attempts(request: HttpRequest, session_id: int) -> HttpResponse:
    _require_invigilator(request)
    try:
        session = selectors.invigilated_session(request.user, session_id)
    except ExamSession.DoesNotExist as exc:
        raise Http404 from exc
    rows = selectors.invigilation_rows(session, now=timezone.now())
    counts = {
        status: sum(1 for row in rows if row["status"] == status)
        for status in ("not_started", "in_progress", "submitted")
    }
    return render(
        request,
        "exams/theory/invigilate_session.html",
        {
            "session": session,
            "rows": rows,
            "counts": counts,
            "extend_form": ExtendAttemptForm(),
            "close_form": CloseAttemptForm(),
        },
    )


@login_required
def candidate_photo(request: HttpRequest, registration_id: int) -> HttpResponse:
    """The candidate's photo, for the invigilator to compare with the face at the desk."""
    _require_invigilator(request)
    try:
        registration = selectors.invigilated_registration(request.user, registration_id)
    except Registration.DoesNotExist as exc:
        raise Http404 from exc
    photo = registration.candidate.photo
    if not photo:
        raise Http404
    response = private_file_response(photo, content_type=mimetypes.guess_type(photo.name)[0] or "image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response


def _attempt(request: HttpRequest, attempt_id: int) -> Attempt:
    _require_invigilator(request)
    try:
        return selectors.invigilated_attempt(request.user, attempt_id)
    except Attempt.DoesNotExist as exc:
        raise Http404 from exc


def _back(attempt: Attempt) -> HttpResponse:
    return redirect("exams:invigilate_session", session_id=attempt.registration.session_id)


@login_required
@require_POST
def extend(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    form = ExtendAttemptForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(attempt)
    try:
        extend_attempt(
            attempt=attempt,
            invigilator=request.user,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        )
    except (AttemptClosed, ExamError) as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已为该考生延长 %(minutes)s 分钟。") % {"minutes": form.cleaned_data["minutes"]})
    return _back(attempt)


@login_required
@require_POST
def close(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt(request, attempt_id)
    form = CloseAttemptForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(attempt)
    try:
        closed = close_attempt(attempt=attempt, invigilator=request.user, reason=form.cleaned_data["reason"])
    except ExamError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已收卷，得分 %(score)s。") % {"score": closed.score})
    return _back(attempt)
