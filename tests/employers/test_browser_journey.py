"""In Chromium at phone size (360×800): an employer imports 50 staff from Excel, assigns a
course to a post, sees who is due, applies for a review on a worker's behalf; the worker
sees the application; the regulator decides it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import Role
from certificates.models import Review
from employers.models import StaffMember
from tests.factories import (
    CertificateFactory,
    MembershipFactory,
    OperationTypeFactory,
    UserFactory,
    make_id_number,
    training_course,
    xlsx_bytes,
)

WORKER_ID = make_id_number(dt.date(1985, 5, 5), serial=77, region="370303")


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_employer_imports_staff_assigns_a_course_and_applies_for_a_review_the_regulator_decides(
    phone, log_in, firm, officer, electrician_post, tmp_path, screenshot_dir
):
    # given a worker with an account and a certificate due for review in 30 days, and a course
    today = timezone.localdate()
    worker = UserFactory(username="wang", real_name="王小明", id_number=WORKER_ID)
    certificate = CertificateFactory(
        holder=worker,
        number="ZB2023000777X",
        issued_on=today - dt.timedelta(days=3 * 365 - 30),
        review_due=today + dt.timedelta(days=30),
    )
    regulator = MembershipFactory(organisation=certificate.authority, role=Role.REGULATOR, user__username="zb-reg").user
    TOTP.activate(regulator, generate_totp_secret())
    course = training_course(OperationTypeFactory())  # under the root: a flushed database has no site

    # the employer imports 50 people from Excel
    rows: list[list[object]] = [
        ["姓名", "身份证号", "手机号", "部门", "岗位"],
        ["王小明", WORKER_ID, "13900000000", "一车间", "电工"],
    ]
    for serial in range(1, 50):
        rows.append(
            [f"员工{serial}", make_id_number(dt.date(1990, 1, 1), serial=serial, region="370303"), "", "二车间", ""]
        )
    upload = tmp_path / "staff.xlsx"
    upload.write_bytes(xlsx_bytes(rows))
    employer = phone()
    log_in(employer, officer.username)
    employer.goto(f"{employer.base}/employer/{firm.code}/staff/import/")
    employer.set_input_files("input[name=file]", str(upload))
    employer.click("main form button[type=submit]")
    employer.wait_for_selector("text=已导入 50 人")
    employer.screenshot(path=str(screenshot_dir / "employer-imported.png"), full_page=True)
    _fits(employer)
    assert StaffMember.objects.filter(organisation=firm).count() == 50

    # the worker agrees to be in the register
    person = phone()
    log_in(person, worker.username)
    person.goto(f"{person.base}/me/employers/")
    person.click("button[value=accept]")
    person.wait_for_selector("text=您已同意")

    # the employer assigns a course to the post
    employer.goto(f"{employer.base}/employer/{firm.code}/posts/{electrician_post.pk}/")
    employer.check(f"input[name=courses][value='{course.pk}']")
    employer.click("main form button[type=submit]")
    employer.wait_for_selector("text=已保存岗位")
    assert worker.enrolments.filter(course=course).exists()
    employer.goto(f"{employer.base}/employer/{firm.code}/training/")
    assert "王小明" in employer.inner_text("main")

    # sees who is due within 30 days
    employer.goto(f"{employer.base}/employer/{firm.code}/due/?within=30")
    due = employer.inner_text("main")
    assert "王小明" in due and "复审" in due
    employer.screenshot(path=str(screenshot_dir / "employer-due.png"), full_page=True)
    _fits(employer)

    # and applies for the review on the worker's behalf
    employer.click("text=王小明")
    employer.click("text=代为申请复审")
    employer.wait_for_selector("text=已代为提交申请")
    employer.screenshot(path=str(screenshot_dir / "employer-applied.png"), full_page=True)
    _fits(employer)
    review = Review.objects.get(certificate=certificate)

    # the worker sees the application
    person.goto(f"{person.base}/me/employers/")
    applications = person.inner_text("section[aria-labelledby=applications]")
    assert "复审申请" in applications and firm.name in applications and "已申请" in applications
    person.screenshot(path=str(screenshot_dir / "worker-application.png"), full_page=True)
    _fits(person)

    # the regulator decides it at the desk (the worker has done the review training)
    Review.objects.filter(pk=review.pk).update(training_hours=Decimal("8"))
    desk = phone()
    log_in(desk, regulator.username, totp=True)
    desk.goto(f"{desk.base}/authority/certificates/")
    desk.click(f"text={certificate.number}")
    desk.click("summary:has-text('复审决定')")
    desk.check("input[name=review-approve][value='1']")
    desk.fill("input[name=review-exam_score]", "90")
    desk.click("details[open] button[type=submit]")
    desk.wait_for_load_state()
    review.refresh_from_db()
    assert review.status == Review.Status.APPROVED

    person.goto(f"{person.base}/me/employers/")
    assert "复审合格" in person.inner_text("section[aria-labelledby=applications]")
