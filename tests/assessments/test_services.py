"""Creating an event for an audience, joining by link and code, sitting it on the theory
engine, and its results."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.audit import events_named
from assessments import selectors, services
from assessments.models import Invitation
from assessments.rules import GroupBy, group_results
from exams.admission.models import Registration, SessionPurpose
from exams.theory.services import save_answers, submit_attempt
from tests.factories import EmployerFactory, UserFactory, answer_key, employer_staff, wrong_answer

pytestmark = pytest.mark.django_db


def _sit(event, user, *, right: bool):
    attempt = services.begin_attempt(event=event, user=user)
    answers = answer_key(attempt) if right else {q["id"]: wrong_answer(q) for q in attempt.paper["questions"]}
    save_answers(attempt=attempt, answers=answers)
    return submit_attempt(attempt=attempt)


def test_an_event_for_two_firms_invites_their_consenting_people_only(
    regulator, authority, spec, firm_a, firm_b, not_consented
):
    event = services.create_event(organisation=authority, actor=regulator, spec=spec)

    invited = set(Invitation.objects.filter(event=event).values_list("user_id", flat=True))
    expected = {entry.user_id for entry in firm_a[1] + firm_b[1]}
    assert invited == expected
    assert not_consented.user_id not in invited
    assert set(Invitation.objects.filter(event=event).values_list("firm_name", flat=True)) == {
        "齐鲁甲化工",
        "齐鲁乙机械",
    }
    assert events_named("assessments.assessment_event.created").filter(object_id=str(event.pk)).exists()
    # its own blueprint: the event's time limit and pass mark, the chosen one unchanged
    assert (event.blueprint.time_limit_minutes, event.blueprint.pass_mark) == (30, 60)
    assert event.blueprint.pk != spec.blueprint.pk and spec.blueprint.pass_mark == 80
    assert event.rounds.get().session.purpose == SessionPurpose.ASSESSMENT_EVENT


def test_invitees_sit_it_on_the_theory_engine_without_order_30_eligibility(regulator, authority, spec, firm_a, firm_b):
    event = services.create_event(organisation=authority, actor=regulator, spec=spec)
    # nobody here has training or a health certificate: no certification rule applies
    passer, failer = firm_a[1][0].user, firm_b[1][0].user

    first = _sit(event, passer, right=True)
    _sit(event, failer, right=False)

    assert first.passed and first.score == 100
    assert first.deadline - first.started_at == dt.timedelta(minutes=30)
    assert Registration.objects.get(candidate=passer).status == Registration.Status.APPROVED
    groups = {g.name: g for g in group_results(selectors.results(event), by=GroupBy.FIRM)}
    assert (groups["齐鲁甲化工"].invited, groups["齐鲁甲化工"].sat, groups["齐鲁甲化工"].passed) == (3, 1, 1)
    assert (groups["齐鲁乙机械"].invited, groups["齐鲁乙机械"].sat, groups["齐鲁乙机械"].passed) == (2, 1, 0)


def test_a_second_attempt_runs_in_a_second_round_and_the_best_counts_then_no_more(regulator, authority, spec, firm_b):
    event = services.create_event(organisation=authority, actor=regulator, spec=spec)
    person = firm_b[1][0].user

    _sit(event, person, right=False)
    _sit(event, person, right=True)

    assert event.rounds.count() == 2
    best = next(p for p in selectors.results(event) if p.attempts == 2)
    assert best.passed and best.score == 100
    with pytest.raises(ValidationError) as error:
        services.begin_attempt(event=event, user=person)
    assert "次数已用完" in error.value.messages[0]


def test_starting_again_resumes_the_open_attempt(regulator, authority, spec, firm_b):
    event = services.create_event(organisation=authority, actor=regulator, spec=spec)
    person = firm_b[1][0].user
    first = services.begin_attempt(event=event, user=person)
    again = services.begin_attempt(event=event, user=person)
    assert first.pk == again.pk
    assert Invitation.objects.get(event=event, user=person).attempts_used == 1


def test_people_outside_the_audience_cannot_start(regulator, authority, spec, not_consented):
    event = services.create_event(organisation=authority, actor=regulator, spec=spec)
    for outsider in (UserFactory(), not_consented.user):
        with pytest.raises(PermissionDenied):
            services.begin_attempt(event=event, user=outsider)
    assert not Registration.objects.exists()


def test_outside_its_window_nobody_starts(regulator, authority, spec, firm_b):
    later = dataclasses.replace(
        spec, starts_at=timezone.now() + dt.timedelta(days=1), ends_at=timezone.now() + dt.timedelta(days=2)
    )
    event = services.create_event(organisation=authority, actor=regulator, spec=later)
    with pytest.raises(ValidationError):
        services.begin_attempt(event=event, user=firm_b[1][0].user)


def test_anyone_with_the_link_and_the_code_joins(regulator, authority, spec, firm_a):
    open_event = dataclasses.replace(spec, audience="link", firms=[], join_code="LZ2026")
    event = services.create_event(organisation=authority, actor=regulator, spec=open_event)
    assert not event.invitations.exists()
    person = firm_a[1][0].user

    with pytest.raises(ValidationError):
        services.join_with_code(event=event, user=person, code="WRONG")
    invitation = services.join_with_code(event=event, user=person, code="lz2026")

    assert invitation.via == "code" and invitation.firm_name == "齐鲁甲化工"
    assert _sit(event, person, right=True).passed


def test_an_employer_runs_an_event_for_its_departments_but_not_for_other_firms(spec, firm_a, firm_b):
    firm, entries = firm_a
    officer = employer_staff(firm)
    own = dataclasses.replace(spec, audience="departments", firms=[], departments=[entries[0].department])
    event = services.create_event(organisation=firm, actor=officer, spec=own)
    assert event.invitations.count() == 3

    with pytest.raises(ValidationError):
        services.create_event(organisation=firm, actor=officer, spec=spec)  # two firms' people
    with pytest.raises(ValidationError):
        services.create_event(
            organisation=firm, actor=officer, spec=dataclasses.replace(own, departments=[firm_b[1][0].department])
        )


def test_only_organisers_create_events_and_bad_input_is_named(regulator, authority, spec):
    with pytest.raises(PermissionDenied):
        services.create_event(organisation=authority, actor=UserFactory(), spec=spec)
    with pytest.raises(PermissionDenied):
        services.create_event(organisation=EmployerFactory(), actor=regulator, spec=spec)
    bad = dataclasses.replace(spec, name=" ", ends_at=spec.starts_at, pass_mark=0, firms=[])
    with pytest.raises(ValidationError) as error:
        services.create_event(organisation=authority, actor=regulator, spec=bad)
    text = " ".join(error.value.messages)
    assert "活动名称" in text and "结束时间" in text and "企业" in text
    from assessments.models import AssessmentEvent

    assert not AssessmentEvent.objects.exists()


def test_the_district_audience_takes_every_firm_registered_there(regulator, authority, spec, firm_a, firm_b):
    EmployerFactory(region_code="370303")  # another district
    district = dataclasses.replace(spec, audience="district", firms=[], region_code="370305")
    event = services.create_event(organisation=authority, actor=regulator, spec=district)
    assert event.invitations.count() == 5


def test_a_linzi_sized_event_invites_1300_and_reads_results_in_a_few_queries(
    regulator, authority, spec, blueprint, django_assert_max_num_queries
):
    """Linzi's 大考试: 400+ trainers, 293 principal leaders, 612 small-firm workers."""
    from tests.factories import DepartmentFactory, StaffMemberFactory, make_id_number

    firms = []
    for index, (name, people) in enumerate((("培训师", 400), ("主要负责人", 293), ("小微企业", 612))):
        firm = EmployerFactory(name=f"临淄{name}单位", code=f"lz-{index}", region_code="370305")
        department = DepartmentFactory(organisation=firm, name=name)
        for serial in range(1, people + 1):
            StaffMemberFactory(
                organisation=firm,
                department=department,
                consented=True,
                id_number=make_id_number(dt.date(1970 + index, 3, 3), serial=serial, region="370305"),
            )
        firms.append(firm)
    event = services.create_event(organisation=authority, actor=regulator, spec=dataclasses.replace(spec, firms=firms))
    assert event.invitations.count() == 1305  # the fixture's two small firms are not named

    sitters = list(event.invitations.select_related("user")[:20])
    for invitation in sitters[:10]:
        _sit(event, invitation.user, right=True)
    with django_assert_max_num_queries(4):
        people = selectors.results(event)
    groups = group_results(people, by=GroupBy.FIRM)
    assert sum(g.invited for g in groups) == 1305 and sum(g.passed for g in groups) == 10
