"""Exams in the Wagtail admin: simple listings and edit forms under one "考试" menu.

Blueprints are edited with their rules inline (exams/papers/admin_views.py: points must add
up to 100 and the bank must fill every rule); rubric subjects are inline in the rubric's
form (PracticalRubric is clusterable).
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from exams.admission.models import ExamSession, ExamSiteProfile, Registration
from exams.bank.admin_views import QuestionBankToolsViewSet, QuestionBankViewSet, QuestionViewSet
from exams.papers.admin_views import BlueprintViewSet
from exams.practical.models import PracticalRubric
from exams.theory.statistics_views import item_statistics_view


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


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Registrations change only through the audited services (decision with a reason,
    check-in, cancellation): the admin may list and inspect them, never add, edit or delete."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and super().user_has_any_permission(user, ["view"])


register_permission_policy(Registration, ViewOnlyPermissionPolicy(Registration), exact_class=True)


class RegistrationViewSet(SnippetViewSet):
    model = Registration
    icon = "user"
    inspect_view_enabled = True
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
    # Subjects and their tasks (JSON, checked by exams.practical.rules) are edited inline; a
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
    list_display = ["organisation", "capacity", "address", "examiner_names"]
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


class ExamBankToolsViewSet(QuestionBankToolsViewSet):
    """题库管理 (exams.bank.admin_views) with 试题分析 from the attempts (exams.theory)."""

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:bank_id>/statistics/", item_statistics_view, name="statistics"),
        ]


@hooks.register("register_admin_viewset")
def register_question_bank_tools():
    return ExamBankToolsViewSet()
