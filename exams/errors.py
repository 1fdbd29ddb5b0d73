"""The errors exam services raise: ValidationError subclasses whose messages are shown to
users as they are, each naming the rule that was broken.

Errors of the pure rule modules (``ScoringError``, ``RubricInvalid``, ``MarkInvalid``,
``UploadRejected``, the importers' ``FileProblem``) stay beside their rules, which import
nothing of Django's models; services turn them into these.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ExamError(ValidationError):
    """Base of the exam errors; the message names the rule that was broken."""


# --- Question banks -------------------------------------------------------------------------


class BankError(ValidationError):
    """A change the bank refuses; the message is shown to users as it is."""


class _NumberedProblem(Protocol):
    def as_dict(self) -> dict: ...


class ImportRejected(BankError):
    """The file has bad records: nothing was imported. ``errors`` lists every one."""

    def __init__(self, errors: Sequence[_NumberedProblem]):
        self.errors: list[Any] = list(errors)
        super().__init__([_("第 %(line)s 行：%(message)s") % error.as_dict() for error in self.errors])


# --- Admission --------------------------------------------------------------------------------


class EligibilityError(ExamError):
    """The candidate may not register for this session."""


class SessionInvalid(ExamError):
    """The session cannot be planned as given."""


class DecisionError(ExamError):
    """The registration cannot be decided as asked."""


class CheckInError(ExamError):
    """The candidate cannot be checked in with this ticket."""


class HealthCertificateRejected(ExamError):
    """The uploaded health certificate is not acceptable."""


class ClassRegistrationError(ExamError):
    """Some people of a class cannot be registered; nobody was. ``refusals`` says who and why."""

    def __init__(self, refusals: dict[int, list[str]], names: dict[int, str]) -> None:
        lines = [f"{names[pk]}：{'；'.join(problems)}" for pk, problems in refusals.items()]
        super().__init__(lines, code="class_ineligible")
        self.refusals = refusals


# --- Theory attempts --------------------------------------------------------------------------


class AttemptNotAllowed(ExamError):
    """The theory attempt cannot be started now (status, time window, another attempt)."""


class AttemptClosed(ExamError):
    """The attempt is submitted or past its deadline: nothing more can be saved."""


class AnswerRejected(ExamError):
    """The answer names a question or option that is not on the candidate's paper."""


class InvigilationError(ExamError):
    """The invigilator's action is not valid as given (no reason, too much time)."""


# --- Practical exams --------------------------------------------------------------------------


class PracticalResultError(ExamError):
    """The practical result cannot be recorded as given."""


class ScoringRefused(ExamError):
    """The mark, photo or submission cannot be taken as given; nothing was written."""
