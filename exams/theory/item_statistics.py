"""Item statistics after exams: how hard each question is and how well it discriminates.

Classical test theory over submitted attempts. For each question, among the attempts
whose paper held it:

- difficulty ``p``: the share answered correctly (high = easy);
- discrimination ``D``: the upper–lower 27 % index, the share correct among the best
  27 % of those candidates minus the share among the weakest 27 %;
- ``r_pb``: the corrected point-biserial correlation between answering the question
  correctly and the rest of the score (the score without this question's points).

A question with negative discrimination is answered correctly more often by weak
candidates than by strong ones: its key is likely wrong. Pure functions over
dataclasses, no database: exams.theory.selectors feeds them from attempts' snapshots.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

GROUP_SHARE = 0.27
MIN_ATTEMPTS = 30
TOO_EASY = 0.9
TOO_HARD = 0.2
LOW_DISCRIMINATION = 0.2

FEW_ATTEMPTS = "few_attempts"
NEGATIVE = "negative_discrimination"
LOW = "low_discrimination"
EASY = "too_easy"
HARD = "too_hard"
FLAG_LABELS = {
    FEW_ATTEMPTS: _("作答人数不足，统计仅供参考"),
    NEGATIVE: _("区分度为负：答案可能有误"),
    LOW: _("区分度低"),
    EASY: _("过易"),
    HARD: _("过难"),
}
#: Flags that suggest retiring or reviewing the question.
REVIEW_FLAGS = frozenset({NEGATIVE, LOW, EASY, HARD})


@dataclass(frozen=True)
class ItemResponse:
    question_id: int
    correct: bool
    points: float


@dataclass(frozen=True)
class ScoredAttempt:
    score: float
    responses: tuple[ItemResponse, ...]


@dataclass(frozen=True)
class ItemStatistics:
    question_id: int
    attempts: int
    correct: int
    difficulty: float | None
    discrimination: float | None
    point_biserial: float | None
    flags: tuple[str, ...]

    @property
    def needs_review(self) -> bool:
        return bool(REVIEW_FLAGS.intersection(self.flags))


def _point_biserial(rests: Sequence[float], correct: Sequence[bool]) -> float | None:
    n = len(rests)
    right = [rest for rest, ok in zip(rests, correct, strict=True) if ok]
    wrong = [rest for rest, ok in zip(rests, correct, strict=True) if not ok]
    if not right or not wrong:
        return None
    mean = sum(rests) / n
    sd = math.sqrt(sum((rest - mean) ** 2 for rest in rests) / n)
    if sd == 0:
        return None
    p = len(right) / n
    return (sum(right) / len(right) - sum(wrong) / len(wrong)) / sd * math.sqrt(p * (1 - p))


def _upper_lower(scores: Sequence[float], correct: Sequence[bool], share: float) -> float | None:
    n = len(scores)
    size = max(1, round(n * share))
    if n < 2 or size * 2 > n:
        return None
    ranked = sorted(zip(scores, correct, strict=True), key=lambda pair: pair[0], reverse=True)
    upper = sum(1 for _score, ok in ranked[:size] if ok)
    lower = sum(1 for _score, ok in ranked[-size:] if ok)
    return (upper - lower) / size


def _flags(attempts: int, p: float | None, d: float | None, min_attempts: int) -> tuple[str, ...]:
    flags = []
    if attempts < min_attempts:
        flags.append(FEW_ATTEMPTS)
    if d is not None and d < 0:
        flags.append(NEGATIVE)
    elif d is not None and d < LOW_DISCRIMINATION:
        flags.append(LOW)
    if p is not None and p > TOO_EASY:
        flags.append(EASY)
    if p is not None and p < TOO_HARD:
        flags.append(HARD)
    return tuple(flags)


def item_statistics(
    attempts: Sequence[ScoredAttempt], *, group_share: float = GROUP_SHARE, min_attempts: int = MIN_ATTEMPTS
) -> dict[int, ItemStatistics]:
    """Statistics of every question that appears on at least one attempt, by question id."""
    scores: dict[int, list[float]] = defaultdict(list)
    rests: dict[int, list[float]] = defaultdict(list)
    corrects: dict[int, list[bool]] = defaultdict(list)
    for attempt in attempts:
        for response in attempt.responses:
            scores[response.question_id].append(attempt.score)
            rests[response.question_id].append(attempt.score - (response.points if response.correct else 0))
            corrects[response.question_id].append(response.correct)
    result = {}
    for question_id, correct in corrects.items():
        n = len(correct)
        right = sum(correct)
        p = right / n if n else None
        d = _upper_lower(scores[question_id], correct, group_share)
        result[question_id] = ItemStatistics(
            question_id=question_id,
            attempts=n,
            correct=right,
            difficulty=p,
            discrimination=d,
            point_biserial=_point_biserial(rests[question_id], correct),
            flags=_flags(n, p, d, min_attempts),
        )
    return result
