"""Forms for exam administration: planning a session, uploading a health certificate."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from exams.catalogue.models import OperationType, Subject
from exams.papers.models import Blueprint

from .models import CheckInMode, ExamKind, SessionPurpose


class SessionPlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("考试类型"), choices=ExamKind.choices, initial=ExamKind.PRACTICAL)
    name = forms.CharField(label=_("场次名称"), max_length=200)
    authority = forms.ModelChoiceField(label=_("发证机关"), queryset=Organisation.objects.none())
    site = forms.ModelChoiceField(label=_("考点"), queryset=Organisation.objects.none())
    operation_type = forms.ModelChoiceField(
        label=_("操作项目"), queryset=OperationType.objects.filter(is_active=True), required=False
    )
    #: Principal leaders and safety managers: a post in an industry (theory only).
    subject = forms.ModelChoiceField(
        label=_("或：三项岗位考核科目"),
        queryset=Subject.objects.filter(is_active=True, operation_type__isnull=True).order_by("code"),
        required=False,
    )
    purpose = forms.ChoiceField(
        label=_("用途"), choices=SessionPurpose.choices, initial=SessionPurpose.CERTIFICATION, required=False
    )
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    capacity = forms.IntegerField(label=_("容量（人）"), min_value=1, max_value=10000)
    blueprint = forms.ModelChoiceField(
        label=_("组卷规则（理论考试）"), queryset=Blueprint.objects.all(), required=False
    )
    checkin_mode = forms.ChoiceField(
        label=_("入场方式（理论考试）"),
        choices=CheckInMode.choices,
        initial=CheckInMode.SITE,
        required=False,
        help_text=_("远程开考码仅限发证机关允许远程理论考试时使用。"),
    )

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = authorities
        self.fields["site"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.EXAM_SITE, is_active=True
        ).order_by("name")
        if authorities.count() == 1:
            self.fields["authority"].initial = authorities.first()

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("operation_type")) == bool(cleaned.get("subject")):
            raise forms.ValidationError(_("请选择一个操作项目，或一个三项岗位考核科目。"))
        return cleaned


class HealthCertificateForm(forms.Form):
    """The file may be left empty when one chosen earlier is held (``held_name``): an error
    on another field must not make the worker pick the file again."""

    file = forms.FileField(label=_("体检证明（图片或 PDF，不超过 5 MB）"), required=False)
    issued_on = forms.DateField(label=_("出具日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, held_name: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_name: str | None = None
        if held_name:
            self.hold(held_name)

    def hold(self, name: str) -> None:
        """A file named ``name`` is held: choosing one is now optional and replaces it."""
        self.held_name = name
        self.fields["file"].label = _("换一个文件（可不选）")
        self["file"].label = self.fields["file"].label  # the bound field keeps its own copy

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload and not self.held_name:
            raise forms.ValidationError(self.fields["file"].error_messages["required"], code="required")
        return upload
