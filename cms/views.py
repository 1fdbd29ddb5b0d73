from __future__ import annotations

import datetime as dt
import io

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from exams.admission.access import is_regulator

from .selectors import dashboard_for
from .statistics import Statistics, statistics_for


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard.html",
        {"dashboard": dashboard_for(user=request.user), "weixin_enabled": settings.WEIXIN_ENABLED},
    )


def _date(value: str | None, default: dt.date) -> dt.date | None:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """Regulators: pass rates, certificates and training for a date range, as charts with their
    tables, and the same tables as a workbook (``?format=xlsx``)."""
    if not is_regulator(request.user):
        raise PermissionDenied(_("只有考核发证机关的监管人员可以查看统计。"))
    today = timezone.localdate()
    start = _date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _date(request.GET.get("end"), today)
    error = ""
    if start is None or end is None:
        error = _("日期格式不对，请按“年-月-日”填写，例如 2026-01-31。")
    elif end < start:
        error = _("结束日期不能早于开始日期。")
    elif (end - start).days > 3660:
        error = _("日期范围不能超过十年。")
    if error:
        start, end = today.replace(month=1, day=1), today
    figures = statistics_for(user=request.user, start=start, end=end)  # type: ignore[arg-type]
    if request.GET.get("format") == "xlsx" and not error:
        return _statistics_workbook(figures)
    return render(request, "cms/statistics.html", {"statistics": figures, "error": error}, status=422 if error else 200)


def _statistics_workbook(figures: Statistics) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in figures.tables:
        sheet = workbook.create_sheet(title=f"{table.title}-{table.by}"[:31])
        sheet.append([f"{table.title}（{figures.start:%Y-%m-%d} – {figures.end:%Y-%m-%d}）"])
        sheet.append([table.by, *table.columns])
        for label, values in table.rows:
            sheet.append([label, *values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"statistics-{figures.start:%Y%m%d}-{figures.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
