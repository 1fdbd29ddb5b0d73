"""Papers, submissions and the batch writer (embedded: submissions are written at once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.audit import events_named
from campaigns import services
from campaigns.models import (
    Campaign,
    DayStat,
    DistrictDayStat,
    FirmDayStat,
    IdentityKind,
    Participant,
    ParticipantDay,
    Participation,
    QuestionStat,
    ScoreRule,
)
from campaigns.selectors import campaign_snapshot, dashboard, person_leaderboard
from tests.factories import DistrictFactory, EmployerFactory, QuestionBankFactory, make_campaign

pytestmark = pytest.mark.django_db


def anonymous(device: str = "dev-1", nickname: str = "小李", **fields) -> services.Who:
    return services.Who(IdentityKind.ANONYMOUS, f"device:{device}", nickname, **fields)


def take(snapshot, *, device="dev-1", ip="192.0.2.1", right=10, who=None, key="", **kwargs):
    paper = services.issue_paper(snapshot=snapshot, device=device, ip=ip)
    answers = {str(q[0]): ["B" if i < right else "A"] for i, q in enumerate(paper.questions)}
    return paper, services.submit_paper(
        snapshot=snapshot,
        token=paper.token,
        answers=answers,
        who=who or anonymous(device),
        device=device,
        ip=ip,
        idempotency_key=key,
        **kwargs,
    )


def counts() -> tuple[int, int, int]:
    return (
        Participation.objects.count(),
        Participant.objects.count(),
        sum(DayStat.objects.values_list("participations", flat=True)),
    )


def test_creating_a_campaign_is_audited_and_checks_the_pool():
    campaign = make_campaign(questions=12)
    assert events_named("campaigns.campaign.created").filter(object_id=str(campaign.pk)).count() == 1

    with pytest.raises(services.CampaignError, match="不够组成"):
        make_campaign(questions=3, slug="too-small")
    assert not Campaign.objects.filter(slug="too-small").exists()


def test_a_paper_carries_no_answer_key():
    snapshot = campaign_snapshot(make_campaign().slug)
    paper = services.issue_paper(snapshot=snapshot, device="dev-1", ip="192.0.2.1")
    assert len(paper.questions) == 10
    assert all(len(q) == 4 for q in paper.questions)  # id, kind, stem, options
    assert "B" not in {str(q[0]) for q in paper.questions}
    assert "answer" not in str(paper.questions)
    assert len({q[0] for q in paper.questions}) == 10


def test_a_submission_is_scored_and_written_with_its_rollups():
    district = DistrictFactory(name="运河区")
    firm = EmployerFactory()
    snapshot = campaign_snapshot(make_campaign().slug)

    paper, result = take(snapshot, right=7, who=anonymous(district_id=district.pk, firm_id=firm.pk))

    assert result["score"] == 70
    assert [r["correct"] for r in result["results"]] == [True] * 7 + [False] * 3
    assert all(r["key"] == ["B"] and r["explanation"] == "因为B正确。" for r in result["results"])
    assert result["certificate_url"].startswith(f"/quiz/{snapshot.slug}/card/")
    row = Participation.objects.get()
    assert (row.score, row.district_id, row.firm_id, row.correct) == (70, district.pk, firm.pk, 0b1111111)
    assert DayStat.objects.get().participations == 1 and DayStat.objects.get().new_participants == 1
    assert DistrictDayStat.objects.get().score_sum == 70
    assert FirmDayStat.objects.get().participations == 1
    assert sum(QuestionStat.objects.values_list("shown", flat=True)) == 10
    assert sum(QuestionStat.objects.values_list("correct", flat=True)) == 7
    assert Participant.objects.get().ranking == 70


def test_the_same_paper_submitted_twice_counts_once():
    snapshot = campaign_snapshot(make_campaign().slug)
    paper, first = take(snapshot)
    again = services.submit_paper(
        snapshot=snapshot, token=paper.token, answers={}, who=anonymous(), device="dev-1", ip="192.0.2.1"
    )
    assert again == first
    assert counts() == (1, 1, 1)


def test_the_same_idempotency_key_counts_once_even_with_another_paper():
    snapshot = campaign_snapshot(make_campaign().slug)
    _paper, first = take(snapshot, key="retry-1")
    _paper, second = take(snapshot, key="retry-1", right=0)
    assert second == first
    assert counts() == (1, 1, 1)


def test_writing_the_same_records_again_counts_nothing():
    # given a submission as the queue delivers it, delivered twice (at least once)
    snapshot = campaign_snapshot(make_campaign().slug)
    record = {
        "k": 42,
        "c": snapshot.id,
        "p": 7,
        "ik": 1,
        "nn": "甲",
        "pm": "",
        "u": None,
        "d": None,
        "f": None,
        "s": 80,
        "t": 30,
        "b": 0xFF,
        "q": [q[0] for q in snapshot.questions[:10]],
        "at": timezone.now().isoformat(),
        "rule": "best",
    }
    assert services.write_submissions([dict(record), dict(record)]) == 1
    assert services.write_submissions([dict(record)]) == 0
    assert counts() == (1, 1, 1)
    assert Participant.objects.get().attempts == 1
    assert sum(QuestionStat.objects.values_list("shown", flat=True)) == 10


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: {"token": p.token[:-3] + "xyz"}, "试卷无效"),
        (lambda p: {"device": "someone-else"}, "不是发给这台设备"),
        (lambda p: {"answers": {"999999": ["B"]}}, "不属于本试卷"),
        (lambda p: {"now": timezone.now() + dt.timedelta(hours=1)}, "超时"),
    ],
)
def test_a_submission_that_does_not_match_its_paper_is_refused_and_nothing_written(change, message):
    snapshot = campaign_snapshot(make_campaign().slug)
    paper = services.issue_paper(snapshot=snapshot, device="dev-1", ip="192.0.2.1")
    call = {"token": paper.token, "answers": {}, "device": "dev-1", "now": None}
    call.update(change(paper))
    with pytest.raises(services.CampaignError, match=message):
        services.submit_paper(snapshot=snapshot, who=anonymous(), ip="192.0.2.1", **call)
    assert counts() == (0, 0, 0)


def test_a_paper_of_another_campaign_is_refused():
    first = campaign_snapshot(make_campaign().slug)
    second = campaign_snapshot(make_campaign().slug)
    paper = services.issue_paper(snapshot=first, device="dev-1", ip="192.0.2.1")
    with pytest.raises(services.CampaignError, match="不属于本活动"):
        services.submit_paper(snapshot=second, token=paper.token, answers={}, who=anonymous(), device="dev-1", ip="x")
    assert counts() == (0, 0, 0)


def test_attempts_per_day_are_limited_per_person_and_device():
    snapshot = campaign_snapshot(make_campaign(attempts_per_day=2).slug)
    take(snapshot)
    take(snapshot)
    with pytest.raises(services.CampaignError, match="次数已用完") as refused:
        take(snapshot)
    assert refused.value.status == 429
    assert counts()[0] == 2


def test_a_phone_is_one_person_whatever_the_device():
    snapshot = campaign_snapshot(make_campaign(attempts_per_day=1).slug)
    who = services.Who(IdentityKind.PHONE, "phone:h1", "老张", "139****5678")
    take(snapshot, device="a", who=who)
    with pytest.raises(services.CampaignError, match="次数已用完"):
        take(snapshot, device="b", who=who)
    assert Participant.objects.get().phone_masked == "139****5678"


def test_an_address_is_refused_above_the_hard_rate(settings):
    settings.CAMPAIGN_IP_SUBMITS_PER_MINUTE = 2
    settings.CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE = 0
    snapshot = campaign_snapshot(make_campaign().slug)
    take(snapshot, device="a")
    take(snapshot, device="b")
    with pytest.raises(services.CampaignError) as refused:
        take(snapshot, device="c")
    assert refused.value.status == 429
    assert counts()[0] == 2


def test_a_device_asking_for_too_many_papers_is_refused(settings):
    settings.CAMPAIGN_DEVICE_PAPERS_PER_HOUR = 3
    snapshot = campaign_snapshot(make_campaign().slug)
    for _ in range(3):
        services.issue_paper(snapshot=snapshot, device="d", ip="192.0.2.1")
    with pytest.raises(services.CampaignError) as refused:
        services.issue_paper(snapshot=snapshot, device="d", ip="192.0.2.1")
    assert refused.value.status == 429
    services.issue_paper(snapshot=snapshot, device="other", ip="192.0.2.1")


def test_after_a_suspicious_rate_the_paper_asks_a_light_question(settings):
    settings.CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE = 2
    snapshot = campaign_snapshot(make_campaign().slug)
    take(snapshot, device="a")
    take(snapshot, device="b")
    paper = services.issue_paper(snapshot=snapshot, device="c", ip="192.0.2.1")
    assert "加" in paper.challenge
    a, b = (int(n) for n in paper.challenge.replace("等于几？", "").split("加"))

    with pytest.raises(services.CampaignError, match="验证题"):
        services.submit_paper(
            snapshot=snapshot,
            token=paper.token,
            answers={},
            who=anonymous("c"),
            device="c",
            ip="192.0.2.1",
            challenge_answer=str(a + b + 1),
        )
    assert counts()[0] == 2
    services.submit_paper(
        snapshot=snapshot,
        token=paper.token,
        answers={},
        who=anonymous("c"),
        device="c",
        ip="192.0.2.1",
        challenge_answer=str(a + b),
    )
    assert counts()[0] == 3
    # another address is not asked
    assert services.issue_paper(snapshot=snapshot, device="d", ip="192.0.2.9").challenge == ""


def test_district_and_firm_must_come_from_the_lists():
    snapshot = campaign_snapshot(make_campaign().slug)
    with pytest.raises(services.CampaignError, match="区县"):
        take(snapshot, who=anonymous(district_id=32000))
    with pytest.raises(services.CampaignError, match="单位"):
        take(snapshot, who=anonymous(firm_id=99999))
    assert counts() == (0, 0, 0)


def test_an_employers_campaign_fixes_the_firm():
    firm = EmployerFactory()
    snapshot = campaign_snapshot(make_campaign(organisation=firm).slug)
    take(snapshot)
    assert Participation.objects.get().firm_id == firm.pk


@pytest.mark.parametrize(
    "rule, expected",
    [(ScoreRule.BEST, 80), (ScoreRule.LATEST, 50), (ScoreRule.SUM_OF_DAYS, 80 + 60)],
)
def test_the_ranking_follows_the_campaigns_rule(rule, expected):
    snapshot = campaign_snapshot(make_campaign(score_rule=rule, attempts_per_day=5).slug)
    today = timezone.now()
    yesterday = today - dt.timedelta(days=1)
    base = {
        "c": snapshot.id,
        "p": 9,
        "ik": 1,
        "nn": "甲",
        "pm": "",
        "u": None,
        "d": None,
        "f": None,
        "t": 30,
        "b": 0,
        "q": [snapshot.questions[0][0]],
        "rule": rule,
    }
    services.write_submissions([{**base, "k": 1, "s": 60, "at": yesterday.isoformat()}])
    services.write_submissions([{**base, "k": 2, "s": 80, "at": (today - dt.timedelta(minutes=5)).isoformat()}])
    services.write_submissions([{**base, "k": 3, "s": 50, "at": today.isoformat()}])
    assert Participant.objects.get().ranking == expected
    assert ParticipantDay.objects.count() == 2
    assert person_leaderboard(snapshot.id)[0].score == expected


def test_the_dashboard_reads_rollups():
    snapshot = campaign_snapshot(make_campaign().slug)
    take(snapshot, device="a", right=10)
    take(snapshot, device="b", right=5)
    figures = dashboard(Campaign.objects.get(pk=snapshot.id))
    assert (figures.participations, figures.participants, figures.average) == (2, 2, 75.0)
    assert figures.days[0][1] == 2
    assert sum(q.shown for q in figures.questions) == 20


def test_only_the_organisations_staff_create_over_banks_they_may_read():
    from accounts.models import Role
    from campaigns.services import CampaignInput, create_campaign
    from tests.factories import AuthorityFactory, MembershipFactory, OrganisationFactory

    authority = AuthorityFactory()
    regulator = MembershipFactory(organisation=authority, role=Role.REGULATOR).user
    national = QuestionBankFactory(level="national")
    private = QuestionBankFactory(organisation=OrganisationFactory())
    today = timezone.localdate()

    def data(bank, slug):
        return CampaignInput(slug=slug, title="答题", starts_on=today, ends_on=today, banks=[bank], paper_size=1)

    with pytest.raises(services.CampaignError, match="无权使用") as refused:
        create_campaign(actor=regulator, organisation=authority, data=data(private, "a"))
    assert refused.value.status == 403
    with pytest.raises(services.CampaignError, match="不能以该单位的名义"):
        create_campaign(actor=regulator, organisation=AuthorityFactory(), data=data(national, "b"))
    assert not Campaign.objects.exists()


def test_creating_needs_a_bank():
    with pytest.raises(services.CampaignError, match="题库"):
        make_campaign(banks=[])
    QuestionBankFactory()
