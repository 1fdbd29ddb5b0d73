from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RubricSubject

SCORE_ERRORS = {
    "required": _("请填写该科目的成绩。"),
    "invalid": _("请输入数字。"),
    "min_value": _("成绩不能低于 0 分。"),
    "max_value": _("成绩不能高于 100 分。"),
    "max_decimal_places": _("成绩最多保留两位小数。"),
    "max_digits": _("成绩应在 0 到 100 之间。"),
    "max_whole_digits": _("成绩应在 0 到 100 之间。"),
}


class PracticalScoreForm(forms.Form):
    """One score per rubric subject (``score_K1`` …), the veto flag and its reason."""

    veto = forms.BooleanField(label=_("触发否决项"), required=False)
    veto_reason = forms.CharField(
        label=_("否决原因"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, subjects: Iterable[RubricSubject], **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = list(subjects)
        score_fields = {}
        for subject in self.subjects:
            score_fields[f"score_{subject.code}"] = forms.DecimalField(
                label=f"{subject.code} {subject.name}（{subject.weight}%）",
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                error_messages=SCORE_ERRORS,
                widget=forms.NumberInput(attrs={"min": "0", "max": "100", "step": "0.01", "inputmode": "decimal"}),
            )
        # Subjects first, in rubric order, then the veto fields.
        self.fields = {**score_fields, "veto": self.fields["veto"], "veto_reason": self.fields["veto_reason"]}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("veto") and not (cleaned.get("veto_reason") or "").strip():
            self.add_error("veto_reason", _("触发否决项时须填写否决原因。"))
        return cleaned

    def subject_scores(self) -> dict[str, Decimal]:
        return {subject.code: self.cleaned_data[f"score_{subject.code}"] for subject in self.subjects}

    def score_fields(self):
        return [self[f"score_{subject.code}"] for subject in self.subjects]
