"""Exam fixtures: an open theory session with a bank that can fill its blueprint."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Locale, Page

from accounts.models import Organisation, Role
from courses.models import CourseIndexPage, CoursePage, Enrolment
from exams.admission.models import ExamKind, ExamSession, HealthCertificate, Registration
from exams.bank.models import QuestionKind
from exams.catalogue.models import OperationType
from exams.papers.models import Blueprint
from exams.theory.models import Attempt
from tests.exams import hooks
from tests.factories import (
    BlueprintFactory,
    BlueprintRuleFactory,
    ExamSessionFactory,
    MembershipFactory,
    OperationTypeFactory,
    OrganisationFactory,
    QuestionBankFactory,
    QuestionFactory,
    RegistrationFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _record_qualified_hooks(settings):
    """Exams never import certificates: tests watch the hook calls instead."""
    settings.KAOZHENG_ON_QUALIFIED = ["tests.exams.hooks.record_qualified"]
    hooks.CALLS.clear()
    yield
    hooks.CALLS.clear()


def complete_training(learner, operation_type: OperationType) -> Enrolment:
    """A completed enrolment on a course of the operation type (through the page tree)."""
    # Wagtail's migrations create the root page; a flushed (transactional-test) database has none.
    root = Page.get_first_root_node()
    if root is None:
        locale, _created = Locale.objects.get_or_create(
            language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
        )
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    organisation = OrganisationFactory()
    index = root.add_child(
        instance=CourseIndexPage(
            title=f"{organisation.name} 课程", slug=f"idx-{organisation.code}", organisation=organisation
        )
    )
    course = index.add_child(
        instance=CoursePage(
            title="低压电工作业(初训)", slug=f"course-{organisation.code}", operation_type=operation_type
        )
    )
    return Enrolment.objects.create(learner=learner, course=course, completed_at=timezone.now())


def give_health_certificate(user, *, issued_on: dt.date | None = None) -> HealthCertificate:
    """A health certificate issued a month ago (its file content is checked in test_uploads)."""
    return HealthCertificate.objects.create(
        user=user,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="health.pdf"),
        content_type="application/pdf",
        issued_on=issued_on or timezone.localdate() - dt.timedelta(days=30),
    )


def make_eligible(learner, operation_type: OperationType) -> Enrolment:
    """Training completed and a health certificate: what every registration needs."""
    give_health_certificate(learner)
    return complete_training(learner, operation_type)


@dataclass
class Theory:
    operation_type: OperationType
    blueprint: Blueprint
    session: ExamSession
    registration: Registration

    @property
    def candidate(self):
        return self.registration.candidate


def make_theory(*, candidate=None, tf: int = 12, single: int = 8) -> Theory:
    """A theory session open now: 5 true/false + 5 single choice of 10 points each."""
    operation_type = OperationTypeFactory()
    bank = QuestionBankFactory()
    for _ in range(tf):
        QuestionFactory(bank=bank, kind=QuestionKind.TRUE_FALSE, operation_types=[operation_type])
    for _ in range(single):
        QuestionFactory(bank=bank, kind=QuestionKind.SINGLE, operation_types=[operation_type])
    blueprint = BlueprintFactory(bank=bank, operation_type=operation_type)
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.TRUE_FALSE, count=5, points=Decimal(10))
    BlueprintRuleFactory(blueprint=blueprint, kind=QuestionKind.SINGLE, count=5, points=Decimal(10))
    session = ExamSessionFactory(
        kind=ExamKind.THEORY,
        blueprint=blueprint,
        operation_types=[operation_type],
        starts_at=timezone.now() - dt.timedelta(hours=4),
    )
    registration = RegistrationFactory(
        session=session, candidate=candidate or UserFactory(), operation_type=operation_type
    )
    return Theory(operation_type=operation_type, blueprint=blueprint, session=session, registration=registration)


@pytest.fixture
def theory(db) -> Theory:
    return make_theory()


def answer_key(attempt: Attempt) -> dict[int, list[str]]:
    return {q["id"]: q["answer"] for q in attempt.paper["questions"]}


def wrong_answer(question: dict) -> list[str]:
    keys = [o["key"] for o in question["options"]]
    return [next(k for k in keys if k not in question["answer"])]


def passed_theory_attempt(
    candidate, operation_type: OperationType, *, submitted_at: dt.datetime | None = None
) -> Attempt:
    """A submitted, passed theory attempt for the candidate (its own session)."""
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type])
    registration = RegistrationFactory(session=session, candidate=candidate, operation_type=operation_type)
    submitted_at = submitted_at or timezone.now() - dt.timedelta(days=3)
    return Attempt.objects.create(
        registration=registration,
        candidate=candidate,
        started_at=submitted_at - dt.timedelta(minutes=60),
        deadline=submitted_at + dt.timedelta(minutes=60),
        submitted_at=submitted_at,
        paper={"pass_mark": 80, "questions": []},
        score=Decimal("90.00"),
        passed=True,
    )


@dataclass
class Practical:
    operation_type: OperationType
    session: ExamSession
    registration: Registration
    examiner: object
    site: Organisation

    @property
    def candidate(self):
        return self.registration.candidate


@pytest.fixture
def practical(db) -> Practical:
    """A practical session open now with the 20/40/20/20 rubric and an examiner at its site."""
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL, operation_types=[operation_type])
    registration = RegistrationFactory(
        session=session, operation_type=operation_type, checked_in_at=timezone.now(), ticket_code="TESTCODE23"
    )
    examiner = MembershipFactory(organisation=session.site, role=Role.EXAMINER).user
    return Practical(
        operation_type=operation_type,
        session=session,
        registration=registration,
        examiner=examiner,
        site=session.site,
    )
