"""A safety manager (安全管理人员) of a hazardous-chemicals firm, end to end at 360×800:

the 48-hour management course (hours counted; the rest of the 48 hours is advanced in the
test), the computer exam, the management-ability certificate in the wallet at once (its
own PDF), the QR page and the signed credential, and the reminder of the yearly 16-hour
refresher. Screenshots go to $SCREENSHOT_DIR.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.core import mail
from django.utils import timezone

from certificates import refreshers, signing
from certificates.models import Certificate, RefresherNotice
from courses.models import CoursePage, Enrolment, LessonProgress
from courses.services import complete_training_if_done
from exams.admission.models import ExamSession, Registration
from exams.admission.services import decide_registration, register_candidate
from exams.catalogue.models import Subject
from exams.theory.models import Attempt
from tests.factories import UserFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_safety_manager_trains_48_hours_passes_the_computer_exam_and_holds_the_certificate(
    phone, log_in, demo, screenshot_dir, sms_outbox, tmp_path
):
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"3p-{next(shots):02d}-{name}.png"), full_page=True)

    subject = Subject.objects.get(code="WHP.safety_manager")
    course = CoursePage.objects.get(slug="whp-safety-manager")
    assert course.theory_hours == 48  # order No. 3 art. 9: hazardous chemicals
    manager = UserFactory(
        username="anquan", real_name="郑洁", id_number="370303198811050024", phone="13800000010", sex="F"
    )

    # --- the management course: enrol, study a lesson (the server counts the time) ------------
    page = phone()
    log_in(page, "anquan")
    page.goto(f"{page.base}{course.url}")
    shot(page, "course")
    assert "安全管理人员" in page.inner_text("main")
    page.click("text=报名学习")
    page.wait_for_load_state()
    with page.expect_response(lambda response: "/heartbeat" in response.url) as heartbeat:
        page.click("text=第一课 安全生产法律法规与主体责任")
    assert heartbeat.value.status == 200
    shot(page, "lesson")
    enrolment = Enrolment.objects.get(learner=manager, course=course)
    assert LessonProgress.objects.filter(enrolment=enrolment).exists()
    page.goto(f"{page.base}{course.url}")
    assert "还需学习" in page.inner_text("main")  # 48 hours are far from done

    # --- 48 hours later (advanced here): the training is complete ------------------------------
    for lesson in course.get_children().specific():
        LessonProgress.objects.update_or_create(
            enrolment=enrolment,
            lesson=lesson,
            defaults={"seconds": lesson.minutes * 60, "completed_at": timezone.now()},
        )
    assert complete_training_if_done(learner=manager, enrolment=enrolment, now=timezone.now())
    page.goto(f"{page.base}{course.url}")
    shot(page, "course-completed")
    assert "已完成培训" in page.inner_text("main")

    # --- registered for today's computer exam (no order-30 age or education gate) ------------
    session = ExamSession.objects.get(subjects=subject, kind="theory")
    registration = register_candidate(session=session, candidate=manager, subject=subject, registered_by=manager)
    if registration.status != Registration.Status.APPROVED:
        from accounts.models import User

        decide_registration(registration=registration, approve=True, actor=User.objects.get(username="regulator"))

    # checked in at the site by the invigilator (the door itself: tests/exams/theory/test_admission_door.py)
    Registration.objects.filter(pk=registration.pk).update(checked_in_at=timezone.now())

    page.goto(f"{page.base}/exams/")
    shot(page, "exams")
    assert "安全管理人员" in page.inner_text("main")
    page.click("text=开始理论考试")
    page.wait_for_load_state()
    attempt = Attempt.objects.get(candidate=manager)
    shot(page, "paper")
    for question in attempt.paper["questions"]:
        for key in question["answer"]:
            page.check(f'input[name="q_{question["id"]}"][value="{key}"]')
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button[value=submit]")
    page.wait_for_url("**/result")
    shot(page, "result")
    assert page.locator(".status.passed").count() == 1

    # --- the management-ability certificate is in the wallet at once ---------------------------
    certificate = Certificate.objects.get(holder=manager)
    assert certificate.kind == "management" and certificate.operation_type is None
    page.goto(f"{page.base}/me/certificates/")
    shot(page, "wallet")
    wallet = page.inner_text("main")
    assert "安全生产知识和管理能力考核合格证" in wallet
    assert certificate.number in wallet
    assert "16 学时" in wallet  # the yearly refresher, shown with the certificate
    pdf = page.request.get(f"{page.base}/me/certificates/{certificate.number}/pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf.body())
    text = subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "安全生产知识和管理能力考核合格证" in text and "安全管理人员" in text and "危险化学品" in text

    # --- the QR code verifies it; the credential is signed -------------------------------------
    visitor = phone()
    visitor.goto(f"{visitor.base}/v/{certificate.token}")
    shot(visitor, "verify-qr")
    public = visitor.inner_text("main")
    assert visitor.locator(".status.valid").count() == 1
    assert "安全生产知识和管理能力考核合格证" in public
    assert "郑洁" not in public
    api = visitor.request.get(f"{visitor.base}/api/v1/verify/{certificate.token}")
    assert api.status == 200
    body = api.json()
    assert body["kind"] == "management"
    check = signing.check_credential(body["credential"])
    assert check.valid and check.claims is not None and check.claims["kind"] == "management"

    # --- ten months on: reminded of the yearly 16-hour refresher ---------------------------------
    later = timezone.localdate() + dt.timedelta(days=310)
    refreshers.send_refresher_notices(today=later)
    notice = RefresherNotice.objects.get(certificate=certificate)
    assert (notice.kind, notice.required) == ("due", 16)
    assert any("再培训" in message.body and "16" in message.body for message in mail.outbox)
    assert sms_outbox and sms_outbox[-1].params[-1] == "本年度再培训尚未完成"
