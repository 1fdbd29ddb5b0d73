"""Lifecycle services: each step validated, locked, recorded with reason, actor and time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent, ExamBan
from certificates import lifecycle
from certificates.models import Certificate, CertificateEvent, Review
from certificates.rules import TransitionNotAllowed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _counts():
    return CertificateEvent.objects.count(), AuditEvent.objects.count(), ExamBan.objects.count()


def test_suspend_records_reason_actor_and_time(issue, regulator):
    # given a valid certificate
    certificate = issue()
    # when the authority suspends it
    suspended = lifecycle.suspend_certificate(certificate=certificate, actor=regulator, reason="违章作业，暂扣6个月")
    # then it is suspended, with the step in its history and the audit log
    certificate.refresh_from_db()
    assert (certificate.status, certificate.status_reason) == ("suspended", "违章作业，暂扣6个月")
    assert certificate.status_changed_at is not None
    event = CertificateEvent.objects.get(certificate=certificate)
    assert (event.action, event.from_status, event.to_status, event.actor, event.reason) == (
        "suspend",
        "valid",
        "suspended",
        regulator,
        "违章作业，暂扣6个月",
    )
    assert (
        AuditEvent.objects.filter(action="certificates.certificate.suspended", object_id=str(certificate.pk)).count()
        == 1
    )
    # and repeating it changes nothing
    again = lifecycle.suspend_certificate(certificate=suspended, actor=regulator, reason="再次")
    assert again.status == "suspended"
    assert CertificateEvent.objects.count() == 1


def test_reinstate_ends_a_suspension(issue, regulator):
    certificate = lifecycle.suspend_certificate(certificate=issue(), actor=regulator, reason="暂扣")
    lifecycle.reinstate_certificate(certificate=certificate, actor=regulator, reason="暂扣期满")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert list(CertificateEvent.objects.values_list("action", flat=True)) == ["suspend", "reinstate"]


def test_a_reason_is_required_and_nothing_changes_without_one(issue, regulator):
    certificate = issue()
    before = _counts()
    with pytest.raises(ValidationError):
        lifecycle.suspend_certificate(certificate=certificate, actor=regulator, reason="  ")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert _counts() == before


# Rule: revocation for fraud bars exams for 3 years (order No. 30 art. 30).
def test_revoke_for_fraud_imposes_a_three_year_exam_ban(issue, regulator, holder):
    certificate = issue()
    lifecycle.revoke_certificate(certificate=certificate, actor=regulator, ground="fraud", reason="伪造学历证明")
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    ban = ExamBan.objects.get(user=holder)
    assert (ban.reason, ban.source) == ("fraud", f"certificates.certificate:{certificate.pk}")
    assert (ban.ends_on.year - ban.starts_on.year) == 3
    event = CertificateEvent.objects.get(certificate=certificate)
    assert (event.action, event.ground, event.actor) == ("revoke", "fraud", regulator)


# Rule (order No. 30 art. 30): revocation for responsibility in an accident bars nothing.
def test_revoke_for_an_accident_imposes_no_ban(issue, regulator, holder):
    certificate = issue()
    lifecycle.revoke_certificate(certificate=certificate, actor=regulator, ground="accident", reason="事故责任")
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert ExamBan.objects.filter(user=holder).count() == 0


# Rule: revocation because the holder is unfit bars nothing.
def test_revoke_as_unfit_imposes_no_ban(issue, regulator, holder):
    certificate = issue()
    lifecycle.revoke_certificate(certificate=certificate, actor=regulator, ground="unfit", reason="体检不合格")
    assert ExamBan.objects.filter(user=holder).count() == 0


def test_revoke_with_an_unknown_ground_changes_nothing(issue, regulator):
    certificate = issue()
    before = _counts()
    with pytest.raises(ValidationError):
        lifecycle.revoke_certificate(certificate=certificate, actor=regulator, ground="whim", reason="x")
    certificate.refresh_from_db()
    assert certificate.status == "valid"
    assert _counts() == before


# Rule: revoked certificates are final.
def test_a_revoked_certificate_cannot_be_suspended_or_cancelled(issue, regulator):
    certificate = lifecycle.revoke_certificate(certificate=issue(), actor=regulator, ground="unfit", reason="x")
    before = _counts()
    with pytest.raises(TransitionNotAllowed):
        lifecycle.suspend_certificate(certificate=certificate, actor=regulator, reason="x")
    with pytest.raises(TransitionNotAllowed):
        lifecycle.cancel_certificate(certificate=certificate, actor=regulator, ground="deceased", reason="x")
    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert _counts() == before


def test_cancel_on_the_holders_request(issue, regulator):
    certificate = issue()
    lifecycle.cancel_certificate(certificate=certificate, actor=regulator, ground="holder_request", reason="本人申请")
    certificate.refresh_from_db()
    assert certificate.status == "cancelled"
    # and a cancelled certificate no longer blocks a new one of the same type
    assert Certificate.objects.filter(holder=certificate.holder, status__in=Certificate.CURRENT_STATUSES).count() == 0


def test_replacement_voids_the_old_paper_and_keeps_the_number(issue, holder):
    # given a certificate whose PDF was rendered
    certificate = issue(execute=True)
    certificate.refresh_from_db()
    old_token, old_pdf = certificate.token, certificate.pdf.name
    assert old_pdf
    # when the holder's paper is lost and replaced
    replaced = lifecycle.replace_certificate(certificate=certificate, actor=holder, reason="lost", detail="遗失")
    # then the number stays, the token and the PDF are new, the old ones are in the history
    replaced.refresh_from_db()
    assert replaced.number == certificate.number
    assert replaced.token != old_token
    event = CertificateEvent.objects.get(certificate=replaced, action="replace")
    assert (event.voided_token, event.voided_pdf, event.ground) == (old_token, old_pdf, "lost")
    assert not replaced.pdf.storage.exists(old_pdf)


def test_update_takes_the_holders_new_name_and_keeps_the_old_one(issue, holder, regulator):
    certificate = issue()
    holder.real_name = "王晓明"
    holder.save(update_fields=["real_name"])
    lifecycle.update_certificate_details(certificate=certificate, actor=regulator, reason="姓名变更")
    certificate.refresh_from_db()
    assert certificate.holder_name == "王晓明"
    event = CertificateEvent.objects.get(certificate=certificate, action="update")
    assert event.data["before"]["holder_name"] == "王小明"


# Rule: 10+ years of clean work lets the authority extend the review interval to 6 years.
def test_clean_record_extension_moves_review_to_six_years(issue, regulator):
    certificate = issue(issued_on=dt.date(2026, 1, 5), first_issued_on=dt.date(2014, 1, 5))
    lifecycle.extend_review_interval(
        certificate=certificate, actor=regulator, reason="连续10年无违章", clean_record=True, today=dt.date(2026, 2, 1)
    )
    certificate.refresh_from_db()
    assert (certificate.review_interval_years, certificate.review_due) == (6, dt.date(2032, 1, 5))


def test_clean_record_extension_is_refused_before_ten_years(issue, regulator):
    certificate = issue(issued_on=dt.date(2026, 1, 5))
    with pytest.raises(ValidationError):
        lifecycle.extend_review_interval(
            certificate=certificate, actor=regulator, reason="x", clean_record=True, today=dt.date(2026, 2, 1)
        )
    certificate.refresh_from_db()
    assert (certificate.review_interval_years, certificate.review_due) == (3, dt.date(2029, 1, 5))


# Rule: a certificate not reviewed in time lapses; the nightly job records it once.
def test_nightly_job_records_lapses_once(issue, authority, operation_type):
    overdue = issue(issued_on=dt.date(2020, 1, 1))
    other = UserFactory(real_name="李四")
    current = issue(holder=other, issued_on=dt.date(2026, 1, 1))
    assert lifecycle.record_lapses(today=dt.date(2026, 6, 1)) == 1
    overdue.refresh_from_db()
    current.refresh_from_db()
    assert (overdue.status, current.status) == ("lapsed", "valid")
    assert CertificateEvent.objects.filter(certificate=overdue, action="lapse").count() == 1
    assert AuditEvent.objects.filter(action="certificates.certificate.lapsed", object_id=str(overdue.pk)).count() == 1
    assert lifecycle.record_lapses(today=dt.date(2026, 6, 1)) == 0


# Rule (order No. 30 art. 26): a review applied for in time, or the retry after a review
# failed on grounds (2)-(5), holds the certificate until decided; then the job may lapse it.
def test_nightly_job_leaves_a_certificate_whose_review_awaits_a_decision(issue):
    certificate = issue(issued_on=dt.date(2020, 1, 1))
    review = Review.objects.create(
        certificate=certificate,
        due_on=certificate.review_due,
        attempt=2,
        applied_at=timezone.now(),
        training_hours=8,
    )
    after_due = certificate.review_due + dt.timedelta(days=10)

    assert lifecycle.record_lapses(today=after_due) == 0
    certificate.refresh_from_db()
    assert certificate.status == "valid"

    review.status = Review.Status.REJECTED
    review.save(update_fields=["status"])
    assert lifecycle.record_lapses(today=after_due) == 1
    certificate.refresh_from_db()
    assert certificate.status == "lapsed"
