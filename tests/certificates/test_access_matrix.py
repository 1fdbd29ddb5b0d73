"""Who may do what with a certificate: one row per role, for every protected action.

Roles: the holder (worker), another worker, a trainer, an examiner, a regulator of the
issuing authority, a regulator of another authority, an administrator, anonymous.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from certificates.models import Certificate, CertificateEvent
from tests.factories import (
    AuthorityFactory,
    ExamSiteFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    with_totp,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "holder",
    "other_worker",
    "trainer",
    "examiner",
    "regulator_own",
    "regulator_other",
    "administrator",
    "anonymous",
]


@pytest.fixture
def people(holder, authority):
    return {
        "holder": holder,
        "other_worker": UserFactory(),
        "trainer": MembershipFactory(organisation=OrganisationFactory(kind="training"), role=Role.TRAINER).user,
        "examiner": MembershipFactory(organisation=ExamSiteFactory(), role=Role.EXAMINER).user,
        "regulator_own": with_totp(MembershipFactory(organisation=authority, role=Role.REGULATOR).user),
        "regulator_other": with_totp(MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user),
        "administrator": with_totp(MembershipFactory(role=Role.ADMINISTRATOR).user),
        "anonymous": None,
    }


def _client(people, role: str) -> Client:
    client = Client()
    if people[role] is not None:
        client.force_login(people[role])
    return client


PDF_ALLOWED = {"holder", "regulator_own", "administrator"}


@pytest.mark.parametrize("role", ROLES)
def test_pdf_download_web(role, people, issue):
    certificate = issue()
    response = _client(people, role).get(f"/me/certificates/{certificate.number}/pdf")
    if role in PDF_ALLOWED:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
    elif role == "anonymous":
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_pdf_download_api(role, people, issue):
    certificate = issue()
    response = _client(people, role).get(f"/api/v1/certificates/{certificate.number}/pdf")
    if role in PDF_ALLOWED:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 401
    else:
        assert response.status_code == 404


DESK_ALLOWED = {"regulator_own", "regulator_other", "administrator"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", ["/authority/verifications/", "/authority/bulk-extensions/", "/authority/certificates/"]
)
def test_desk_pages(role, path, people):
    response = _client(people, role).get(path)
    if role in DESK_ALLOWED:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == 403


ACT_ALLOWED = {"regulator_own", "administrator"}


@pytest.mark.parametrize("role", ROLES)
def test_suspend_action(role, people, issue):
    certificate = issue()
    response = _client(people, role).post(
        f"/authority/certificates/{certificate.number}/suspend", {"suspend-reason": "违章作业"}
    )
    certificate.refresh_from_db()
    if role in ACT_ALLOWED:
        assert response.status_code == 302
        assert certificate.status == Certificate.Status.SUSPENDED
        assert CertificateEvent.objects.get().actor == people[role]
    else:
        assert response.status_code in {302, 403, 404}
        if role == "anonymous":
            assert "/accounts/login/" in response["Location"]
        elif role == "regulator_other":
            assert response.status_code == 404
        else:
            assert response.status_code == 403
        assert certificate.status == Certificate.Status.VALID
        assert CertificateEvent.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_desk_certificate_lookup_shows_only_own_authoritys(role, people, issue):
    certificate = issue()
    response = _client(people, role).get("/authority/certificates/", {"number": certificate.number})
    if role in ACT_ALLOWED:
        assert response.status_code == 200
        assert "变更记录" in response.content.decode()
    elif role == "regulator_other":
        assert response.status_code == 200
        assert "变更记录" not in response.content.decode()
    else:
        assert response.status_code in {302, 403}


@pytest.mark.parametrize("role", ROLES)
def test_review_application_is_for_the_holder_only(role, people, issue):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    certificate = issue(issued_on=today.replace(year=today.year - 3) + dt.timedelta(days=10))
    response = _client(people, role).post(f"/me/certificates/{certificate.number}/review")
    count = certificate.reviews.count()
    if role == "holder":
        assert response.status_code == 302
        assert count == 1
    else:
        assert response.status_code in {302, 404}
        if role != "anonymous":
            assert response.status_code == 404
        assert count == 0
