"""Question banks in the Django admin: read-only.

A bank is created, and a question written, revised, retired or reinstated, only through
exams.bank.services (versioned and audited), from the Wagtail admin's bank pages.
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin

from .models import Question, QuestionBank


@admin.register(QuestionBank)
class QuestionBankAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["slug", "name", "level", "organisation"]
    search_fields = ["slug", "name"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "bank", "kind", "stem", "knowledge_point", "version", "is_active"]
    list_filter = ["bank", "kind", "is_active"]
    search_fields = ["stem", "knowledge_point"]
