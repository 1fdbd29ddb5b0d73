"""Courses end to end in headless Chromium at 360×800.

A trainer creates a course with a lesson in the Wagtail admin and submits it; the
regulator approves both; a worker enrols, studies (heartbeats every second in this
test), leaves and comes back to the same place, and sees honest study time grow; the
training organisation sees that progress. Screenshots go to $SCREENSHOT_DIR.
"""

from __future__ import annotations

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.db import OperationalError

from accounts.models import User
from courses.models import CoursePage, Enrolment, LessonPage, LessonProgress

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
LESSON_TEXT = "停电检修必须执行停电、验电、装设接地线、悬挂标示牌和装设遮栏的安全技术措施。" * 12


def submit_for_review(page) -> None:
    """The editor's footer: open the action menu, choose "submit to 培训机构课程审核"."""
    page.click("footer .w-dropdown__toggle")
    page.click("button[name=action-submit]")
    page.wait_for_load_state()


def approve(page, page_id: int) -> None:
    page.goto(f"{page.base}/admin/pages/{page_id}/edit/")
    page.click("footer .w-dropdown__toggle")
    page.click("button[data-workflow-action-name=approve]:not([data-workflow-action-modal-url])")
    page.wait_for_load_state()


def credited(lesson: LessonPage, worker: User) -> int:
    """Seconds on the server; SQLite's shared in-memory test database may be briefly locked
    by the live server writing a heartbeat, so a locked read is tried again."""
    for _attempt in range(20):
        try:
            row = LessonProgress.objects.filter(enrolment__learner=worker, lesson=lesson).first()
        except OperationalError:
            time.sleep(0.1)
            continue
        return row.seconds if row else 0
    raise AssertionError("the database stayed locked")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_course_is_authored_reviewed_studied_and_followed(phone, log_in, demo, screenshot_dir, settings):
    settings.COURSES_HEARTBEAT_SECONDS = 1
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"course-{next(shots):02d}-{name}.png"), full_page=True)

    trainer = User.objects.get(username="trainer")
    worker = User.objects.get(username="worker")
    regulator = User.objects.get(username="regulator")
    TOTP.activate(regulator, TOTP_SECRET)
    assert Authenticator.objects.filter(user=regulator).count() == 1
    section = trainer.groups.get().training_section
    index = section.index_page

    # --- the trainer writes a course and a lesson, and submits both -------------------------
    admin = phone()
    log_in(admin, "trainer")
    admin.goto(f"{admin.base}/admin/pages/add/courses/coursepage/{index.pk}/")
    admin.fill("#id_title", "电工作业安全(e2e)")
    admin.select_option("#id_operation_type", label="低压电工作业")
    admin.fill("#id_theory_hours", "0")
    shot(admin, "trainer-course-form")
    submit_for_review(admin)
    course = CoursePage.objects.get(title="电工作业安全(e2e)")
    assert (course.live, course.current_workflow_state.status) == (False, "in_progress")

    admin.goto(f"{admin.base}/admin/pages/add/courses/lessonpage/{course.pk}/")
    admin.fill("#id_title", "第一课 停电检修")
    admin.fill("#id_minutes", "1")
    admin.click("button.c-sf-add-button")
    admin.click("[role=option]:has-text('正文')")
    editor = admin.locator(".public-DraftEditor-content").first
    editor.click()
    editor.type(LESSON_TEXT[:60])
    admin.click("#id_minutes")  # Draftail saves its content into the form when it loses focus
    admin.wait_for_timeout(500)
    shot(admin, "trainer-lesson-form")
    submit_for_review(admin)
    lesson = LessonPage.objects.get(title="第一课 停电检修")
    assert lesson.live is False
    assert lesson.get_parent().pk == course.pk

    # --- the regulator approves: both go live ---------------------------------------------
    review = phone()
    log_in(review, "regulator", totp=True)
    approve(review, course.pk)
    approve(review, lesson.pk)
    shot(review, "regulator-approved")
    course.refresh_from_db()
    lesson.refresh_from_db()
    assert (course.live, lesson.live) == (True, True)
    # a longer text so that there is somewhere to scroll to
    lesson.body = [("paragraph", f"<p>{LESSON_TEXT}</p>"), ("paragraph", f"<p>{LESSON_TEXT}</p>")]
    lesson.save_revision().publish()

    # --- the worker finds it in the catalogue, enrols and studies -------------------------
    page = phone()
    log_in(page, "worker")
    page.goto(f"{page.base}/learn/")
    page.click("text=电工作业安全(e2e)")
    page.wait_for_load_state()
    page.click("text=报名学习")
    page.wait_for_load_state()
    assert Enrolment.objects.filter(learner=worker, course=course).exists()
    shot(page, "worker-enrolled")
    page.click("text=开始学习：第一课 停电检修")
    page.wait_for_load_state()
    page.mouse.wheel(0, 400)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    deadline = time.monotonic() + 20
    while credited(lesson, worker) < 4 and time.monotonic() < deadline:
        page.mouse.wheel(0, 10)  # an active learner
        page.wait_for_timeout(500)
    first = credited(lesson, worker)
    assert first >= 4
    shot(page, "worker-studying")

    # --- a hidden tab earns nothing --------------------------------------------------------
    page.evaluate(
        "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden', configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    hidden_at = credited(lesson, worker)
    page.wait_for_timeout(3000)
    assert credited(lesson, worker) <= hidden_at + 1  # at most one heartbeat already under way

    # --- the worker comes back: same place, time keeps growing -----------------------------
    resumed = phone()
    log_in(resumed, "worker")
    page.context.close()
    resumed.goto(f"{resumed.base}{lesson.url}")
    resumed.wait_for_function("window.scrollY > 200", timeout=10_000)
    before = credited(lesson, worker)
    deadline = time.monotonic() + 20
    while credited(lesson, worker) < before + 3 and time.monotonic() < deadline:
        resumed.mouse.wheel(0, 5)
        resumed.wait_for_timeout(500)
    assert credited(lesson, worker) >= before + 3
    resumed.wait_for_function("document.querySelector('[data-credited]').textContent.indexOf('秒') > 0", timeout=5_000)
    assert resumed.is_visible("[data-completed]") is False  # one minute is not done yet
    shot(resumed, "worker-resumed")
    progress = LessonProgress.objects.get(enrolment__learner=worker, lesson=lesson)
    assert progress.position["scroll"] > 0.5

    # --- saved for offline reading: readable without a network, and nothing credited ------
    resumed.click("[data-save-offline]")
    resumed.wait_for_function(
        "document.querySelector('[data-offline-status]').textContent.indexOf('已保存') === 0", timeout=15_000
    )
    resumed.context.set_offline(True)
    offline_from = credited(lesson, worker)
    resumed.reload()
    assert "停电检修必须执行" in resumed.inner_text("main")
    for _ in range(6):
        resumed.mouse.wheel(0, 5)
        resumed.wait_for_timeout(500)
    shot(resumed, "worker-offline")
    assert credited(lesson, worker) <= offline_from + 1  # at most a heartbeat sent before going offline
    resumed.context.set_offline(False)

    # --- the organisation sees the progress -------------------------------------------------
    admin.goto(f"{admin.base}/learn/org/")
    admin.wait_for_load_state()
    shot(admin, "organisation-learners")
    table = admin.inner_text("ul.rows")
    assert "电工作业安全(e2e)" in table
    assert worker.real_name in table
    assert "秒" in table
