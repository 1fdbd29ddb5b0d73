"""The weekly digest: each employer's staff hear what falls due, by e-mail and SMS, once a week."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from employers import selectors, services
from employers.models import DigestSent
from tests.factories import CertificateFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 12, 7)


@pytest.fixture
def due_soon(consented):
    certificate = consented.user.certificates.get()
    certificate.review_due = MONDAY + dt.timedelta(days=20)
    certificate.save(update_fields=["review_due"])
    return certificate


def test_the_digest_tells_the_officer_by_mail_and_sms_once_a_week(officer, due_soon, pending, sms_outbox):
    # when
    sent = services.send_weekly_digests(today=MONDAY)

    # then
    assert sent == 1
    [message] = mail.outbox
    assert message.to == [officer.email]
    assert message.subject == "证书与培训到期提醒"
    assert "30天内 1 项，60天内 1 项，90天内 1 项。" in message.body
    assert f"2026-12-27  复审  {due_soon.holder_name}（一车间）  低压电工作业" in message.body
    assert pending.name not in message.body  # never a person who did not consent
    assert [(sms.phone, sms.kind, sms.params) for sms in sms_outbox] == [
        (officer.phone, "digest", ("淄博甲化工有限公司", "1", "1", "1"))
    ]
    # and not again the same week, but again the next
    assert services.send_weekly_digests(today=MONDAY + dt.timedelta(days=2)) == 0
    assert services.send_weekly_digests(today=MONDAY + dt.timedelta(days=7)) == 1
    assert list(DigestSent.objects.order_by("week_of").values_list("week_of", flat=True)) == [
        MONDAY,
        MONDAY + dt.timedelta(days=7),
    ]


def test_a_failed_mail_is_tried_again_on_the_next_run(officer, due_soon, monkeypatch):
    def smtp_down(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", smtp_down)
    with pytest.raises(OSError):
        services.send_weekly_digests(today=MONDAY)
    assert DigestSent.objects.count() == 0

    monkeypatch.undo()
    assert services.send_weekly_digests(today=MONDAY + dt.timedelta(days=1)) == 1


def test_the_register_reads_in_three_queries_whatever_its_size(firm, workshop, electrician_post):
    for _ in range(3):
        entry = StaffMemberFactory(organisation=firm, department=workshop, post=electrician_post, consented=True)
        CertificateFactory(holder=entry.user)
    with CaptureQueriesContext(connection) as small:
        selectors.register(firm)
    for _ in range(7):
        entry = StaffMemberFactory(organisation=firm, department=workshop, post=electrician_post, consented=True)
        CertificateFactory(holder=entry.user)
    StaffMemberFactory(organisation=firm)

    with CaptureQueriesContext(connection) as large:
        rows = selectors.register(firm)

    assert len(rows) == 11
    assert len(small.captured_queries) == len(large.captured_queries) == 3
