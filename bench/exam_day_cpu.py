"""For bench/exam_day.py: CPU time per request type, measured inside the server.

Each request's thread CPU time (time.thread_time: this thread only, so gthread workers'
other requests do not count) is added to its type's total; a daemon thread adds the
totals to a Redis hash once a second, where the benchmark reads them between phases.
"""

from __future__ import annotations

import os
import re
import threading
import time

import redis

KINDS = (
    ("start", "POST", re.compile(r"^/api/v1/registrations/\d+/attempts$")),
    ("save", "PUT", re.compile(r"^/api/v1/attempts/\d+/answers/\d+$")),
    ("submit", "POST", re.compile(r"^/api/v1/attempts/\d+/submit$")),
    ("bare", "GET", re.compile(r"^/bench/bare$")),
)
HASH = "bench:cpu"


class CpuMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.lock = threading.Lock()
        self.pending: dict[str, float] = {}
        self.redis = redis.Redis.from_url(os.environ["REDIS_URL"])
        threading.Thread(target=self._flush_forever, daemon=True).start()

    def __call__(self, request):
        kind = next((k for k, method, path in KINDS if request.method == method and path.match(request.path)), None)
        if kind is None:
            return self.get_response(request)
        started = time.thread_time()
        response = self.get_response(request)
        spent = time.thread_time() - started
        with self.lock:
            self.pending[f"{kind}:cpu"] = self.pending.get(f"{kind}:cpu", 0.0) + spent
            self.pending[f"{kind}:n"] = self.pending.get(f"{kind}:n", 0) + 1
        return response

    def _flush_forever(self) -> None:
        while True:
            time.sleep(1)
            with self.lock:
                pending, self.pending = self.pending, {}
            if pending:
                pipe = self.redis.pipeline()
                for key, value in pending.items():
                    if key.endswith(":n"):
                        pipe.hincrby(HASH, key, int(value))
                    else:
                        pipe.hincrbyfloat(HASH, key, value)
                pipe.execute()
