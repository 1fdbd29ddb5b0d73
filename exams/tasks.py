"""The exams app's Celery tasks, from their rooms: Celery's autodiscovery imports this module."""

from exams.admission.tasks import discard_stale_held_uploads_task
from exams.bank.tasks import discard_stale_question_imports_task, run_question_import_task
from exams.theory.tasks import SWEEP_BATCH, draw_paper_ahead_task, draw_papers_ahead_task, sweep_expired_attempts

__all__ = [
    "SWEEP_BATCH",
    "discard_stale_held_uploads_task",
    "discard_stale_question_imports_task",
    "draw_paper_ahead_task",
    "draw_papers_ahead_task",
    "run_question_import_task",
    "sweep_expired_attempts",
]
