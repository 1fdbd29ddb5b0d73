"""Exam fixtures: qualification hooks recorded, an open theory session, an open practical session."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Organisation, Role
from exams.admission.models import ExamKind, ExamSession, Registration
from exams.catalogue.models import OperationType
from tests.exams import hooks
from tests.factories import (
    ExamSessionFactory,
    MembershipFactory,
    OperationTypeFactory,
    RegistrationFactory,
    Theory,
    make_theory,
)


@pytest.fixture(autouse=True)
def _record_qualified_hooks(settings):
    """Exams never import certificates: tests watch the hook calls instead."""
    settings.KAOZHENG_ON_QUALIFIED = ["tests.exams.hooks.record_qualified"]
    hooks.CALLS.clear()
    yield
    hooks.CALLS.clear()


@pytest.fixture
def theory(db) -> Theory:
    return make_theory()


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
