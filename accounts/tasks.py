"""The accounts app's Celery tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.expire_unverified_signups", acks_late=True, soft_time_limit=300, time_limit=360)
def expire_unverified_signups_task() -> int:
    """Nightly: sign-ups whose phone was never verified go (and claim no ID number)."""
    from .services import expire_unverified_signups

    return expire_unverified_signups()
