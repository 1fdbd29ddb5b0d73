"""End to end across the contract: the exams service records a passed practical result,
its KAOZHENG_ON_QUALIFIED hook issues the certificate in the same transaction, and the
PDF is in the wallet as soon as that transaction commits (即考即领)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from certificates.models import Certificate
from exams.admission.models import ExamKind
from exams.practical.models import PracticalResult
from exams.practical.services import record_practical_result
from tests.factories import ExamSessionFactory, MembershipFactory, RegistrationFactory, passed_theory_attempt

pytestmark = pytest.mark.django_db


def test_a_passed_practical_issues_the_certificate_and_its_pdf(
    holder, operation_type, authority, django_capture_on_commit_callbacks
):
    # given a candidate who passed theory, registered for a practical session
    attempt = passed_theory_attempt(
        holder, operation_type, authority=authority, submitted_at=timezone.now() - dt.timedelta(days=3, hours=1)
    )
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL, authority=authority, operation_types=[operation_type])
    practical = RegistrationFactory(
        candidate=holder, operation_type=operation_type, session=session, checked_in_at=timezone.now()
    )
    examiner = MembershipFactory(organisation=session.site, role=Role.EXAMINER).user

    # when the examiner records a passing score
    with django_capture_on_commit_callbacks(execute=True):
        result = record_practical_result(
            registration=practical,
            examiner=examiner,
            subject_scores={"K1": Decimal("90"), "K2": Decimal("85"), "K3": Decimal("90"), "K4": Decimal("100")},
            veto=False,
        )

    # then the certificate exists, linked to both parts, with its PDF stored
    assert result.passed is True
    certificate = Certificate.objects.get(holder=holder)
    assert certificate.status == Certificate.Status.VALID
    assert (certificate.theory_attempt, certificate.practical_result) == (attempt, PracticalResult.objects.get())
    assert certificate.authority == authority
    assert certificate.issued_on == timezone.localdate()
    assert certificate.pdf
