"""Forms of the bank pages in the Wagtail admin."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from exams.catalogue.models import OperationType

from .access import is_bank_administrator
from .importers import FORMATS, FileProblem, guess_format
from .importers.columns import ROLES
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
        help_text=_(
            "Excel（.xlsx）、CSV、Word（.docx）、Moodle XML（.xml）、GIFT（.gift）或 Aiken（.txt），最大 20 MB。"
        ),
    )
    format = forms.ChoiceField(label=_("格式"), choices=FORMAT_CHOICES, required=False)
    default_operation_type = forms.ModelChoiceField(
        label=_("默认操作项目"),
        queryset=OperationType.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "文件中没有填写操作项目的试题（例如 Word、Aiken 格式），"
            "或填写的操作项目在目录中找不到的试题，归入此操作项目。"
        ),
    )
    skip_duplicates = forms.BooleanField(
        label=_("跳过重复试题"),
        required=False,
        help_text=_("文件内重复出现的试题和题库中已有的试题不导入，只计数。不勾选时，重复试题作为错误列出。"),
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


class ImportCheckForm(forms.Form):
    """The preview's settings: each column's role (spreadsheets), duplicates, the default type.

    Column fields are named ``column_<index>`` after the columns of the recognised layout.
    """

    skip_duplicates = ImportUploadForm.base_fields["skip_duplicates"]
    default_operation_type = ImportUploadForm.base_fields["default_operation_type"]

    def __init__(self, *args, layout: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.layout_columns = list((layout or {}).get("columns") or [])
        choices = [(role, label) for role, label in ROLES.items()]
        for column in self.layout_columns:
            name = f"column_{column['index']}"
            self.fields[name] = forms.ChoiceField(
                label=_("%(letter)s 列“%(header)s”") % {"letter": column["letter"], "header": column["header"]},
                choices=choices,
                initial=column["role"],
            )
            self.fields[name].column = column

    def column_fields(self):
        return [self[f"column_{column['index']}"] for column in self.layout_columns]

    def column_choices(self) -> list[tuple[str, str]]:
        """(role, "#index") for every column, as the importers take them."""
        return [(self.cleaned_data[f"column_{c['index']}"], f"#{c['index']}") for c in self.layout_columns]


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
