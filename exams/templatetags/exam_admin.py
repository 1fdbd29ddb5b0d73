"""``{% exam_admin_links %}``: the exam-administration pages the signed-in user's roles open."""

from __future__ import annotations

from django import template

from accounts.models import Role
from accounts.selectors import roles_of

register = template.Library()


@register.inclusion_tag("exams/_admin_links.html", takes_context=True)
def exam_admin_links(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    superuser = bool(user is not None and user.is_authenticated and user.is_superuser)
    return {
        "examiner": superuser or Role.EXAMINER in roles,
        "regulator": superuser or Role.REGULATOR in roles,
        "trainer": Role.TRAINER in roles,
    }
