"""Settings for bench/exam_day.py: the app as deployed, with one extra bare JSON view and
the CPU time of each request type measured in the server (bench/exam_day_cpu.py)."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.exam_day_urls"
MIDDLEWARE = ["bench.exam_day_cpu.CpuMiddleware", *MIDDLEWARE]  # noqa: F405
