"""The regulator's statistics: theory pass rates, certificates by qualification kind,
training; a date range; the workbook; who may see it."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from exams.theory.services import save_answers, start_attempt, submit_attempt
from tests.factories import CertificateFactory, MembershipFactory, UserFactory, answer_key, make_theory, with_totp

pytestmark = pytest.mark.django_db


def _regulator_of(authority):
    user = with_totp(UserFactory())
    MembershipFactory(user=user, organisation=authority, role=Role.REGULATOR)
    return user


def test_statistics_show_theory_pass_rates_and_certificates_by_qualification_kind(client):
    # given: two candidates sat the theory of one session, one passed
    passing, failing = make_theory(), None
    attempt = start_attempt(registration=passing.registration)
    save_answers(attempt=attempt, answers=answer_key(attempt))
    assert submit_attempt(attempt=attempt).passed
    failing = make_theory()
    failing.session.authority = passing.session.authority
    failing.session.save(update_fields=["authority"])
    assert not submit_attempt(attempt=start_attempt(registration=failing.registration)).passed
    certificate = CertificateFactory(authority=passing.session.authority)
    client.force_login(_regulator_of(passing.session.authority))

    response = client.get(reverse("statistics"), {"start": str(certificate.issued_on)})

    assert response.status_code == 200
    tables = {table.key: table for table in response.context["statistics"].tables}
    by_authority = dict(tables["theory_authority"].rows)
    assert by_authority[passing.session.authority.name] == [2, 1, 50.0]
    kinds = dict(tables["certificates_kind"].rows)
    assert kinds[certificate.subject.kind.name][0] == 1
    assert 'class="bars"' in response.text and "<svg" in response.text


def test_a_date_range_without_the_issue_date_counts_nothing_and_a_bad_range_says_so(client):
    certificate = CertificateFactory()
    client.force_login(_regulator_of(certificate.authority))
    issued = certificate.issued_on

    response = client.get(reverse("statistics"), {"start": "2001-01-01", "end": "2001-12-31"})
    tables = {table.key: table for table in response.context["statistics"].tables}
    assert dict(tables["certificates_kind"].rows) == {certificate.subject.kind.name: [0, 0, 0, 0]}
    assert tables["certificates_month"].rows == []

    response = client.get(reverse("statistics"), {"start": str(issued), "end": "2001-01-01"})
    assert response.status_code == 422
    assert "结束日期不能早于开始日期。" in response.text

    response = client.get(reverse("statistics"), {"start": "31/01/2026"})
    assert response.status_code == 422
    assert "日期格式不对" in response.text


def test_the_workbook_has_a_sheet_per_figure(client):
    certificate = CertificateFactory()
    client.force_login(_regulator_of(certificate.authority))
    start = certificate.issued_on.replace(day=1)

    response = client.get(
        reverse("statistics"), {"start": str(start), "end": str(certificate.issued_on), "format": "xlsx"}
    )

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = next(ws for ws in workbook.worksheets if ws.title.startswith("证书"))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("资格类别", "发证")
    assert rows[2][1] == 1


def test_only_regulators_see_statistics(client):
    client.force_login(UserFactory())
    assert client.get(reverse("statistics")).status_code == 403
