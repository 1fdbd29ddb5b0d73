"""Exams in the Wagtail admin: simple listings and edit forms under one "考试" menu.

Blueprint rules are edited in the Django admin for now; rubric subjects are inline
in the rubric's form (PracticalRubric is clusterable).
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .bank_admin import QuestionBankToolsViewSet, QuestionBankViewSet, QuestionViewSet
from .models import Blueprint, ExamSession, ExamSiteProfile, PracticalRubric, Registration


class BlueprintViewSet(SnippetViewSet):
    model = Blueprint
    icon = "list-ol"
    list_display = ["name", "bank", "operation_type", "time_limit_minutes", "pass_mark"]
    panels = [
        FieldPanel("name"),
        FieldPanel("bank"),
        FieldPanel("operation_type"),
        FieldPanel("time_limit_minutes"),
        FieldPanel("pass_mark"),
    ]


class ExamSessionViewSet(SnippetViewSet):
    model = ExamSession
    icon = "date"
    list_display = ["name", "kind", "site", "starts_at", "ends_at", "capacity"]
    list_filter = ["kind"]
    search_fields = ["name"]
    panels = [
        FieldPanel("kind"),
        FieldPanel("name"),
        FieldPanel("authority"),
        FieldPanel("site"),
        FieldPanel("operation_types"),
        FieldPanel("starts_at"),
        FieldPanel("ends_at"),
        FieldPanel("capacity"),
        FieldPanel("blueprint"),
        FieldPanel("rubric"),
    ]


class RegistrationViewSet(SnippetViewSet):
    model = Registration
    icon = "user"
    list_display = ["candidate", "session", "operation_type", "status", "created_at"]
    list_filter = ["status"]
    panels = [
        FieldPanel("session"),
        FieldPanel("candidate"),
        FieldPanel("operation_type"),
        FieldPanel("training_organisation"),
        FieldPanel("status"),
        FieldPanel("is_retake"),
    ]


class PracticalRubricViewSet(SnippetViewSet):
    model = PracticalRubric
    icon = "tasks"
    list_display = ["operation_type", "version", "total_minutes", "pass_mark", "is_published"]
    list_filter = ["is_published"]
    # Subjects and their tasks (JSON, checked by exams.rubric_rules) are edited inline; a
    # version already used by a session refuses edits (PracticalRubric.clean).
    panels = [
        FieldPanel("operation_type"),
        FieldPanel("version"),
        FieldPanel("total_minutes"),
        FieldPanel("pass_mark"),
        FieldPanel("retake_failed_subject_only"),
        FieldPanel("is_published"),
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
    ]


class ExamSiteProfileViewSet(SnippetViewSet):
    model = ExamSiteProfile
    icon = "site"
    menu_label = _("实操考点")
    list_display = ["organisation", "capacity", "address"]
    panels = [FieldPanel("organisation"), FieldPanel("address"), FieldPanel("capacity"), FieldPanel("operation_types")]


class ExamsViewSetGroup(SnippetViewSetGroup):
    menu_label = _("考试")
    menu_icon = "doc-full-inverse"
    menu_order = 300
    items = (
        QuestionBankViewSet,
        QuestionViewSet,
        BlueprintViewSet,
        ExamSessionViewSet,
        RegistrationViewSet,
        PracticalRubricViewSet,
        ExamSiteProfileViewSet,
    )


register_snippet(ExamsViewSetGroup)


@hooks.register("register_admin_viewset")
def register_question_bank_tools():
    """题库管理: import, export, template and item statistics (exams/bank_admin.py)."""
    return QuestionBankToolsViewSet()
