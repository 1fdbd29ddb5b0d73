"""Forms of the invigilation pages: extra time and closing an attempt, each with a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ExtendAttemptForm(forms.Form):
    """An invigilator's grant of extra time to one candidate."""

    minutes = forms.IntegerField(
        label=_("延长（分钟）"),
        min_value=1,
        max_value=60,
        initial=10,
        error_messages={
            "required": _("请填写延长的分钟数。"),
            "invalid": _("请输入整数分钟。"),
            "min_value": _("延长时间至少 1 分钟。"),
            "max_value": _("一次最多延长 60 分钟。"),
        },
    )
    reason = forms.CharField(label=_("原因"), max_length=500, error_messages={"required": _("请填写原因。")})


class CloseAttemptForm(forms.Form):
    """An invigilator closing (收卷) one candidate's attempt before the deadline."""

    reason = forms.CharField(label=_("原因"), max_length=500, error_messages={"required": _("请填写原因。")})
