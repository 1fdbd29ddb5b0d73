"""The slim path for the paper and the submission (campaigns/fastpath.py): the same
answers as the API, the same guarantees as the full stack, one Redis round trip."""

from __future__ import annotations

import json
import os
import re

import pytest
from django.test import Client, RequestFactory

from campaigns import queue, services
from campaigns.fastpath import QuizFastPath
from campaigns.models import DayStat, Participation
from tests.factories import make_campaign

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


@pytest.fixture
def stream(settings):
    settings.CAMPAIGN_QUEUE_URL = os.environ.get("REDIS_URL", "")
    client = queue.client()
    for key in client.scan_iter("campaigns:*"):
        client.delete(key)
    queue._client.cache_clear()  # noqa: SLF001 - the group is created again on the emptied stream
    client = queue.client()
    yield client
    for key in client.scan_iter("campaigns:*"):
        client.delete(key)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = int(status.split()[0])
        self.headers = dict(headers)
        self.body = body

    def json(self):
        return json.loads(self.body)


def django_app(environ, start_response):
    start_response("299 Django", [("Content-Type", "text/plain")])
    return [b"django"]


def call(method: str, path: str, body=None, *, secure: bool = False, content_type="application/json", **headers):
    factory = RequestFactory()
    if method == "GET":
        request = factory.get(path, secure=secure, **headers)
    else:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        request = factory.post(path, data=data, content_type=content_type, secure=secure, **headers)
    seen = {}

    def start_response(status, response_headers):
        seen["status"], seen["headers"] = status, response_headers

    chunks = QuizFastPath(django_app)(request.environ, start_response)
    return Answer(seen["status"], seen["headers"], b"".join(chunks))


def paper_of(slug: str, device: str = "") -> dict:
    answer = call("GET", f"/api/v1/campaigns/{slug}/paper", **({"HTTP_X_DEVICE_ID": device} if device else {}))
    assert answer.status == 200, answer.body
    return answer.json()


def submission(paper: dict, key: str = "B") -> dict:
    return {
        "paper_token": paper["paper_token"],
        "answers": {str(q["id"]): [key] for q in paper["questions"]},
        "nickname": "甲",
    }


def submit(slug: str, paper: dict, body=None, **headers) -> Answer:
    return call(
        "POST",
        f"/api/v1/campaigns/{slug}/submissions",
        submission(paper) if body is None else body,
        HTTP_X_DEVICE_ID=paper["device_id"],
        **headers,
    )


def test_a_paper_and_its_submission_are_answered_without_django_and_counted_once(stream):
    campaign = make_campaign()
    paper = paper_of(campaign.slug)
    assert len(paper["questions"]) == 10 and "explanation" not in str(paper)

    first = submit(campaign.slug, paper, HTTP_IDEMPOTENCY_KEY="k-1")
    again = submit(campaign.slug, paper, HTTP_IDEMPOTENCY_KEY="k-1")
    same_paper = submit(campaign.slug, paper)

    assert first.status == again.status == same_paper.status == 200
    assert first.json()["score"] == 100 and first.json() == again.json() == same_paper.json()
    assert first.json()["results"][0]["explanation"] == "因为B正确。"
    assert queue.backlog() == 1 and Participation.objects.count() == 0
    assert services.drain_queue() == 1
    assert Participation.objects.count() == 1 and DayStat.objects.get().participations == 1


@pytest.mark.parametrize("secure", [False, True])
def test_the_security_headers_of_the_full_stack_are_sent(stream, settings, secure):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    campaign = make_campaign()

    answer = call("GET", f"/api/v1/campaigns/{campaign.slug}/paper", secure=secure)

    assert answer.status == 200
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers.get("Strict-Transport-Security") == ("max-age=3600; includeSubDomains" if secure else None)


def test_a_forged_paper_is_refused_in_the_participants_language(stream):
    campaign = make_campaign()
    forged = {"paper_token": "e30.AAAA", "answers": {}, "nickname": "甲"}

    chinese = call("POST", f"/api/v1/campaigns/{campaign.slug}/submissions", forged, HTTP_X_DEVICE_ID="d")
    english = call(
        "POST", f"/api/v1/campaigns/{campaign.slug}/submissions", forged, HTTP_X_DEVICE_ID="d",
        HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.8",
    )  # fmt: skip

    assert chinese.status == english.status == 400
    assert chinese.json()["detail"] == "试卷无效，请重新领取试卷。" and chinese.headers["Content-Language"] == "zh-hans"
    assert english.json()["detail"] == "Invalid paper. Please get a new paper."
    assert english.headers["Content-Language"] == "en"
    assert queue.backlog() == 0


def test_a_paper_signed_for_another_device_or_altered_is_refused(stream):
    campaign = make_campaign()
    paper = paper_of(campaign.slug, device="phone-a")
    altered = dict(paper, paper_token=paper["paper_token"][:-2] + ("AA" if paper["paper_token"][-2:] != "AA" else "BB"))

    other_device = submit(campaign.slug, dict(paper, device_id="phone-b"))
    tampered = submit(campaign.slug, altered)

    assert other_device.status == 400 and "设备" in other_device.json()["detail"]
    assert tampered.status == 400 and "试卷无效" in tampered.json()["detail"]
    assert queue.backlog() == 0


def test_a_submission_from_another_site_or_as_a_form_is_refused(stream, settings):
    campaign = make_campaign()
    paper = paper_of(campaign.slug)
    settings.ALLOWED_HOSTS = ["testserver"]

    cross_site = submit(campaign.slug, paper, HTTP_ORIGIN="https://evil.example")
    as_form = call(
        "POST", f"/api/v1/campaigns/{campaign.slug}/submissions", "paper_token=x",
        content_type="application/x-www-form-urlencoded", HTTP_X_DEVICE_ID=paper["device_id"],
    )  # fmt: skip
    same_site = submit(campaign.slug, paper, HTTP_ORIGIN="http://testserver")

    assert cross_site.status == 403 and as_form.status == 415
    assert same_site.status == 200
    assert queue.backlog() == 1


def test_submissions_over_the_address_limit_are_refused_and_not_queued(stream, settings):
    settings.CAMPAIGN_IP_SUBMITS_PER_MINUTE = 2
    campaign = make_campaign(attempts_per_day=10)
    papers = [paper_of(campaign.slug, device=f"d{i}") for i in range(3)]

    statuses = [submit(campaign.slug, paper).status for paper in papers]

    assert statuses == [200, 200, 429]
    assert queue.backlog() == 2


def test_attempts_per_day_are_limited_per_person(stream):
    campaign = make_campaign(attempts_per_day=2)
    papers = [paper_of(campaign.slug, device="one-phone") for _ in range(3)]

    answers = [submit(campaign.slug, paper) for paper in papers]

    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].json()["detail"] == "今天的答题次数已用完，明天再来。"
    assert queue.backlog() == 2


def test_papers_over_the_address_limit_are_refused(stream, settings):
    settings.CAMPAIGN_IP_PAPERS_PER_MINUTE = 2
    campaign = make_campaign()

    statuses = [call("GET", f"/api/v1/campaigns/{campaign.slug}/paper").status for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_an_unknown_campaign_is_a_404_in_json(stream):
    answer = call("GET", "/api/v1/campaigns/no-such-quiz/paper")
    assert answer.status == 404 and answer.json() == {"detail": "没有这个答题活动。"}


def test_a_signed_in_participant_and_other_requests_go_through_django(stream, settings):
    campaign = make_campaign()
    with_session = call(
        "GET", f"/api/v1/campaigns/{campaign.slug}/paper", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc"
    )
    leaderboard = call("GET", f"/api/v1/campaigns/{campaign.slug}/leaderboard")
    settings.CAMPAIGN_QUEUE_URL = ""
    without_queue = call("GET", f"/api/v1/campaigns/{campaign.slug}/paper")

    assert with_session.status == leaderboard.status == without_queue.status == 299


def test_plain_http_is_left_to_django_to_redirect_when_https_is_required(stream, settings):
    settings.SECURE_SSL_REDIRECT = True
    campaign = make_campaign()
    assert call("GET", f"/api/v1/campaigns/{campaign.slug}/paper").status == 299
    assert call("GET", f"/api/v1/campaigns/{campaign.slug}/paper", secure=True).status == 200


# --- the paper page -------------------------------------------------------------------------


def joined_cookies(slug: str) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.get(f"/quiz/{slug}/")
    client.post(f"/quiz/{slug}/join/", {"nickname": "小李", "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    client.get(f"/quiz/{slug}/paper/")  # the device cookie
    return client, "; ".join(f"{m.key}={m.coded_value}" for m in client.cookies.values())


def test_the_paper_page_is_the_sites_page_and_its_form_is_accepted(stream):
    campaign = make_campaign()
    client, cookie = joined_cookies(campaign.slug)
    full = client.get(f"/quiz/{campaign.slug}/paper/")

    slim = call("GET", f"/quiz/{campaign.slug}/paper/", HTTP_COOKIE=cookie)

    assert slim.status == 200 and slim.headers["Content-Type"] == "text/html; charset=utf-8"
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert slim.headers[header] == full[header], header
    page = slim.body.decode()
    assert page.count('name="q-') == full.content.decode().count('name="q-') >= 10
    assert "因为B正确" not in page and "kzmark" not in page
    assert re.search(r"<legend>10\. ", page) and "<title>安全生产月知识竞赛" in page
    token = re.search(r'name="paper_token" value="([^"]+)"', page).group(1)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    ids = re.findall(r'name="q-(\d+)"', page)
    result = client.post(
        f"/quiz/{campaign.slug}/submit/",
        {"csrfmiddlewaretoken": csrf, "paper_token": token, **{f"q-{i}": "B" for i in ids}},
    )
    assert result.status_code == 200 and "100" in result.content.decode()


def test_the_paper_page_speaks_the_participants_language(stream):
    campaign = make_campaign()
    _client, cookie = joined_cookies(campaign.slug)

    english = call("GET", f"/quiz/{campaign.slug}/paper/", HTTP_COOKIE=cookie, HTTP_ACCEPT_LANGUAGE="en")

    assert english.status == 200 and english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.body.decode()


def test_a_first_visit_to_the_paper_page_goes_through_django(stream):
    campaign = make_campaign()
    assert call("GET", f"/quiz/{campaign.slug}/paper/").status == 299
    assert call("GET", f"/quiz/{campaign.slug}/paper/", HTTP_COOKIE="csrftoken=" + "a" * 32).status == 299


def test_an_edited_campaign_is_served_edited_by_the_slim_path(stream, django_capture_on_commit_callbacks):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    campaign = make_campaign()
    _client, cookie = joined_cookies(campaign.slug)
    before = call("GET", f"/quiz/{campaign.slug}/paper/", HTTP_COOKIE=cookie).body.decode()
    regulator = MembershipFactory(organisation=campaign.organisation, role=Role.REGULATOR).user
    data = services.CampaignInput(
        slug=campaign.slug, title="冬季安全答题", starts_on=campaign.starts_on, ends_on=campaign.ends_on,
        banks=list(campaign.banks.all()), paper_size=5,
    )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        services.update_campaign(actor=regulator, campaign=campaign, data=data)
    page = call("GET", f"/quiz/{campaign.slug}/paper/", HTTP_COOKIE=cookie).body.decode()
    api = paper_of(campaign.slug)

    assert "<h1>安全生产月知识竞赛</h1>" in before and before.count("<fieldset") == 10
    assert "<h1>冬季安全答题</h1>" in page and page.count("<fieldset") == 5
    assert len(api["questions"]) == 5


def test_after_a_suspicious_rate_the_paper_asks_a_light_question_and_checks_it(stream, settings):
    settings.CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE = 1
    campaign = make_campaign(attempts_per_day=10)
    first = paper_of(campaign.slug, device="d1")
    assert first["challenge"] == "" and submit(campaign.slug, first).status == 200

    asked = paper_of(campaign.slug, device="d2")
    a, b = (int(n) for n in re.findall(r"\d", asked["challenge"]))
    wrong = submit(campaign.slug, asked, dict(submission(asked), challenge=str(a + b + 1)))
    right = submit(campaign.slug, asked, dict(submission(asked), challenge=str(a + b)))

    assert wrong.status == 400 and wrong.json()["detail"] == "验证题回答不正确。"
    assert right.status == 200 and right.json()["score"] == 100
    assert queue.backlog() == 2
