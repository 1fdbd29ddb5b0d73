"""seed_demo adds an open assessment event for the demo employer's staff, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from assessments import selectors
from assessments.models import AssessmentEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_an_open_event_the_worker_is_invited_to(demo, settings):
    event = AssessmentEvent.objects.get()
    assert selectors.is_open(event)
    worker = User.objects.get(username="worker")
    assert [i.event_id for i in selectors.my_events(worker)] == [event.pk]

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    assert AssessmentEvent.objects.count() == 1
