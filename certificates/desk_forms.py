"""Forms of the issuing authority's desk (regulators)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .rules import (
    CANCELLATION_GROUND_LABELS,
    REPLACEMENT_REASON_LABELS,
    REVOCATION_GROUND_LABELS,
    normalize_certificate_number,
)

MAX_NUMBERS = 20_000


class BulkExtensionForm(forms.Form):
    """Select a group (by operation type and review date range, or by numbers) and extend it."""

    operation_type = forms.ModelChoiceField(label=_("操作项目"), queryset=None, required=False, empty_label=_("全部"))
    review_due_from = forms.DateField(
        label=_("应复审日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    review_due_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    numbers = forms.CharField(
        label=_("或逐行填写证号"), required=False, widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})
    )
    until = forms.DateField(label=_("延期至"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("延期原因"), max_length=500)
    window_start = forms.DateField(
        label=_("应急期开始（可选：恢复期间内到期失效的证书）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    window_end = forms.DateField(label=_("应急期结束"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from exams.catalogue.models import OperationType

        self.fields["operation_type"].queryset = OperationType.objects.order_by("code")

    def clean_numbers(self) -> list[str]:
        numbers = [normalize_certificate_number(line) for line in self.cleaned_data["numbers"].splitlines()]
        numbers = [number for number in numbers if number]
        if len(numbers) > MAX_NUMBERS:
            raise forms.ValidationError(_("一次最多填写 %(max)s 个证号。") % {"max": MAX_NUMBERS})
        return numbers


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500)


class RevokeForm(ReasonForm):
    ground = forms.ChoiceField(label=_("撤销依据"), choices=list(REVOCATION_GROUND_LABELS.items()))


class CancelForm(ReasonForm):
    ground = forms.ChoiceField(label=_("注销依据"), choices=list(CANCELLATION_GROUND_LABELS.items()))


class ReplaceForm(forms.Form):
    reason = forms.ChoiceField(label=_("补发原因"), choices=list(REPLACEMENT_REASON_LABELS.items()))
    detail = forms.CharField(label=_("说明"), max_length=500, required=False)


class ReviewDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("复审结论"),
        choices=[("1", _("合格")), ("0", _("不合格"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    health_check_passed = forms.BooleanField(label=_("体检合格"), required=False, initial=True)
    verified_violations = forms.IntegerField(label=_("查实违章次数"), min_value=0, max_value=99, initial=0)
    administrative_penalty = forms.BooleanField(label=_("受过安全生产行政处罚"), required=False)
    obstructed_inspection = forms.BooleanField(label=_("拒绝、阻碍监督检查"), required=False)
    exam_score = forms.DecimalField(
        label=_("复审考试成绩"), min_value=0, max_value=100, decimal_places=2, required=False
    )
    note = forms.CharField(label=_("说明"), max_length=500, required=False)
