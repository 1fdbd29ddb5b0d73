"""Practical rubric pages: regulators import and publish versions; everyone who may read a
rubric sees and exports it as JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .models import PracticalRubric
from .rubrics import can_publish_rubrics, import_rubric, publish_rubric, rubric_spec, rubric_to_dict
from .rules import RubricInvalid


@login_required
def rubric_list(request: HttpRequest) -> HttpResponse:
    rubrics = PracticalRubric.objects.select_related("operation_type").order_by("operation_type__code", "-version")
    if not can_publish_rubrics(request.user):
        rubrics = rubrics.filter(is_published=True)
    return render(
        request,
        "exams/practical/rubric_list.html",
        {"rubrics": rubrics, "can_publish": can_publish_rubrics(request.user)},
    )


@login_required
@require_POST
def rubric_import(request: HttpRequest) -> HttpResponse:
    """A regulator uploads a rubric as JSON (as exported): stored as the type's next, unpublished version."""
    if not can_publish_rubrics(request.user):
        raise PermissionDenied(_("只有考核发证机关可以导入评分标准。"))
    upload = request.FILES.get("file")
    try:
        if upload is None or upload.size > 1024 * 1024:
            raise ValueError
        data = json.loads(upload.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        messages.error(request, _("请上传不超过 1 MB 的 JSON 文件（格式同导出文件）。"))
        return redirect("exams:rubric_list")
    try:
        rubric = import_rubric(data=data, actor=request.user)
    except RubricInvalid as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect("exams:rubric_list")
    messages.success(request, _("已导入为 v%(version)s，核对后请发布。") % {"version": rubric.version})
    return redirect("exams:rubric_detail", rubric_id=rubric.pk)


@login_required
def rubric_json(request: HttpRequest, rubric_id: int) -> HttpResponse:
    rubric = get_object_or_404(PracticalRubric.objects.select_related("operation_type"), pk=rubric_id)
    if not rubric.is_published and not can_publish_rubrics(request.user):
        raise Http404
    response = JsonResponse(rubric_to_dict(rubric), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = (
        f'attachment; filename="rubric-{rubric.operation_type.code}-v{rubric.version}.json"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def rubric_detail(request: HttpRequest, rubric_id: int) -> HttpResponse:
    rubric = get_object_or_404(PracticalRubric.objects.select_related("operation_type"), pk=rubric_id)
    if not rubric.is_published and not can_publish_rubrics(request.user):
        raise Http404
    if request.method == "POST":
        try:
            publish_rubric(rubric=rubric, actor=request.user)
        except RubricInvalid as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        else:
            messages.success(request, _("评分标准已发布。"))
        return redirect("exams:rubric_detail", rubric_id=rubric.pk)
    try:
        spec = rubric_spec(rubric)
        problems: list[str] = []
    except RubricInvalid as exc:
        spec, problems = None, exc.problems
    return render(
        request,
        "exams/practical/rubric_detail.html",
        {"rubric": rubric, "spec": spec, "problems": problems, "can_publish": can_publish_rubrics(request.user)},
    )
