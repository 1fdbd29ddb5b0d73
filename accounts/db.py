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
from django.db.backends.utils import CursorWrapper

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


def planned_cursor() -> CursorWrapper:
    """A cursor on the thread's connection for the exam day's hot statements, whose plans
    PostgreSQL keeps.

    Django's own cursors bind parameters on the client, so PostgreSQL parses and plans every
    statement it receives: for the start of an exam, planning costs twice what running the
    statement does. This cursor binds them on the server, so a statement sent a few times
    on a connection (``prepare_threshold`` in the database OPTIONS, config/settings) is
    prepared and later sent only with its parameters. Without that option, or on another
    database, it is a usual cursor. Queries are logged, wrapped and their errors translated
    as through ``connection.cursor()``.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
