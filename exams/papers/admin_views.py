"""Blueprints (组卷规则) in the Wagtail admin: rules edited inline, checked before saving.

A blueprint is saved only when its rules' points add up to 100 and its bank can fill
every rule (the shortfall is named: kind, knowledge point, difficulty, needed and
available). Organisation staff see and edit only the blueprints of their own
organisations' banks; superusers see all.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.snippets.views.snippets import CopyView, DeleteView, EditView, SnippetViewSet

from exams.bank.access import editable_banks_filter
from exams.bank.models import QuestionBank
from exams.catalogue.services import subject_of

from .drawing import blueprint_shortfalls
from .models import Blueprint
from .scoring import DrawRule, blueprint_problems


def editable_banks(user) -> QuerySet[QuestionBank]:
    """The banks whose blueprints the user edits: the banks they may edit (exams.bank.access)."""
    return QuestionBank.objects.filter(editable_banks_filter(user))


def editable_blueprints(user) -> QuerySet[Blueprint]:
    return Blueprint.objects.filter(bank__in=editable_banks(user)).select_related("bank", "operation_type")


class BlueprintForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "bank" in self.fields:
            self.fields["bank"].queryset = editable_banks(self.for_user)

    def _rules(self) -> list[DrawRule] | None:
        formset = self.formsets.get("rules")
        if formset is None or not formset.is_valid():
            return None
        rules = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("kind"):
                continue
            try:
                points = Decimal(data.get("points") or 0)
            except InvalidOperation:
                return None
            rules.append(
                DrawRule(
                    kind=data["kind"],
                    count=data.get("count") or 0,
                    points=points,
                    knowledge_point=(data.get("knowledge_point") or "").strip(),
                    difficulty=data.get("difficulty"),
                )
            )
        return rules

    def clean(self):
        cleaned = super().clean()
        rules = self._rules()
        if rules is None:
            return cleaned  # the rule rows carry their own errors
        problems = blueprint_problems(
            rules,
            pass_mark=cleaned.get("pass_mark") or 0,
            time_limit_minutes=cleaned.get("time_limit_minutes") or 0,
        )
        for problem in problems:
            self.add_error(None, problem)
        bank, operation_type, subject = cleaned.get("bank"), cleaned.get("operation_type"), cleaned.get("subject")
        if operation_type is None and subject is None:
            self.add_error(None, _("请选择操作项目或考核科目。"))
        if operation_type is not None and subject is not None and subject.operation_type_id != operation_type.pk:
            self.add_error(None, _("考核科目与操作项目不一致。"))
        if operation_type is not None and subject is None:
            cleaned["subject"] = subject = subject_of(operation_type)
        if not problems and bank is not None and (operation_type is not None or subject is not None):
            shortfalls = blueprint_shortfalls(
                bank_id=bank.pk,
                operation_type_id=operation_type.pk if operation_type is not None else None,
                subject_id=subject.pk if subject is not None else None,
                rules=rules,
            )
            for shortfall in shortfalls:
                self.add_error(
                    None,
                    _("题库“%(bank)s”不能满足组卷规则：%(shortfall)s。")
                    % {"bank": bank.name, "shortfall": shortfall.message()},
                )
        return cleaned


class _ScopedObjectMixin:
    """Edit, delete and copy only blueprints of the user's own banks (404 otherwise)."""

    def get_queryset(self):
        return editable_blueprints(self.request.user)


class BlueprintEditView(_ScopedObjectMixin, EditView):
    pass


class BlueprintDeleteView(_ScopedObjectMixin, DeleteView):
    pass


class BlueprintCopyView(CopyView):
    def get_object(self, queryset=None):
        return get_object_or_404(editable_blueprints(self.request.user), pk=self.kwargs[self.pk_url_kwarg])


class BlueprintViewSet(SnippetViewSet):
    model = Blueprint
    icon = "list-ol"
    list_display = ["name", "bank", "operation_type", "time_limit_minutes", "pass_mark"]
    list_filter = ["operation_type"]
    search_fields = ["name"]
    edit_view_class = BlueprintEditView
    delete_view_class = BlueprintDeleteView
    copy_view_class = BlueprintCopyView
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("bank"),
            FieldPanel("operation_type"),
            FieldPanel("subject"),
            FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("pass_mark")]),
            MultiFieldPanel(
                [InlinePanel("rules", min_num=1, label=_lazy("明细"))],
                heading=_lazy("组卷明细（各题型题数 × 每题分值合计 100 分）"),
            ),
        ],
        base_form_class=BlueprintForm,
    )

    def get_queryset(self, request):
        return editable_blueprints(request.user)
