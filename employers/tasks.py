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


@shared_task(name="employers.run_gate_check", acks_late=True, soft_time_limit=3600, time_limit=3700, ignore_result=True)
def run_gate_check_task(check_id: int) -> None:
    """Check a contractor's roster, chunk by chunk (see employers.gate)."""
    from .gate import run_gate_check

    run_gate_check(check_id=check_id)


@shared_task(name="employers.purge_gate_checks", acks_late=True, ignore_result=True)
def purge_gate_checks_task() -> int:
    """Nightly: gate checks are kept 30 days."""
    from .gate import purge_gate_checks

    return purge_gate_checks()
