"""Journey 9 in headless Chromium at 360×800: a regulator creates a quiz campaign, an
anonymous participant scans its QR code, answers, gets the score and the certificate
image; a phone-identified participant sees their history; the dashboard shows both."""

from __future__ import annotations

import io
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from accounts.models import User
from campaigns.models import Participation


def answer_paper(page, *, right: bool) -> None:
    """Tap an option in every question (the first, or the last, of each)."""
    for fieldset in page.locator("form.quiz fieldset").all():
        options = fieldset.locator("input")
        (options.first if right else options.last).check()
    page.click("form.quiz button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_campaign_from_creation_to_the_dashboard(
    phone, log_in, demo, sms_outbox, screenshot_dir, live_server, settings
):
    from PIL import Image
    from pyzbar.pyzbar import decode

    settings.SITE_URL = live_server.url
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"q{next(shots):02d}-{name}.png"), full_page=True)

    # --- the regulator creates a campaign ---------------------------------------------------
    TOTP.activate(User.objects.get(username="regulator"), generate_totp_secret())
    organiser = phone()
    log_in(organiser, "regulator", totp=True)
    organiser.goto(f"{organiser.base}/quiz/manage/")
    today = timezone.localdate()
    organiser.fill("input[name=title]", "开工第一课安全知识答题")
    organiser.fill("input[name=slug]", "kaigong")
    organiser.fill("input[name=starts_on]", today.isoformat())
    organiser.fill("input[name=ends_on]", (today + timezone.timedelta(days=14)).isoformat())
    organiser.check("text=低压电工作业演示题库")
    organiser.fill("textarea[name=rules]", "每卷 10 题，每人每天 3 次。")
    shot(organiser, "create")
    organiser.click("main form button[type=submit]")
    organiser.wait_for_load_state()
    assert organiser.url.endswith("/quiz/kaigong/dashboard/"), organiser.inner_text("main")[:400]

    # --- the landing page carries a QR code that leads to it --------------------------------
    organiser.goto(f"{organiser.base}/quiz/kaigong/")
    qr = Image.open(io.BytesIO(organiser.locator(".qr-box svg").screenshot()))
    qr = qr.resize((qr.width * 4, qr.height * 4), Image.NEAREST)
    codes = [symbol.data.decode() for symbol in decode(qr)]
    assert codes == [f"{live_server.url}/quiz/kaigong/"]

    # --- an anonymous participant scans it, answers and gets the score and the card --------
    visitor = phone()
    visitor.goto(codes[0])
    shot(visitor, "landing")
    visitor.fill("input[name=nickname]", "扫码小王")
    visitor.fill("input[name=district]", "运河区")
    visitor.fill("input[name=firm]", "淄博安泰化工有限公司")
    visitor.click("#join button[type=submit]")
    visitor.wait_for_load_state()
    assert "/paper/" in visitor.url, visitor.inner_text("main")[:400]
    assert visitor.locator("form.quiz fieldset").count() == 10
    shot(visitor, "paper")
    answer_paper(visitor, right=True)
    assert re.search(r"得分 \d+", visitor.inner_text("main"))
    assert visitor.locator("text=正确答案").count() == 10
    visitor.wait_for_function("document.querySelector('img.quiz-card').naturalWidth === 600")
    shot(visitor, "result")

    # --- a phone-identified participant answers twice and sees their history ----------------
    mobile = phone()
    mobile.goto(f"{mobile.base}/quiz/kaigong/phone/")
    mobile.fill("input[name=phone]", "13912345678")
    mobile.fill("input[name=nickname]", "老张")
    mobile.click("main form button[type=submit]")
    mobile.wait_for_load_state()
    code = re.search(r"(\d{6})", sms_outbox[-1].message).group(1)
    mobile.fill("input[name=code]", code)
    mobile.click("main form button[type=submit]")
    mobile.wait_for_load_state()
    answer_paper(mobile, right=False)
    mobile.click("text=再答一次")
    mobile.wait_for_load_state()
    answer_paper(mobile, right=True)
    mobile.click("text=我的记录")
    mobile.wait_for_load_state()
    assert "共参加 2 次" in mobile.inner_text("main")
    shot(mobile, "history")
    board = phone()
    board.goto(f"{board.base}/quiz/kaigong/leaderboard/")
    assert "老张（139****5678）" in board.inner_text("main") and "13912345678" not in board.content()

    # --- the dashboard shows both, with a chart ----------------------------------------------
    assert Participation.objects.count() == 3
    organiser.goto(f"{organiser.base}/quiz/kaigong/dashboard/")
    assert organiser.inner_text("#participations") == "3"
    assert organiser.inner_text("#participants") == "2"
    assert organiser.locator("svg.chart rect").count() >= 1
    assert "运河区" in organiser.inner_text("main")
    shot(organiser, "dashboard")
