"""Question imports run here, off the request, after the user confirms the preview."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exams.run_question_import", acks_late=True, soft_time_limit=600, time_limit=660)
def run_question_import_task(import_id: int) -> str:
    """Import a confirmed file; returns the final status. A finished import is left alone."""
    from .services import run_question_import

    return run_question_import(import_id=import_id).status


@shared_task(name="exams.discard_stale_question_imports", acks_late=True, soft_time_limit=300, time_limit=360)
def discard_stale_question_imports_task() -> int:
    """Nightly: previews nobody confirmed or discarded go, with their files."""
    from .services import discard_stale_question_imports

    return discard_stale_question_imports()
