"""Django admin for people and organisations. The encrypted ID number and its hash are
never shown or edited here; staff see the masked form."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .identity import mask_phone
from .models import AuditEvent, ExamBan, Membership, Organisation, User


class ReadOnlyAdminMixin:
    """For records that only services write (audit events, attempts, results): view only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name_display", "phone_display", "id_number_display", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "education", "memberships__role"]
    search_fields = ["username", "real_name", "email", "phone"]
    readonly_fields = ["id_number_display", "birth_date", "sex", "last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("身份信息"),
            {"fields": ["real_name", "id_number_display", "birth_date", "sex", "education", "photo"]},
        ),
        (_("联系方式"), {"fields": ["phone", "phone_verified", "email"]}),
        (_("权限"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
    ]
    inlines = [MembershipInline]

    @admin.display(description=_("姓名"))
    def name_display(self, obj: User) -> str:
        return obj.real_name or "—"

    @admin.display(description=_("手机号"))
    def phone_display(self, obj: User) -> str:
        return mask_phone(obj.phone or "")

    @admin.display(description=_("身份证号"))
    def id_number_display(self, obj: User) -> str:
        return obj.id_number_masked


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "grade", "region", "is_active"]
    list_filter = ["kind", "grade", "is_active"]
    search_fields = ["name", "code", "region"]
    autocomplete_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__real_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "action"]
    readonly_fields = ["actor", "action", "object_type", "object_id", "data", "at"]


@admin.register(ExamBan)
class ExamBanAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "reason", "starts_on", "ends_on", "lifted_at", "source"]
    list_filter = ["reason"]
    raw_id_fields = ["user", "imposed_by"]
