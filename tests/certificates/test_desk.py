"""The authority desk: bulk extension progress page, Wagtail admin menu."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from certificates.models import BulkExtension, Certificate
from tests.factories import UserFactory, with_totp

pytestmark = pytest.mark.django_db


def test_bulk_extension_from_the_desk_previews_then_extends_and_shows_progress(
    client, issue, regulator, django_capture_on_commit_callbacks
):
    # given two certificates of the regulator's authority
    first = issue(issued_on=dt.date(2024, 1, 1))
    second = issue(holder=UserFactory(), issued_on=dt.date(2024, 1, 1))
    until = timezone.localdate() + dt.timedelta(days=400)
    client.force_login(regulator)
    form = {"numbers": f"{first.number}\nZZ404\n", "until": until.isoformat(), "reason": "汛期统一延期"}

    # when the regulator asks for the ones listed by number
    response = client.post("/authority/bulk-extensions/", form)

    # then a preview says what would change and which number was not found; nothing changed
    assert response.status_code == 200
    preview = response.context["preview"]
    new_date = max(until, dt.date(2027, 1, 1))
    assert (preview.total, preview.changing, preview.missing) == (1, 1, ["ZZ404"])
    row = preview.rows[0]
    assert (row.number, row.review_due, row.new_review_due) == (first.number, dt.date(2027, 1, 1), new_date)
    assert row.holder_masked == first.holder_name[0] + "*" * (len(first.holder_name) - 1)
    page = response.content.decode()
    assert "ZZ404" in page
    assert f"2027-01-01 → <strong>{new_date:%Y-%m-%d}</strong>" in page
    assert BulkExtension.objects.count() == 0
    first.refresh_from_db()
    assert first.review_due == dt.date(2027, 1, 1)

    # when the regulator confirms
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/authority/bulk-extensions/", {**form, "confirm": "1", "expected": preview.digest})

    # then that one is extended (eager Celery ran the job) and the job shows as done
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.review_due, second.review_due) == (new_date, dt.date(2027, 1, 1))
    job = BulkExtension.objects.get()
    assert (job.status, job.total, job.done, job.extended) == ("done", 1, 1, 1)
    page = client.get("/authority/bulk-extensions/").content.decode()
    assert '<progress max="1" value="1"' in page
    assert "汛期统一延期" in page


def test_a_confirm_for_a_selection_that_changed_since_the_preview_does_nothing(client, issue, regulator):
    # given a preview of one certificate
    first = issue(issued_on=dt.date(2024, 1, 1))
    client.force_login(regulator)
    until = timezone.localdate() + dt.timedelta(days=400)
    form = {"until": until.isoformat(), "reason": "汛期统一延期"}
    digest = client.post("/authority/bulk-extensions/", form).context["preview"].digest

    # when another certificate joins the selection before the confirm
    issue(holder=UserFactory(), issued_on=dt.date(2024, 1, 1))
    response = client.post("/authority/bulk-extensions/", {**form, "confirm": "1", "expected": digest})

    # then nothing is done and the new preview is shown
    assert response.status_code == 200
    assert "所选证书在预览后有变化" in response.content.decode()
    assert response.context["preview"].total == 2
    assert BulkExtension.objects.count() == 0
    first.refresh_from_db()
    assert first.review_due == dt.date(2027, 1, 1)


def test_a_confirm_without_a_preview_does_nothing(client, issue, regulator):
    issue(issued_on=dt.date(2024, 1, 1))
    client.force_login(regulator)
    until = timezone.localdate() + dt.timedelta(days=400)

    response = client.post(
        "/authority/bulk-extensions/", {"until": until.isoformat(), "reason": "x", "confirm": "1", "expected": "forged"}
    )

    assert response.status_code == 200
    assert BulkExtension.objects.count() == 0


def test_a_bad_bulk_request_says_why_and_changes_nothing(client, issue, regulator):
    issue()
    client.force_login(regulator)
    response = client.post("/authority/bulk-extensions/", {"until": "2000-01-01", "reason": "x"})
    assert response.status_code == 200
    assert "延期日期须晚于今天" in response.content.decode()
    assert BulkExtension.objects.count() == 0
    assert Certificate.objects.filter(review_due__gt=dt.date(2030, 1, 1)).count() == 0


def test_the_wagtail_admin_menu_links_to_the_desk_for_superusers(client, authority):
    superuser = with_totp(UserFactory(is_superuser=True, is_staff=True))
    client.force_login(superuser)
    page = client.get("/admin/").content.decode()
    assert "/admin/certificates/bulk-extensions/" in page
    assert "/authority/verifications/" in page


def test_bulk_extension_progress_inside_the_wagtail_admin(client, issue, authority, django_capture_on_commit_callbacks):
    from certificates import bulk

    superuser = with_totp(UserFactory(is_superuser=True, is_staff=True))
    certificate = issue(issued_on=dt.date(2024, 1, 1))
    with django_capture_on_commit_callbacks(execute=False):
        bulk.start_bulk_extension(
            authority=authority,
            certificate_ids=[certificate.pk],
            until=timezone.localdate() + dt.timedelta(days=300),
            reason="台风延期",
            actor=superuser,
        )
    client.force_login(superuser)
    page = client.get("/admin/certificates/bulk-extensions/").content.decode()
    assert '<progress max="1" value="0">' in page
    assert "台风延期" in page
    assert "window.location.reload" in page  # still pending: the page refreshes itself


def test_the_wallet_runs_the_same_number_of_queries_for_one_or_many_certificates(client, issue, holder):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OperationTypeFactory

    client.force_login(holder)
    issue()
    with CaptureQueriesContext(connection) as one:
        assert client.get("/me/certificates/").status_code == 200
    for _ in range(3):
        issue(operation_type=OperationTypeFactory())
    with CaptureQueriesContext(connection) as four:
        assert client.get("/me/certificates/").status_code == 200
    assert len(four.captured_queries) == len(one.captured_queries)


def test_the_verification_log_runs_a_fixed_number_of_queries(client, issue, regulator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    certificate = issue()
    client.force_login(regulator)
    client.get(f"/v/{certificate.token}")
    with CaptureQueriesContext(connection) as few:
        client.get("/authority/verifications/")
    for _ in range(5):
        client.get(f"/v/{certificate.token}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/authority/verifications/").content.decode()
    assert page.count('class="log-row"') == 6
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_desk_shows_a_certificates_history_with_grounds_in_words(client, issue, regulator):
    from certificates import lifecycle

    certificate = lifecycle.revoke_certificate(
        certificate=issue(), actor=regulator, ground="fraud", reason="伪造学历证明"
    )
    client.force_login(regulator)
    page = client.get("/authority/certificates/", {"number": certificate.number}).content.decode()
    assert "撤销 · 有效 → 撤销 · 以欺骗、贿赂等不正当手段取得证书 · 伪造学历证明" in page


def test_the_desk_finds_a_persons_certificates_by_id_number_for_its_own_authority_only(client, issue, regulator):
    from accounts.models import Role
    from tests.factories import HOLDER_ID, AuthorityFactory, MembershipFactory, OperationTypeFactory

    first = issue()
    second = issue(operation_type=OperationTypeFactory())
    client.force_login(regulator)
    page = client.get("/authority/certificates/", {"number": HOLDER_ID}).content.decode()
    assert first.number in page and second.number in page
    other = with_totp(MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user)
    client.force_login(other)
    page = client.get("/authority/certificates/", {"number": HOLDER_ID}).content.decode()
    assert first.number not in page
    assert "未找到匹配的证书" in page


# Order No. 30 art. 24: the desk shows each pending review's 20-working-day decision clock.
def test_the_desk_shows_the_twenty_working_day_clock_of_each_review(client, issue, holder, regulator):
    from accounts.dates import add_years
    from certificates import reviews
    from certificates.models import Review
    from certificates.rules import review_decision_deadline

    certificate = issue(issued_on=add_years(timezone.localdate() + dt.timedelta(days=10), -3))
    review = reviews.apply_for_review(certificate=certificate, applicant=holder)
    applied_on = timezone.localdate() - dt.timedelta(days=40)
    Review.objects.filter(pk=review.pk).update(applied_at=timezone.now() - dt.timedelta(days=40))
    client.force_login(regulator)
    page = client.get("/authority/certificates/").content.decode()
    deadline = review_decision_deadline(applied_on)
    assert "20个工作日" in page
    assert f"（应于 {deadline:%Y-%m-%d} 前决定）" in page  # 40 days ago: overdue
    assert "已超期" in page
