"""Exam sessions, registrations and exam sites in the Wagtail admin.

Sessions are planned, and registrations decided, checked in or cancelled, only through
the audited services (exams.admission.services) on the regulator's pages: here they are
listed and inspected, never added, edited or deleted. Exam sites are plain settings.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from .models import ExamSession, ExamSiteProfile, Registration


class ViewOnlyPermissionPolicy(ModelPermissionPolicy):
    """Records that only audited services change: the admin may list and inspect them,
    never add, edit or delete."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return "view" in actions and super().user_has_any_permission(user, ["view"])


register_permission_policy(Registration, ViewOnlyPermissionPolicy(Registration), exact_class=True)
register_permission_policy(ExamSession, ViewOnlyPermissionPolicy(ExamSession), exact_class=True)


class SessionIndexView(IndexView):
    """The listing points at the planning page, where plan_session checks and audits."""

    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(_("规划考试场次"), url=reverse("exams:session_plan"), icon_name="plus"),
        ]


class ExamSessionViewSet(SnippetViewSet):
    model = ExamSession
    icon = "date"
    inspect_view_enabled = True
    index_view_class = SessionIndexView
    list_display = ["name", "kind", "site", "starts_at", "ends_at", "capacity"]
    list_filter = ["kind"]
    search_fields = ["name"]


class RegistrationViewSet(SnippetViewSet):
    model = Registration
    icon = "user"
    inspect_view_enabled = True
    list_display = ["candidate", "session", "operation_type", "status", "created_at"]
    list_filter = ["status"]


class ExamSiteProfileViewSet(SnippetViewSet):
    model = ExamSiteProfile
    icon = "site"
    menu_label = _("实操考点")
    list_display = ["organisation", "capacity", "address", "examiner_names"]
    panels = [FieldPanel("organisation"), FieldPanel("address"), FieldPanel("capacity"), FieldPanel("operation_types")]
