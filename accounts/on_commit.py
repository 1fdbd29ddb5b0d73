"""Queue Celery tasks only once the data they read is committed.

A task queued inside a transaction could run before the commit (and find nothing) or
after a rollback (and act on what never happened); ``transaction.on_commit`` runs the
queueing after the commit, and at once when no transaction is open.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction


def queue_task(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` with these arguments after the current transaction commits."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
