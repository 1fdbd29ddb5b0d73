"""The durable queue of submissions: a Redis stream read by a consumer group.

A submission is appended (XADD) before the participant sees the score; the writer task
reads entries (XREADGROUP), writes them in one transaction and acknowledges them (XACK)
only after the commit. Entries a killed worker had read but not acknowledged stay
pending and are claimed again (XAUTOCLAIM) once idle for ``CAMPAIGN_RECLAIM_SECONDS``,
so a submission is written at least once; the unique paper key in the database makes
"at least once" count once.

Give the stream a Redis database of its own (CAMPAIGN_QUEUE_URL): clearing the cache
flushes the cache's database, and with it anything queued there.

Without Redis (the embedded default, the fast tests) there is no queue: a submission is
written at once, one small insert.
"""

from __future__ import annotations

import json
import os
import socket
from functools import lru_cache
from typing import Any

from django.conf import settings

STREAM = "campaigns:submissions"
GROUP = "writers"


def enabled() -> bool:
    return bool(getattr(settings, "CAMPAIGN_QUEUE_URL", ""))


def _ensure_group(client) -> None:
    import redis

    try:
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:  # the group exists already
        if "BUSYGROUP" not in str(exc):
            raise


@lru_cache(maxsize=4)
def _client(url: str):
    import redis

    client = redis.Redis.from_url(url)
    _ensure_group(client)
    return client


def client():
    return _client(settings.CAMPAIGN_QUEUE_URL)


def append(record: dict[str, Any]) -> str:
    entry_id = client().xadd(STREAM, {"r": json.dumps(record, separators=(",", ":"))})
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def read(count: int, *, block_ms: int = 0) -> list[tuple[bytes, dict[str, Any]]]:
    """Entries for this consumer: first those a dead consumer left pending, then new ones."""
    import redis

    redis_client = client()
    try:
        return _read(redis_client, count, block_ms)
    except redis.ResponseError as exc:  # the stream was deleted (a flushed database): start again
        if "NOGROUP" not in str(exc):
            raise
        _ensure_group(redis_client)
        return _read(redis_client, count, block_ms)


def _read(redis_client, count: int, block_ms: int) -> list[tuple[bytes, dict[str, Any]]]:
    idle_ms = int(settings.CAMPAIGN_RECLAIM_SECONDS * 1000)
    _, claimed, _deleted = redis_client.xautoclaim(STREAM, GROUP, consumer_name(), idle_ms, "0-0", count=count)
    entries = list(claimed)
    if len(entries) < count:
        answer = redis_client.xreadgroup(
            GROUP, consumer_name(), {STREAM: ">"}, count=count - len(entries), block=block_ms or None
        )
        for _stream, items in answer or []:
            entries.extend(items)
    return [(entry_id, json.loads(fields[b"r"])) for entry_id, fields in entries if fields and b"r" in fields]


def acknowledge(entry_ids: list[bytes]) -> None:
    if entry_ids:
        redis_client = client()
        pipe = redis_client.pipeline()
        pipe.xack(STREAM, GROUP, *entry_ids)
        pipe.xdel(STREAM, *entry_ids)
        pipe.execute()


def backlog() -> int:
    """Entries not yet written: waiting plus read-but-unacknowledged."""
    redis_client = client()
    return int(redis_client.xlen(STREAM))
