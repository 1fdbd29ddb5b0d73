from __future__ import annotations

import pytest

from accounts.sms import LocmemSMSBackend


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """The in-memory SMS outbox, emptied around each test."""
    settings.SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()
