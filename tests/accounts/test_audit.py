"""The audit trail's naming scheme: <app>.<model>.<past verb>, old names still readable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from accounts.audit import (
    ACTION_NAME,
    LEGACY_ACTIONS,
    action_names,
    canonical_action,
    events_named,
    record_event,
)
from accounts.models import AuditEvent
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _literal_actions() -> list[tuple[str, str]]:
    """Every constant ``action=`` given to record_event anywhere in the project's code."""
    found = []
    for app in ("accounts", "cms", "courses", "exams", "certificates"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_event":
                    for keyword in node.keywords:
                        if keyword.arg == "action" and isinstance(keyword.value, ast.Constant):
                            found.append((f"{path.relative_to(ROOT)}:{node.lineno}", keyword.value.value))
    return found


def test_every_action_in_the_code_is_named_app_model_past_verb():
    # given: the literal actions of the code base (there are dozens)
    actions = _literal_actions()
    assert len(actions) > 30

    # then: each follows the scheme and none is an old name
    assert [where for where, name in actions if not ACTION_NAME.match(name)] == []
    assert [where for where, name in actions if name in LEGACY_ACTIONS] == []
    assert {name.split(".")[0] for _where, name in actions} == {"accounts", "courses", "exams", "certificates"}


def test_every_old_name_maps_to_a_name_in_the_scheme():
    assert all(ACTION_NAME.match(new) for new in LEGACY_ACTIONS.values())
    assert not any(ACTION_NAME.match(old) and old in LEGACY_ACTIONS.values() for old in LEGACY_ACTIONS)


@pytest.mark.django_db
def test_record_event_refuses_a_name_outside_the_scheme_and_writes_nothing():
    user = UserFactory()

    with pytest.raises(ValueError, match="<app>.<model>.<past verb>"):
        record_event(actor=user, action="phone_verified", obj=user)

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_events_stored_under_an_old_name_are_read_with_the_new_one():
    # given: one event stored before the scheme, one after
    user = UserFactory()
    AuditEvent.objects.create(actor=user, action="phone_verified", object_type="accounts.user", object_id=str(user.pk))
    record_event(actor=user, action="accounts.user.phone_verified", obj=user)

    # then
    assert canonical_action("phone_verified") == "accounts.user.phone_verified"
    assert canonical_action("exams.attempt.submitted") == "exams.attempt.submitted"
    assert action_names("certificates.certificate.suspended") == [
        "certificates.certificate.suspended",
        "certificate.suspend",
    ]
    assert events_named("accounts.user.phone_verified").count() == 2
