"""The employer's pages (/employer/...) and the person's answer to an invitation.

Every workspace page is for people with the employer role in that organisation: anyone
else gets 403 at /employer/ (a page that exists) and 404 for an organisation or person
that is not theirs (it looks like one that does not exist).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Organisation

from . import applications, records, selectors, services
from .forms import (
    ApplyRegistrationForm,
    ApplyReviewForm,
    AssignForm,
    DepartmentForm,
    ImportForm,
    PostForm,
    StaffForm,
    add_course_field,
)
from .rules import HORIZONS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_AN_EMPLOYER = services.NOT_AN_EMPLOYER


def _workspace(request: HttpRequest, code: str) -> Organisation:
    organisation = selectors.workspace(request.user, code)
    if organisation is None:
        if not selectors.employer_organisations(request.user).exists():
            raise PermissionDenied(NOT_AN_EMPLOYER)
        raise Http404
    return organisation


def _department(organisation: Organisation, pk: str | None):
    if not pk:
        return None
    if not str(pk).isdigit():
        raise Http404
    department = organisation.departments.filter(pk=int(pk)).first()
    if department is None:
        raise Http404
    return department


def _context(organisation: Organisation, **extra) -> dict:
    return {"organisation": organisation, "horizons": HORIZONS, **extra}


def _attachment(name: str) -> str:
    return f'attachment; filename="{name}"'


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """/employer/: straight to the workspace, or a choice when the person works for several."""
    organisations = list(selectors.employer_organisations(request.user))
    if not organisations:
        raise PermissionDenied(NOT_AN_EMPLOYER)
    if len(organisations) == 1:
        return redirect("employers:workspace", code=organisations[0].code)
    return render(request, "employers/choose.html", {"organisations": organisations})


@login_required
def workspace(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    rows = selectors.register(organisation)
    return render(
        request,
        "employers/workspace.html",
        _context(organisation, summary=selectors.summary(rows), departments=selectors.departments(organisation)),
    )


@login_required
def staff_list(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    department = _department(organisation, request.GET.get("department"))
    rows = selectors.register(organisation, department=department)
    return render(
        request,
        "employers/staff_list.html",
        _context(
            organisation,
            rows=rows,
            department=department,
            summary=selectors.summary(rows),
            departments=selectors.departments(organisation),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    form = StaffForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person, errors = services.clean_staff(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            department=data["department"],
            post=data["post"],
            hired_on=data["hired_on"],
        )
        for field, error in errors.items():
            form.add_error(field, error)
        if person is not None:
            try:
                entry = services.add_staff_member(organisation=organisation, actor=request.user, person=person)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, gettext("已添加 %(name)s，并发出邀请；本人同意后可查看其证书。") % {"name": entry.name}
                )
                return redirect("employers:staff_detail", code=code, pk=entry.pk)
    return render(request, "employers/staff_add.html", _context(organisation, form=form))


@login_required
@require_http_methods(["GET", "POST"])
def staff_import(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            entries = services.import_staff(
                organisation=organisation, actor=request.user, data=form.cleaned_data["file"].read()
            )
        except services.StaffImportError as exc:
            errors = exc.errors
        else:
            messages.success(request, gettext("已导入 %(count)s 人，并向每人发出邀请。") % {"count": len(entries)})
            return redirect("employers:staff_list", code=code)
    return render(request, "employers/staff_import.html", _context(organisation, form=form, errors=errors))


@login_required
def import_template(request: HttpRequest, code: str) -> HttpResponse:
    _workspace(request, code)
    response = HttpResponse(records.import_template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = _attachment("staff-register-template.xlsx")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organisation = _workspace(request, code)
    row = selectors.staff_row(organisation, pk)
    if row is None:
        raise Http404
    entry = row.entry
    form = AssignForm(
        request.POST or None,
        organisation=organisation,
        initial={"department": entry.department_id, "post": entry.post_id},
    )
    review_form = ApplyReviewForm(
        request.POST if request.POST.get("action") == "apply_review" else None,
        certificates=applications.reviewable_certificates(entry),
    )
    registration_form = ApplyRegistrationForm(
        request.POST if request.POST.get("action") == "apply_registration" else None,
        options=applications.sessions_to_register(entry) if entry.consented else [],
    )
    if request.method == "POST" and request.POST.get("action") in ("apply_review", "apply_registration"):
        done = _apply(request, entry, review_form, registration_form)
        if done:
            return redirect("employers:staff_detail", code=code, pk=pk)
    elif request.method == "POST":
        if request.POST.get("action") == "invite":
            services.invite_to_register(entry=entry, actor=request.user)
            messages.success(request, gettext("已重新发出邀请。"))
            return redirect("employers:staff_detail", code=code, pk=pk)
        if form.is_valid():
            services.assign_staff_member(
                entry=entry,
                actor=request.user,
                department=form.cleaned_data["department"],
                post=form.cleaned_data["post"],
            )
            messages.success(request, gettext("已保存。"))
            return redirect("employers:staff_detail", code=code, pk=pk)
    return render(
        request,
        "employers/staff_detail.html",
        _context(
            organisation,
            row=row,
            entry=entry,
            form=form,
            new_worker_hours=records.post_hours(entry.post),
            review_form=review_form,
            registration_form=registration_form,
            applications=applications.applications_for_entry(entry),
            training=_training_of(organisation, entry),
        ),
    )


def _training_of(organisation: Organisation, entry) -> selectors.TrainingRow | None:
    if not entry.consented:
        return None
    rows = selectors.training(organisation, entry=entry)
    return rows[0] if rows else None


def _apply(request: HttpRequest, entry, review_form: ApplyReviewForm, registration_form: ApplyRegistrationForm) -> bool:
    """The employer applies for a review or an exam on the worker's behalf; True when made."""
    try:
        if request.POST.get("action") == "apply_review":
            if not review_form.is_valid():
                return False
            certificate = review_form.certificates[review_form.cleaned_data["certificate"]]
            applications.apply_review_on_behalf(entry=entry, certificate=certificate, actor=request.user)
        else:
            if not registration_form.is_valid():
                return False
            session, operation_type = registration_form.options[registration_form.cleaned_data["choice"]]
            applications.register_on_behalf(
                entry=entry, session=session, operation_type=operation_type, actor=request.user
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    messages.success(request, gettext("已代为提交申请，本人可在“用人单位”页面查看或撤回。"))
    return True


@login_required
def staff_record_pdf(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organisation = _workspace(request, code)
    row = selectors.staff_row(organisation, pk)
    if row is None or not row.entry.consented:
        raise Http404
    response = HttpResponse(
        records.person_record_pdf(organisation=organisation, row=row), content_type="application/pdf"
    )
    response["Content-Disposition"] = _attachment(f"training-record-{pk}.pdf")
    return response


@login_required
def firm_record_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    rows = selectors.register(organisation)
    response = HttpResponse(records.firm_record_xlsx(organisation=organisation, rows=rows), content_type=XLSX)
    response["Content-Disposition"] = _attachment(
        f"training-records-{organisation.code}-{timezone.localdate():%Y%m%d}.xlsx"
    )
    return response


@login_required
def due(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    days = request.GET.get("within", "90")
    days_value = int(days) if days in {str(h) for h in HORIZONS} else HORIZONS[-1]
    department = _department(organisation, request.GET.get("department"))
    rows = selectors.register(organisation, department=department, only_consented=True)
    return render(
        request,
        "employers/due.html",
        _context(
            organisation,
            days=days_value,
            department=department,
            items=selectors.due_rows(rows, days=days_value),
            summary=selectors.summary(rows),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_list(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_department(organisation=organisation, actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("已添加部门。"))
            return redirect("employers:departments", code=code)
    return render(
        request,
        "employers/departments.html",
        _context(organisation, form=form, departments=selectors.departments(organisation)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_list(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _workspace(request, code)
    return _post_form(request, organisation, post=None)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    organisation = _workspace(request, code)
    post = organisation.posts.filter(pk=pk).first()
    if post is None:
        raise Http404
    return _post_form(request, organisation, post=post)


def _post_form(request: HttpRequest, organisation: Organisation, *, post) -> HttpResponse:
    initial = (
        {
            "name": post.name,
            "new_worker_education": post.new_worker_education,
            "high_risk": post.high_risk,
            "required_subjects": list(post.required_subjects.all()),
            "courses": list(post.courses.all()),
        }
        if post
        else None
    )
    form = add_course_field(PostForm(request.POST or None, initial=initial))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_post(
                organisation=organisation,
                actor=request.user,
                name=data["name"],
                new_worker_education=data["new_worker_education"],
                high_risk=data["high_risk"],
                required_subjects=list(data["required_subjects"]),
                courses=list(data["courses"]),
                post=post,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, gettext("已保存岗位。"))
            return redirect("employers:posts", code=organisation.code)
    return render(
        request,
        "employers/posts.html",
        _context(organisation, form=form, post=post, posts=selectors.posts(organisation)),
    )


@login_required
def training(request: HttpRequest, code: str) -> HttpResponse:
    """Hours and completion of the assigned courses, per person and per department."""
    organisation = _workspace(request, code)
    department = _department(organisation, request.GET.get("department"))
    rows = selectors.training(organisation, department=department)
    return render(
        request,
        "employers/training.html",
        _context(
            organisation,
            rows=[row for row in rows if row.lines],
            unassigned=sum(1 for row in rows if not row.lines),
            by_department=selectors.training_by_department(rows),
            department=department,
            departments=selectors.departments(organisation),
        ),
    )


# --- the person -------------------------------------------------------------------------


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    """The person's side: employers asking to add them, and employers they agreed to."""
    return render(
        request,
        "employers/invitations.html",
        {
            "pending": selectors.invitations_for(request.user),
            "employers": selectors.employers_of(request.user),
            "has_identity": bool(request.user.id_number_hash),
            "applications": applications.applications_for_person(request.user),
        },
    )


@login_required
@require_POST
def answer_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.person_entry(request.user, pk)
    if entry is None:
        raise Http404
    action = request.POST.get("action")
    if action in ("accept", "decline"):
        services.record_consent(entry=entry, user=request.user, accept=action == "accept")
        text = (
            gettext("您已同意 %(employer)s 查看您的证书和培训情况。")
            if action == "accept"
            else gettext("您已拒绝 %(employer)s 的邀请。")
        )
    elif action == "withdraw":
        services.withdraw_consent(entry=entry, user=request.user)
        text = gettext("您已撤回同意，%(employer)s 不再能查看您的证书。")
    else:
        raise Http404
    messages.success(request, text % {"employer": entry.organisation.name})
    return redirect(reverse("employers:invitations"))


@login_required
@require_POST
def withdraw_application(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker withdraws an application an employer made for them."""
    application = applications.application_of_person(request.user, pk)
    if application is None:
        raise Http404
    try:
        applications.withdraw_application(application=application, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("已撤回该申请。"))
    return redirect(reverse("employers:invitations"))


# --- the contractors' gate check ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def gate(request: HttpRequest, code: str) -> HttpResponse:
    """Upload a contractor's roster; the checks of the last 30 days with their progress."""
    from . import gate as gate_checks

    organisation = _workspace(request, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check = gate_checks.start_gate_check(
                organisation=organisation, actor=request.user, data=upload.read(), name=upload.name
            )
        except services.StaffImportError as exc:
            errors = exc.errors
        else:
            messages.success(request, gettext("已开始核验 %(count)s 人。") % {"count": check.total})
            return redirect("employers:gate_check", code=code, pk=check.pk)
    return render(
        request,
        "employers/gate.html",
        _context(organisation, form=form, errors=errors, checks=gate_checks.gate_checks(organisation)),
    )


@login_required
def gate_check(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    from . import gate as gate_checks

    organisation = _workspace(request, code)
    check = gate_checks.gate_check(organisation, pk)
    if check is None:
        raise Http404
    return render(request, "employers/gate_check.html", _context(organisation, check=check))


@login_required
def gate_check_xlsx(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    from certificates.roster import roster_workbook

    from . import gate as gate_checks

    organisation = _workspace(request, code)
    check = gate_checks.gate_check(organisation, pk)
    if check is None or check.status != check.Status.DONE:
        raise Http404
    response = HttpResponse(roster_workbook(check.results), content_type=XLSX)
    response["Content-Disposition"] = _attachment(f"gate-check-{check.pk}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response
