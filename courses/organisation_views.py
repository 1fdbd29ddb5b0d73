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

from accounts.models import Organisation, Role
from accounts.selectors import has_role, organisations_of

from .classes import enrol_class
from .exports import learners_workbook
from .models import StudyClass
from .oversight import can_regulate, grade_training_organisation, outcomes, regulated_organisations
from .selectors import catalogue, learners_of, section_courses


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
    data = learners_workbook(learners_of(organisation=organisation))
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
    if request.method == "POST" and form.is_valid():
        try:
            study_class = enrol_class(
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
            messages.success(request, _("班级报名成功。"))
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
