"""Background work for employers; tasks take ids and call services (see certificates.tasks)."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="employers.send_invitation",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def send_invitation_task(entry_id: int) -> None:
    """Send the SMS that asks a person to agree to be in an employer's register."""
    from .services import send_invitation

    send_invitation(entry_id=entry_id)


@shared_task(name="employers.send_weekly_digests", acks_late=True, soft_time_limit=1800, time_limit=1900)
def send_weekly_digests_task() -> int:
    """Celery beat, every morning: each employer's digest of what falls due, once a week."""
    from .services import send_weekly_digests

    return send_weekly_digests()
