"""Wagtail's user screens may not delete a person who holds a role.

Deleting a user would delete their memberships with them, around the audited
revoke_membership service; Wagtail runs its delete hook outside the delete's
transaction, so the roles cannot be revoked there safely. The administrator revokes
the roles first (Django admin, 成员), then deletes the person.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .models import Membership, User

HOLDS_ROLES = _("%(names)s 仍担任角色，请先在成员管理中撤销其角色，再删除该用户。")


def _refuse_role_holders(request: HttpRequest, users: list[User], next_url: str) -> HttpResponse | None:
    holding = set(Membership.objects.filter(user__in=users).values_list("user_id", flat=True))
    holders = [user for user in users if user.pk in holding]
    if not holders:
        return None
    messages.error(request, HOLDS_ROLES % {"names": "、".join(str(user) for user in holders)})
    return redirect(next_url)


@hooks.register("before_delete_user")
def keep_role_holders(request: HttpRequest, user: User) -> HttpResponse | None:
    return _refuse_role_holders(request, [user], "wagtailusers_users:index")


@hooks.register("before_bulk_action")
def keep_role_holders_in_bulk(
    request: HttpRequest, action_type: str, objects: list, action_class_instance
) -> HttpResponse | None:
    if action_type != "delete" or getattr(action_class_instance, "model", None) is not User:
        return None
    return _refuse_role_holders(request, objects, action_class_instance.next_url)
