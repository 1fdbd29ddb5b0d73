"""Theory attempts in the Django admin: read-only (they change only through the exam services)."""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin

from .models import Attempt


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "candidate", "registration", "started_at", "deadline", "submitted_at", "score", "passed"]
    list_filter = ["passed", "auto_submitted"]
    exclude = ["paper"]
