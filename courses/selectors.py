"""Reads of learner state for courses: other apps call these, never the models directly."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .models import Enrolment

if TYPE_CHECKING:
    from accounts.models import User
    from exams.models import OperationType


def completed_training(*, learner: User, operation_type: OperationType | int) -> Enrolment | None:
    """The learner's latest completed enrolment on a course of this operation type.

    Exam eligibility rests on this: training counts only once the enrolment is marked
    completed by ``record_lesson_time``, never from anything the learner can click.
    """
    return (
        Enrolment.objects.filter(
            learner=learner,
            course__operation_type=operation_type,
            completed_at__isnull=False,
        )
        .select_related("course")
        .order_by("-completed_at", "-pk")
        .first()
    )
