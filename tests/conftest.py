"""Shared fixtures; service-backed markers are skipped with a reason unless configured.

In CI (CI=true) nothing is skipped: a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable

import pytest

_SERVICE_MARKERS = {
    "postgres": (
        lambda: os.environ.get("DATABASE_URL", "").startswith("postgres"),
        "DATABASE_URL (PostgreSQL) not set",
    ),
    "redis": (lambda: bool(os.environ.get("REDIS_URL")), "REDIS_URL not set"),
    "celery_worker": (lambda: bool(os.environ.get("CELERY_BROKER_URL")), "CELERY_BROKER_URL not set"),
    "browser": (lambda: bool(shutil.which(os.environ.get("CHROMIUM", "chromium"))), "chromium not installed"),
}


def pytest_collection_modifyitems(config, items):
    in_ci = os.environ.get("CI", "").lower() == "true"
    for item in items:
        for name, (available, reason) in _SERVICE_MARKERS.items():
            if item.get_closest_marker(name) and not available():
                if in_ci:
                    continue  # in CI nothing is skipped: the test runs and fails loudly
                item.add_marker(pytest.mark.skip(reason=f"{reason}; runs in CI"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def race():
    """Run callables at the same moment and return what each returned or raised, in order.

    Each runs in its own thread, so with its own database connection (closed when it is
    done), released together by a barrier: only a real database with
    ``django_db(transaction=True)`` shows how their locks and constraints settle it.
    """

    def run(*calls: Callable[[], object]) -> list[object]:
        from django.db import connections

        barrier = threading.Barrier(len(calls))
        outcomes: list[object] = [None] * len(calls)

        def run_one(index: int, call: Callable[[], object]) -> None:
            try:
                barrier.wait(timeout=10)
                outcomes[index] = call()
            except Exception as exc:  # noqa: BLE001 - the test inspects what each caller got
                outcomes[index] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run_one, args=(index, call)) for index, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        stuck = sum(thread.is_alive() for thread in threads)
        assert not stuck, f"{stuck} of {len(threads)} racing callers did not finish within 60 s"
        return outcomes

    return run


@pytest.fixture
def client_for(db):
    """A new test client logged in as the user, for tests that need more than one.

    ``mfa=True`` first gives the user a TOTP authenticator: without one, regulators,
    administrators and superusers are sent to set it up (accounts.middleware).
    """
    from django.test import Client

    from tests.factories import with_totp

    def log_in(user, *, mfa: bool = False) -> Client:
        if mfa:
            with_totp(user)
        client = Client()
        client.force_login(user)
        return client

    return log_in
