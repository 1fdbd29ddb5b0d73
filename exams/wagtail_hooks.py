"""Exams in the Wagtail admin: the rooms' viewsets under one "考试" menu, and 题库管理."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from exams.admission.admin_views import ExamSessionViewSet, ExamSiteProfileViewSet, RegistrationViewSet
from exams.bank.admin_views import QuestionBankToolsViewSet, QuestionBankViewSet, QuestionViewSet
from exams.papers.admin_views import BlueprintViewSet
from exams.practical.admin_views import PracticalRubricViewSet
from exams.theory.statistics_views import item_statistics_view


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
