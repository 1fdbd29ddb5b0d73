"""Exam sessions and registrations in the Django admin: read-only.

Sessions are planned (plan_session) and registrations decided, checked in or cancelled
only through exams.admission.services, which check the rules and audit each change.
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin

from .models import ExamSession, Registration


@admin.register(ExamSession)
class ExamSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "site", "authority", "starts_at", "ends_at", "capacity"]
    list_filter = ["kind", "site"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "candidate", "session", "operation_type", "status", "created_at"]
    list_filter = ["status", "session__kind"]
    raw_id_fields = ["candidate", "session"]
