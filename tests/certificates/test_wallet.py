"""The worker's wallet: status, live card, and the review application in its window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.dates import add_years
from certificates import lifecycle, reviews
from certificates.models import Review
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _due_in(days: int) -> dt.date:
    """An issue date whose review falls due in ``days`` days."""
    return add_years(timezone.localdate() + dt.timedelta(days=days), -3)


# Rule: review is applied for in the 60 days before it falls due.
def test_the_review_button_shows_only_in_the_window_and_until_applied(client, issue, holder, regulator):
    client.force_login(holder)
    certificate = issue(issued_on=_due_in(61))
    assert "申请复审" not in client.get("/me/certificates/").content.decode()

    certificate.delete()
    certificate = issue(issued_on=_due_in(30))
    page = client.get("/me/certificates/").content.decode()
    assert "有效（即将复审）" in page
    assert "申请复审</button>" in page

    client.post(f"/me/certificates/{certificate.token}/review")
    page = client.get("/me/certificates/").content.decode()
    assert "申请复审</button>" not in page
    assert "复审申请：已申请" in page

    # and once approved, the next review date starts afresh (no stale application shown)
    review = Review.objects.get()
    Review.objects.filter(pk=review.pk).update(training_hours=Decimal("8"))
    review.refresh_from_db()
    reviews.decide_review(
        review=review,
        actor=regulator,
        approve=True,
        health_check_passed=True,
        verified_violations=0,
        administrative_penalty=False,
        obstructed_inspection=False,
        exam_score=Decimal("85"),
    )
    page = client.get("/me/certificates/").content.decode()
    assert "复审申请：" not in page
    assert '<span class="status valid">有效</span>' in page


def test_a_suspended_certificate_shows_no_live_card(client, issue, holder, regulator):
    certificate = issue()
    lifecycle.suspend_certificate(certificate=certificate, actor=regulator, reason="暂扣")
    client.force_login(holder)
    page = client.get("/me/certificates/").content.decode()
    assert '<span class="status suspended">暂扣</span>' in page
    assert "此证书目前无效" in page
    assert 'class="live-clock"' not in page


def test_the_api_applies_for_review_in_the_window_only(client, issue, holder):
    client.force_login(holder)
    early = issue(issued_on=_due_in(90))
    response = client.post(f"/api/v1/certificates/{early.number}/review")
    assert response.status_code == 400
    assert response.json() == {"detail": "复审申请须在应复审日期前60日内提出。"}
    early.delete()
    due = issue(issued_on=_due_in(10))
    response = client.post(f"/api/v1/certificates/{due.number}/review")
    assert response.status_code == 200
    assert response.json()["status"] == "applied"
    other = UserFactory()
    client.force_login(other)
    assert client.post(f"/api/v1/certificates/{due.number}/review").status_code == 404
