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


def _menu_links(page) -> list[tuple[str, str]]:
    page.locator("header .menu summary").click()
    links = page.locator("header .menu-panel a")
    return [(links.nth(n).inner_text(), links.nth(n).get_attribute("href")) for n in range(links.count())]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("worker", {"我的", "课程", "练习", "考试", "证书"}),
        ("trainer", {"学员与班级", "考试报名", "考试成绩"}),
        ("examiner", {"今日考生（实操评分）", "监考", "评分标准"}),
        ("regulator", {"考试场次与报名审核", "证书管理", "批量延期", "统计", "核验记录", "培训监管"}),
        ("employer", {"用人单位工作台"}),
    ],
)
def test_each_role_walks_its_pages_from_the_home_by_tapping_and_logs_out(
    phone, log_in, demo, screenshot_dir, username, expected
):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User

    if username == "regulator":
        TOTP.activate(User.objects.get(username=username), generate_totp_secret())
    page = phone()
    log_in(page, username, totp=username == "regulator")
    page.goto(f"{page.base}/")
    links = _menu_links(page)
    labels = {label for label, _ in links}
    assert expected <= labels, labels
    shoot(page, screenshot_dir, f"menu-{username}")
    # the menu fits the phone: no sideways scrolling with it open
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    for label, href in links:
        if href.startswith("/admin/"):
            continue  # the CMS has its own navigation
        page.goto(f"{page.base}/")
        page.locator("header .menu summary").click()
        with page.expect_navigation() as navigation:
            page.locator("header .menu-panel").get_by_role("link", name=label, exact=True).first.click()
        assert navigation.value.status == 200, (label, href, navigation.value.status)
        assert page.locator("header form.logout button").is_visible(), href
        shoot(page, screenshot_dir, f"{username}-{href.strip('/').replace('/', '-') or 'home'}")
        back = page.locator("header a.back")
        if href != "/me/":
            assert back.is_visible(), href
            with page.expect_navigation() as navigation:
                back.click()
            assert navigation.value.status == 200, (label, "back", navigation.value.status)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, href

    page.goto(f"{page.base}/me/")
    page.locator("header form.logout button").click()
    page.wait_for_load_state()
    page.goto(f"{page.base}/me/")
    assert "/accounts/login" in page.url
    assert page.locator("header a", has_text="登录").is_visible()
    page.context.close()


def _small_touch_targets(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('main .btn, main button, header a, header button, header summary')]
            .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 44)
            .map(el => el.textContent.trim())"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_home_names_the_real_next_step_start_then_the_retake_rules(phone, log_in, demo, screenshot_dir):
    from accounts.models import User
    from exams.admission.models import ExamKind, Registration
    from exams.theory.services import submit_attempt

    worker = User.objects.get(username="worker")
    page = phone()
    log_in(page, "worker")

    # exam day: the open window gives a big start button on the home
    page.goto(f"{page.base}/me/")
    start = page.locator("section.next button", has_text="开始考试")
    assert start.is_visible()
    assert start.bounding_box()["height"] >= 48
    assert _small_touch_targets(page) == []
    shoot(page, screenshot_dir, "home-exam-day")
    start.click()
    page.wait_for_url("**/exams/attempts/*/")

    # after a failed paper the home gives the result and the retake rules, not the start again
    registration = Registration.objects.get(candidate=worker, session__kind=ExamKind.THEORY)
    assert not submit_attempt(attempt=registration.attempt).passed
    page.goto(f"{page.base}/me/")
    step = page.locator("section.next")
    # the practical of the same day is still on: that is the next step now
    assert "实操考试进行中" in step.inner_text()
    assert step.locator("button", has_text="开始考试").count() == 0
    shoot(page, screenshot_dir, "home-practical-today")
    Registration.objects.filter(candidate=worker, session__kind=ExamKind.PRACTICAL).update(
        status=Registration.Status.CANCELLED
    )
    page.goto(f"{page.base}/me/")
    assert "不合格" in step.inner_text() and "可补考一次" in step.inner_text()
    assert step.locator("button", has_text="开始考试").count() == 0
    assert step.locator("a", has_text="报名补考").is_visible()
    shoot(page, screenshot_dir, "home-after-a-fail")
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_verify_has_no_links_above_the_header_scans_in_page_and_shows_the_photo_in_plain_words(
    phone, screenshot_dir, settings, tmp_path
):
    from django.core.files.base import ContentFile

    from tests.factories import CertificateFactory, UserFactory, png_bytes

    settings.MEDIA_ROOT = str(tmp_path)
    holder = UserFactory(real_name="张三丰")
    holder.photo.save("face.png", ContentFile(png_bytes()), save=True)
    certificate = CertificateFactory(holder=holder)
    page = phone()
    # the phone's camera sees the certificate's QR code (BarcodeDetector and the camera are stood in for)
    page.add_init_script(f"window.KZ_SCANNED = location.origin + '/v/{certificate.token}';")
    page.add_init_script(
        """
        window.BarcodeDetector = class { detect() { return Promise.resolve([{rawValue: window.KZ_SCANNED}]); } };
        navigator.mediaDevices.getUserMedia = () => {
          const canvas = document.createElement('canvas');
          const ctx = canvas.getContext('2d');
          setInterval(() => ctx.fillRect(0, 0, 10, 10), 50);
          return Promise.resolve(canvas.captureStream(10));
        };
        """
    )

    page.goto(f"{page.base}/verify/")
    first = page.evaluate("document.body.querySelector(':scope > :not(.skip)').tagName")
    assert first == "HEADER"
    outside = "[...document.querySelectorAll('a')].filter(a => !a.closest('header, main, footer, .skip'))"
    assert page.evaluate(f"{outside}.length") == 0
    main = page.inner_text("main")
    assert "W3C" not in main and "JWS" not in main
    shoot(page, screenshot_dir, "verify")

    page.locator("[data-scan]").click()
    page.wait_for_url(f"**/v/{certificate.token}")
    card = page.locator("section.verification")
    assert "有效" in card.inner_text()
    photo = card.locator("img.holder-photo")
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "W3C" not in page.inner_text("main")  # behind the developers' summary
    page.locator("details.developers summary").click()
    assert "W3C" in page.inner_text("main")
    shoot(page, screenshot_dir, "verify-scanned")

    page.goto(f"{page.base}/v/not-a-real-token")
    text = page.inner_text("main")
    assert "链接无效" in text and "请核对证号和姓名" not in text
    shoot(page, screenshot_dir, "verify-bad-link")
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_practice_takes_two_taps_a_question_with_a_counter_and_marks_by_icon_and_text(
    phone, log_in, demo, screenshot_dir
):
    page = phone()
    log_in(page, "worker")
    page.goto(f"{page.base}/exams/practice/0102/")
    page.locator("a", has_text="顺序练习").first.click()
    page.wait_for_load_state()
    counter = page.locator("p.counter").inner_text()
    assert counter.startswith("第 1 / ") and counter.endswith(" 题")
    # the stem sits inside the card, below its top border
    card, stem = page.locator("fieldset.card").bounding_box(), page.locator("fieldset.card legend").bounding_box()
    assert stem["y"] > card["y"]
    shoot(page, screenshot_dir, "practice-question")

    for n in (1, 2):
        radio_question = page.locator("button[data-auto]").count() == 1
        assert page.locator("button[data-answer]").is_hidden() == radio_question
        # tap 1: choose (a single choice is answered at once)
        with page.expect_navigation():
            page.locator("label.option").first.click()
            if not radio_question:
                page.locator("button[data-answer]").click()
        feedback = page.locator("p.feedback").inner_text()
        assert feedback.startswith(("✓ 回答正确", "✗ 回答错误"))
        assert page.locator("label.option.right .mark").first.inner_text() == "✓ 正确答案"
        shoot(page, screenshot_dir, f"practice-answered-{n}")
        # tap 2: the next question
        page.locator("a", has_text="下一题").click()
        page.wait_for_load_state()
        assert page.locator("p.counter").inner_text().startswith(f"第 {n + 1} / ")

    # a mock exam's result offers 再考一次 and 返回
    page.goto(f"{page.base}/exams/practice/0102/")
    page.locator("button", has_text="模拟考试").click()
    page.wait_for_load_state()
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("button[value=submit]").click()
    page.wait_for_load_state()
    assert page.locator("button", has_text="再考一次").is_visible()
    assert page.locator("main a.btn", has_text="返回").is_visible()
    shoot(page, screenshot_dir, "mock-result")
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_regulator_reads_statistics_and_the_verification_log_at_360(phone, log_in, demo, screenshot_dir):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import User

    TOTP.activate(User.objects.get(username="regulator"), generate_totp_secret())
    page = phone()
    log_in(page, "regulator", totp=True)
    page.goto(f"{page.base}/verify/?number=BJYJJ20240000017&name=李明")  # leaves a line in the log
    page.goto(f"{page.base}/")
    page.locator("header .menu summary").click()
    page.locator("header .menu-panel").get_by_role("link", name="统计", exact=True).click()
    page.wait_for_load_state()
    start = page.locator("input[name=start]")
    start.fill("2020-01-01")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    certificates = page.locator("#certificates_kind")
    assert certificates.locator("ul.bars svg").count() >= 1
    assert "特种作业操作证" in certificates.locator("table").inner_text()
    assert page.locator("#theory_type table").count() + page.locator("#theory_type .muted").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(page, screenshot_dir, "statistics")
    with page.expect_download() as download:
        page.locator("a", has_text="下载 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{page.base}/authority/verifications/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    text = page.inner_text("main")
    assert "not_found" not in text and "valid" not in text
    shoot(page, screenshot_dir, "verification-log")
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_veto_without_a_reason_is_refused_at_the_box_and_a_veto_reads_as_the_outcome(
    phone, log_in, demo, screenshot_dir
):
    from accounts.models import User
    from exams.admission.models import ExamKind, Registration

    worker = User.objects.get(username="worker")
    registration = Registration.objects.get(candidate=worker, session__kind=ExamKind.PRACTICAL)
    page = phone()
    log_in(page, "examiner")
    from django.utils import timezone

    from exams.admission.services import check_in_candidate

    registration.checked_in_at = timezone.now()  # checked in at the site's gate
    registration.save(update_fields=["checked_in_at"])
    check_in_candidate(ticket_code=registration.ticket_code, examiner=User.objects.get(username="examiner"))
    page.goto(f"{page.base}/exams/practical/{registration.pk}/score")
    veto = page.locator("form.item.veto").first
    headline = page.locator("[data-total]")
    number = headline.inner_text()

    # a veto ticked without a reason: an error at the box, not reported as saved, nothing sent
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/marks" in request.url else None)
    veto.locator("input[name=veto]").check()
    error = veto.locator("[data-veto-error]")
    assert error.is_visible() and "否决原因" in error.inner_text()
    assert "已保存" not in page.locator("[data-save-state]").inner_text()
    assert headline.inner_text() == number
    page.wait_for_timeout(500)
    assert sent == []
    shoot(page, screenshot_dir, "veto-without-reason")

    # with a reason it is saved, and the headline reads the outcome in place of the number
    with page.expect_response(lambda response: "/marks" in response.url) as saved:
        veto.locator("input[name=veto_reason]").fill("未验电即操作")
        veto.locator("input[name=veto_reason]").dispatch_event("change")
    assert saved.value.status == 200
    page.wait_for_function("document.querySelector('[data-total]').textContent.includes('不合格（否决）')")
    assert error.is_hidden()
    # submit and back are apart: the back link is not right under the submit button
    submit = page.locator("button", has_text="提交成绩").bounding_box()
    back = page.locator("a", has_text="返回名单").bounding_box()
    assert back["y"] - (submit["y"] + submit["height"]) >= 32
    shoot(page, screenshot_dir, "veto-outcome")
    page.reload()
    assert page.locator("[data-total]").inner_text() == "不合格（否决）"
    page.context.close()
