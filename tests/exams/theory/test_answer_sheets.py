"""The answer sheet a save checks against: encoded compactly, read from the paper once,
then from the shared cache or this process's copy."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams.papers.drawing import answer_sheet
from exams.theory import answer_sheets
from exams.theory.answer_sheets import encode, forget_local_copies, lookup, sheet_question
from exams.theory.models import Attempt
from exams.theory.services import start_attempt
from tests.factories import make_theory

pytestmark = pytest.mark.django_db


def _paper_reads(queries: CaptureQueriesContext) -> int:
    return sum(1 for query in queries.captured_queries if '"paper"' in query["sql"])


def test_the_encoded_sheet_gives_every_question_of_the_paper_and_nothing_else(theory):
    # given
    paper = start_attempt(registration=theory.registration).paper

    # when
    sheet = encode(paper)

    # then: the same kinds and keys as the sheet built from the paper
    expected = answer_sheet(paper)
    assert {question_id: lookup(sheet, question_id) for question_id in expected} == expected
    assert lookup(sheet, max(expected) + 1) is None


def test_an_id_that_begins_another_id_is_not_taken_for_it():
    # given: ids 12 and 123 (a compact paper of the current version: "o" is the option order)
    paper = {
        "questions": [
            {"id": 123, "kind": "single", "o": "cab"},
            {"id": 4, "kind": "true_false", "o": ""},
        ]
    }

    # when
    sheet = encode(paper)

    # then
    assert lookup(sheet, 123) == ("single", ("A", "B", "C"))
    assert lookup(sheet, 12) is None
    assert lookup(sheet, 23) is None
    assert lookup(sheet, 4) == ("true_false", ("T", "F"))


def test_the_paper_is_read_once_then_the_shared_cache_or_the_process_copy_answers(theory):
    # given: a started attempt; nothing is kept by the start
    attempt = start_attempt(registration=theory.registration)
    question_id = attempt.paper["questions"][0]["id"]
    expected = answer_sheet(attempt.paper)[question_id]

    # when: the first look-up, then one in "another process" (no copy here, the shared cache
    # filled), then one with the shared cache emptied (this process's copy)
    with CaptureQueriesContext(connection) as first:
        assert sheet_question(attempt.pk, question_id) == expected
    forget_local_copies()
    with CaptureQueriesContext(connection) as other_process:
        assert sheet_question(attempt.pk, question_id) == expected
    cache.clear()
    with CaptureQueriesContext(connection) as copied:
        assert sheet_question(attempt.pk, question_id) == expected

    # then: the paper was read the first time only
    assert _paper_reads(first) == 1
    assert len(other_process.captured_queries) == 0
    assert len(copied.captured_queries) == 0


def test_a_process_keeps_only_the_most_recent_attempts(theory, monkeypatch):
    # given: room for one attempt's copy; two attempts' papers
    monkeypatch.setattr(answer_sheets, "LOCAL_ATTEMPTS", 1)
    first = start_attempt(registration=theory.registration)
    second = start_attempt(registration=make_theory().registration)
    question_id = first.paper["questions"][0]["id"]
    sheet_question(first.pk, question_id)
    sheet_question(second.pk, second.paper["questions"][0]["id"])
    cache.clear()

    # when: the first attempt again, with the shared cache emptied
    with CaptureQueriesContext(connection) as again:
        sheet_question(first.pk, question_id)

    # then: its copy was dropped for the second's, so the paper is read again
    assert _paper_reads(again) == 1


def test_no_such_attempt_is_not_found():
    with pytest.raises(Attempt.DoesNotExist):
        sheet_question(987654321, 1)
