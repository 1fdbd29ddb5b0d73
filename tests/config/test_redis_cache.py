"""The Redis cache backend keeps one client per connection pool (config/redis_cache.py)."""

from __future__ import annotations

import os
import secrets
import threading

import pytest

from config.redis_cache import RedisCache

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_cache():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"kz-test-{secrets.token_hex(4)}"})
    yield cache
    cache.delete_many([f"k{n}" for n in range(64)] + ["k"])


def test_every_operation_shares_one_client_and_reads_what_it_wrote(redis_cache):
    # when
    redis_cache.set("k", {"answer": ["B"]}, 10)

    # then: the value round-trips, and a second call is answered by the same client object
    assert redis_cache.get("k") == {"answer": ["B"]}
    assert redis_cache._cache.get_client(write=True) is redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=False) is redis_cache._cache.get_client(write=False)


def test_threads_sharing_the_client_each_read_their_own_values(redis_cache):
    # given: 64 threads, as a gthread worker's requests, each writing and reading its own key
    barrier = threading.Barrier(64)
    seen: dict[int, object] = {}

    def worker(n: int) -> None:
        barrier.wait(timeout=10)
        for round_ in range(20):
            redis_cache.set(f"k{n}", (n, round_), 10)
            seen[n] = redis_cache.get(f"k{n}")

    # when
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then: no reply went to the wrong thread
    assert seen == {n: (n, 19) for n in range(64)}
