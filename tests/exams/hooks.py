"""A KAOZHENG_ON_QUALIFIED hook for tests: records each call it receives."""

from __future__ import annotations

CALLS: list[dict] = []


def record_qualified(**kwargs) -> None:
    CALLS.append(kwargs)


def fail_qualified(**kwargs) -> None:
    raise RuntimeError("certificate service down")
