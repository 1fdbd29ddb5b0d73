"""queue_task: a Celery task leaves the process only once its transaction commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.on_commit import queue_task


class RecordingTask:
    """Stands in for a Celery task: records what ``delay`` was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple, dict]] = []

    def delay(self, *args, **kwargs) -> None:
        self.calls.append((args, kwargs))


@pytest.mark.django_db
def test_a_task_queued_in_a_transaction_waits_for_the_commit(django_capture_on_commit_callbacks):
    # given a task
    task = RecordingTask()

    # when it is queued inside a transaction that has not committed yet
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            queue_task(task, 42, "suspend", reason="x")
        sent_before_commit = list(task.calls)
    for callback in callbacks:  # the commit
        callback()

    # then it is sent once, after the commit, with the arguments it was given
    assert sent_before_commit == []
    assert task.calls == [((42, "suspend"), {"reason": "x"})]


@pytest.mark.django_db
def test_a_task_queued_in_a_transaction_that_rolls_back_is_never_sent(django_capture_on_commit_callbacks):
    # given a task
    task = RecordingTask()

    # when it is queued in a transaction that then rolls back
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue_task(task, 42)
            raise RuntimeError("the change failed")

    # then nothing is sent
    assert callbacks == []
    assert task.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_outside_a_transaction_is_sent_at_once():
    # given a task and no open transaction (autocommit)
    task = RecordingTask()

    # when it is queued
    queue_task(task, 7)

    # then it is sent straight away
    assert task.calls == [((7,), {})]
