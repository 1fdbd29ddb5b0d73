"""The campaign's pages and API: a participant on a phone, the organiser's dashboard."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from PIL import Image

from accounts.models import Role
from campaigns.models import DayStat, Participant, Participation
from tests.factories import (
    AuthorityFactory,
    DistrictFactory,
    EmployerFactory,
    MembershipFactory,
    UserFactory,
    make_campaign,
)

pytestmark = pytest.mark.django_db


def joined(client: Client, slug: str, nickname: str = "小李", district: str = "", firm: str = "") -> None:
    response = client.post(f"/quiz/{slug}/join/", {"nickname": nickname, "district": district, "firm": firm})
    assert response.status_code == 302, response.content.decode()[:500]


def answer_all(client: Client, slug: str, key: str = "B"):
    page = client.get(f"/quiz/{slug}/paper/").content.decode()
    token = re.search(r'name="paper_token" value="([^"]+)"', page).group(1)
    ids = re.findall(r'name="q-(\d+)"', page)
    return client.post(f"/quiz/{slug}/submit/", {"paper_token": token, **{f"q-{i}": key for i in ids}})


def test_the_landing_page_has_the_rules_a_qr_code_and_the_share_link():
    campaign = make_campaign(rules="每人每天可答三次。")
    response = Client().get(f"/quiz/{campaign.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "每人每天可答三次" in page and "<svg" in page
    assert f"/quiz/{campaign.slug}/" in page
    assert 'id="join"' in page


def test_the_paper_page_runs_no_query_on_a_cache_hit(django_assert_num_queries):
    campaign = make_campaign()
    client = Client()
    joined(client, campaign.slug)
    client.get(f"/quiz/{campaign.slug}/paper/")  # fills the cache
    with django_assert_num_queries(0):
        response = client.get(f"/quiz/{campaign.slug}/paper/")
    assert response.status_code == 200
    assert response.content.decode().count('class="card"') == 10


def test_the_paper_page_sends_no_answer_key():
    campaign = make_campaign()
    client = Client()
    joined(client, campaign.slug)
    page = client.get(f"/quiz/{campaign.slug}/paper/").content.decode()
    assert "因为B正确" not in page and "answer" not in page


def test_without_a_nickname_the_paper_sends_back_to_the_landing_page():
    campaign = make_campaign()
    response = Client().get(f"/quiz/{campaign.slug}/paper/")
    assert response.status_code == 302 and response["Location"].endswith("#join")


def test_an_anonymous_participant_answers_and_gets_the_score_and_the_card():
    district = DistrictFactory(name="运河区")
    firm = EmployerFactory(name="沧州化工")
    campaign = make_campaign()
    client = Client()
    joined(client, campaign.slug, district="运河区", firm="沧州化工")

    response = answer_all(client, campaign.slug)

    page = response.content.decode()
    assert response.status_code == 200
    assert "得分 100" in page and "因为B正确" in page
    row = Participation.objects.get()
    assert (row.score, row.district_id, row.firm_id) == (100, district.pk, firm.pk)
    card_url = re.search(r'src="(/quiz/[^"]+\.png)"', page).group(1)
    card = Client().get(card_url)
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (600, 400)
    assert len(card.content) < 60_000


def test_a_card_link_cannot_be_forged():
    campaign = make_campaign()
    assert Client().get(f"/quiz/{campaign.slug}/card/forged.png").status_code == 404


def test_a_district_not_in_the_list_is_refused_with_a_clear_message():
    campaign = make_campaign()
    response = Client().post(f"/quiz/{campaign.slug}/join/", {"nickname": "甲", "district": "不存在区"})
    assert response.status_code == 400
    assert "不在列表中" in response.content.decode()


def test_a_phone_participant_sees_their_history(sms_outbox):
    campaign = make_campaign()
    client = Client()
    url = f"/quiz/{campaign.slug}/phone/"
    assert client.post(url, {"phone": "13912345678", "nickname": "老张"}).status_code == 200
    code = re.search(r"(\d{6})", sms_outbox[-1].message).group(1)
    wrong = client.post(
        url, {"phone": "13912345678", "nickname": "老张", "code": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    assert client.post(url, {"phone": "13912345678", "nickname": "老张", "code": code}).status_code == 302

    answer_all(client, campaign.slug)
    answer_all(client, campaign.slug, key="A")

    page = client.get(f"/quiz/{campaign.slug}/me/").content.decode()
    assert "共参加 2 次" in page and "最高 100 分" in page
    board = Client().get(f"/quiz/{campaign.slug}/leaderboard/").content.decode()
    assert "老张（139****5678）" in board and "13912345678" not in board


def test_codes_by_sms_are_limited_per_address(sms_outbox, settings):
    settings.CAMPAIGN_IP_SMS_PER_HOUR = 1
    campaign = make_campaign()
    url = f"/quiz/{campaign.slug}/phone/"
    assert Client().post(url, {"phone": "13912345678", "nickname": "甲"}).status_code == 200
    refused = Client().post(url, {"phone": "13912345679", "nickname": "乙"})
    assert refused.status_code == 400 and "过于频繁" in refused.content.decode()
    assert len(sms_outbox) == 1


def test_an_anonymous_participant_has_no_history():
    campaign = make_campaign()
    client = Client()
    joined(client, campaign.slug)
    answer_all(client, campaign.slug)
    assert "匿名参加不保存个人记录" in client.get(f"/quiz/{campaign.slug}/me/").content.decode()


def test_a_signed_in_worker_takes_part_as_their_account(client_for):
    campaign = make_campaign()
    client = client_for(UserFactory(real_name="王小明"))
    answer_all(client, campaign.slug)
    participant = Participant.objects.get()
    assert participant.kind == 3 and participant.nickname == "王**"


@pytest.mark.parametrize("by", ["person", "firm", "district"])
def test_leaderboards_by_person_firm_and_district(by):
    DistrictFactory(name="新华区")
    EmployerFactory(name="渤海石化")
    campaign = make_campaign()
    client = Client()
    joined(client, campaign.slug, nickname="冠军", district="新华区", firm="渤海石化")
    answer_all(client, campaign.slug)
    for day in ("", "today"):
        page = Client().get(f"/quiz/{campaign.slug}/leaderboard/?by={by}&day={day}").content.decode()
        assert {"person": "冠军", "firm": "渤海石化", "district": "新华区"}[by] in page


def test_the_dashboard_is_for_the_organiser_only(client_for):
    campaign = make_campaign()
    client = Client()
    joined(client, campaign.slug)
    answer_all(client, campaign.slug)
    regulator = MembershipFactory(organisation=campaign.organisation, role=Role.REGULATOR).user
    other = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user

    watcher, stranger = client_for(regulator, mfa=True), client_for(other, mfa=True)

    page = watcher.get(f"/quiz/{campaign.slug}/dashboard/")
    assert page.status_code == 200
    assert '<svg class="chart"' in page.content.decode()
    assert re.search(r'id="participations">1<', page.content.decode())
    assert stranger.get(f"/quiz/{campaign.slug}/dashboard/").status_code == 403
    assert Client().get(f"/quiz/{campaign.slug}/dashboard/").status_code == 302
    export = watcher.get(f"/quiz/{campaign.slug}/dashboard.xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert stranger.get(f"/quiz/{campaign.slug}/dashboard.xlsx").status_code == 403


def test_a_regulator_creates_a_campaign_and_a_worker_may_not(client_for):
    from tests.factories import QuestionBankFactory, QuestionFactory

    authority = AuthorityFactory()
    regulator = MembershipFactory(organisation=authority, role=Role.REGULATOR).user
    bank = QuestionBankFactory()
    from exams.bank.models import QuestionBank

    QuestionBank.objects.filter(pk=bank.pk).update(level=QuestionBank.Level.NATIONAL)
    for _ in range(10):
        QuestionFactory(bank=bank)
    client = client_for(regulator, mfa=True)
    form = client.get("/quiz/manage/")
    assert form.status_code == 200 and bank.name in form.content.decode()
    response = client.post(
        "/quiz/manage/",
        {
            "title": "开工第一课",
            "slug": "kaigong",
            "organisation": authority.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "banks": [bank.pk],
            "paper_size": 10,
            "time_limit_minutes": 10,
            "attempts_per_day": 3,
            "score_rule": "best",
            "rules": "",
            "prizes": "",
            "knowledge_points": "",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/quiz/kaigong/dashboard/"
    assert client_for(UserFactory()).get("/quiz/manage/").status_code == 403


# --- the JSON API ---------------------------------------------------------------------------


def test_the_api_paper_and_an_idempotent_submission():
    campaign = make_campaign()
    client = Client()
    paper = client.get(f"/api/v1/campaigns/{campaign.slug}/paper").json()
    assert len(paper["questions"]) == 10 and "answer" not in str(paper["questions"])
    body = {
        "paper_token": paper["paper_token"],
        "answers": {str(q["id"]): ["B"] for q in paper["questions"]},
        "nickname": "甲",
    }
    headers = {"HTTP_X_DEVICE_ID": paper["device_id"], "HTTP_IDEMPOTENCY_KEY": "k-1"}

    first = client.post(
        f"/api/v1/campaigns/{campaign.slug}/submissions", body, content_type="application/json", **headers
    )
    again = client.post(
        f"/api/v1/campaigns/{campaign.slug}/submissions", body, content_type="application/json", **headers
    )

    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["score"] == 100
    assert Participation.objects.count() == 1 and DayStat.objects.get().participations == 1


def test_the_api_refuses_a_forged_paper_and_rate_limits(settings):
    settings.CAMPAIGN_IP_PAPERS_PER_MINUTE = 2
    campaign = make_campaign()
    client = Client()
    forged = client.post(
        f"/api/v1/campaigns/{campaign.slug}/submissions",
        {"paper_token": "e30.AAAA", "answers": {}, "nickname": "甲"},
        content_type="application/json",
    )
    assert forged.status_code == 400 and "试卷无效" in forged.json()["detail"]
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/paper").status_code == 200
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/paper").status_code == 200
    assert client.get(f"/api/v1/campaigns/{campaign.slug}/paper").status_code == 429
    assert Participation.objects.count() == 0


def test_the_api_figures_are_for_the_organiser(client_for):
    campaign = make_campaign()
    regulator = MembershipFactory(organisation=campaign.organisation, role=Role.REGULATOR).user
    assert client_for(regulator, mfa=True).get(f"/api/v1/campaigns/{campaign.slug}/stats").json()["participations"] == 0
    assert client_for(UserFactory()).get(f"/api/v1/campaigns/{campaign.slug}/stats").status_code == 403
    assert Client().get(f"/api/v1/campaigns/{campaign.slug}/leaderboard?by=district").status_code == 200
