"""The holder hears of what the authority did, after commit, by SMS and e-mail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.sms import LocmemSMSBackend
from certificates import lifecycle, reviews
from certificates.models import AuthorityPolicy, Review
from tests.factories import HOLDER_ID

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outboxes(settings, holder):
    settings.SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    holder.phone, holder.email = "13800138000", "wang@example.com"
    holder.save(update_fields=["phone", "email"])


def test_suspension_is_told_to_the_holder_with_its_reason(issue, regulator, django_capture_on_commit_callbacks):
    certificate = issue()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.suspend_certificate(certificate=certificate, actor=regulator, reason="违章作业，暂扣6个月")
    assert [message.message for message in LocmemSMSBackend.outbox] == [
        f"【考证】您的特种作业操作证（低压电工作业，{certificate.number}）已被暂扣。"
        "详情请登录 http://127.0.0.1:8000 查看。"
    ]
    assert LocmemSMSBackend.outbox[0].params == ("特种作业操作证", "低压电工作业", certificate.number, "已被暂扣")
    assert mail.outbox[0].to == ["wang@example.com"]
    assert mail.outbox[0].body == (
        f"【考证】您的特种作业操作证（低压电工作业，{certificate.number}）已被暂扣。原因：违章作业，暂扣6个月"
    )


def test_a_refused_change_tells_nobody(issue, regulator, django_capture_on_commit_callbacks):
    certificate = issue()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        lifecycle.suspend_certificate(certificate=certificate, actor=regulator, reason="")
    assert LocmemSMSBackend.outbox == []
    assert mail.outbox == []


def test_a_t_plus_id_number_is_masked_in_the_message(issue, authority, regulator, django_capture_on_commit_callbacks):
    AuthorityPolicy.objects.create(authority=authority, number_format="t_id")
    certificate = issue()
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.revoke_certificate(certificate=certificate, actor=regulator, ground="unfit", reason="体检不合格")
    assert HOLDER_ID not in LocmemSMSBackend.outbox[0].message
    assert "已被撤销" in LocmemSMSBackend.outbox[0].message


# Rule: review fails on two or more verified violations; the holder is told why.
def test_a_failed_review_is_told_with_its_grounds(issue, holder, regulator, django_capture_on_commit_callbacks):
    import datetime as dt

    certificate = issue(issued_on=dt.date(2026, 3, 10))
    review = reviews.apply_for_review(certificate=certificate, applicant=holder, today=dt.date(2029, 2, 1))
    Review.objects.filter(pk=review.pk).update(training_hours=Decimal("8"))
    review.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.decide_review(
            review=review,
            actor=regulator,
            approve=False,
            health_check_passed=True,
            verified_violations=3,
            administrative_penalty=False,
            obstructed_inspection=False,
            exam_score=Decimal("90"),
        )
    # order No. 30 art. 26: a first failure on ground (2) is retried; the certificate stays valid
    assert LocmemSMSBackend.outbox[-1].params[-1] == "复审不合格，须重新培训、考试后再次申请复审（证书暂不失效）"
    assert mail.outbox[-1].body.endswith(
        "复审不合格，须重新培训、考试后再次申请复审（证书暂不失效）。"
        "原因：违章操作造成严重后果或者有2次以上违章行为，并经查证确实"
    )
