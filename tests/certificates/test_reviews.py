"""Review: application in the window, the authority's decision, reminders sent once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.sms import LocmemSMSBackend, SmsNotSent
from certificates import reviews
from certificates.models import CertificateEvent, Review, ReviewReminder
from certificates.pdf import review_records

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 3, 10)
DUE = dt.date(2029, 3, 10)
IN_WINDOW = dt.date(2029, 2, 1)
FACTS = {
    "health_check_passed": True,
    "verified_violations": 0,
    "administrative_penalty": False,
    "obstructed_inspection": False,
    "exam_score": Decimal("90"),
}


@pytest.fixture
def applied(issue, holder):
    certificate = issue(issued_on=ISSUED)
    review = reviews.apply_for_review(certificate=certificate, applicant=holder, today=IN_WINDOW)
    Review.objects.filter(pk=review.pk).update(training_hours=Decimal("8.00"))
    review.refresh_from_db()
    return review


# Rule: review is applied for in the 60 days before it falls due.
def test_apply_outside_the_window_is_refused(issue, holder):
    certificate = issue(issued_on=ISSUED)
    with pytest.raises(ValidationError):
        reviews.apply_for_review(certificate=certificate, applicant=holder, today=dt.date(2029, 1, 8))
    assert Review.objects.count() == 0


def test_apply_in_the_window_snapshots_training_hours_and_is_idempotent(issue, holder):
    certificate = issue(issued_on=ISSUED)
    review = reviews.apply_for_review(certificate=certificate, applicant=holder, today=IN_WINDOW)
    assert (review.due_on, review.status, review.training_hours) == (DUE, "applied", Decimal("0.00"))
    assert reviews.apply_for_review(certificate=certificate, applicant=holder, today=IN_WINDOW) == review
    assert Review.objects.count() == 1


# Rule: a passed review moves the next review 3 years on and shows on the paper.
def test_approved_review_moves_the_due_date_and_appears_on_the_pdf(applied, regulator):
    reviews.decide_review(review=applied, actor=regulator, approve=True, today=dt.date(2029, 2, 20), **FACTS)
    certificate = applied.certificate
    certificate.refresh_from_db()
    assert (certificate.review_due, certificate.valid_until, certificate.last_reviewed_on) == (
        dt.date(2032, 3, 10),
        dt.date(2032, 3, 10),
        dt.date(2029, 2, 20),
    )
    assert certificate.status == "valid"
    assert review_records(certificate) == [
        {"decided_on": dt.date(2029, 2, 20), "result": "合格", "authority": "北京市应急管理局"}
    ]
    event = CertificateEvent.objects.get(certificate=certificate, action="review")
    assert (event.actor, event.data["approved"]) == (regulator, True)


# Rule: review fails on missed training (< 8 h): approval is refused, nothing changes.
def test_approval_is_refused_while_a_fail_ground_holds(applied, regulator):
    Review.objects.filter(pk=applied.pk).update(training_hours=Decimal("7.50"))
    applied.refresh_from_db()
    with pytest.raises(ValidationError):
        reviews.decide_review(review=applied, actor=regulator, approve=True, **FACTS)
    applied.refresh_from_db()
    applied.certificate.refresh_from_db()
    assert (applied.status, applied.certificate.review_due) == ("applied", DUE)


# Rule (order No. 30 arts. 25, 26): review fails on two or more verified violations
# (ground 2); the holder retrains, resits and applies again, so the certificate does not
# lapse on this first failure (it was wrongly lapsed at once before).
def test_rejected_review_names_its_grounds_and_allows_a_retry(applied, regulator):
    facts = {**FACTS, "verified_violations": 2}
    decided = reviews.decide_review(review=applied, actor=regulator, approve=False, **facts)
    assert (decided.status, decided.grounds, decided.decided_by) == ("rejected", ["violations"], regulator)
    assert decided.retry_allowed
    applied.certificate.refresh_from_db()
    assert applied.certificate.status == "valid"


def test_rejection_without_grounds_needs_a_reason(applied, regulator):
    with pytest.raises(ValidationError):
        reviews.decide_review(review=applied, actor=regulator, approve=False, **FACTS)
    applied.refresh_from_db()
    assert applied.status == "applied"


# Rule: remind once the 60-day window opens; once per certificate, due date and channel.
def test_reminders_go_out_once_by_sms_and_email(issue, holder, settings):
    settings.SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    holder.phone, holder.email = "13800138000", "wang@example.com"
    holder.save(update_fields=["phone", "email"])
    issue(issued_on=ISSUED)

    assert reviews.send_review_reminders(today=dt.date(2029, 1, 8)) == 0  # window not open yet
    assert reviews.send_review_reminders(today=dt.date(2029, 1, 9)) == 2
    assert reviews.send_review_reminders(today=dt.date(2029, 1, 10)) == 0

    assert [message.phone for message in LocmemSMSBackend.outbox] == ["13800138000"]
    assert "2029年3月10日" in LocmemSMSBackend.outbox[0].message
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang@example.com"]
    assert set(ReviewReminder.objects.values_list("channel", "due_on")) == {("sms", DUE), ("email", DUE)}


def test_a_failed_send_is_retried_next_time(issue, holder, settings, monkeypatch):
    settings.SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
    holder.phone, holder.email = "13800138000", ""
    holder.save(update_fields=["phone", "email"])
    issue(issued_on=ISSUED)

    def gateway_down(*args, **kwargs):
        raise SmsNotSent("短信发送失败，请稍后再试。", code="InternalError")

    monkeypatch.setattr(reviews, "send_sms", gateway_down)
    assert reviews.send_review_reminders(today=dt.date(2029, 1, 10)) == 0
    assert ReviewReminder.objects.count() == 0
    monkeypatch.undo()
    assert reviews.send_review_reminders(today=dt.date(2029, 1, 11)) == 1
