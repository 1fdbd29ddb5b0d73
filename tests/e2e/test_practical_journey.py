"""The practical exam administered end to end in headless Chromium at 360×800.

A regulator plans a practical session, a training organisation registers a class, the
regulator approves, the examiner checks each candidate in by ticket code and scores on
a phone-sized screen, results appear, and the passing candidate holds a certificate.
"""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import Membership, Organisation, Role, User
from certificates.models import Certificate
from courses.models import CoursePage
from exams.admission.models import ExamSession, Registration
from exams.practical.models import PracticalMark, PracticalResult
from tests.factories import EnrolmentFactory, HealthCertificateFactory, UserFactory, passed_theory_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def learner(name: str, training: Organisation, course: CoursePage) -> User:
    """A learner of the demo school who finished the course and passed the theory exam."""
    user = UserFactory(real_name=name)
    Membership.objects.create(user=user, organisation=training, role=Role.WORKER)
    EnrolmentFactory(learner=user, course=course, completed_at=timezone.now() - dt.timedelta(days=10))
    HealthCertificateFactory(user=user)
    passed_theory_attempt(user, course.operation_type)
    return user


def test_regulator_plans_trainer_registers_examiner_scores_and_the_pass_is_certified(
    phone, log_in, demo, screenshot_dir
):
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"p{next(shots):02d}-{name}.png"), full_page=True)

    training = Organisation.objects.get(code="anda-training")
    course = CoursePage.objects.get(slug="low-voltage-initial")
    passing, failing = learner("周一", training, course), learner("吴二", training, course)
    regulator = User.objects.get(username="regulator")
    secret = generate_totp_secret()
    TOTP.activate(regulator, secret)

    # --- the regulator plans a practical session ----------------------------------------
    reg_page = phone()
    log_in(reg_page, "regulator", totp=True)
    reg_page.goto(f"{reg_page.base}/exams/admin/sessions/new")
    starts = timezone.localtime() + dt.timedelta(hours=2)
    reg_page.select_option("select[name=kind]", "practical")
    reg_page.fill("input[name=name]", "低压电工实操(第二场)")
    reg_page.select_option("select[name=site]", label="北京市特种作业实操考点(朝阳)")
    reg_page.select_option("select[name=operation_type]", label="低压电工作业")
    reg_page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT%H:%M"))
    reg_page.fill("input[name=ends_at]", (starts + dt.timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    reg_page.fill("input[name=capacity]", "10")
    shot(reg_page, "plan")
    reg_page.click("main form button[type=submit]")
    reg_page.wait_for_load_state()
    session = ExamSession.objects.get(name="低压电工实操(第二场)")
    assert session.rubric.operation_type.code == "0102" and session.rubric.is_published

    # --- the training organisation registers a class -------------------------------------
    trainer_page = phone()
    log_in(trainer_page, "trainer")
    trainer_page.goto(f"{trainer_page.base}/exams/training/sessions/{session.pk}/register")
    for person in (passing, failing):
        trainer_page.check(f"input[name=candidate][value='{person.pk}']")
    shot(trainer_page, "register-class")
    trainer_page.click("main form button[type=submit]")
    trainer_page.wait_for_load_state()
    assert "已为 2 名学员报名" in trainer_page.inner_text("main")
    assert Registration.objects.filter(session=session, status="pending").count() == 2

    # --- the regulator approves ---------------------------------------------------------
    reg_page.goto(f"{reg_page.base}/exams/admin/sessions/{session.pk}/")
    for _ in range(2):
        reg_page.locator("button[value=approve]").first.click()
        reg_page.wait_for_load_state()
    shot(reg_page, "approved")
    tickets = {r.candidate_id: r.ticket_code for r in Registration.objects.filter(session=session, status="approved")}
    assert len(tickets) == 2 and all(tickets.values())

    # the ticket PDF is ready for the candidate's training organisation to print
    ticket = Registration.objects.get(session=session, candidate=passing)
    pdf = trainer_page.request.get(f"{trainer_page.base}/exams/registrations/{ticket.pk}/ticket.pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"

    # the exam day comes: the session is under way
    ExamSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=5))

    # --- the examiner checks in and scores on the phone ---------------------------------
    examiner_page = phone()
    log_in(examiner_page, "examiner")

    def check_in(person: User) -> None:
        examiner_page.goto(f"{examiner_page.base}/exams/practical/")
        examiner_page.fill("input[name=code]", tickets[person.pk])
        examiner_page.click("form.checkin button[type=submit]")
        examiner_page.wait_for_url("**/score")

    def submit() -> None:
        examiner_page.once("dialog", lambda dialog: dialog.accept())
        examiner_page.click("text=提交成绩")
        examiner_page.wait_for_load_state()

    check_in(passing)
    first_item = examiner_page.locator("#subject-K1 form.item").first
    points = first_item.locator("[data-item-score]").inner_text()
    with examiner_page.expect_response(lambda response: "/marks" in response.url) as saved:
        first_item.locator("input[name=deduction]").first.check()
    assert saved.value.status == 200
    assert int(first_item.locator("[data-item-score]").inner_text()) < int(points)  # the item's score follows the tap
    assert examiner_page.inner_text("[data-total]") != "100.00"  # the running total follows the tap
    # the connection drops: the next tap is kept on the phone and sent once the page is back
    examiner_page.context.set_offline(True)
    examiner_page.locator("#subject-K3 input[name=deduction]").first.check()
    examiner_page.wait_for_function("document.querySelector('[data-save-state]').textContent.includes('网络中断')")
    shot(examiner_page, "offline")
    kept = examiner_page.evaluate("localStorage.getItem('kz-unsaved:' + location.pathname)")
    assert '"subject","K3"' in kept
    examiner_page.context.set_offline(False)
    with examiner_page.expect_response(lambda response: "/marks" in response.url) as resent:
        examiner_page.reload()
    assert resent.value.status == 200
    assert PracticalMark.objects.filter(sheet__registration__candidate=passing, subject_code="K3").exists()
    examiner_page.wait_for_function("document.querySelector('[data-save-state]').textContent.includes('已保存')")
    total = examiner_page.inner_text("[data-total]")
    shot(examiner_page, "score-sheet")
    submit()
    shot(examiner_page, "passed")
    assert examiner_page.locator(".status.passed").count() == 1

    check_in(failing)
    veto = examiner_page.locator("#subject-K2 form.veto").first  # every K2 task of 0102 has a veto item
    veto.locator("input[name=veto_reason]").fill("未断开电源即施救")
    with examiner_page.expect_response(lambda response: "/marks" in response.url):
        veto.locator("input[name=veto]").check()
    assert examiner_page.locator("[data-veto-flag]").is_visible()
    submit()
    shot(examiner_page, "vetoed")
    assert examiner_page.locator(".status.failed").count() == 1

    results = {r.registration.candidate_id: r for r in PracticalResult.objects.filter(registration__session=session)}
    assert (results[passing.pk].passed, str(results[passing.pk].total)) == (True, total)
    assert (results[failing.pk].passed, results[failing.pk].veto) == (False, True)

    # --- results and statistics appear; the pass is certified --------------------------
    reg_page.goto(f"{reg_page.base}/exams/admin/results/")
    shot(reg_page, "results")
    statistics = reg_page.inner_text("main")
    assert "低压电工实操(第二场)" in statistics and "50.0%" in statistics
    assert Certificate.objects.filter(holder=passing, operation_type__code="0102").count() == 1
    assert not Certificate.objects.filter(holder=failing).exists()
