"""The demo employer's register holds the people CONTRACT.md names, each having agreed."""

from __future__ import annotations

import pytest

from employers.models import StaffMember


@pytest.mark.django_db
def test_the_demo_register_holds_worker_manager_and_principal(demo):
    entries = StaffMember.objects.filter(organisation__memberships__user__username="employer", user__isnull=False)
    agreed = {e.user.username for e in entries.select_related("user") if e.consented}
    assert {"worker", "manager", "principal"} <= agreed
