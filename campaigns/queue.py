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


# --- One round trip per request ---------------------------------------------------------
#
# With the queue on, the limits, the idempotency keys and the append live in the queue's
# Redis database and are checked and changed by one script, atomically: a retried submit
# and its twin racing it cannot both count, and a submission over a limit is never queued.

ADMIT = """
local earlier = redis.call('GET', KEYS[1])
if earlier then return {1, earlier} end
earlier = redis.call('GET', KEYS[2])
if earlier then return {1, earlier} end
local ip_limit = tonumber(ARGV[3])
if ip_limit > 0 then
  local hits = redis.call('INCR', KEYS[3])
  if hits == 1 then redis.call('EXPIRE', KEYS[3], 65) end
  if hits > ip_limit then return {2, ''} end
end
local per_day = tonumber(ARGV[4])
if per_day > 0 then
  local mine = tonumber(redis.call('GET', KEYS[4]) or '0')
  local device = tonumber(redis.call('GET', KEYS[5]) or '0')
  if mine >= per_day or device >= 3 * per_day then return {3, ''} end
end
local ttl = tonumber(ARGV[5])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ttl)
if KEYS[1] ~= KEYS[2] then redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl) end
redis.call('XADD', KEYS[6], '*', 'r', ARGV[2])
for i = 4, 5 do
  redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], 172800)
end
return {0, ''}
"""

ADMITTED, REPEATED, IP_LIMITED, DAY_LIMITED = 0, 1, 2, 3


@lru_cache(maxsize=4)
def _admit_script(url: str):
    return _client(url).register_script(ADMIT)


def admit(
    *,
    idem_key: str,
    done_key: str,
    ip_key: str,
    attempts_key: str,
    device_key: str,
    response: str,
    record: dict[str, Any],
    ip_limit: int,
    per_day: int,
    ttl: int,
) -> tuple[int, str]:
    """Count a graded submission once and queue it, in one round trip.

    Returns (ADMITTED, "") when queued; (REPEATED, the first response) for a paper or an
    Idempotency-Key seen before; (IP_LIMITED or DAY_LIMITED, "") when refused.
    """
    import redis

    keys = [idem_key or done_key, done_key, ip_key, attempts_key, device_key, STREAM]
    args = [response, json.dumps(record, separators=(",", ":")), ip_limit, per_day, ttl]
    script = _admit_script(settings.CAMPAIGN_QUEUE_URL)
    try:
        status, earlier = script(keys=keys, args=args)
    except redis.ResponseError as exc:  # the stream was deleted with its group: make both again
        if "NOGROUP" not in str(exc):
            raise
        _ensure_group(client())
        status, earlier = script(keys=keys, args=args)
    return int(status), earlier.decode() if isinstance(earlier, bytes) else str(earlier or "")


def earlier_response(*keys: str) -> str | None:
    """The first response to a paper or Idempotency-Key, if there was one."""
    for value in client().mget(keys):
        if value is not None:
            return value.decode()
    return None


def paper_counts(*, ip_key: str, device_key: str, ip_submit_key: str) -> tuple[int, int, int]:
    """Count a paper given to an address and a device, and peek at the address's submits:
    one round trip."""
    pipe = client().pipeline(transaction=False)
    pipe.incr(ip_key)
    pipe.expire(ip_key, 65, nx=True)
    pipe.incr(device_key)
    pipe.expire(device_key, 3605, nx=True)
    pipe.get(ip_submit_key)
    ip_hits, _e1, device_hits, _e2, submits = pipe.execute()
    return int(ip_hits), int(device_hits), int(submits or 0)
