"""Practical rubrics in the Wagtail admin: a draft version is edited with its subjects inline.

Publishing is not a field here: a version is published only through publish_rubric (the
rubric page, /exams/rubrics/<id>/), which checks every rule and audits who published it.
A published version, or one a session or result uses, is never edited again: a change is
a new version, imported as a draft.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .models import PracticalRubric


class RubricDraftForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_published:
            raise ValidationError(_("已发布的版本不能修改；请导入新版本。"))
        return cleaned


class RubricIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(_("导入与发布"), url=reverse("exams:rubric_list"), icon_name="upload"),
        ]


class PracticalRubricViewSet(SnippetViewSet):
    model = PracticalRubric
    icon = "tasks"
    index_view_class = RubricIndexView
    list_display = ["operation_type", "version", "total_minutes", "pass_mark", "is_published"]
    list_filter = ["is_published"]
    # Subjects and their tasks (JSON, checked by exams.practical.rules) are edited inline; a
    # version already used by a session refuses edits (PracticalRubric.clean).
    edit_handler = ObjectList(
        [
            FieldPanel("operation_type"),
            FieldPanel("version"),
            FieldPanel("total_minutes"),
            FieldPanel("pass_mark"),
            FieldPanel("retake_failed_subject_only"),
            InlinePanel(
                "subjects",
                label=_("科目"),
                panels=[
                    FieldPanel("code"),
                    FieldPanel("name"),
                    FieldPanel("weight"),
                    FieldPanel("minutes"),
                    FieldPanel("scoring_mode"),
                    FieldPanel("task_selection"),
                    FieldPanel("tasks"),
                ],
            ),
        ],
        base_form_class=RubricDraftForm,
    )
