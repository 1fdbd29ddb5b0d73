"""The operation catalogue in the Django admin (/django-admin/): plain reference data."""

from django.contrib import admin

from .models import AuthorityScope, OperationCategory, OperationType


@admin.register(OperationCategory)
class OperationCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]


@admin.register(OperationType)
class OperationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "category", "requires_senior_middle", "is_active"]
    list_filter = ["category", "requires_senior_middle", "is_active"]
    search_fields = ["code", "name"]


@admin.register(AuthorityScope)
class AuthorityScopeAdmin(admin.ModelAdmin):
    """What each authority examines and certifies (Work Safety Law 2021 art. 27)."""

    list_display = ["authority", "department"]
    filter_horizontal = ["kinds", "subjects", "industries"]
