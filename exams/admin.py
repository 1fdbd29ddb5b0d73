"""Django admin (/django-admin/): blueprint rules and rubric subjects edited inline.

The everyday editing of banks, sessions and rubrics is in the Wagtail admin
(wagtail_hooks.py); this is the fallback for administrators.
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin
from exams.admission.models import ExamSession, Registration
from exams.bank.models import Question, QuestionBank
from exams.catalogue.models import OperationCategory, OperationType
from exams.papers.models import Blueprint, BlueprintRule
from exams.practical.models import PracticalResult, PracticalRubric, RubricSubject
from exams.theory.models import Attempt


@admin.register(OperationCategory)
class OperationCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]


@admin.register(OperationType)
class OperationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "requires_senior_middle", "is_active"]
    list_filter = ["category", "requires_senior_middle", "is_active"]
    search_fields = ["code", "name"]


@admin.register(QuestionBank)
class QuestionBankAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "level", "organisation"]
    search_fields = ["slug", "name"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["id", "bank", "kind", "stem", "knowledge_point", "is_active"]
    list_filter = ["bank", "kind", "is_active"]
    search_fields = ["stem", "knowledge_point"]
    filter_horizontal = ["operation_types"]


class BlueprintRuleInline(admin.TabularInline):
    model = BlueprintRule
    extra = 0


@admin.register(Blueprint)
class BlueprintAdmin(admin.ModelAdmin):
    list_display = ["name", "bank", "operation_type", "time_limit_minutes", "pass_mark"]
    inlines = [BlueprintRuleInline]


class RubricSubjectInline(admin.StackedInline):
    model = RubricSubject
    extra = 0


@admin.register(PracticalRubric)
class PracticalRubricAdmin(admin.ModelAdmin):
    list_display = ["operation_type", "version", "total_minutes", "pass_mark", "is_published"]
    list_filter = ["is_published"]
    inlines = [RubricSubjectInline]


@admin.register(ExamSession)
class ExamSessionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "site", "authority", "starts_at", "ends_at", "capacity"]
    list_filter = ["kind", "site"]
    filter_horizontal = ["operation_types"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["id", "candidate", "session", "operation_type", "status", "created_at"]
    list_filter = ["status", "session__kind"]
    raw_id_fields = ["candidate", "session"]


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: attempts change only through the exam services."""

    list_display = ["id", "candidate", "registration", "started_at", "deadline", "submitted_at", "score", "passed"]
    list_filter = ["passed", "auto_submitted"]


@admin.register(PracticalResult)
class PracticalResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a practical result is final and audited when it is submitted."""

    list_display = ["id", "registration", "examiner", "total", "passed", "veto", "submitted_at"]
    list_filter = ["passed", "veto"]
