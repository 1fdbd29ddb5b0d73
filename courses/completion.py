"""When training counts as completed: a pure rule over plain numbers, no database.

Exam registration and review applications rest on the record this rule creates, so it
asks for the course's required theory hours of real, credited study (not merely every
lesson opened) and every embedded check question answered correctly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CompletionFacts:
    required_seconds: int
    credited_seconds: int
    lessons_total: int
    lessons_completed: int
    checks_total: int
    checks_correct: int


def missing_for_completion(facts: CompletionFacts) -> list[str]:
    """What still stands between the learner and a completed training, in words."""
    missing: list[str] = []
    if facts.lessons_total == 0:
        missing.append(_("课程还没有课时。"))
    if facts.credited_seconds < facts.required_seconds:
        left = (facts.required_seconds - facts.credited_seconds + 59) // 60
        missing.append(_("还需学习 %(minutes)d 分钟。") % {"minutes": left})
    if facts.lessons_completed < facts.lessons_total:
        missing.append(_("还有 %(count)d 个课时未学完。") % {"count": facts.lessons_total - facts.lessons_completed})
    if facts.checks_correct < facts.checks_total:
        missing.append(_("还有 %(count)d 道随堂测验未答对。") % {"count": facts.checks_total - facts.checks_correct})
    return missing


def is_training_complete(facts: CompletionFacts) -> bool:
    return not missing_for_completion(facts)


def required_seconds(*, theory_hours: int, lesson_seconds: int) -> int:
    """The course's theory hours; a course that sets none asks for its lessons' full length."""
    return theory_hours * 3600 if theory_hours else lesson_seconds


def minutes_short_of_required(*, theory_hours: int, lesson_minutes: int) -> int:
    """Rule: the lessons' full length must reach the course's theory hours, or no learner
    can ever complete it (time on a lesson counts up to its length). The minutes missing."""
    return max(0, theory_hours * 60 - lesson_minutes)
