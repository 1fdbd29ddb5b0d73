"""Admission's Celery tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exams.discard_stale_held_uploads", acks_late=True, soft_time_limit=300, time_limit=360)
def discard_stale_held_uploads_task() -> int:
    """Nightly: health certificates held for a form nobody came back to are deleted."""
    from .held_uploads import discard_stale_held_uploads

    return discard_stale_held_uploads()
