"""The app server of a production install: granian serving the WSGI application.

Chosen by measurement (README, Production): for the same Django code, granian's HTTP
handling (in Rust, outside the GIL) costs 0.6–0.8 ms of CPU a request where gunicorn's
gthread worker costs 1.1–1.3 ms, which decides how many candidates a core carries on
exam day. One process per core; each runs the views in a pool of threads, which overlap
the waits on PostgreSQL and Redis.

The README's command, the crash and several-servers tests and bench/exam_day.py all start
the server with ``command``.
"""

from __future__ import annotations

import sys


def command(host: str, port: int, *, workers: int = 2, threads: int = 8) -> list[str]:
    """The command line that serves the app on host:port."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--backlog",
        "4096",
        "--http",
        "1",
        "--no-ws",
        "--respawn-failed-workers",
        "--log-level",
        "warning",
        "config.wsgi:application",
    ]
