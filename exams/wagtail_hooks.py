"""Exams in the Wagtail admin: simple listings and edit forms under one "考试" menu.

Blueprints are edited with their rules inline (exams/blueprint_admin.py: points must add
up to 100 and the bank must fill every rule); rubric subjects are edited in the Django
admin for now.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .blueprint_admin import BlueprintViewSet
from .models import ExamSession, PracticalRubric, Question, QuestionBank, Registration


class QuestionBankViewSet(SnippetViewSet):
    model = QuestionBank
    icon = "folder-open-inverse"
    list_display = ["name", "slug", "level", "organisation"]
    list_filter = ["level"]
    search_fields = ["name", "slug"]
    panels = [FieldPanel("slug"), FieldPanel("name"), FieldPanel("level"), FieldPanel("organisation")]


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    list_display = ["stem", "bank", "kind", "knowledge_point", "is_active"]
    list_filter = ["bank", "kind", "is_active"]
    search_fields = ["stem", "knowledge_point"]
    panels = [
        FieldPanel("bank"),
        FieldPanel("kind"),
        FieldPanel("stem"),
        FieldPanel("options"),
        FieldPanel("answer"),
        FieldPanel("explanation"),
        FieldPanel("knowledge_point"),
        FieldPanel("difficulty"),
        FieldPanel("operation_types"),
        FieldPanel("is_active"),
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
    panels = [
        FieldPanel("operation_type"),
        FieldPanel("version"),
        FieldPanel("total_minutes"),
        FieldPanel("pass_mark"),
        FieldPanel("retake_failed_subject_only"),
        FieldPanel("is_published"),
    ]


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
    )


register_snippet(ExamsViewSetGroup)
