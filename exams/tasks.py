"""Periodic exam work. Beat runs ``sweep_expired_attempts`` every minute."""

from __future__ import annotations

from celery import shared_task

from .services import submit_expired_attempts


@shared_task(name="exams.sweep_expired_attempts", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_expired_attempts() -> int:
    """Submit attempts whose deadline passed without a submission; safe to run twice."""
    return submit_expired_attempts()


from .bank_tasks import run_question_import_task  # noqa: E402, F401 - registers the task with Celery
