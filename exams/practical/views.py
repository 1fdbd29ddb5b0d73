"""The examiner's pages: today's candidates, check-in by ticket, the score sheet, corrections.

Every form works without JavaScript (each item is its own small form); with it,
static/js/practical.js saves each tap at once and updates the running total, and
static/js/checkin.js scans the ticket's QR code with the browser's BarcodeDetector.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.private_media import private_file_response
from exams.admission.models import Registration
from exams.errors import ExamError, ScoringRefused

from . import selectors
from .access import can_see_evidence, is_examiner
from .models import PracticalEvidence
from .rubrics import rubric_spec
from .services import (
    add_evidence,
    choose_task,
    decide_correction,
    open_score_sheet,
    request_correction,
    save_mark,
    sheet_summary,
    submit_score_sheet,
)


def _require_examiner(request: HttpRequest) -> None:
    if not is_examiner(request.user):
        raise PermissionDenied(_("只有考评员可以查看实操考试名单。"))


def _registration(request: HttpRequest, registration_id: int) -> Registration:
    _require_examiner(request)
    try:
        return selectors.examiner_sheet(request.user, registration_id)
    except Registration.DoesNotExist as exc:
        raise Http404 from exc


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refused(request: HttpRequest, exc: ExamError, registration_id: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": " ".join(exc.messages)}, status=409)
    for message in exc.messages:
        messages.error(request, message)
    return redirect("exams:practical_score", registration_id=registration_id)


@login_required
def practical_roster(request: HttpRequest) -> HttpResponse:
    _require_examiner(request)
    day = timezone.localdate()
    registrations = list(selectors.practical_roster(request.user, day))
    context = {
        "registrations": registrations,
        "day": day,
        "checked_in": sum(1 for r in registrations if r.checked_in_at),
        "corrections": list(selectors.pending_corrections(request.user)),
    }
    return render(request, "exams/practical/roster.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def practical_score(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _registration(request, registration_id)
    result = getattr(registration, "practical_result", None)
    rubric = rubric_spec(registration.session.rubric)
    context = {"registration": registration, "result": result, "rubric": rubric}
    if result is not None:
        context["subject_rows"] = [
            {"subject": subject, "score": result.subject_scores.get(subject.code)} for subject in rubric.subjects
        ]
        context["corrections"] = list(result.corrections.select_related("requested_by", "confirmed_by"))
        return render(request, "exams/practical/result.html", context)
    if registration.checked_in_at is None:
        return render(request, "exams/practical/not_checked_in.html", context, status=409)
    try:
        sheet = open_score_sheet(registration=registration, examiner=request.user)
    except ExamError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("exams:practical_roster")
    sheet = selectors.sheet_of(registration)
    summary = sheet_summary(sheet)
    marks = {(m.subject_code, m.item_code): m for m in sheet.marks.all()}
    photos: dict[str, list] = {}
    for evidence in sheet.evidence.all():
        photos.setdefault(evidence.subject_code, []).append(evidence)
    subjects = []
    for state in summary.subjects:
        task = state.subject.task(state.task_code) if state.task_code else None
        items = []
        for item in task.items if task else ():
            mark = marks.get((state.subject.code, item.code))
            items.append(
                {
                    "item": item,
                    "mark": mark,
                    "chosen": set(mark.deductions) if mark else set(),
                    "score": max(
                        Decimal(0),
                        item.points
                        - sum((d.points for d in item.deductions if mark and d.code in mark.deductions), Decimal(0)),
                    )
                    if not item.veto
                    else None,
                }
            )
        subjects.append(
            {
                "state": state,
                "task": task,
                "items": items,
                "device": marks.get((state.subject.code, "")),
                "photos": photos.get(state.subject.code, []),
            }
        )
    context |= {"sheet": sheet, "summary": summary, "subjects": subjects}
    return render(request, "exams/practical/score.html", context)


@login_required
@require_POST
def practical_mark(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _registration(request, registration_id)
    try:
        save_mark(
            registration=registration,
            examiner=request.user,
            subject_code=request.POST.get("subject", ""),
            item_code=request.POST.get("item", ""),
            deductions=request.POST.getlist("deduction"),
            veto=request.POST.get("veto") == "on",
            veto_reason=request.POST.get("veto_reason", ""),
            note=request.POST.get("note", ""),
            score=request.POST.get("score"),
        )
    except ScoringRefused as exc:
        return _refused(request, exc, registration.pk)
    if _wants_json(request):
        summary = sheet_summary(selectors.sheet_of(registration))
        return JsonResponse(
            {
                "saved": True,
                "running_total": str(summary.running_total),
                "subjects": {s.subject.code: None if s.score is None else str(s.score) for s in summary.subjects},
                "vetoes": len(summary.vetoes),
            }
        )
    messages.success(request, _("已保存。"))
    return redirect("exams:practical_score", registration_id=registration.pk)


@login_required
@require_POST
def practical_task(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _registration(request, registration_id)
    try:
        choose_task(
            registration=registration,
            examiner=request.user,
            subject_code=request.POST.get("subject", ""),
            task_code=request.POST.get("task", ""),
        )
    except ScoringRefused as exc:
        return _refused(request, exc, registration.pk)
    return redirect("exams:practical_score", registration_id=registration.pk)


@login_required
@require_POST
def practical_evidence(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _registration(request, registration_id)
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("请选择照片。"))
        return redirect("exams:practical_score", registration_id=registration.pk)
    try:
        add_evidence(
            registration=registration,
            examiner=request.user,
            subject_code=request.POST.get("subject", ""),
            upload=upload,
        )
    except ScoringRefused as exc:
        return _refused(request, exc, registration.pk)
    messages.success(request, _("照片已上传。"))
    return redirect("exams:practical_score", registration_id=registration.pk)


@login_required
@require_POST
def practical_submit(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _registration(request, registration_id)
    try:
        submit_score_sheet(registration=registration, examiner=request.user)
    except ExamError as exc:
        return _refused(request, exc, registration.pk)
    messages.success(request, _("实操成绩已提交。"))
    return redirect("exams:practical_score", registration_id=registration.pk)


@login_required
@require_POST
def practical_correction(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = _registration(request, registration_id)
    result = getattr(registration, "practical_result", None)
    if result is None:
        raise Http404
    scores = {}
    try:
        for subject in result.rubric.subjects.all():
            if subject.code in (result.carried_subjects or {}):
                continue
            scores[subject.code] = Decimal(request.POST.get(f"score_{subject.code}", "").strip())
    except InvalidOperation:
        messages.error(request, _("请输入数字。"))
        return redirect("exams:practical_score", registration_id=registration.pk)
    try:
        request_correction(
            result=result,
            examiner=request.user,
            subject_scores=scores,
            reason=request.POST.get("reason", ""),
            veto=request.POST.get("veto") == "on",
            veto_reason=request.POST.get("veto_reason", ""),
        )
    except ScoringRefused as exc:
        return _refused(request, exc, registration.pk)
    messages.success(request, _("更正申请已提交，须由另一名考评员复核。"))
    return redirect("exams:practical_score", registration_id=registration.pk)


@login_required
@require_POST
def correction_decide(request: HttpRequest, correction_id: int) -> HttpResponse:
    _require_examiner(request)
    correction = selectors.pending_corrections(request.user).filter(pk=correction_id).first()
    if correction is None:
        raise Http404
    registration_id = correction.result.registration_id
    try:
        decide_correction(
            correction=correction, examiner=request.user, confirm=request.POST.get("decision") == "confirm"
        )
    except ExamError as exc:
        return _refused(request, exc, registration_id)
    messages.success(request, _("已处理更正申请。"))
    return redirect("exams:practical_score", registration_id=registration_id)


@login_required
def evidence_photo(request: HttpRequest, evidence_id: int) -> HttpResponse:
    """An evidence photo, only for the site's examiners and the session's regulators (never public media)."""
    evidence = (
        PracticalEvidence.objects.select_related(
            "sheet__registration__session__site", "sheet__registration__session__authority"
        )
        .filter(pk=evidence_id)
        .first()
    )
    if evidence is None:
        raise Http404
    session = evidence.sheet.registration.session
    if not can_see_evidence(request.user, session):
        raise Http404
    return private_file_response(evidence.image, content_type="image/jpeg")
