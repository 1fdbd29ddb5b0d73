"""The theory exam page in headless Chromium at 360×800: answers given while the phone is
offline wait on the device (localStorage) and reach the server when the network is back."""

from __future__ import annotations

import json

import pytest

from exams.theory.models import AttemptAnswer
from exams.theory.services import save_answer, start_attempt
from tests.factories import make_theory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_answers_given_offline_are_kept_on_the_phone_and_saved_when_back_online(phone, log_in):
    # given: a candidate on the exam page
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    page = phone()
    log_in(page, theory.candidate.username)
    context = page.context
    page.goto(f"{page.base}/exams/attempts/{attempt.pk}/")
    assert page.locator("#timer [data-remaining]").inner_text().startswith(("119:", "120:", "1:59:", "2:00:"))

    # when: the network drops and an answer is given
    context.set_offline(True)
    fieldset = page.locator("fieldset[data-question]").nth(1)
    question_id = int(fieldset.get_attribute("data-question"))
    fieldset.locator("label.option").nth(1).click()
    page.wait_for_timeout(500)
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('kz-exam-{attempt.pk}'))")

    # then: nothing reached the server, the answer waits on the phone, the map shows it answered
    assert not AttemptAnswer.objects.exists()
    given = [fieldset.locator("input").nth(1).get_attribute("value")]
    assert list(queued) == [str(question_id)]
    assert queued[str(question_id)]["answer"] == given
    assert "done" in page.locator(f'[data-qmap="{question_id}"]').get_attribute("class")

    # when: the network is back
    context.set_offline(False)
    page.wait_for_function(f"localStorage.getItem('kz-exam-{attempt.pk}') === null", timeout=15_000)

    # then: the server holds the answer
    saved = AttemptAnswer.objects.get()
    assert (saved.question_id, saved.answer) == (question_id, given)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_stale_copy_on_an_old_device_never_overwrites_a_later_answer(phone, log_in):
    # given: the old phone kept an unsent answer to question 1; the candidate then
    # answered question 1 differently on another device
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    question = next(q for q in attempt.paper["questions"] if q["kind"] == "true_false")
    save_answer(attempt=attempt, question_id=question["id"], answer=["T"])
    page = phone()
    log_in(page, theory.candidate.username)
    stale = json.dumps({str(question["id"]): {"answer": ["F"], "at": 0}})
    page.add_init_script(f"localStorage.setItem('kz-exam-{attempt.pk}', {json.dumps(stale)})")

    # when: the old phone opens the exam page again
    page.goto(f"{page.base}/exams/attempts/{attempt.pk}/")
    page.wait_for_timeout(1500)

    # then: the stale copy is dropped, the page shows and the server keeps the later answer
    assert page.evaluate(f"localStorage.getItem('kz-exam-{attempt.pk}')") is None
    assert page.locator(f'#q{question["id"]} input[value="T"]').is_checked()
    assert AttemptAnswer.objects.get().answer == ["T"]
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_exam_page_reloads_offline_and_a_submit_given_offline_goes_when_back_online(phone, log_in, screenshot_dir):
    from exams.theory.models import Attempt

    # given: a candidate on the exam page (its first load keeps it on the phone)
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    page = phone()
    log_in(page, theory.candidate.username)
    context = page.context
    page.on("dialog", lambda dialog: dialog.accept())
    url = f"{page.base}/exams/attempts/{attempt.pk}/"
    page.goto(url)
    for _ in range(50):
        kept = page.evaluate("caches.open('kz-exam-v1').then(c => c.keys()).then(k => k.map(r => r.url))")
        if url in kept:
            break
        page.wait_for_timeout(200)
    assert url in kept
    # nothing leads away during the exam, and autosave makes the 保存答案 button unneeded
    assert page.locator("header a").count() == 0
    assert page.locator("select[name=language]").count() == 0
    assert page.locator("button[value=save]").is_hidden()
    first, second = page.locator("fieldset[data-question]").nth(0), page.locator("fieldset[data-question]").nth(1)
    first.locator("label.option").nth(0).click()
    page.wait_for_function(f"localStorage.getItem('kz-exam-{attempt.pk}') === null")

    # when: the network drops, a second answer is given and the page is reloaded
    context.set_offline(True)
    second.locator("label.option").nth(1).click()
    page.reload()

    # then: the paper is there (not the browser's error page) with both answers, under the banner
    assert page.locator("form#paper").count() == 1
    assert first.locator("input").nth(0).is_checked()
    assert second.locator("input").nth(1).is_checked()
    banner = page.locator("#offline-banner")
    assert banner.is_visible()
    assert "网络已断开：答案已保存在本机，联网后自动提交" in banner.inner_text()

    # when: 交卷 is tapped offline at the bottom of the paper
    page.locator("button[value=submit]").click()
    page.wait_for_timeout(800)

    # then: still on the paper, the banner in view while scrolled, nothing submitted yet
    assert page.url == url
    box = banner.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 800
    page.screenshot(path=str(screenshot_dir / "taps-exam-offline-submit-queued.png"))
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None

    # when: the network is back, the submission goes by itself
    context.set_offline(False)
    page.wait_for_url(f"{url}result", timeout=20_000)
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert AttemptAnswer.objects.filter(attempt=attempt).exclude(answer=[]).count() == 2
    page.screenshot(path=str(screenshot_dir / "taps-exam-offline-submitted.png"), full_page=True)
    context.close()
