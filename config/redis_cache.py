"""Django's Redis cache, with one client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache
operation; building one sets up its ~170 response callbacks, which costs more CPU than
the round trip itself. An exam-day answer save reads the cache once, a start or a page
several times: on a 2-core server that is a measurable share of each request
(bench/exam_day.py prints the CPU per request). A ``redis.Redis`` client is safe to share
between threads (each command takes a connection from the pool) and after a fork (the
pool notices the new process and opens its own connections), so one per pool is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Two threads may both build one here; the loser's is simply dropped.
            client = self._clients.setdefault(index, self._client(connection_pool=self._get_connection_pool(write)))
        return client


class RedisCache(DjangoRedisCache):
    """settings.CACHES backend ``config.redis_cache.RedisCache``; otherwise Django's own."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
