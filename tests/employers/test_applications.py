"""Applications on a worker's behalf (order No. 30 art. 22): the employer applies for a
review or an exam registration, the worker sees and may withdraw it, the regulator decides
it through the ordinary services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.audit import events_named
from accounts.models import Role
from certificates.models import Review
from certificates.reviews import decide_review
from employers import applications
from employers.models import WorkerApplication
from exams.admission.models import Registration, SessionPurpose
from exams.admission.services import decide_registration
from exams.errors import EligibilityError
from tests.factories import (
    CertificateFactory,
    EmployerFactory,
    ExamSessionFactory,
    MembershipFactory,
    OperationTypeFactory,
    employer_staff,
    make_eligible,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_certificate(consented):
    """The worker's certificate, due for review in 30 days (inside the 60-day window)."""
    today = timezone.localdate()
    certificate = consented.user.certificates.get()
    certificate.issued_on = today - dt.timedelta(days=3 * 365 - 30)
    certificate.review_due = today + dt.timedelta(days=30)
    certificate.save(update_fields=["issued_on", "review_due"])
    return certificate


def test_the_employer_applies_for_a_review_the_worker_sees_it_and_the_regulator_decides(
    consented, officer, due_certificate
):
    # when
    application = applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=officer)

    # then: an ordinary review application, seen by the worker
    review = Review.objects.get(certificate=due_certificate)
    assert application.review == review and review.status == Review.Status.APPLIED
    assert [a.pk for a in applications.applications_for_person(consented.user)] == [application.pk]
    assert application.status_label == "已申请"
    assert events_named("employers.worker_application.made").filter(object_id=str(application.pk)).exists()

    # when the regulator decides it through the review service
    regulator = MembershipFactory(organisation=due_certificate.authority, role=Role.REGULATOR).user
    Review.objects.filter(pk=review.pk).update(training_hours=Decimal("8"))
    review.refresh_from_db()
    decide_review(
        review=review,
        actor=regulator,
        approve=True,
        health_check_passed=True,
        verified_violations=0,
        administrative_penalty=False,
        obstructed_inspection=False,
        exam_score=Decimal("90"),
    )

    # then the worker sees the decision, and can no longer withdraw
    application.refresh_from_db()
    assert application.status_label == "复审合格"
    assert not application.can_withdraw


def test_applying_twice_returns_the_same_application(consented, officer, due_certificate):
    first = applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=officer)
    second = applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=officer)
    assert first.pk == second.pk
    assert WorkerApplication.objects.count() == 1


def test_the_worker_withdraws_a_review_application_and_it_is_gone(consented, officer, due_certificate):
    application = applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=officer)

    applications.withdraw_application(application=application, user=consented.user)

    application.refresh_from_db()
    assert application.status == "withdrawn" and application.withdrawn_by == consented.user
    assert not Review.objects.filter(certificate=due_certificate).exists()
    assert events_named("certificates.review.withdrawn").count() == 1
    # a new application can be made again in the window
    again = applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=officer)
    assert again.pk != application.pk


def test_only_the_worker_may_withdraw(consented, officer, due_certificate, pending):
    application = applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=officer)
    with pytest.raises(PermissionDenied):
        applications.withdraw_application(application=application, user=officer)
    with pytest.raises(PermissionDenied):
        applications.withdraw_application(application=application, user=pending.user)
    assert Review.objects.filter(certificate=due_certificate).exists()


def test_no_application_for_a_person_who_did_not_consent(pending, officer):
    certificate = pending.user.certificates.get()
    with pytest.raises(ValidationError) as error:
        applications.apply_review_on_behalf(entry=pending, certificate=certificate, actor=officer)
    assert "本人同意" in error.value.messages[0]
    assert not Review.objects.exists() and not WorkerApplication.objects.exists()


def test_no_application_by_another_firms_officer_or_for_another_persons_certificate(
    consented, officer, due_certificate, pending
):
    stranger = employer_staff(EmployerFactory())
    with pytest.raises(PermissionDenied):
        applications.apply_review_on_behalf(entry=consented, certificate=due_certificate, actor=stranger)
    other = CertificateFactory(review_due=timezone.localdate() + dt.timedelta(days=20))
    with pytest.raises(ValidationError):
        applications.apply_review_on_behalf(entry=consented, certificate=other, actor=officer)
    assert not Review.objects.exists()


def test_the_employer_registers_the_worker_the_regulator_approves_and_the_worker_may_withdraw(consented, officer):
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(
        operation_types=[operation_type],
        starts_at=timezone.now() + dt.timedelta(days=7),
        ends_at=timezone.now() + dt.timedelta(days=7, hours=2),
    )
    make_eligible(consented.user, operation_type)

    application = applications.register_on_behalf(
        entry=consented, session=session, operation_type=operation_type, actor=officer
    )

    registration = application.registration
    assert (registration.candidate, registration.registered_by, registration.status) == (
        consented.user,
        officer,
        Registration.Status.PENDING,
    )
    regulator = MembershipFactory(organisation=session.authority, role=Role.REGULATOR).user
    decide_registration(registration=registration, approve=True, actor=regulator)
    application.refresh_from_db()
    assert application.status_label == "已批准" and application.can_withdraw

    applications.withdraw_application(application=application, user=consented.user)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert events_named("exams.registration.cancelled").count() == 1


def test_registration_on_behalf_keeps_every_eligibility_rule(consented, officer):
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(operation_types=[operation_type])

    with pytest.raises(EligibilityError):  # no training, no health certificate
        applications.register_on_behalf(entry=consented, session=session, operation_type=operation_type, actor=officer)
    assert not Registration.objects.exists() and not WorkerApplication.objects.exists()


def test_no_registration_on_behalf_for_an_assessment_event(consented, officer):
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(operation_types=[operation_type], purpose=SessionPurpose.ASSESSMENT_EVENT)
    make_eligible(consented.user, operation_type)
    with pytest.raises(ValidationError):
        applications.register_on_behalf(entry=consented, session=session, operation_type=operation_type, actor=officer)
    assert not Registration.objects.exists()
