"""Practical rubrics and results in the Django admin: read-only.

A rubric version is imported, edited as a draft and published through exams.practical
(the Wagtail admin and /exams/rubrics/); a result is final and audited when submitted,
and changes only through a correction confirmed by a second examiner.
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin

from .models import PracticalResult, PracticalRubric, RubricSubject


class RubricSubjectInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = RubricSubject
    extra = 0


@admin.register(PracticalRubric)
class PracticalRubricAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["operation_type", "version", "total_minutes", "pass_mark", "is_published"]
    list_filter = ["is_published"]
    inlines = [RubricSubjectInline]


@admin.register(PracticalResult)
class PracticalResultAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "registration", "examiner", "total", "passed", "veto", "submitted_at"]
    list_filter = ["passed", "veto"]
