"""The thin journey through the real UI in headless Chromium at 360×800.

study → theory exam → practical score → certificate in the wallet → public
verification by QR token and by number + name. Screenshots of every step go to
$SCREENSHOT_DIR (default: a temporary folder), named in the test output.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from certificates.models import Certificate
from courses.models import LessonProgress
from exams.admission.models import ExamKind, Registration
from exams.practical.models import PracticalResult
from exams.theory.models import Attempt


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_worker_studies_passes_both_parts_and_anyone_verifies_the_certificate(phone, log_in, demo, screenshot_dir):
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{next(shots):02d}-{name}.png"), full_page=True)

    worker = User.objects.get(username="worker")

    # --- the worker studies a lesson on the phone ---------------------------------------
    page = phone()
    log_in(page, "worker")
    page.goto(f"{page.base}/me/")
    shot(page, "dashboard")
    assert "低压电工作业(初训)" in page.inner_text("main")
    page.click("text=低压电工作业(初训)")
    page.wait_for_load_state()
    shot(page, "course")
    with page.expect_response(lambda response: "/heartbeat" in response.url) as heartbeat:
        page.click("text=第一课 电气安全基础")
    assert heartbeat.value.status == 200
    assert page.inner_text("h1") == "第一课 电气安全基础"
    shot(page, "lesson")
    progress = LessonProgress.objects.get(enrolment__learner=worker, lesson__slug="lesson-1")
    assert progress.last_heartbeat_at is not None  # the page reported in to the server clock

    # --- the theory exam: start, answer every question, hand in -------------------------
    page.goto(f"{page.base}/exams/")
    shot(page, "exams")
    page.click("text=开始理论考试")
    page.wait_for_load_state()
    attempt = Attempt.objects.get(candidate=worker, registration__session__kind=ExamKind.THEORY)
    assert page.locator(".timer").count() == 1
    html = page.content()
    for question in attempt.paper["questions"]:
        assert f'name="q_{question["id"]}"' in html
    shot(page, "paper")
    for question in attempt.paper["questions"]:
        for key in question["answer"]:
            page.check(f'input[name="q_{question["id"]}"][value="{key}"]')
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=submit]")
    page.wait_for_url("**/result")
    shot(page, "theory-result")
    assert "100" in page.inner_text("main")
    assert page.locator(".status.passed").count() == 1
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (100, True)

    # --- the examiner scores the practical on a phone ---------------------------------
    examiner_page = phone()
    log_in(examiner_page, "examiner")
    examiner_page.goto(f"{examiner_page.base}/exams/practical/")
    shot(examiner_page, "practical-roster")
    registration = Registration.objects.get(candidate=worker, session__kind=ExamKind.PRACTICAL)
    examiner_page.fill("input[name=code]", registration.ticket_code.lower())  # typed from the paper ticket
    examiner_page.click("form.checkin button[type=submit]")
    examiner_page.wait_for_url("**/score")
    # one tap on K2's first deduction, saved as it is made
    first = examiner_page.locator("#subject-K2 input[name=deduction]").first
    with examiner_page.expect_response(lambda response: "/marks" in response.url) as saved:
        first.check()
    assert saved.value.status == 200
    shot(examiner_page, "practical-form")
    examiner_page.once("dialog", lambda dialog: dialog.accept())
    examiner_page.click("text=提交成绩")
    examiner_page.wait_for_load_state()
    shot(examiner_page, "practical-result")
    assert examiner_page.locator(".status.passed").count() == 1
    result = PracticalResult.objects.get(registration__candidate=worker)
    deducted = 100 - Decimal(result.subject_scores["K2"])
    assert deducted > 0
    assert (result.total, result.passed) == (100 - deducted * Decimal("0.4"), True)

    # --- the certificate is in the worker's wallet at once ------------------------------
    certificate = Certificate.objects.get(holder=worker, operation_type__code="0102")
    assert certificate.status == Certificate.Status.VALID
    page.goto(f"{page.base}/me/certificates/")
    shot(page, "wallet")
    wallet = page.inner_text("main")
    assert certificate.number in wallet
    assert "低压电工作业" in wallet
    pdf = page.request.get(f"{page.base}/me/certificates/{certificate.number}/pdf")
    assert pdf.status == 200
    assert pdf.body()[:5] == b"%PDF-"

    # --- anyone verifies it: the QR target, then number + name --------------------------
    visitor = phone()
    visitor.goto(f"{visitor.base}/v/{certificate.token}")
    shot(visitor, "verify-qr")
    public = visitor.inner_text("main")
    assert visitor.locator(".status.valid").count() == 1
    assert "李*" in public
    assert "李明" not in public
    assert worker.id_number not in visitor.content()
    assert worker.id_number_masked in public

    visitor.goto(f"{visitor.base}/verify/")
    visitor.fill("input[name=number]", certificate.number)
    visitor.fill("input[name=name]", "李明")
    visitor.click("main form button[type=submit]")
    visitor.wait_for_load_state()
    shot(visitor, "verify-form")
    assert visitor.locator(".status.valid").count() == 1
    assert "李明" not in visitor.inner_text("main")
