"""Settings for bench/exam_day.py: the app as deployed, with one extra bare JSON view."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.exam_day_urls"
