"""Editing a campaign: the organiser's staff only, audited, and every cached snapshot
(the pool, the answer keys, the limits) replaced at once."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.cache import cache

from accounts.audit import events_named
from accounts.models import Role
from campaigns import selectors, services
from campaigns.models import Campaign, IdentityKind
from campaigns.selectors import campaign_snapshot
from tests.factories import (
    AuthorityFactory,
    EmployerFactory,
    MembershipFactory,
    QuestionBankFactory,
    QuestionFactory,
    UserFactory,
    make_campaign,
)

pytestmark = pytest.mark.django_db


def staff(campaign: Campaign, role: str = Role.REGULATOR):
    return MembershipFactory(organisation=campaign.organisation, role=role).user


def as_input(campaign: Campaign, **changes) -> services.CampaignInput:
    data = services.CampaignInput(
        slug=campaign.slug,
        title=campaign.title,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        banks=list(campaign.banks.all()),
        rules=campaign.rules,
        prizes=campaign.prizes,
        paper_size=campaign.paper_size,
        time_limit_minutes=campaign.time_limit_minutes,
        attempts_per_day=campaign.attempts_per_day,
        score_rule=campaign.score_rule,
    )
    return dataclasses.replace(data, **changes)


def test_a_regulator_edits_the_campaign_audited_and_papers_follow_at_once(django_capture_on_commit_callbacks):
    campaign = make_campaign(questions=12)
    before = campaign_snapshot(campaign.slug)
    assert before.paper_size == 10

    with django_capture_on_commit_callbacks(execute=True):
        services.update_campaign(
            actor=staff(campaign),
            campaign=campaign,
            data=as_input(campaign, title="开工第一课", paper_size=5, attempts_per_day=1),
        )

    campaign.refresh_from_db()
    assert (campaign.title, campaign.paper_size, campaign.attempts_per_day) == ("开工第一课", 5, 1)
    event = events_named("campaigns.campaign.updated").get(object_id=str(campaign.pk))
    assert event.data["fields"] == ["attempts_per_day", "paper_size", "title"]
    after = campaign_snapshot(campaign.slug)
    assert (after.title, after.paper_size, after.attempts_per_day) == ("开工第一课", 5, 1)
    assert len(services.issue_paper(snapshot=after, device="d", ip="192.0.2.1").questions) == 5


def test_other_processes_drop_their_copy_when_the_version_moves(monkeypatch):
    campaign = make_campaign()
    assert campaign_snapshot(campaign.slug).title == "安全生产月知识竞赛"
    # another process edits the campaign: the row and the shared version number change,
    # this process's copy is not told
    Campaign.objects.filter(pk=campaign.pk).update(title="冬季安全")
    assert campaign_snapshot(campaign.slug).title == "安全生产月知识竞赛"  # within CHECK_EVERY: the copy
    key = selectors._version_key(campaign.slug)  # noqa: SLF001
    cache.set(key, int(cache.get(key) or 0) + 1, None)
    monkeypatch.setattr(selectors, "CHECK_EVERY", 0.0)

    assert campaign_snapshot(campaign.slug).title == "冬季安全"


def test_a_paper_with_a_question_taken_out_of_the_pool_is_refused_not_scored(django_capture_on_commit_callbacks):
    campaign = make_campaign(questions=10)
    snapshot = campaign_snapshot(campaign.slug)
    paper = services.issue_paper(snapshot=snapshot, device="d", ip="192.0.2.1")
    other = QuestionBankFactory(level="national")
    for _ in range(10):
        QuestionFactory(bank=other)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_campaign(actor=staff(campaign), campaign=campaign, data=as_input(campaign, banks=[other]))

    with pytest.raises(services.CampaignError, match="试题已更新") as refused:
        services.submit_paper(
            snapshot=campaign_snapshot(campaign.slug),
            token=paper.token,
            answers={},
            who=services.Who(IdentityKind.ANONYMOUS, "device:d", "甲"),
            device="d",
            ip="192.0.2.1",
        )
    assert refused.value.status == 409


def test_an_employer_edits_its_own_campaign_only():
    employer = EmployerFactory()
    own = make_campaign(organisation=employer)
    manager = MembershipFactory(organisation=employer, role=Role.EMPLOYER).user
    authority_campaign = make_campaign()

    services.update_campaign(actor=manager, campaign=own, data=as_input(own, title="本厂答题"))
    with pytest.raises(services.CampaignError) as refused:
        services.update_campaign(
            actor=manager, campaign=authority_campaign, data=as_input(authority_campaign, title="改掉")
        )

    assert refused.value.status == 403
    assert Campaign.objects.get(pk=own.pk).title == "本厂答题"
    assert Campaign.objects.get(pk=authority_campaign.pk).title == "安全生产月知识竞赛"


def test_another_authoritys_regulator_and_a_worker_may_not_edit():
    campaign = make_campaign()
    outsider = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user

    for actor in (outsider, UserFactory()):
        with pytest.raises(services.CampaignError) as refused:
            services.update_campaign(actor=actor, campaign=campaign, data=as_input(campaign, title="改掉"))
        assert refused.value.status == 403
    assert Campaign.objects.get(pk=campaign.pk).title == "安全生产月知识竞赛"
    assert not events_named("campaigns.campaign.updated").exists()


def test_an_edit_that_leaves_too_few_questions_changes_nothing():
    campaign = make_campaign(questions=12)

    with pytest.raises(services.CampaignError, match="不够组成"):
        services.update_campaign(actor=staff(campaign), campaign=campaign, data=as_input(campaign, paper_size=20))

    assert Campaign.objects.get(pk=campaign.pk).paper_size == 10
    assert not events_named("campaigns.campaign.updated").exists()


def test_the_edit_page_for_the_organiser_only(client_for):
    campaign = make_campaign()
    regulator = staff(campaign)
    client = client_for(regulator, mfa=True)
    page = client.get(f"/quiz/{campaign.slug}/edit/")
    assert page.status_code == 200 and campaign.title in page.content.decode()
    assert f"/quiz/{campaign.slug}/edit/" in client.get(f"/quiz/{campaign.slug}/dashboard/").content.decode()

    response = client.post(
        f"/quiz/{campaign.slug}/edit/",
        {
            "title": "开工第一课",
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "banks": list(campaign.banks.values_list("pk", flat=True)),
            "paper_size": 8,
            "time_limit_minutes": 15,
            "attempts_per_day": 2,
            "score_rule": "latest",
            "rules": "每人每天两次。",
            "prizes": "",
            "knowledge_points": "",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"/quiz/{campaign.slug}/dashboard/"
    campaign.refresh_from_db()
    assert (campaign.title, campaign.paper_size, campaign.score_rule, campaign.slug) == (
        "开工第一课", 8, "latest", campaign.slug,
    )  # fmt: skip
    outsider = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user
    assert client_for(outsider, mfa=True).get(f"/quiz/{campaign.slug}/edit/").status_code == 403
