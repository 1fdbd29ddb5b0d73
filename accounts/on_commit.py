"""Queue background work only once the change it is about has been committed.

A worker that picks a task up before the transaction that wrote its row commits finds
no row, or the old one; a task queued for a change that then rolls back acts on
something that never happened. Every service that queues a Celery task does it through
``queue_task``, so there is one place that says when tasks leave the process.

Lives in accounts, the bottom of the dependency order, so every app may use it.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db import transaction


class Task(Protocol):
    """What a Celery task offers for queueing (``shared_task`` objects satisfy it)."""

    def delay(self, *args: Any, **kwargs: Any) -> Any: ...


def queue_task(task: Task, *args: Any, **kwargs: Any) -> None:
    """Send ``task.delay(*args, **kwargs)`` when the current transaction commits.

    Outside any transaction ``transaction.on_commit`` runs the callback at once; inside
    nested atomic blocks it waits for the outermost one, and it drops the callback if
    that rolls back. The arguments are taken now: later changes to the caller's objects
    do not reach the task, which should be given ids and plain values anyway (JSON).
    """
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
