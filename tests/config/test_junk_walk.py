"""Every URL pattern of the project, reversed with junk arguments and sent junk query
parameters, by a visitor and by a signed-in worker: bad input is a 4xx, never a 500.

The Wagtail and Django admins' own URL trees are theirs; the project's pages under
them (question banks, desks) are walked through the project's own patterns.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THIRD_PARTY = ("admin/", "django-admin/", "accounts/", "_allauth/", "documents/")
JUNK_ARGS = {
    "int": "987654321",
    "slug": "zz-junk",
    "str": "zz junk",
    "path": "zz/junk",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
JUNK_QUERY = "?type=a/b&page=-1&mode=x%00&kp=%ff&class=abc&next=//evil.example&q=%27%22%3C&status=zz&limit=-5&offset=z"
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix: str = ""):
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def _junk_paths() -> list[str]:
    paths = set()
    for route in _walk(get_resolver().url_patterns):
        route = route.lstrip("^").replace("$", "")
        if route.startswith(THIRD_PARTY) or route.startswith("hooks/"):
            continue
        path = CONVERTER.sub(lambda m: JUNK_ARGS.get(m.group(1) or "str", "zz"), route)
        if re.search(r"[\\^$*+?()\[\]|{}]", path):
            continue  # a regular expression, not a route
        paths.add("/" + path)
    return sorted(paths)


def _statuses(client: Client) -> dict[str, int]:
    client.raise_request_exception = False
    found = {}
    for path in _junk_paths():
        for method in ("get", "post"):
            response = getattr(client, method)(path + JUNK_QUERY)
            found[f"{method.upper()} {path}"] = response.status_code
    return found


def test_the_walk_covers_the_projects_pages():
    paths = _junk_paths()
    assert "/exams/practice/" in paths
    assert len(paths) > 40


@pytest.mark.parametrize("who", ["visitor", "worker"])
def test_no_pattern_answers_junk_with_a_500(who, tree):
    client = Client()
    if who == "worker":
        client.force_login(UserFactory())

    errors = {request: status for request, status in _statuses(client).items() if status >= 500}

    assert errors == {}
