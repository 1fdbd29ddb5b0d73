"""试题分析 in the Wagtail admin's 题库管理: item statistics of a bank's questions from the
attempts of formal exams, and its composition by knowledge point.

Served under the bank tools' URLs (exams/wagtail_hooks.py adds it), readable by whoever
may read the bank.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.bank.access import can_edit_bank, is_bank_staff, readable_banks_filter
from exams.bank.forms import RetireForm
from exams.bank.models import QuestionBank
from exams.bank.selectors import bank_composition

from .item_statistics import FLAG_LABELS
from .selectors import item_report


def _readable_bank(request: HttpRequest, bank_id: int) -> QuestionBank:
    if not is_bank_staff(request.user):
        raise PermissionDenied(_("只有培训机构、监管部门的题库管理人员可以使用题库管理。"))
    return get_object_or_404(QuestionBank.objects.filter(readable_banks_filter(request.user)), pk=bank_id)


#: Periods the item statistics can be limited to, in days.
STATISTICS_PERIODS = {"30": gettext_lazy("近 30 天"), "90": gettext_lazy("近 90 天"), "365": gettext_lazy("近一年")}


def item_statistics_view(request: HttpRequest, bank_id: int) -> TemplateResponse:
    bank = _readable_bank(request, bank_id)
    days = request.GET.get("days", "")
    since = timezone.now() - dt.timedelta(days=int(days)) if days in STATISTICS_PERIODS else None
    rows = item_report(bank, since=since)
    only_flagged = request.GET.get("flagged") == "1"
    if only_flagged:
        rows = [row for row in rows if row.statistics.needs_review]
    return TemplateResponse(
        request,
        "exams/theory/statistics.html",
        {
            "page_title": _("试题分析"),
            "page_subtitle": bank.name,
            "header_icon": "table",
            "bank": bank,
            "composition": bank_composition(bank),
            "rows": [(row, [FLAG_LABELS[flag] for flag in row.statistics.flags]) for row in rows],
            "can_edit": can_edit_bank(request.user, bank),
            "only_flagged": only_flagged,
            "days": days if since else "",
            "periods": [("", _("全部")), *STATISTICS_PERIODS.items()],
            "retire_form": RetireForm(),
        },
    )
