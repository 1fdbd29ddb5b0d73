"""The site's header: a menu button listing the pages of each role the user holds, a way back
from every page and 退出登录 one tap away (every page extends base.html, which draws it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.selectors import is_active_superuser, roles_of

register = template.Library()

#: (section title, role or "" for every signed-in user, [(label, url name)]) in menu order.
MENU: tuple[tuple[Any, str, tuple[tuple[Any, str], ...]], ...] = (
    (
        _("监管"),
        Role.REGULATOR,
        (
            (_("考试场次与报名审核"), "exams:session_list"),
            (_("证书管理"), "certificates:desk_certificate"),
            (_("批量延期"), "certificates:desk_bulk"),
            (_("统计"), "statistics"),
            (_("考试成绩"), "exams:results"),
            (_("核验记录"), "certificates:desk_verifications"),
            (_("培训监管"), "courses:oversight"),
            (_("监考"), "exams:invigilate"),
        ),
    ),
    (
        _("考评"),
        Role.EXAMINER,
        (
            (_("今日考生（实操评分）"), "exams:practical_roster"),
            (_("监考"), "exams:invigilate"),
            (_("评分标准"), "exams:rubric_list"),
        ),
    ),
    (
        _("培训机构"),
        Role.TRAINER,
        (
            (_("学员与班级"), "courses:my_organisations"),
            (_("考试报名"), "exams:training_home"),
            (_("考试成绩"), "exams:results"),
            (_("课程编辑"), "wagtailadmin_home"),
        ),
    ),
    (_("用人单位"), Role.EMPLOYER, ((_("用人单位工作台"), "employers:home"),)),
    (_("系统管理"), Role.ADMINISTRATOR, ((_("管理后台"), "wagtailadmin_home"),)),
    (
        _("学习与考试"),
        "",
        (
            (_("我的"), "dashboard"),
            (_("课程"), "courses:catalogue"),
            (_("练习"), "exams:practice"),
            (_("考试"), "exams:index"),
            (_("报名考试"), "exams:open_sessions"),
            (_("证书"), "certificates:wallet"),
            (_("用人单位邀请"), "employers:invitations"),
        ),
    ),
)


@dataclass(frozen=True)
class MenuLink:
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class MenuSection:
    title: str
    links: list[MenuLink]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:  # a page another part of the site has not wired (yet)
        return None


def menu_for(user: Any, path: str, *, held: frozenset[str] | set[str] | None = None) -> list[MenuSection]:
    """The sections of the user's roles, staff work first; a superuser sees every section.
    ``held``: the roles when the page has read them already (the dashboard), saving a query."""
    held = roles_of(user) if held is None else held
    everything = is_active_superuser(user)
    sections = []
    for title, role, links in MENU:
        if role and not (everything or role in held):
            continue
        resolved = [(label, _url(name)) for label, name in links]
        sections.append(
            MenuSection(
                title=str(title),
                links=[MenuLink(label=str(label), url=url, current=url == path) for label, url in resolved if url],
            )
        )
    return sections


def way_back(*, path: str, sections: list[MenuSection], page: Any = None) -> str | None:
    """Where "返回" leads: a content page's parent, else the deepest menu page above this one,
    else the learner's home; nothing on the home itself."""
    if path in ("/", _url("dashboard")):
        return None
    parent = page.get_parent() if page is not None and hasattr(page, "get_parent") else None
    if parent is not None and parent.depth > 1 and parent.live:
        return parent.url
    above = [link.url for section in sections for link in section.links if path.startswith(link.url)]
    above = [url for url in above if url != path]
    if above:
        return max(above, key=len)
    return _url("dashboard") if sections else "/"


@register.inclusion_tag("includes/nav.html", takes_context=True)
def site_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    path = request.path if request is not None else "/"
    signed_in = bool(user is not None and user.is_authenticated)
    dashboard = context.get("dashboard")
    held = getattr(dashboard, "roles", None)
    sections = menu_for(user, path, held=held) if signed_in else []
    return {
        "request": request,
        "user": user,
        "signed_in": signed_in,
        "sections": sections,
        "back": way_back(path=path, sections=sections, page=context.get("page")),
        "csrf_token": context.get("csrf_token"),
    }
