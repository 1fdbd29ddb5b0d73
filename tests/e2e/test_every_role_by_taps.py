"""Every role by taps alone, in Chromium at 360×800: the seeded lesson check, the staff menus,
the home's next step, practice, scoring, verification and statistics. Screenshots go to
$SCREENSHOT_DIR (``taps-*.png``)."""

from __future__ import annotations

import itertools

import pytest

from courses.models import LessonPage

_shots = itertools.count(1)


def shoot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=str(screenshot_dir / f"taps-{next(_shots):02d}-{name}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_lesson_check_shows_its_options_and_takes_the_right_answer(phone, log_in, demo, screenshot_dir):
    lesson = next(
        lesson for lesson in LessonPage.objects.live().specific() if any(b.block_type == "check" for b in lesson.body)
    )
    page = phone()
    log_in(page, "worker")
    page.goto(f"{page.base}{lesson.url}")
    check = page.locator("section.check")
    options = check.locator("label.option")
    assert options.all_inner_texts() == ["30:2", "15:2", "5:1"]
    options.first.click()
    check.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "回答正确" in page.inner_text("main")
    shoot(page, screenshot_dir, "lesson-check")
    page.context.close()
