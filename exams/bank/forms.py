"""Forms of the bank pages in the Wagtail admin."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from exams.catalogue.models import OperationType

from .access import is_bank_administrator
from .importers import FORMATS, FileProblem, guess_format
from .importers.records import (
    TRUE_FALSE,
    TRUE_FALSE_EXPORT,
    RowProblem,
    check_size,
    keyed_options,
    parse_answer,
    parse_kind,
    split_options,
)
from .models import Question
from .selectors import editable_banks

FORMAT_CHOICES = [("", _("按文件扩展名判断"))] + [(fmt.name, fmt.label) for fmt in FORMATS.values()]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("试题文件"),
        help_text=_("Excel（.xlsx）、CSV、Moodle XML（.xml）、GIFT（.gift）或 Aiken（.txt），最大 20 MB。"),
    )
    format = forms.ChoiceField(label=_("格式"), choices=FORMAT_CHOICES, required=False)
    default_operation_type = forms.ModelChoiceField(
        label=_("默认操作项目"),
        queryset=OperationType.objects.filter(is_active=True),
        required=False,
        help_text=_("文件中没有填写操作项目的试题（例如 Aiken 格式）归入此操作项目。"),
    )
    skip_duplicates = forms.BooleanField(
        label=_("跳过题库中已有的重复试题"),
        required=False,
        help_text=_("不勾选时，重复试题会作为错误列出，整个文件不导入。"),
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        try:
            check_size(upload.size)
            cleaned["format"] = cleaned.get("format") or guess_format(PurePath(upload.name).name)
        except FileProblem as problem:
            raise forms.ValidationError(str(problem)) from problem
        return cleaned


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("停用原因"), max_length=200)


class QuestionBankAdminForm(WagtailAdminModelForm):
    """Only administrators move a bank between layers or organisations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and not is_bank_administrator(self.for_user):
            for name in ("level", "organisation", "slug"):
                if name in self.fields:
                    self.fields[name].disabled = True


class QuestionAdminForm(WagtailAdminModelForm):
    """Options one a line and the answer as letters, instead of raw JSON."""

    options_text = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一个选项，以 A. B. C. 开头；判断题不填。"),
    )
    answer_text = forms.CharField(
        label=_("答案"),
        max_length=20,
        help_text=_("单选题填一个字母，多选题填多个字母（如 ABC），判断题填“正确”或“错误”。"),
    )

    class Meta:
        model = Question
        fields = ["bank", "kind", "stem", "explanation", "image", "knowledge_point", "difficulty", "operation_types"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "bank" in self.fields:
            self.fields["bank"].queryset = editable_banks(self.for_user)
        instance = self.instance
        if instance.pk:
            if "bank" in self.fields:
                self.fields["bank"].disabled = True
            self.initial.setdefault(
                "options_text", "\n".join(f"{o['key']}. {o['text']}" for o in instance.options or [])
            )
            answer = instance.answer or []
            self.initial.setdefault(
                "answer_text",
                TRUE_FALSE_EXPORT.get(answer[0], "") if instance.kind == TRUE_FALSE and answer else "".join(answer),
            )

    def clean(self):
        cleaned = super().clean()
        try:
            kind = parse_kind(cleaned.get("kind", ""))
            options = () if kind == TRUE_FALSE else keyed_options(split_options(cleaned.get("options_text", "")))
            answer = parse_answer(kind, cleaned.get("answer_text", ""), [key for key, _text in options])
        except RowProblem as problem:
            raise forms.ValidationError(str(problem)) from problem
        cleaned["options"] = [{"key": key, "text": text} for key, text in options]
        cleaned["answer"] = list(answer)
        return cleaned
