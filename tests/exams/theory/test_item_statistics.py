"""Item statistics on known data: pure, no database."""

from __future__ import annotations

import math

import pytest

from exams.theory.item_statistics import (
    EASY,
    FEW_ATTEMPTS,
    HARD,
    LOW,
    NEGATIVE,
    ItemResponse,
    ScoredAttempt,
    item_statistics,
)


def attempt(score: float, **answers: bool) -> ScoredAttempt:
    """answers: q<id>=correct; every question is worth 10 points."""
    return ScoredAttempt(
        score=score,
        responses=tuple(ItemResponse(int(name[1:]), ok, 10.0) for name, ok in answers.items()),
    )


def test_difficulty_is_the_share_correct_and_counts_only_attempts_that_had_the_question():
    # given
    attempts = [attempt(90, q1=True, q2=True), attempt(50, q1=True), attempt(10, q1=False, q2=False), attempt(70)]

    # when
    stats = item_statistics(attempts, min_attempts=1)

    # then
    assert (stats[1].attempts, stats[1].correct, stats[1].difficulty) == (3, 2, pytest.approx(2 / 3))
    assert (stats[2].attempts, stats[2].correct, stats[2].difficulty) == (2, 1, 0.5)
    assert set(stats) == {1, 2}


def test_upper_lower_index_on_ten_candidates():
    # given: 10 candidates, groups of round(2.7) = 3; the top 3 all right, the bottom 3 one right
    rows = [(100, True), (90, True), (80, True), (70, False), (60, True), (50, False), (40, True),
            (30, False), (20, True), (10, False)]  # fmt: skip
    attempts = [attempt(score, q7=ok) for score, ok in rows]

    # when
    stats = item_statistics(attempts, min_attempts=1)[7]

    # then
    assert stats.discrimination == pytest.approx((3 - 1) / 3)
    assert stats.difficulty == 0.6


def test_a_question_the_weak_get_right_and_the_strong_get_wrong_has_negative_discrimination():
    # given
    attempts = [attempt(score, q1=score < 50) for score in (95, 90, 85, 80, 20, 15, 10, 5)]

    # when
    stats = item_statistics(attempts, min_attempts=1)[1]

    # then
    assert stats.discrimination == -1.0
    assert stats.point_biserial is not None and stats.point_biserial < -0.9
    assert stats.flags == (NEGATIVE,)
    assert stats.needs_review is True


def test_point_biserial_uses_the_rest_score():
    # given: rest scores 80, 60 for correct; 50, 30 for wrong (each question 10 points)
    attempts = [attempt(90, q1=True), attempt(70, q1=True), attempt(50, q1=False), attempt(30, q1=False)]

    # when
    stats = item_statistics(attempts, min_attempts=1)[1]

    # then: (70 - 40) / sd(80, 60, 50, 30) * sqrt(0.25)
    rests = [80, 60, 50, 30]
    mean = sum(rests) / 4
    sd = math.sqrt(sum((r - mean) ** 2 for r in rests) / 4)
    assert stats.point_biserial == pytest.approx(30 / sd * 0.5)


def test_everyone_right_has_no_correlation_and_is_too_easy():
    attempts = [attempt(score, q1=True) for score in range(40)]

    stats = item_statistics(attempts)[1]

    assert (stats.difficulty, stats.point_biserial, stats.discrimination) == (1.0, None, 0.0)
    assert stats.flags == (LOW, EASY)


def test_nearly_everyone_wrong_is_too_hard():
    attempts = [attempt(score, q1=score == 39) for score in range(40)]

    stats = item_statistics(attempts)[1]

    assert stats.difficulty == 1 / 40
    assert HARD in stats.flags


def test_few_attempts_are_flagged_but_not_for_review():
    attempts = [attempt(90, q1=True), attempt(10, q1=False)]

    stats = item_statistics(attempts)[1]

    assert stats.flags == (FEW_ATTEMPTS,)
    assert stats.needs_review is False
    assert stats.discrimination == 1.0


def test_no_attempts_no_statistics():
    assert item_statistics([]) == {}
