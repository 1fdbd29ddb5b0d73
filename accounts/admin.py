"""Django admin for people and organisations. The encrypted ID number and its hash are
never shown or edited here; staff see the masked form.

Roles (memberships) are granted and revoked only through the audited services: a
membership is added or deleted, never edited in place, and deleting a person or an
organisation revokes their roles through the same service first.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import services
from .identity import mask_phone
from .models import AuditEvent, ExamBan, Membership, Organisation, SmsDelivery, User


class ReadOnlyAdminMixin:
    """For records that only services write (audit events, attempts, results): view only."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _revoke_memberships(memberships: QuerySet[Membership], *, revoked_by: User) -> None:
    for membership in memberships.select_related("organisation").order_by("pk"):
        services.revoke_membership(membership=membership, revoked_by=revoked_by)


class MembershipInline(admin.TabularInline):
    """The person's roles: held ones read-only with a delete box, new ones in blank rows.
    UserAdmin.save_formset hands both to the services instead of saving the forms."""

    model = Membership
    extra = 0
    fields = ["organisation", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["organisation"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # collects what was added and deleted; writes nothing
        for membership in formset.deleted_objects:
            services.revoke_membership(membership=membership, revoked_by=request.user)
        for membership in formset.new_objects:
            services.grant_membership(
                user=form.instance, organisation=membership.organisation, role=membership.role, granted_by=request.user
            )

    def delete_model(self, request, obj: User) -> None:
        with transaction.atomic():
            _revoke_memberships(Membership.objects.filter(user=obj), revoked_by=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset: QuerySet[User]) -> None:
        with transaction.atomic():
            _revoke_memberships(Membership.objects.filter(user__in=queryset), revoked_by=request.user)
            super().delete_queryset(request, queryset)

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

    def delete_model(self, request, obj: Organisation) -> None:
        with transaction.atomic():
            _revoke_memberships(Membership.objects.filter(organisation=obj), revoked_by=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset: QuerySet[Organisation]) -> None:
        with transaction.atomic():
            _revoke_memberships(Membership.objects.filter(organisation__in=queryset), revoked_by=request.user)
            super().delete_queryset(request, queryset)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Grant a role by adding a membership, revoke it by deleting one (also in bulk);
    both go through the audited services. To change a role, revoke it and grant the
    other: a membership is never edited in place."""

    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__username", "user__real_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Membership, form, change: bool) -> None:
        granted = services.grant_membership(
            user=obj.user, organisation=obj.organisation, role=obj.role, granted_by=request.user
        )
        # The admin goes on with the form's instance (messages, the change log, redirects).
        obj.pk, obj.created_at = granted.pk, granted.created_at
        obj._state.adding, obj._state.db = False, granted._state.db

    def delete_model(self, request, obj: Membership) -> None:
        services.revoke_membership(membership=obj, revoked_by=request.user)

    def delete_queryset(self, request, queryset: QuerySet[Membership]) -> None:
        with transaction.atomic():
            _revoke_memberships(queryset, revoked_by=request.user)


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


@admin.register(SmsDelivery)
class SmsDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The SMS delivery log, for support ("did the code reach 138****1234?"): written by
    accounts.sms and the service's reports only."""

    list_display = ["created_at", "kind", "phone_masked", "backend", "status", "error_code", "reported_at"]
    list_filter = ["kind", "status", "backend"]
    search_fields = ["phone_masked", "provider_message_id", "error_code"]
    readonly_fields = [
        "kind",
        "phone_masked",
        "user",
        "backend",
        "template_id",
        "params",
        "status",
        "provider_message_id",
        "error_code",
        "error_message",
        "fee",
        "created_at",
        "reported_at",
    ]
    exclude = ["phone_hash"]
