"""Public verification pages, the wallet, PDF download access and the JWKS."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.identity import mask_id_number
from accounts.models import Role
from certificates.models import Certificate, VerificationLog
from tests.factories import HOLDER_ID, HOLDER_NAME, AuthorityFactory, MembershipFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db

NOT_FOUND = "未找到匹配的证书"


def _logs() -> list[tuple[int | None, str, bool]]:
    return list(VerificationLog.objects.order_by("pk").values_list("certificate", "channel", "found"))


def _result_section(response) -> str:
    """The main content below the form (the form itself echoes what was typed)."""
    return response.content.decode().split("</form>", 1)[1].split("</main>", 1)[0]


# --- /v/<token>: the QR code's target ------------------------------------------------


def test_qr_page_shows_a_valid_certificate_with_the_holder_masked(client, issue):
    # given an issued certificate
    certificate = issue()

    # when anyone (not logged in) opens its QR link
    response = client.get(f"/v/{certificate.token}")

    # then the page says it is valid, with type, dates and authority, the holder masked
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="status valid">有效</span>' in page
    assert "低压电工作业" in page
    assert "电工作业" in page
    assert "北京市应急管理局" in page
    assert certificate.valid_until.isoformat() in page
    assert certificate.review_due.isoformat() in page
    assert "王**" in page
    assert mask_id_number(HOLDER_ID) in page
    assert HOLDER_NAME not in page
    assert HOLDER_ID not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # and the lookup is logged
    assert _logs() == [(certificate.pk, "qr", True)]


def test_qr_page_for_an_unknown_token_is_404_and_reveals_nothing(client, issue):
    # given a certificate exists
    issue()

    # when someone opens a made-up token
    response = client.get("/v/not-a-real-token")

    # then they get a 404 with a clear message and no certificate data
    assert response.status_code == 404
    page = response.content.decode()
    assert "这个核验链接无效" in page and "请核对证号和姓名" not in page  # a QR link has no number or name to check
    assert 'class="status' not in page
    assert "北京市应急管理局" not in page
    assert _logs() == [(None, "qr", False)]


def test_qr_page_of_a_revoked_certificate_says_so(client, issue):
    certificate = issue()
    Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.REVOKED)
    page = client.get(f"/v/{certificate.token}").content.decode()
    assert '<span class="status revoked">撤销</span>' in page
    assert "此证书目前无效" in page


# --- /verify/: number + name ----------------------------------------------------------


def test_verify_form_alone_looks_nothing_up(client):
    response = client.get(reverse("certificates:verify"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="number"' in page
    assert 'name="name"' in page
    assert NOT_FOUND not in page
    assert _logs() == []


def test_verify_by_number_and_name(client, issue):
    # given an issued certificate
    certificate = issue()

    # when the number (typed in lower case, with spaces) and the full name are entered
    typed = " ".join([certificate.number[:5].lower(), certificate.number[5:]])
    response = client.get(reverse("certificates:verify"), {"number": typed, "name": f" {HOLDER_NAME} "})

    # then the certificate is shown, masked
    assert response.status_code == 200
    result = _result_section(response)
    assert '<span class="status valid">有效</span>' in result
    assert "王**" in result
    assert mask_id_number(HOLDER_ID) in result
    assert HOLDER_ID not in response.content.decode()
    assert _logs() == [(certificate.pk, "form", True)]


def test_a_wrong_name_looks_exactly_like_an_unknown_number(client, issue):
    # given an issued certificate
    certificate = issue()

    # when its number is tried with a wrong name, and an unknown number with the right one
    wrong_name = client.get(reverse("certificates:verify"), {"number": certificate.number, "name": "王小"})
    unknown = client.get(reverse("certificates:verify"), {"number": "BJAJJ20269999990", "name": HOLDER_NAME})

    # then both answers are the same "not found", revealing nothing
    assert wrong_name.status_code == unknown.status_code == 200
    assert _result_section(wrong_name) == _result_section(unknown)
    assert NOT_FOUND in _result_section(wrong_name)
    assert 'class="status' not in wrong_name.content.decode()
    assert _logs() == [(None, "form", False), (None, "form", False)]


def test_an_incomplete_form_shows_errors_and_looks_nothing_up(client):
    response = client.get(reverse("certificates:verify"), {"number": "BJ2026", "name": ""})
    assert response.status_code == 200
    assert '<ul class="field-errors"><li>必需字段</li></ul>' in response.content.decode()
    assert _logs() == []


# --- Rate limits --------------------------------------------------------------------


def test_lookups_beyond_the_rate_get_429(client, issue, settings):
    # given a budget of two lookups a minute per address
    settings.VERIFY_RATE = "2/m"
    certificate = issue()

    # when a third lookup comes from the same address
    statuses = [client.get(f"/v/{certificate.token}").status_code for _ in range(2)]
    blocked = client.get(f"/v/{certificate.token}", HTTP_ACCEPT="text/html")

    # then it is refused with a clear page, and not logged as a lookup
    assert statuses == [200, 200]
    assert blocked.status_code == 429
    assert blocked["Content-Type"].startswith("text/html")
    assert blocked["Retry-After"] == "60"
    assert "查询过于频繁，请稍后再试。" in blocked.content.decode()
    assert len(_logs()) == 2


def test_the_form_and_the_qr_page_share_one_budget(client, issue, settings):
    settings.VERIFY_RATE = "1/m"
    certificate = issue()
    assert client.get(f"/v/{certificate.token}").status_code == 200
    response = client.get(reverse("certificates:verify"), {"number": certificate.number, "name": HOLDER_NAME})
    assert response.status_code == 429
    # an empty form is not a lookup and stays reachable
    assert client.get(reverse("certificates:verify")).status_code == 200


def test_another_address_has_its_own_budget(client, issue, settings):
    settings.VERIFY_RATE = "1/m"
    certificate = issue()
    assert client.get(f"/v/{certificate.token}", REMOTE_ADDR="198.51.100.1").status_code == 200
    assert client.get(f"/v/{certificate.token}", REMOTE_ADDR="198.51.100.1").status_code == 429
    assert client.get(f"/v/{certificate.token}", REMOTE_ADDR="198.51.100.2").status_code == 200


def test_rate_limited_view_answers_json_to_json_clients(rf):
    from certificates.views import rate_limited

    response = rate_limited(rf.get("/verify/", HTTP_ACCEPT="application/json"))
    assert response.status_code == 429
    assert json.loads(response.content) == {"detail": "查询过于频繁，请稍后再试。"}


# --- The wallet -----------------------------------------------------------------------


def test_wallet_needs_login(client):
    response = client.get(reverse("certificates:wallet"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_wallet_shows_the_holders_certificates_with_qr_and_pdf(client, issue, holder):
    # given a holder with a certificate
    certificate = issue()
    client.force_login(holder)

    # when they open their wallet
    response = client.get(reverse("certificates:wallet"))

    # then it shows the certificate, its status, a vector QR card and the PDF link
    assert response.status_code == 200
    page = response.content.decode()
    assert certificate.number in page
    assert '<span class="status valid">有效</span>' in page
    assert '<svg width="185" height="185" class="qr"' in page
    assert f"/v/{certificate.token}" in page
    assert reverse("certificates:pdf", args=[certificate.token]) in page  # no number in links: it may embed an ID


def test_wallet_of_another_worker_is_empty(client, issue):
    issue()
    client.force_login(UserFactory())
    page = client.get(reverse("certificates:wallet")).content.decode()
    assert "您还没有证书" in page
    assert "BJAJJ" not in page


# --- The PDF: owner, issuing authority and administrators only -----------------------


def _pdf(client, certificate):
    return client.get(reverse("certificates:pdf", args=[certificate.number]))


def test_pdf_for_the_owner_is_rendered_on_demand(client, issue, holder):
    # given a certificate whose PDF has not been rendered yet
    certificate = issue(execute=False)
    assert not Certificate.objects.get(pk=certificate.pk).pdf
    client.force_login(holder)

    # when the owner downloads it
    response = _pdf(client, certificate)

    # then it is rendered, stored and served
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert Certificate.objects.get(pk=certificate.pk).pdf


def test_pdf_for_another_worker_is_404(client, issue):
    certificate = issue(execute=True)
    client.force_login(UserFactory())
    assert _pdf(client, certificate).status_code == 404


def test_pdf_for_a_regulator_of_the_issuing_authority(client, issue, regulator):
    certificate = issue(execute=True)
    client.force_login(regulator)
    response = _pdf(client, certificate)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_pdf_for_a_regulator_of_another_authority_is_404(client, issue):
    certificate = issue(execute=True)
    elsewhere = with_totp(MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user)
    client.force_login(elsewhere)
    assert _pdf(client, certificate).status_code == 404


def test_pdf_for_a_trainer_of_the_authority_is_404(client, issue, authority):
    certificate = issue(execute=True)
    client.force_login(MembershipFactory(organisation=authority, role=Role.TRAINER).user)
    assert _pdf(client, certificate).status_code == 404


def test_pdf_for_an_administrator(client, issue):
    certificate = issue(execute=True)
    administrator = with_totp(MembershipFactory(role=Role.ADMINISTRATOR).user)
    client.force_login(administrator)
    assert _pdf(client, certificate).status_code == 200


def test_pdf_for_a_superuser(client, issue):
    certificate = issue(execute=True)
    superuser = with_totp(UserFactory(is_superuser=True, is_staff=True))
    client.force_login(superuser)
    assert _pdf(client, certificate).status_code == 200


def test_pdf_for_anonymous_redirects_to_login(client, issue):
    certificate = issue(execute=True)
    response = _pdf(client, certificate)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_pdf_of_an_unknown_number_is_404(client, holder):
    client.force_login(holder)
    assert client.get(reverse("certificates:pdf", args=["BJAJJ20269999990"])).status_code == 404


# --- JWKS -------------------------------------------------------------------------------


def test_jwks_publishes_the_signing_key(client):
    from certificates import signing

    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == signing.jwks()
    [key] = response.json()["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("OKP", "Ed25519", "EdDSA", "sig")
    assert response["Cache-Control"] == "public, max-age=3600"
