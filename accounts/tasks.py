"""The accounts app's Celery tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.expire_unverified_signups", acks_late=True, soft_time_limit=300, time_limit=360)
def expire_unverified_signups_task() -> int:
    """Nightly: sign-ups whose phone was never verified go (and claim no ID number)."""
    from .services import expire_unverified_signups

    return expire_unverified_signups()


@shared_task(name="accounts.send_invitation_sms", acks_late=True, soft_time_limit=60, time_limit=90, ignore_result=True)
def send_invitation_sms_task(invitation_id: int) -> None:
    """Text an invitation to the phone it was made for; a repeat is a no-op once sent."""
    from .services import send_invitation_sms

    send_invitation_sms(invitation_id=invitation_id)
