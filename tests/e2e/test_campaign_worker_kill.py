"""A real Celery worker writing quiz submissions is killed (SIGKILL) in the middle of the
work; another worker finishes it. Nothing is lost and nothing is counted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db.models import Count
from django.utils import timezone

from campaigns import queue
from campaigns.models import DayStat, Participant, Participation, QuestionStat
from campaigns.selectors import campaign_snapshot
from campaigns.tasks import write_submissions_task
from config.celery import app as celery_app
from tests.factories import make_campaign

ROOT = Path(__file__).resolve().parents[2]
SUBMISSIONS = 3000


def start_worker(settings, database_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "CAMPAIGN_QUEUE_URL": settings.CAMPAIGN_QUEUE_URL,
        "CAMPAIGN_BATCH_SIZE": "25",
        "CAMPAIGN_RECLAIM_SECONDS": "1",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(condition, *, seconds: float, nudge=None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if nudge:
            nudge()
        time.sleep(0.5)
    return condition()


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_killed_writer_loses_nothing_and_counts_nothing_twice(settings, database_url):
    # given 3,000 queued submissions and a worker writing them 25 at a time
    settings.CAMPAIGN_QUEUE_URL = os.environ["REDIS_URL"]
    queue._client.cache_clear()  # noqa: SLF001
    queue.client().delete(queue.STREAM)
    queue._client.cache_clear()  # noqa: SLF001
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, check=True, timeout=60)
    snapshot = campaign_snapshot(make_campaign().slug)
    ids = [q[0] for q in snapshot.questions[:10]]
    for key in range(1, SUBMISSIONS + 1):
        queue.append(
            {
                "k": key,
                "c": snapshot.id,
                "p": key % 500,
                "ik": 1,
                "nn": f"人{key % 500}",
                "pm": "",
                "u": None,
                "d": None,
                "f": None,
                "s": 70,
                "t": 60,
                "b": 0b1111111,
                "q": ids,
                "at": timezone.now().isoformat(),
                "rule": "best",
            }
        )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    first = start_worker(settings, database_url)
    second = None
    try:
        write_submissions_task.delay()
        assert wait_for(lambda: Participation.objects.count() > 0, seconds=90), "the first worker wrote nothing"

        # when it is killed in the middle of the work
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = Participation.objects.count()
        pending = queue.client().xpending(queue.STREAM, queue.GROUP)["pending"]
        print(f"killed after {at_kill} written; {pending} entries read but not acknowledged")
        assert at_kill < SUBMISSIONS, "the first worker finished before it could be killed"

        # then a second worker claims what the first had read and finishes the rest
        second = start_worker(settings, database_url)
        done = wait_for(
            lambda: Participation.objects.count() >= SUBMISSIONS and queue.backlog() == 0,
            seconds=120,
            nudge=write_submissions_task.delay,
        )
        assert done, f"only {Participation.objects.count()} of {SUBMISSIONS} written"
    finally:
        celery_app.conf.task_always_eager = previous
        for worker in (first, second):
            if worker and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
        queue.client().delete(queue.STREAM)

    assert Participation.objects.count() == SUBMISSIONS
    assert not Participation.objects.values("key").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert sum(DayStat.objects.values_list("participations", flat=True)) == SUBMISSIONS
    assert sum(DayStat.objects.values_list("new_participants", flat=True)) == Participant.objects.count() == 500
    assert sum(QuestionStat.objects.values_list("shown", flat=True)) == SUBMISSIONS * 10
    assert sum(QuestionStat.objects.values_list("correct", flat=True)) == SUBMISSIONS * 7
    assert sum(Participant.objects.values_list("attempts", flat=True)) == SUBMISSIONS
