"""In Chromium at phone size (360×800): a regulator creates an assessment event for two
firms, an invitee sits it on their phone, the regulator reads results by firm with the
chart and downloads the Excel file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from openpyxl import load_workbook

from assessments import services
from assessments.models import AssessmentEvent
from exams.theory.services import save_answers, submit_attempt
from tests.factories import wrong_answer


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_regulator_runs_an_event_for_two_firms_and_reads_results_by_firm(
    phone, log_in, regulator, authority, blueprint, firm_a, firm_b, screenshot_dir
):
    # a regulator (with a real TOTP authenticator) creates the event on their phone
    Authenticator.objects.filter(user=regulator).delete()
    TOTP.activate(regulator, generate_totp_secret())
    page = phone()
    log_in(page, regulator.username, totp=True)
    page.goto(f"{page.base}/events/")
    page.click(f"text={authority.name}")
    page.fill("input[name=name]", "临淄区全员安全知识大考试")
    page.select_option("select[name=audience]", "firms")
    page.check(f"input[name=firms][value='{firm_a[0].pk}']")
    page.check(f"input[name=firms][value='{firm_b[0].pk}']")
    now = timezone.now()
    page.fill("input[name=starts_at]", _local(now - dt.timedelta(minutes=5)))
    page.fill("input[name=ends_at]", _local(now + dt.timedelta(hours=2)))
    page.select_option("select[name=blueprint]", str(blueprint.pk))
    page.fill("input[name=time_limit_minutes]", "30")
    page.fill("input[name=pass_mark]", "60")
    page.screenshot(path=str(screenshot_dir / "event-create.png"), full_page=True)
    page.click("main form button[type=submit]")
    page.wait_for_selector("text=已创建考核活动，邀请 5 人")
    event = AssessmentEvent.objects.get()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # an invitee of the first firm sits it on their phone
    invitee = firm_a[1][0].user
    worker_page = phone()
    worker_page.on("dialog", lambda dialog: dialog.accept())
    log_in(worker_page, invitee.username)
    worker_page.goto(f"{worker_page.base}/events/mine/")
    worker_page.click(f"text={event.name}")
    worker_page.click("text=开始考试")
    worker_page.wait_for_url("**/exams/attempts/**")
    attempt = invitee.attempts.get()
    for index, question in enumerate(attempt.paper["questions"]):
        fieldset = worker_page.locator("fieldset[data-question]").nth(index)
        fieldset.locator(f"input[value='{question['answer'][0]}']").check()
    worker_page.screenshot(path=str(screenshot_dir / "event-paper.png"), full_page=True)
    worker_page.click("button[value=submit]")
    worker_page.wait_for_url("**/result")
    attempt.refresh_from_db()
    assert attempt.passed and attempt.score == 100

    # one of the second firm sits and fails (through the same engine)
    other = firm_b[1][0].user
    failed = services.begin_attempt(event=event, user=other)
    save_answers(attempt=failed, answers={q["id"]: wrong_answer(q) for q in failed.paper["questions"]})
    submit_attempt(attempt=failed)

    # the regulator reads results by firm, with the chart, and downloads Excel
    page.goto(f"{page.base}/events/{event.pk}/?by=firm")
    chart = page.locator("figure.chart svg")
    assert chart.count() == 1
    assert page.locator("svg g.bar").count() == 2
    table = page.inner_text("table.results")
    assert "齐鲁甲化工" in table and "1/1/3" in table and "0/1/2" in table
    page.screenshot(path=str(screenshot_dir / "event-results.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    with page.expect_download() as download:
        page.click("text=下载结果（Excel）")
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    rows = [row[:4] for row in workbook["按企业"].iter_rows(values_only=True)]
    assert ("齐鲁甲化工", 3, 1, 1) in rows and ("齐鲁乙机械", 2, 1, 0) in rows
