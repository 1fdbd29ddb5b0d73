"""Running a statement without Django's connection health check.

With persistent connections Django sends ``SELECT 1`` before a request's first query, in
case the kept connection has gone (the database restarted, a pooler closed it when idle).
For a statement that is safe to send twice it is cheaper to find that out by sending the
statement itself: if the connection has gone it fails at once, and it is sent again on a
new connection. The exam day's hot reads and writes do this; everything else keeps the check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connection

T = TypeVar("T")


def without_health_check(run: Callable[[], T]) -> T:
    """``run()`` with no SELECT 1 before it; on a lost connection it runs again once, on a
    new one. ``run`` must be safe to run twice: a read, one write in autocommit mode, or a
    transaction of its own that finds what an earlier run committed. Inside a transaction,
    or before the thread's first connection, it simply runs."""
    if connection.in_atomic_block or connection.connection is None:
        return run()
    connection.health_check_done = True  # type: ignore[attr-defined]  # Django's own flag, not in the stubs
    try:
        return run()
    except (OperationalError, InterfaceError):
        connection.close()
        return run()
