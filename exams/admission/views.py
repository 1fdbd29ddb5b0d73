"""Exam administration pages: regulators plan and decide, training organisations register
their classes, workers register themselves and fetch their admission ticket.

Thin views: parse, check the role, call one service or selector, render. Each page
shows only what the role and organisation allow (one test per branch).
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organisation, Role
from accounts.private_media import private_file_response
from accounts.selectors import has_role, organisations_of
from exams.errors import CheckInError, ExamError, HealthCertificateRejected, SessionInvalid
from exams.practical.access import can_score_at, is_examiner
from exams.practical.uploads import UploadRejected
from exams.theory.access import can_invigilate

from . import selectors
from .access import can_administer, is_regulator, trainer_organisation_ids
from .forms import HealthCertificateForm, SessionPlanForm
from .held_uploads import held_upload, hold_upload, release_upload
from .models import CheckInMode, ExamKind, ExamSession, HealthCertificate, Registration, SessionPurpose
from .services import (
    ClassMember,
    approve_pending,
    check_in_candidate,
    decide_registration,
    plan_session,
    register_candidate,
    register_class,
    upload_health_certificate,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_regulator(request: HttpRequest) -> None:
    if not is_regulator(request.user):
        raise PermissionDenied(_("只有考核发证机关的监管人员可以访问此页面。"))


def _errors(request: HttpRequest, exc: ExamError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- Workers ------------------------------------------------------------------------------


@login_required
def open_sessions(request: HttpRequest) -> HttpResponse:
    sessions = list(selectors.open_sessions())
    mine = set(Registration.objects.filter(candidate=request.user).values_list("session_id", flat=True))
    return render(request, "exams/admission/open_sessions.html", {"sessions": sessions, "mine": mine})


@login_required
@require_POST
def register_self(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(ExamSession, pk=session_id)
    operation_type = session.operation_types.filter(pk=request.POST.get("operation_type")).first()
    if operation_type is None:
        operation_type = session.operation_types.order_by("code").first()
    try:
        register_candidate(
            session=session, candidate=request.user, operation_type=operation_type, registered_by=request.user
        )
    except ExamError as exc:
        _errors(request, exc)
        return redirect("exams:open_sessions")
    messages.success(request, _("报名已提交，等待考核发证机关审核。"))
    return redirect("exams:index")


@login_required
@require_http_methods(["GET", "POST"])
def health_certificate(request: HttpRequest) -> HttpResponse:
    held = held_upload(request.session, request.user)
    posted = request.method == "POST"
    form = HealthCertificateForm(
        request.POST if posted else None, request.FILES if posted else None, held_name=held.name if held else None
    )
    if posted:
        valid = form.is_valid()
        chosen = form.cleaned_data.get("file") if "file" not in form.errors else None
        if chosen:
            try:
                held = hold_upload(request.session, request.user, chosen)
            except UploadRejected as exc:
                form.add_error("file", str(exc))
                valid = False
            else:
                form.hold(held.name)
        if valid and held is not None:
            try:
                with held.open() as upload:
                    upload_health_certificate(
                        user=request.user,
                        upload=upload,
                        issued_on=form.cleaned_data["issued_on"],
                        uploaded_by=request.user,
                    )
            except HealthCertificateRejected as exc:
                # Each error at its own field: the date's at the date, the file's at the file.
                field = "issued_on" if exc.code == "future_date" else "file"
                for message in exc.messages:
                    form.add_error(field, message)
            else:
                release_upload(request.session, request.user)
                messages.success(request, _("体检证明已上传。"))
                return redirect("exams:health_certificate")
    latest = HealthCertificate.objects.filter(user=request.user).first()
    return render(
        request,
        "exams/admission/health_certificate.html",
        {"form": form, "latest": latest, "held_name": form.held_name},
        status=422 if form.errors else 200,
    )


def _may_see_ticket(user, registration: Registration) -> bool:
    if registration.candidate_id == user.pk or user.is_superuser:
        return True
    if registration.training_organisation_id and registration.training_organisation_id in trainer_organisation_ids(
        user
    ):
        return True
    return can_administer(user, registration.session.authority) or can_score_at(user, registration.session.site)


@login_required
def ticket_pdf(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = (
        Registration.objects.select_related(
            "candidate", "session__site__exam_site_profile", "session__authority", "operation_type"
        )
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not _may_see_ticket(request.user, registration):
        raise Http404
    if registration.status != Registration.Status.APPROVED or not registration.ticket_code:
        messages.error(request, _("报名获批后才能下载准考证。"))
        return redirect("exams:index")
    from .tickets import render_ticket_pdf

    response = HttpResponse(render_ticket_pdf(registration), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ticket-{registration.ticket_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def health_file(request: HttpRequest, registration_id: int) -> HttpResponse:
    """The candidate's latest health certificate, for whoever may see the registration's ticket."""
    registration = (
        Registration.objects.select_related("session__authority", "session__site").filter(pk=registration_id).first()
    )
    if registration is None or not _may_see_ticket(request.user, registration):
        raise Http404
    certificate = HealthCertificate.objects.filter(user_id=registration.candidate_id).first()
    if certificate is None:
        raise Http404
    return private_file_response(certificate.file, content_type=certificate.content_type)


# --- Check-in at the exam site --------------------------------------------------------


@login_required
@require_POST
def check_in(request: HttpRequest) -> HttpResponse:
    if not is_examiner(request.user):
        raise PermissionDenied(_("只有考评员可以查看实操考试名单。"))
    try:
        registration = check_in_candidate(ticket_code=request.POST.get("code", ""), examiner=request.user)
    except CheckInError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("exams:practical_roster")
    name = registration.candidate.real_name or registration.candidate.username
    messages.success(request, _("%(name)s 已签到。") % {"name": name})
    return redirect("exams:practical_score", registration_id=registration.pk)


@login_required
@require_POST
def theory_check_in(request: HttpRequest, session_id: int) -> HttpResponse:
    """An invigilator checks a theory candidate in by ticket code or ID number."""
    session = get_object_or_404(
        ExamSession.objects.select_related("site", "authority"), pk=session_id, kind=ExamKind.THEORY
    )
    if not can_invigilate(request.user, session):
        raise Http404
    try:
        registration = check_in_candidate(
            examiner=request.user,
            ticket_code=request.POST.get("code", ""),
            id_number=request.POST.get("id_number", ""),
            session=session,
        )
    except CheckInError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        name = registration.candidate.real_name or registration.candidate.username
        messages.success(request, _("%(name)s 已签到。") % {"name": name})
    return redirect("exams:invigilate_session", session_id=session.pk)


# --- Regulators ---------------------------------------------------------------------------


@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    _require_regulator(request)
    sessions = list(selectors.sessions_for_regulator(request.user)[:200])
    return render(request, "exams/admission/session_list.html", {"sessions": sessions})


@login_required
@require_http_methods(["GET", "POST"])
def session_plan(request: HttpRequest) -> HttpResponse:
    _require_regulator(request)
    authorities = (
        Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY, is_active=True)
        if request.user.is_superuser
        else organisations_of(request.user, role=Role.REGULATOR)
    )
    form = SessionPlanForm(request.POST or None, authorities=authorities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = plan_session(
                authority=data["authority"],
                site=data["site"],
                kind=data["kind"],
                name=data["name"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                operation_types=[data["operation_type"]] if data["operation_type"] else [],
                subjects=[data["subject"]] if data["subject"] else [],
                purpose=data["purpose"] or SessionPurpose.CERTIFICATION,
                blueprint=data["blueprint"],
                checkin_mode=data["checkin_mode"] or CheckInMode.SITE,
                planned_by=request.user,
            )
        except SessionInvalid as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("考试场次已安排。"))
            return redirect("exams:session_detail", session_id=session.pk)
    return render(request, "exams/admission/session_plan.html", {"form": form}, status=422 if form.errors else 200)


def _regulated_session(request: HttpRequest, session_id: int) -> ExamSession:
    _require_regulator(request)
    session = get_object_or_404(
        ExamSession.objects.select_related("site", "authority", "rubric", "blueprint"), pk=session_id
    )
    if not can_administer(request.user, session.authority):
        raise Http404
    return session


@login_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _regulated_session(request, session_id)
    roster = list(selectors.session_roster(session))
    return render(request, "exams/admission/session_detail.html", {"session": session, "roster": roster})


@login_required
@require_POST
def decide(request: HttpRequest, registration_id: int) -> HttpResponse:
    _require_regulator(request)
    registration = get_object_or_404(Registration.objects.select_related("session__authority"), pk=registration_id)
    if not can_administer(request.user, registration.session.authority):
        raise Http404
    try:
        decide_registration(
            registration=registration,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except ExamError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已审核。"))
    return redirect("exams:session_detail", session_id=registration.session_id)


@login_required
@require_POST
def approve_all(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _regulated_session(request, session_id)
    try:
        count = approve_pending(session=session, actor=request.user)
    except ExamError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已批准 %(count)s 人。") % {"count": count})
    return redirect("exams:session_detail", session_id=session.pk)


def _workbook_response(workbook, filename: str) -> HttpResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def roster_xlsx(request: HttpRequest, session_id: int) -> HttpResponse:
    from openpyxl import Workbook

    session = _regulated_session(request, session_id)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("名单")
    sheet.append(
        [
            _("准考证号"),
            _("姓名"),
            _("身份证号"),
            _("操作项目"),
            _("培训机构"),
            _("状态"),
            _("补考"),
            _("签到时间"),
            _("成绩"),
            _("结果"),
        ]
    )
    for reg in selectors.session_roster(session):
        result = getattr(reg, "practical_result", None)
        attempt = getattr(reg, "attempt", None)
        score = result.total if result else (attempt.score if attempt else None)
        passed = result.passed if result else (attempt.passed if attempt else None)
        sheet.append(
            [
                reg.ticket_code or "",
                reg.candidate.real_name,
                reg.candidate.id_number_masked,
                reg.operation_type.name,
                reg.training_organisation.name if reg.training_organisation else "",
                reg.get_status_display(),
                _("是") if reg.is_retake else "",
                timezone.localtime(reg.checked_in_at).strftime("%Y-%m-%d %H:%M") if reg.checked_in_at else "",
                float(score) if score is not None else None,
                "" if passed is None else (_("合格") if passed else _("不合格")),
            ]
        )
    return _workbook_response(workbook, f"roster-{session.pk}.xlsx")


def _require_results_viewer(request: HttpRequest) -> None:
    if not (is_regulator(request.user) or has_role(request.user, Role.TRAINER)):
        raise PermissionDenied(_("只有监管人员和培训机构可以查看成绩统计。"))


@login_required
def results(request: HttpRequest) -> HttpResponse:
    _require_results_viewer(request)
    groups = [
        ("session", _("按场次")),
        ("site", _("按考点")),
        ("operation_type", _("按操作项目")),
        ("training_organisation", _("按培训机构")),
    ]
    tables = [(label, selectors.pass_rates(request.user, by=key)) for key, label in groups]
    return render(
        request,
        "exams/admission/results.html",
        {"tables": tables, "workloads": selectors.examiner_workloads(request.user)},
    )


@login_required
def results_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    _require_results_viewer(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("实操成绩")
    sheet.append(
        [
            _("姓名"),
            _("身份证号"),
            _("操作项目"),
            _("场次"),
            _("考点"),
            _("培训机构"),
            _("总分"),
            _("结果"),
            _("否决项"),
            _("考评员"),
            _("提交时间"),
        ]
    )
    for result in selectors.result_rows(request.user):
        reg = result.registration
        sheet.append(
            [
                reg.candidate.real_name,
                reg.candidate.id_number_masked,
                reg.operation_type.name,
                reg.session.name,
                reg.session.site.name,
                reg.training_organisation.name if reg.training_organisation else "",
                float(result.total),
                _("合格") if result.passed else _("不合格"),
                result.veto_reason,
                result.examiner.real_name or result.examiner.username,
                timezone.localtime(result.submitted_at).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    rates = workbook.create_sheet(_("合格率"))
    rates.append([_("分组"), _("名称"), _("参考人数"), _("合格人数"), _("合格率(%)")])
    for key, label in (
        ("site", _("考点")),
        ("operation_type", _("操作项目")),
        ("training_organisation", _("培训机构")),
    ):
        for row in selectors.pass_rates(request.user, by=key):
            rates.append([label, row.label, row.sat, row.passed, float(row.rate)])
    return _workbook_response(workbook, "practical-results.xlsx")


# --- Training organisations -----------------------------------------------------------------


def _require_trainer(request: HttpRequest) -> list[int]:
    organisations = trainer_organisation_ids(request.user)
    if not organisations:
        raise PermissionDenied(_("只有培训机构人员可以访问此页面。"))
    return organisations


@login_required
def training_home(request: HttpRequest) -> HttpResponse:
    _require_trainer(request)
    return render(
        request,
        "exams/admission/training_home.html",
        {
            "sessions": list(selectors.open_sessions()),
            "registrations": list(selectors.registrations_of_organisation(request.user)[:300]),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register_class_view(request: HttpRequest, session_id: int) -> HttpResponse:
    organisation_ids = _require_trainer(request)
    session = get_object_or_404(ExamSession.objects.select_related("site"), pk=session_id, ends_at__gt=timezone.now())
    organisations = list(Organisation.objects.filter(pk__in=organisation_ids).order_by("name"))
    organisation = next((o for o in organisations if str(o.pk) == request.POST.get("organisation")), organisations[0])
    operation_types = list(session.operation_types.order_by("code"))
    learners = list(selectors.learners_of([organisation.pk]))
    already = set(Registration.objects.filter(session=session).values_list("candidate_id", flat=True))
    refusals: dict[int, list[str]] = {}
    if request.method == "POST":
        chosen = {int(pk) for pk in request.POST.getlist("candidate") if pk.isdigit()}
        operation_type = next(
            (t for t in operation_types if str(t.pk) == request.POST.get("operation_type")), operation_types[0]
        )
        members = [ClassMember(candidate=u, operation_type=operation_type) for u in learners if u.pk in chosen]
        try:
            created = register_class(
                session=session, members=members, training_organisation=organisation, registered_by=request.user
            )
        except ExamError as exc:
            refusals = getattr(exc, "refusals", {})
            if not refusals:
                _errors(request, exc)
            else:
                messages.error(request, _("有学员不符合报考条件，本次未报名任何人，请查看下方原因。"))
        else:
            messages.success(request, _("已为 %(count)s 名学员报名，等待审核。") % {"count": len(created)})
            return redirect("exams:training_home")
    rows = [{"user": u, "registered": u.pk in already, "problems": refusals.get(u.pk, [])} for u in learners]
    return render(
        request,
        "exams/admission/register_class.html",
        {
            "session": session,
            "organisation": organisation,
            "organisations": organisations,
            "operation_types": operation_types,
            "rows": rows,
        },
        status=422 if refusals else 200,
    )
