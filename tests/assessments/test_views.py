"""Who sees what: organisers their own events (others' are 404), invitees their event's
page, everyone else nothing; the results page's chart and Excel; the certificate PDF."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from assessments import services
from exams.theory.services import save_answers, submit_attempt
from tests.factories import AuthorityFactory, MembershipFactory, UserFactory, answer_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(regulator, authority, spec):
    return services.create_event(organisation=authority, actor=regulator, spec=spec)


def _sit(event, user):
    attempt = services.begin_attempt(event=event, user=user)
    save_answers(attempt=attempt, answers=answer_key(attempt))
    return submit_attempt(attempt=attempt)


def test_the_organiser_reads_results_by_firm_with_a_chart_and_downloads_excel(client_for, regulator, event, firm_a):
    _sit(event, firm_a[1][0].user)
    client = client_for(regulator)

    page = client.get(reverse("assessments:detail", args=[event.pk]) + "?by=firm")

    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'data-name="齐鲁甲化工"' in html and 'data-name="齐鲁乙机械"' in html
    assert "1/1/3" in html
    workbook = client.get(reverse("assessments:results_xlsx", args=[event.pk]))
    assert workbook.status_code == 200
    sheets = load_workbook(io.BytesIO(workbook.content))
    rows = list(sheets["按企业"].iter_rows(values_only=True))
    assert rows[0][:4] == ("名称", "应参加", "已参加", "合格")
    assert ("齐鲁甲化工", 3, 1, 1) in [row[:4] for row in rows]


def test_another_regulator_and_invitees_do_not_see_the_results(client_for, event, firm_a):
    other = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user
    assert client_for(other, mfa=True).get(reverse("assessments:detail", args=[event.pk])).status_code == 404
    invitee = client_for(firm_a[1][0].user)
    assert invitee.get(reverse("assessments:detail", args=[event.pk])).status_code == 403
    assert invitee.get(reverse("assessments:results_xlsx", args=[event.pk])).status_code == 403
    assert invitee.get(reverse("assessments:list")).status_code == 403


def test_the_public_is_sent_to_log_in(client, event):
    for url in (
        reverse("assessments:list"),
        reverse("assessments:detail", args=[event.pk]),
        reverse("assessments:take", args=[event.token]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_invitee_starts_from_the_event_page_and_lands_on_the_exam(client_for, event, firm_a):
    client = client_for(firm_a[1][0].user)
    assert "开始考试" in client.get(reverse("assessments:take", args=[event.token])).content.decode()

    response = client.post(reverse("assessments:start", args=[event.token]))

    assert response.status_code == 302 and "/exams/attempts/" in response["Location"]
    assert client.get(response["Location"]).status_code == 200


def test_an_outsider_gets_404_on_an_invitation_only_event(client_for, event, not_consented):
    for user in (UserFactory(), not_consented.user):
        client = client_for(user)
        assert client.get(reverse("assessments:take", args=[event.token])).status_code == 404
        assert client.post(reverse("assessments:start", args=[event.token])).status_code == 404


def test_the_participation_certificate_is_a_pdf_that_says_it_is_not_a_statutory_certificate(client_for, event, firm_a):
    person = firm_a[1][0].user
    client = client_for(person)
    url = reverse("assessments:certificate_pdf", args=[event.token])
    assert client.get(url).status_code == 404  # not sat yet
    _sit(event, person)

    response = client.get(url)

    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    from django.template.loader import render_to_string

    html = render_to_string("assessments/certificate_pdf.html", {"event": event, "person": person, "best": None})
    assert "不是特种作业操作证" in html


def test_creating_an_event_through_the_form(client_for, regulator, authority, blueprint, firm_a, firm_b):
    client = client_for(regulator)
    url = reverse("assessments:new", args=[authority.code])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "两企业考核",
            "audience": "firms",
            "firms": [firm_a[0].pk, firm_b[0].pk],
            "starts_at": "2026-01-01T08:00",
            "ends_at": "2099-01-01T08:00",
            "blueprint": blueprint.pk,
            "time_limit_minutes": 30,
            "pass_mark": 60,
            "attempts_allowed": 1,
            "award": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from assessments.models import AssessmentEvent

    assert AssessmentEvent.objects.get(name="两企业考核").invitations.count() == 5
    # and bad input is named, nothing written
    bad = client.post(url, {"name": "", "audience": "firms", "blueprint": blueprint.pk})
    assert bad.status_code == 200 and AssessmentEvent.objects.count() == 1


def test_an_employer_names_people_only_from_its_consenting_register(client_for, blueprint, firm_a, not_consented):
    from tests.factories import UserFactory, employer_staff

    firm, entries = firm_a
    officer = employer_staff(firm)
    stranger = UserFactory()
    url = reverse("assessments:new", args=[firm.code])
    form = {
        "name": "班组考核",
        "audience": "invited",
        "starts_at": "2026-01-01T08:00",
        "ends_at": "2099-01-01T08:00",
        "blueprint": blueprint.pk,
        "time_limit_minutes": 30,
        "pass_mark": 60,
        "attempts_allowed": 1,
    }
    refused = client_for(officer).post(url, {**form, "people": f"{stranger.id_number}\n{not_consented.id_number}"})
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "没有对应的账户" not in html  # nothing about who has an account
    assert html.count("不是本单位已同意加入名册的员工") == 2
    made = client_for(officer).post(url, {**form, "people": entries[0].id_number})
    assert made.status_code == 302
    from assessments.models import AssessmentEvent

    assert list(AssessmentEvent.objects.get().invitations.values_list("user_id", flat=True)) == [entries[0].user_id]
