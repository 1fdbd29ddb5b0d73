"""Every model of the exams app, from its room: Django loads the app's models from here.

Code imports a model from its room (``exams.bank.models``), never from this module, so
that the rooms' one-way dependencies hold.
"""

from exams.admission.models import (
    ExamKind,
    ExamSession,
    ExamSiteProfile,
    HealthCertificate,
    Registration,
    SessionPurpose,
)
from exams.bank.models import Question, QuestionBank, QuestionImport, QuestionKind
from exams.catalogue.models import (
    AuthorityScope,
    Industry,
    OperationCategory,
    OperationType,
    QualificationKind,
    Subject,
)
from exams.papers.models import Blueprint, BlueprintRule
from exams.practical.models import (
    PracticalCorrection,
    PracticalEvidence,
    PracticalMark,
    PracticalResult,
    PracticalRubric,
    PracticalScoreSheet,
    RubricSubject,
)
from exams.practice.models import MockExam, PracticePosition, PracticeRecord
from exams.theory.models import Attempt, AttemptAnswer

__all__ = [
    "AuthorityScope",
    "Industry",
    "QualificationKind",
    "Subject",
    "Attempt",
    "AttemptAnswer",
    "Blueprint",
    "BlueprintRule",
    "ExamKind",
    "SessionPurpose",
    "ExamSession",
    "ExamSiteProfile",
    "HealthCertificate",
    "MockExam",
    "OperationCategory",
    "OperationType",
    "PracticalCorrection",
    "PracticalEvidence",
    "PracticalMark",
    "PracticalResult",
    "PracticalRubric",
    "PracticalScoreSheet",
    "PracticePosition",
    "PracticeRecord",
    "Question",
    "QuestionBank",
    "QuestionImport",
    "QuestionKind",
    "Registration",
    "RubricSubject",
]
