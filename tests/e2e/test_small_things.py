"""The small things of every role's journey, in Chromium at 360×800: the health form keeps
the chosen file, bulk extension previews before it changes anything, the course page never
contradicts itself, the editor says why a course cannot be published. Screenshots go to
$SCREENSHOT_DIR (``small-*.png``)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.admission.models import HealthCertificate

_shots = itertools.count(1)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def shoot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"small-{next(_shots):02d}-{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_health_form_keeps_the_chosen_file_and_shows_the_error_at_the_date(
    phone, log_in, demo, screenshot_dir, tmp_path
):
    scan = tmp_path / "体检证明.pdf"
    scan.write_bytes(PDF)
    before = HealthCertificate.objects.count()
    page = phone()
    log_in(page, "worker")
    page.goto(f"{page.base}/exams/health/")

    # a file and a date in the future
    page.set_input_files("input[name=file]", str(scan))
    page.fill("input[name=issued_on]", (timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_load_state()

    assert page.locator("#field-issued_on .field-errors").inner_text() == "出具日期不能晚于今天。"
    assert page.locator("#field-file .field-errors").count() == 0
    assert page.locator("[data-held]").inner_text() == "已选择：体检证明.pdf"
    assert page.locator("label[for=id_file]").inner_text() == "换一个文件（可不选）"
    shoot(page, screenshot_dir, "health-file-kept")

    # the date corrected, no file chosen again
    page.fill("input[name=issued_on]", timezone.localdate().isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "体检证明已上传。" in page.inner_text("main")
    assert page.locator("[data-held]").count() == 0
    assert HealthCertificate.objects.count() == before + 1
    shoot(page, screenshot_dir, "health-stored")
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_bulk_extension_previews_the_change_and_the_unknown_numbers_before_anything_is_done(
    phone, log_in, demo, screenshot_dir
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User
    from certificates.models import BulkExtension, Certificate

    regulator = User.objects.get(username="regulator")
    TOTP.activate(regulator, generate_totp_secret())
    certificate = Certificate.objects.filter(status__in=Certificate.CURRENT_STATUSES).order_by("pk").first()
    before = (certificate.review_due, certificate.valid_until)
    until = max(before) + dt.timedelta(days=30)
    page = phone()
    log_in(page, "regulator", totp=True)
    page.goto(f"{page.base}/authority/bulk-extensions/")
    page.fill("textarea[name=numbers]", f"{certificate.number}\nXX20249999999")
    page.fill("input[name=until]", until.isoformat())
    page.fill("input[name=reason]", "汛期统一延期")
    page.locator("main form button[name=preview]").click()
    page.wait_for_load_state()

    # the preview: the count, the number with the holder masked, old → new, the unknown number
    assert page.locator("[data-preview-count]").inner_text().startswith("将延期 1 本证书。")
    row = page.locator(".bulk-rows tbody tr")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == certificate.number
    assert cells[1] == certificate.holder_name[0] + "*" * (len(certificate.holder_name) - 1)
    assert cells[2] == f"应复审日期：{before[0]:%Y-%m-%d} → {until:%Y-%m-%d}"
    assert "XX20249999999" in page.locator("[data-missing]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, screenshot_dir, "bulk-preview")
    certificate.refresh_from_db()
    assert (certificate.review_due, certificate.valid_until) == before
    assert BulkExtension.objects.count() == 0

    page.locator("main form button[name=confirm]").click()
    page.wait_for_load_state()
    assert "已开始批量延期 1 本证书。" in page.inner_text("main")
    certificate.refresh_from_db()
    assert (certificate.review_due, certificate.valid_until) == (until, until)
    shoot(page, screenshot_dir, "bulk-confirmed")
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_editor_refuses_to_publish_a_course_its_lessons_cannot_fill(phone, log_in, demo, screenshot_dir):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User
    from courses.models import CoursePage

    TOTP.activate(User.objects.get(username="admin"), generate_totp_secret())
    course = CoursePage.objects.live().get(slug="low-voltage-initial")
    hours = course.theory_hours
    page = phone()
    log_in(page, "admin", totp=True)
    page.goto(f"{page.base}/admin/pages/{course.pk}/edit/")
    # no broken avatar: no image of the admin comes from another host, and those shown are loaded
    page.wait_for_load_state("networkidle")
    images = page.evaluate(
        """[...document.images].map(i => [i.getAttribute('src') || '', i.currentSrc || i.src,
            i.getClientRects().length > 0 && getComputedStyle(i).visibility !== 'hidden',
            i.complete && i.naturalWidth > 0])"""
    )
    assert all(not raw or src.startswith((page.base, "data:")) for raw, src, _shown, _loaded in images), images
    assert all(loaded for raw, _src, shown, loaded in images if raw and shown), images
    page.fill("#id_theory_hours", "900")
    publish = page.locator("footer button[name=action-publish]")
    if not publish.is_visible():
        page.click("footer .w-dropdown__toggle")
    publish.click()
    page.wait_for_load_state()

    error = page.locator("[data-field-wrapper]:has(#id_theory_hours) .error-message")
    assert "无法发布：本课程要求理论学时 900 学时" in page.inner_text("main")
    assert error.count() >= 1 and "请先添加并发布课时" in error.first.inner_text()
    page.locator("#id_theory_hours").scroll_into_view_if_needed()
    shoot(page, screenshot_dir, "course-publish-refused")
    course.refresh_from_db()
    assert course.theory_hours == hours
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_completed_training_never_shows_an_unanswered_check(phone, log_in, demo, screenshot_dir):
    import re

    from courses.models import CoursePage

    course = CoursePage.objects.live().get(slug="low-voltage-initial")
    page = phone()
    log_in(page, "worker")
    page.goto(f"{page.base}{course.url}")
    assert "已完成培训" in page.locator("#my-progress + *, section.card").first.inner_text()
    shoot(page, screenshot_dir, "course-completed")
    # every lesson with a check question shows it answered right
    checks = 0
    for href in [link.get_attribute("href") for link in page.locator("ol.lessons a").all()]:
        page.goto(f"{page.base}{href}")
        for check in page.locator("section.check").all():
            assert "回答正确" in check.inner_text()
            checks += 1
    assert checks >= 1
    page.context.close()

    trainer = phone()
    log_in(trainer, "trainer")
    trainer.goto(f"{trainer.base}{reverse('courses:my_organisations')}")  # one organisation: straight to it
    trainer.wait_for_load_state()
    ready = 0
    for row in trainer.locator("ul.rows > li").all():
        text = row.inner_text()
        counts = re.search(r"测验 (\d+)/(\d+)", text)
        if "可报名考试" in text and counts:
            ready += 1
            assert counts.group(1) == counts.group(2) or "完成培训后新增" in text, text
    assert ready >= 1
    assert trainer.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(trainer, screenshot_dir, "trainer-learners")
    trainer.context.close()
