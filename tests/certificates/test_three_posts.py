"""Both qualification kinds through issue, wallet, PDF, verification and credential; the
yearly refresher (order No. 3 art. 9); the order-30 corrections as services."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.dates import add_years
from accounts.models import AuditEvent
from certificates import bulk, lifecycle, refreshers, reviews, selectors, signing
from certificates.models import Certificate, CertificateEvent, RefresherNotice, Review, WorkAbsence
from certificates.pdf import render_certificate_pdf
from certificates.services import CertificateError
from courses.models import Enrolment, LessonProgress
from exams.admission.services import register_candidate
from exams.catalogue.models import AuthorityScope, QualificationKind
from exams.errors import EligibilityError
from exams.theory.models import Attempt
from exams.theory.services import save_answers, start_attempt, submit_attempt, submit_expired_attempts
from tests.factories import (
    HOLDER_ID,
    HOLDER_NAME,
    CertificateFactory,
    ExamSessionFactory,
    UserFactory,
    answer_key,
    make_management_theory,
    management_course,
    management_subject,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject():
    return management_subject(post="safety_manager", industry_code="WHP")


def _pass(theory, candidate):
    attempt = start_attempt(registration=theory.registration, candidate=candidate)
    save_answers(attempt=attempt, answers=answer_key(attempt), candidate=candidate)
    return submit_attempt(attempt=attempt, candidate=candidate)


# Work Safety Law art. 27 / provincial practice: a computer exam only; the certificate at once.
def test_a_safety_manager_who_passes_the_computer_exam_holds_the_certificate_at_once(
    holder, subject, django_capture_on_commit_callbacks
):
    theory = make_management_theory(candidate=holder, subject=subject)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _pass(theory, holder)
    assert attempt.passed
    certificate = Certificate.objects.get(holder=holder)
    assert certificate.kind == "management"
    assert certificate.operation_type is None
    assert certificate.theory_attempt == attempt and certificate.practical_result is None
    today = timezone.localdate()
    assert certificate.valid_until == add_years(today, 3)
    assert certificate.review_due == certificate.valid_until  # renewed at expiry, no 3-year review
    assert certificate.authority == theory.session.authority
    assert AuditEvent.objects.filter(action="certificates.certificate.issued", object_id=str(certificate.pk)).exists()
    certificate.refresh_from_db()
    assert certificate.pdf  # rendered after commit, in the wallet at once


def test_a_passed_paper_closed_by_the_deadline_sweep_also_holds_the_certificate(holder, subject):
    # given: every answer right, but the candidate never handed in
    theory = make_management_theory(candidate=holder, subject=subject)
    attempt = start_attempt(registration=theory.registration, candidate=holder)
    save_answers(attempt=attempt, answers=answer_key(attempt), candidate=holder)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - dt.timedelta(seconds=1))

    # when: the deadline sweep closes it
    assert submit_expired_attempts() == 1

    # then: scored as passed and certified at once, as a handed-in paper is
    attempt.refresh_from_db()
    assert attempt.passed and attempt.auto_submitted
    certificate = Certificate.objects.get(holder=holder)
    assert certificate.kind == "management" and certificate.theory_attempt == attempt


def test_a_failed_computer_exam_issues_nothing(holder, subject):
    theory = make_management_theory(candidate=holder, subject=subject)
    attempt = start_attempt(registration=theory.registration, candidate=holder)
    submit_attempt(attempt=attempt, candidate=holder)
    assert not Certificate.objects.filter(holder=holder).exists()


def test_special_operations_still_wait_for_the_practical(holder):
    from tests.factories import make_theory

    theory = make_theory(candidate=holder)
    _pass(theory, holder)
    assert not Certificate.objects.filter(holder=holder).exists()


# The management certificate's paper: its own title and fields.
def test_the_management_certificate_pdf_has_its_own_title_and_fields(holder, subject, tmp_path):
    theory = make_management_theory(candidate=holder, subject=subject)
    _pass(theory, holder)
    certificate = Certificate.objects.get(holder=holder)
    content = render_certificate_pdf(certificate)
    path = tmp_path / "c.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "安全生产知识和管理能力考核合格证" in text
    assert "特种作业操作证" not in text
    assert "安全管理人员" in text and "危险化学品" in text
    assert "16学时" in text
    assert HOLDER_NAME in text and HOLDER_ID not in text


# Verification and the signed credential say which kind.
def test_verification_and_credential_carry_the_kind(holder, subject, client):
    certificate = CertificateFactory(
        holder=holder, operation_type=None, subject=subject, valid_until=add_years(timezone.localdate(), 2)
    )
    record = selectors.public_record(Certificate.objects.select_related("holder", "authority").get(pk=certificate.pk))
    assert (record.kind, record.kind_name) == ("management", "安全生产知识和管理能力考核合格证")
    claims = signing.check_credential(signing.sign_record(record)).claims
    assert claims is not None and claims["kind"] == "management"
    response = client.get(f"/v/{certificate.token}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "安全生产知识和管理能力考核合格证" in body
    assert subject.name in body
    api = client.get(f"/api/v1/verify/{certificate.token}")
    assert api.status_code == 200
    assert api.json()["kind"] == "management"


# Order No. 3 art. 9: 48 hours of initial training in hazardous chemicals; no order-30 age or education gate.
def test_registration_needs_48_hours_in_hazardous_chemicals_and_no_order_30_gate(subject):
    candidate = UserFactory(education="primary")  # below order 30's junior-middle school gate
    starts_at = timezone.now() + dt.timedelta(days=2)
    session = ExamSessionFactory(
        kind="theory", operation_types=[], starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
    )
    session.subjects.add(subject)
    short = management_course(subject, theory_hours=32)
    Enrolment.objects.create(learner=candidate, course=short, completed_at=timezone.now())
    with pytest.raises(EligibilityError) as refused:
        register_candidate(session=session, candidate=candidate, subject=subject, registered_by=candidate)
    assert "培训条件" in str(refused.value)
    assert "学历" not in str(refused.value) and "体检" not in str(refused.value)
    full = management_course(subject, theory_hours=48)
    Enrolment.objects.create(learner=candidate, course=full, completed_at=timezone.now())
    registration = register_candidate(session=session, candidate=candidate, subject=subject, registered_by=candidate)
    assert registration.subject == subject and registration.operation_type is None


# Work Safety Law art. 27: an authority examines only within its scope.
def test_an_authority_outside_its_scope_does_not_certify(holder, subject):
    theory = make_management_theory(candidate=holder, subject=subject)
    scope = AuthorityScope.objects.create(authority=theory.session.authority)
    special, _created = QualificationKind.objects.get_or_create(
        code="special_operation", defaults={"name": "特种作业操作证"}
    )
    scope.kinds.add(special)  # this authority examines special operations only
    with pytest.raises(CertificateError):
        _pass(theory, holder)
    assert not Certificate.objects.filter(holder=holder).exists()


# --- the yearly refresher (order No. 3 art. 9) --------------------------------------------


def _management_certificate(holder, subject, *, issued_days_ago: int) -> Certificate:
    issued_on = timezone.localdate() - dt.timedelta(days=issued_days_ago)
    return CertificateFactory(
        holder=holder,
        operation_type=None,
        subject=subject,
        issued_on=issued_on,
        valid_until=add_years(issued_on, 3),
        review_due=add_years(issued_on, 3),
    )


def _refresher_hours(holder, subject, hours: float, *, enrolled_days_ago: int) -> None:
    course = management_course(subject, theory_hours=16, purpose="refresher")
    enrolment = Enrolment.objects.create(learner=holder, course=course)
    Enrolment.objects.filter(pk=enrolment.pk).update(enrolled_at=timezone.now() - dt.timedelta(days=enrolled_days_ago))
    lesson = course.get_children().specific().first()
    LessonProgress.objects.create(enrolment=enrolment, lesson=lesson, seconds=int(hours * 3600))


def test_the_holder_is_reminded_of_the_16_hour_refresher_once(holder, subject, django_capture_on_commit_callbacks):
    certificate = _management_certificate(holder, subject, issued_days_ago=320)
    _refresher_hours(holder, subject, 6, enrolled_days_ago=100)
    with django_capture_on_commit_callbacks(execute=True):
        assert refreshers.send_refresher_notices() == 1
        assert refreshers.send_refresher_notices() == 0
    notice = RefresherNotice.objects.get(certificate=certificate)
    assert (notice.kind, notice.required, notice.hours) == ("due", 16, Decimal("6.00"))
    status = refreshers.refresher_statuses([certificate])[certificate.pk]
    assert status.current is not None and status.hours_left == 10


def test_a_missed_refresher_is_flagged_and_the_certificate_does_not_lapse(holder, subject):
    certificate = _management_certificate(holder, subject, issued_days_ago=400)
    _refresher_hours(holder, subject, 10, enrolled_days_ago=200)
    refreshers.send_refresher_notices()
    assert RefresherNotice.objects.filter(certificate=certificate, kind="missed").count() == 1
    assert AuditEvent.objects.filter(action="certificates.certificate.refresher_missed").count() == 1
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert list(refreshers.missed_refreshers_for(holder_ids=[holder.pk])) == [certificate.pk]


def test_sixteen_hours_in_the_year_means_nothing_is_flagged(holder, subject):
    certificate = _management_certificate(holder, subject, issued_days_ago=400)
    _refresher_hours(holder, subject, 16, enrolled_days_ago=200)
    refreshers.send_refresher_notices()
    assert not RefresherNotice.objects.filter(certificate=certificate, kind="missed").exists()


# --- order No. 30 corrections ---------------------------------------------------------------

FACTS = {
    "health_check_passed": True,
    "verified_violations": 0,
    "administrative_penalty": False,
    "obstructed_inspection": False,
}


@pytest.fixture
def in_window(issue, holder):
    """A special-operations certificate whose review falls due in 10 days."""
    return issue(issued_on=add_years(timezone.localdate() + dt.timedelta(days=10), -3))


# Order No. 30 arts. 25, 26: a review failed on grounds (2)-(5) is retried; only a failed retry lapses.
def test_a_review_failed_on_the_exam_is_retried_and_a_failed_retry_lapses(in_window, holder, regulator):
    first = reviews.apply_for_review(certificate=in_window, applicant=holder)
    decided = reviews.decide_review(review=first, actor=regulator, approve=False, exam_score=Decimal(60), **FACTS)
    assert decided.retry_allowed
    in_window.refresh_from_db()
    assert in_window.status == "valid"
    second = reviews.apply_for_review(certificate=in_window, applicant=holder)
    assert second.pk != first.pk and second.attempt == 2
    decided = reviews.decide_review(review=second, actor=regulator, approve=False, exam_score=Decimal(70), **FACTS)
    assert not decided.retry_allowed
    in_window.refresh_from_db()
    assert in_window.status == "lapsed"


# Order No. 30 arts. 25, 26: a failed health check (ground 1) lapses at once.
def test_a_review_failed_on_health_lapses_at_once(in_window, holder, regulator):
    review = reviews.apply_for_review(certificate=in_window, applicant=holder)
    facts = {**FACTS, "health_check_passed": False}
    reviews.decide_review(review=review, actor=regulator, approve=False, exam_score=Decimal(90), **facts)
    in_window.refresh_from_db()
    assert in_window.status == "lapsed"


# The review exam runs on the platform: a theory session with purpose=review, scored like any other.
def test_the_review_exam_is_a_platform_theory_session(holder, subject, regulator):
    certificate = _management_certificate(holder, subject, issued_days_ago=3 * 365 - 20)
    review = reviews.apply_for_review(certificate=certificate, applicant=holder)
    theory = make_management_theory(candidate=holder, subject=subject, purpose="review")
    attempt = _pass(theory, holder)
    review.refresh_from_db()
    assert review.exam_attempt == attempt and review.exam_score == attempt.score
    assert Certificate.objects.filter(holder=holder).count() == 1  # no new certificate
    Review.objects.filter(pk=review.pk).update(training_hours=Decimal(16))
    review.refresh_from_db()
    reviews.decide_review(review=review, actor=regulator, approve=True, **FACTS)
    certificate.refresh_from_db()
    old_until = certificate.issued_on
    assert certificate.valid_until == add_years(add_years(old_until, 3), 3)  # renewed for 3 years
    assert certificate.review_due == certificate.valid_until


# Order No. 30 art. 32: away more than 6 months -> "需重新实操考试" on verification.
def test_six_months_away_shows_practical_again_on_verification(issue, holder, client):
    certificate = issue()
    today = timezone.localdate()
    lifecycle.record_work_absence(certificate=certificate, actor=holder, left_on=today - dt.timedelta(days=100))
    assert not selectors.public_record(selectors.find_by_token(certificate.token)).practical_again  # not 6 months yet
    absence = lifecycle.record_work_absence(
        certificate=certificate, actor=holder, left_on=today - dt.timedelta(days=200)
    )
    assert WorkAbsence.objects.filter(certificate=certificate).count() == 2
    record = selectors.public_record(selectors.find_by_token(certificate.token))
    assert record.practical_again
    assert "需重新实操考试" in client.get(f"/v/{certificate.token}").content.decode()
    assert CertificateEvent.objects.filter(certificate=certificate, action="away").count() == 2
    # a practical pass after leaving clears it
    from tests.factories import PracticalResultFactory

    result = PracticalResultFactory(registration__candidate=holder)
    assert lifecycle.clear_work_absences(certificate=certificate, practical_result=result) == 2
    absence.refresh_from_db()
    assert absence.cleared_at is not None
    assert not selectors.public_record(selectors.find_by_token(certificate.token)).practical_again


def test_an_absence_in_the_future_is_refused(issue, holder):
    from django.core.exceptions import ValidationError

    certificate = issue()
    with pytest.raises(ValidationError):
        lifecycle.record_work_absence(
            certificate=certificate, actor=holder, left_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert not WorkAbsence.objects.exists()


# Bulk extension restores certificates that lapsed by date inside the emergency window it names.
def test_bulk_extension_restores_certificates_lapsed_inside_its_window(
    issue, holder, authority, regulator, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    lapsed = issue(issued_on=add_years(today - dt.timedelta(days=20), -3))
    lifecycle.record_lapses(today=today)
    lapsed.refresh_from_db()
    assert lapsed.status == "lapsed"
    with django_capture_on_commit_callbacks(execute=True):
        job = bulk.start_bulk_extension(
            authority=authority,
            certificate_ids=[lapsed.pk],
            until=today + dt.timedelta(days=90),
            reason="疫情防控应急期",
            actor=regulator,
            window_start=today - dt.timedelta(days=60),
            window_end=today,
        )
    job.refresh_from_db()
    lapsed.refresh_from_db()
    assert (job.restored, job.extended) == (1, 1)
    assert lapsed.status == "valid" and lapsed.review_due == today + dt.timedelta(days=90)
    assert CertificateEvent.objects.filter(certificate=lapsed, action="restore").count() == 1


def test_bulk_extension_does_not_restore_a_failed_review(in_window, holder, authority, regulator):
    review = reviews.apply_for_review(certificate=in_window, applicant=holder)
    reviews.decide_review(
        review=review, actor=regulator, approve=False, exam_score=Decimal(90), **{**FACTS, "health_check_passed": False}
    )
    today = timezone.localdate()
    job = bulk.start_bulk_extension(
        authority=authority,
        certificate_ids=[in_window.pk],
        until=today + dt.timedelta(days=90),
        reason="应急",
        actor=regulator,
        window_start=today - dt.timedelta(days=30),
        window_end=today + dt.timedelta(days=30),
    )
    assert job.total == 0


# Planning: a theory session for a three-post subject (or a review exam), within the authority's scope.
def test_the_regulator_plans_a_management_exam_and_a_review_exam(authority, regulator, subject):
    from exams.admission.services import plan_session
    from exams.errors import SessionInvalid
    from tests.factories import BlueprintFactory, ExamSiteFactory

    blueprint = BlueprintFactory(operation_type=None, subject=subject)
    starts = timezone.now() + dt.timedelta(days=3)
    common = {
        "authority": authority,
        "site": ExamSiteFactory(),
        "kind": "theory",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "capacity": 50,
        "operation_types": [],
        "planned_by": regulator,
        "blueprint": blueprint,
    }
    session = plan_session(name="安全管理人员考核", subjects=[subject], **common)
    assert list(session.subjects.all()) == [subject] and session.purpose == "certification"
    review = plan_session(name="安全管理人员换证考核", subjects=[subject], purpose="review", **common)
    assert review.purpose == "review"
    scope = AuthorityScope.objects.create(authority=authority)
    scope.kinds.add(QualificationKind.objects.get_or_create(code="special_operation", defaults={"name": "特"})[0])
    with pytest.raises(SessionInvalid) as refused:
        plan_session(name="超范围", subjects=[subject], **common)
    assert "考核发证范围" in str(refused.value)
    with pytest.raises(SessionInvalid):
        plan_session(name="实操", subjects=[subject], **{**common, "kind": "practical", "blueprint": None})
