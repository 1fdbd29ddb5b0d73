"""Periodic theory-exam work. Beat runs ``sweep_expired_attempts`` every minute."""

from __future__ import annotations

from celery import shared_task

#: At most this many attempts per run (about 30 s of work): a session of thousands that
#: ends at once is finished by the next runs, and meanwhile by each candidate's next request.
SWEEP_BATCH = 3000


@shared_task(name="exams.sweep_expired_attempts", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_expired_attempts() -> int:
    """Submit attempts whose deadline passed without a submission; safe to run twice.

    Each attempt is closed in its own transaction, so a run cut short (time limit, a
    killed worker) leaves every attempt either fully submitted or still open.
    """
    from .services import submit_expired_attempts

    return submit_expired_attempts(limit=SWEEP_BATCH)
