"""Blueprints in the Django admin: read-only.

Blueprints are edited in the Wagtail admin, where the points must add up to 100 and the
bank must fill every rule before a blueprint is saved (exams.papers.admin_views).
"""

from django.contrib import admin

from accounts.admin import ReadOnlyAdminMixin

from .models import Blueprint, BlueprintRule


class BlueprintRuleInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BlueprintRule
    extra = 0


@admin.register(Blueprint)
class BlueprintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "bank", "operation_type", "time_limit_minutes", "pass_mark"]
    inlines = [BlueprintRuleInline]
