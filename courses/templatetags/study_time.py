"""Credited study time shown to people: whole hours, minutes and seconds, in Chinese."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def study_time(seconds: int | None) -> str:
    """3725 → "1 小时 2 分 5 秒"; 125 → "2 分 5 秒"; 0 → "0 秒"."""
    seconds = max(0, int(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_("%(n)d 小时") % {"n": hours})
    if minutes:
        parts.append(_("%(n)d 分") % {"n": minutes})
    if secs or not parts:
        parts.append(_("%(n)d 秒") % {"n": secs})
    return " ".join(parts)
