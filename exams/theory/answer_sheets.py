"""What checking a saved answer needs: each question's kind and option keys, per attempt.

A save is the exam day's most frequent request, and the one thing it must know besides
the attempt's state is whether the answer fits the question (a question of this paper,
options it has, one key where only one is allowed). An attempt's paper never changes once
it is started, so that is read once and kept, cheapest first:

1. this process's copy: a short string per attempt (about 17 bytes a question), for the
   most recent ``LOCAL_ATTEMPTS`` attempts it has seen;
2. the shared cache (the same string), for the other processes and app servers;
3. the attempt's paper in the database, which fills both.

A start does not fill them: the first save of the attempt in each process does, so the
start (all candidates in the same minute) stays as light as it can be. Attempt ids are
never reused (PostgreSQL sequences; tests clear the copies between them with
``forget_local_copies``), so a copy is never stale.
"""

from __future__ import annotations

import threading

from django.core.cache import cache

from exams.papers.drawing import answer_sheet

from .models import Attempt

#: The shared cache keeps a sheet for the length of any exam.
SHARED_SECONDS = 4 * 60 * 60
#: How many attempts' sheets a process keeps (~1.7 KB each for 100 questions).
LOCAL_ATTEMPTS = 20_000

_ENTRY, _FIELD, _KEY = "\x1e", "\x1f", "\x1d"
_local: dict[int, str] = {}
_evicting = threading.Lock()


def _shared_key(attempt_pk: int) -> str:
    return f"exams:sheet:v2:{attempt_pk}"


def encode(paper: dict) -> str:
    """The paper's sheet as one string: each question as id, kind and option keys."""
    entries = (
        f"{question_id}{_FIELD}{kind}{_FIELD}{_KEY.join(keys)}"
        for question_id, (kind, keys) in answer_sheet(paper).items()
    )
    return _ENTRY + _ENTRY.join(entries) + _ENTRY


def lookup(sheet: str, question_id: int) -> tuple[str, tuple[str, ...]] | None:
    """(kind, option keys) of the question in an encoded sheet, None if it is not there."""
    start = sheet.find(f"{_ENTRY}{int(question_id)}{_FIELD}")
    if start < 0:
        return None
    _id, kind, keys = sheet[start + 1 : sheet.index(_ENTRY, start + 1)].split(_FIELD)
    return kind, tuple(keys.split(_KEY)) if keys else ()


def sheet_question(attempt_pk: int, question_id: int) -> tuple[str, tuple[str, ...]] | None:
    """(kind, option keys) of the attempt's question, None if the paper has no such
    question; Attempt.DoesNotExist when there is no such attempt."""
    return lookup(_sheet(attempt_pk), question_id)


def _sheet(attempt_pk: int) -> str:
    sheet = _local.get(attempt_pk)
    if sheet is not None:
        return sheet
    key = _shared_key(attempt_pk)
    sheet = cache.get(key)
    if sheet is None:
        sheet = encode(Attempt.objects.values_list("paper", flat=True).get(pk=attempt_pk))
        cache.set(key, sheet, SHARED_SECONDS)
    _keep(attempt_pk, sheet)
    return sheet


def _keep(attempt_pk: int, sheet: str) -> None:
    if len(_local) >= LOCAL_ATTEMPTS:
        with _evicting:  # the oldest first; dicts keep their insertion order
            while len(_local) >= LOCAL_ATTEMPTS:
                _local.pop(next(iter(_local)), None)
    _local[attempt_pk] = sheet


def forget_local_copies() -> None:
    """Drop this process's copies (for tests, whose databases reuse ids between tests)."""
    _local.clear()
