"""Periodic theory-exam work. Beat runs ``sweep_expired_attempts`` every minute and
``draw_papers_ahead`` every ten minutes; an approval queues ``draw_paper_ahead``."""

from __future__ import annotations

from celery import shared_task

#: At most this many attempts per run (about 30 s of work): a session of thousands that
#: ends at once is finished by the next runs, and meanwhile by each candidate's next request.
SWEEP_BATCH = 3000


@shared_task(name="exams.sweep_expired_attempts", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_expired_attempts() -> int:
    """Submit attempts whose deadline passed without a submission; safe to run twice.

    Attempts are closed in batches, each in its own transaction, so a run cut short
    (time limit, a killed worker) leaves every attempt either fully submitted or still open.
    """
    from .services import submit_expired_attempts

    return submit_expired_attempts(limit=SWEEP_BATCH)


@shared_task(name="exams.draw_paper_ahead", acks_late=True, soft_time_limit=30, time_limit=40)
def draw_paper_ahead_task(registration_id: int) -> bool:
    """Draw one approved registration's paper before its exam (repeating it draws nothing)."""
    from exams.admission.models import Registration

    from .services import draw_paper_ahead

    return draw_paper_ahead(registration=Registration(pk=registration_id)) is not None


@shared_task(name="exams.draw_papers_ahead", acks_late=True, soft_time_limit=500, time_limit=550)
def draw_papers_ahead_task() -> int:
    """Draw the papers of theory sessions opening within a day that are not drawn yet."""
    from .services import draw_papers_ahead

    return draw_papers_ahead()
