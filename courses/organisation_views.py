"""Pages for training organisations (their learners, classes, exports) and regulators (grading).

Every view checks that the user holds the role at that very organisation: an
organisation sees only its own learners and content.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from accounts.models import Organisation, Role
from accounts.selectors import has_role, organisations_of

from .classes import (
    answer_class_invitation,
    enrol_class,
    learners_who_share_their_phone,
    pending_class_invitations,
)
from .exports import learners_workbook
from .models import StudyClass
from .oversight import can_regulate, grade_training_organisation, outcomes, regulated_organisations
from .selectors import catalogue, learners_of, section_courses

#: Class enrolments (each a batch of look-ups) per trainer.
CLASS_ENROLMENT_RATE = "20/h"


def _training_organisation(request: HttpRequest, code: str) -> Organisation:
    organisation = get_object_or_404(Organisation, code=code, kind=Organisation.Kind.TRAINING, is_active=True)
    if not has_role(request.user, Role.TRAINER, organisation):
        raise PermissionDenied(_("您不是该培训机构的工作人员。"))
    return organisation


@login_required
def my_organisations(request: HttpRequest) -> HttpResponse:
    organisations = list(organisations_of(request.user, role=Role.TRAINER).filter(kind=Organisation.Kind.TRAINING))
    if not organisations:
        raise PermissionDenied(_("您不是培训机构的工作人员。"))
    if len(organisations) == 1:
        return redirect("courses:organisation", code=organisations[0].code)
    return render(request, "courses/organisations.html", {"organisations": organisations})


@login_required
def organisation_learners(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _training_organisation(request, code)
    classes = list(StudyClass.objects.filter(organisation=organisation).select_related("course").order_by("name"))
    chosen = next((c for c in classes if str(c.pk) == request.GET.get("class", "")), None)
    rows = learners_of(organisation=organisation, study_class=chosen)
    return render(
        request,
        "courses/organisation.html",
        {
            "organisation": organisation,
            "classes": classes,
            "chosen": chosen,
            "rows": rows,
            "ready": [row for row in rows if row.ready_for_exam],
        },
    )


@login_required
def organisation_export(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _training_organisation(request, code)
    data = learners_workbook(
        learners_of(organisation=organisation), phone_shown_for=learners_who_share_their_phone(organisation)
    )
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"learners-{organisation.code}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class ClassForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("班级名称"), max_length=100)
    course = forms.TypedChoiceField(label=gettext_lazy("课程"), coerce=int)
    learners = forms.CharField(
        label=gettext_lazy("学员身份证号或手机号（每行一个）"),
        widget=forms.Textarea(attrs={"rows": 8, "autocomplete": "off"}),
    )

    def __init__(self, *args, courses, **kwargs):
        super().__init__(*args, **kwargs)
        self.courses = {course.pk: course for course in courses}
        self.fields["course"].choices = [(course.pk, course.title) for course in courses]


@login_required
def organisation_class_new(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _training_organisation(request, code)
    courses = [course for course in section_courses(organisation=organisation) if course.live]
    form = ClassForm(request.POST or None, courses=courses)
    if request.method == "POST" and is_ratelimited(
        request, group="courses.class_enrolment", key="user", rate=CLASS_ENROLMENT_RATE, increment=True
    ):
        form.add_error(None, _("报名操作过于频繁，请稍后再试。"))
        return render(request, "courses/class_form.html", {"organisation": organisation, "form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            result = enrol_class(
                organisation=organisation,
                course=form.courses[form.cleaned_data["course"]],
                name=form.cleaned_data["name"],
                identifiers=form.cleaned_data["learners"].splitlines(),
                actor=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "已为本机构的 %(enrolled)d 名学员报名。其余 %(invited)d 条记录已发出邀请："
                    "按手机号填写的会收到短信，本人用该手机号登录或注册后，在“我的邀请”中同意即加入班级。"
                )
                % {"enrolled": result.enrolled, "invited": result.invited},
            )
            study_class = result.study_class
            return redirect(f"{reverse('courses:organisation', args=[organisation.code])}?class={study_class.pk}")
    return render(request, "courses/class_form.html", {"organisation": organisation, "form": form})


@login_required
def oversight(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.REGULATOR):
        raise PermissionDenied(_("只有监管人员可以查看。"))
    organisations = list(regulated_organisations(request.user))
    return render(
        request,
        "courses/oversight.html",
        {"outcomes": outcomes(organisations), "grades": Organisation.Grade.choices},
    )


@require_POST
@login_required
def grade_organisation(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code, kind=Organisation.Kind.TRAINING)
    if not can_regulate(request.user, organisation):
        raise PermissionDenied(_("您无权为该培训机构评定等级。"))
    try:
        grade_training_organisation(
            organisation=organisation,
            grade=request.POST.get("grade", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("等级已更新。"))
    return redirect("courses:oversight")


def catalogue_view(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    groups = catalogue(category_code=category)
    if category and not groups:
        raise Http404
    return render(request, "courses/catalogue.html", {"groups": groups, "category": category})


@login_required
def my_invitations(request: HttpRequest) -> HttpResponse:
    """A person's invitations into training organisations' classes: accept or decline."""
    if request.method == "POST":
        try:
            answer_class_invitation(
                invitation_id=int(raw) if (raw := request.POST.get("invitation", "")).isdigit() else 0,
                user=request.user,
                accept=request.POST.get("answer") == "accept",
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("已记录您的选择。"))
        return redirect("courses:invitations")
    return render(request, "courses/invitations.html", {"invitations": pending_class_invitations(request.user)})
