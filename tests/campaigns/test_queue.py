"""The durable queue: submissions go to a Redis stream and are written in batches, at
least once, counted once."""

from __future__ import annotations

import os
import time

import pytest
from django.utils import timezone

from campaigns import queue, services
from campaigns.models import DayStat, IdentityKind, Participation, QuestionStat
from campaigns.selectors import campaign_snapshot
from tests.factories import make_campaign

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def stream(settings):
    settings.CAMPAIGN_QUEUE_URL = os.environ.get("REDIS_URL", "")
    settings.CAMPAIGN_RECLAIM_SECONDS = 0.2
    queue.client().delete(queue.STREAM)
    queue._client.cache_clear()  # noqa: SLF001 - the group is created again on the emptied stream
    yield queue.client()
    queue.client().delete(queue.STREAM)


def record(snapshot, key: int) -> dict:
    return {
        "k": key,
        "c": snapshot.id,
        "p": key % 7,
        "ik": 1,
        "nn": f"甲{key % 7}",
        "pm": "",
        "u": None,
        "d": None,
        "f": None,
        "s": 90,
        "t": 40,
        "b": 0x1FF,
        "q": [q[0] for q in snapshot.questions[:10]],
        "at": timezone.now().isoformat(),
        "rule": "best",
    }


def written() -> tuple[int, int, int]:
    return (
        Participation.objects.count(),
        sum(DayStat.objects.values_list("participations", flat=True)),
        sum(QuestionStat.objects.values_list("shown", flat=True)),
    )


def test_a_submission_is_queued_then_written_in_a_batch(stream):
    snapshot = campaign_snapshot(make_campaign().slug)
    paper = services.issue_paper(snapshot=snapshot, device="d", ip="192.0.2.1")
    who = services.Who(IdentityKind.ANONYMOUS, "device:d", "甲")

    result = services.submit_paper(
        snapshot=snapshot, token=paper.token, answers={}, who=who, device="d", ip="192.0.2.1"
    )

    assert result["score"] == 0
    assert written() == (0, 0, 0) and queue.backlog() == 1
    assert services.drain_queue() == 1
    assert written() == (1, 1, 10) and queue.backlog() == 0


def test_entries_a_dead_writer_had_read_are_claimed_and_written(stream, monkeypatch):
    snapshot = campaign_snapshot(make_campaign().slug)
    for key in range(1, 51):
        queue.append(record(snapshot, key))
    # a writer reads a batch and dies before writing it
    monkeypatch.setattr(queue, "consumer_name", lambda: "dead-writer")
    assert len(queue.read(30)) == 30
    monkeypatch.undo()
    time.sleep(0.3)  # the reclaim idle time (0.2 s) passes

    assert services.drain_queue() == 50
    assert written() == (50, 50, 500)
    assert queue.backlog() == 0


def test_a_batch_written_but_not_acknowledged_counts_once_when_delivered_again(stream, monkeypatch):
    snapshot = campaign_snapshot(make_campaign().slug)
    for key in range(1, 21):
        queue.append(record(snapshot, key))
    # a writer commits a batch and dies before XACK
    monkeypatch.setattr(queue, "consumer_name", lambda: "dead-writer")
    entries = queue.read(20)
    assert services.write_submissions([r for _id, r in entries]) == 20
    monkeypatch.undo()
    time.sleep(0.3)

    assert services.drain_queue() == 0  # redelivered, inserted nothing
    assert written() == (20, 20, 200)
    assert queue.backlog() == 0
