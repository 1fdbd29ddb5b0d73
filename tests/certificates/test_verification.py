"""Verification answers: revoked, void (replaced paper), unknown, forged or altered
credentials; lookups logged for the authority; credentials checked with PyJWT, an
independent JOSE library, against the published JWKS."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import lifecycle, signing
from certificates.models import AuthorityPolicy, VerificationLog
from tests.factories import HOLDER_ID, HOLDER_NAME

pytestmark = pytest.mark.django_db


def _jwks_key(client):
    jwks = client.get("/.well-known/jwks.json").json()
    return {key["kid"]: jwt.PyJWK(key) for key in jwks["keys"]}


def _verify_with_pyjwt(client, token: str) -> dict:
    kid = jwt.get_unverified_header(token)["kid"]
    key = _jwks_key(client)[kid]
    return jwt.decode(token, key=key, algorithms=["EdDSA"], options={"verify_aud": False})


def test_a_revoked_certificates_qr_says_revoked_and_not_in_force(client, issue, regulator):
    certificate = lifecycle.revoke_certificate(certificate=issue(), actor=regulator, ground="unfit", reason="x")
    response = client.get(f"/v/{certificate.token}")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<span class="status revoked">撤销</span>' in page
    assert "此证书目前无效" in page
    api = client.get(f"/api/v1/verify/{certificate.token}").json()
    assert api["status"] == "revoked"
    assert list(VerificationLog.objects.values_list("result", flat=True)) == ["revoked", "revoked"]


def test_a_replaced_papers_qr_says_void(client, issue, holder):
    # given a paper that was replaced after it was lost
    certificate = issue()
    old_token = certificate.token
    lifecycle.replace_certificate(certificate=certificate, actor=holder, reason="lost")
    # when someone scans the old paper, then they are told it is void
    response = client.get(f"/v/{old_token}")
    assert response.status_code == 410
    assert "此证书文件已作废" in response.content.decode()
    assert client.get(f"/api/v1/verify/{old_token}").status_code == 410
    log = VerificationLog.objects.order_by("pk").first()
    assert (log.certificate_id, log.found, log.result, log.authority_id) == (
        certificate.pk,
        False,
        "void",
        certificate.authority_id,
    )


def test_unknown_token_is_not_found(client):
    assert client.get("/v/" + "A" * 32).status_code == 404
    assert client.get("/api/v1/verify/" + "A" * 32).status_code == 404
    assert list(VerificationLog.objects.values_list("found", "result", "authority")) == [
        (False, "not_found", None),
        (False, "not_found", None),
    ]


def test_wrong_name_and_unknown_number_answer_the_same(client, issue):
    certificate = issue()
    wrong_name = client.get("/api/v1/verify", {"number": certificate.number, "name": "李四"})
    unknown_number = client.get("/api/v1/verify", {"number": "BJAJJ2026999999X", "name": HOLDER_NAME})
    assert (wrong_name.status_code, unknown_number.status_code) == (404, 404)
    assert wrong_name.json() == unknown_number.json()


def test_the_credential_verifies_with_pyjwt_against_the_jwks_and_holds_no_id(client, issue):
    certificate = issue()
    credential = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]
    claims = _verify_with_pyjwt(client, credential)
    assert (claims["number"], claims["status"], claims["holder_masked"]) == (certificate.number, "valid", "王**")
    assert HOLDER_ID not in json.dumps(claims, ensure_ascii=False)
    assert HOLDER_NAME not in json.dumps(claims, ensure_ascii=False)


def test_a_t_plus_id_number_is_masked_in_the_signed_credential(client, issue, authority):
    AuthorityPolicy.objects.create(authority=authority, number_format="t_id")
    certificate = issue()
    assert certificate.number == "T" + HOLDER_ID
    credential = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]
    payload = json.dumps(_verify_with_pyjwt(client, credential), ensure_ascii=False)
    assert HOLDER_ID not in payload
    assert HOLDER_ID not in client.get(f"/v/{certificate.token}").content.decode()
    # and the audit log keeps the number masked too
    from accounts.models import AuditEvent

    assert HOLDER_ID not in json.dumps(list(AuditEvent.objects.values_list("data", flat=True)), ensure_ascii=False)


def test_an_altered_credential_is_rejected_by_pyjwt_and_by_the_check(client, issue):
    certificate = issue()
    credential = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]
    header, payload, signature = credential.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["valid_until"] = "2099-12-31"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    altered = f"{header}.{forged_payload}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        _verify_with_pyjwt(client, altered)
    answer = client.post("/api/v1/credentials/verify", {"credential": altered}, content_type="application/json")
    assert answer.json() == {
        "valid": False,
        "detail": "签名无效：凭证已被篡改或伪造。",
        "claims": None,
        "signature_valid": False,
        "status": None,
        "status_label": None,
    }


def test_a_revoked_certificates_credential_has_a_good_signature_and_is_not_valid(client, issue, regulator):
    from certificates import lifecycle

    certificate = issue()
    credential = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]
    good = client.post("/api/v1/credentials/verify", {"credential": credential}, content_type="application/json")
    assert (good.json()["valid"], good.json()["signature_valid"], good.json()["status"]) == (True, True, "valid")

    lifecycle.revoke_certificate(certificate=certificate, actor=regulator, ground="fraud", reason="伪造学历证明")
    answer = client.post("/api/v1/credentials/verify", {"credential": credential}, content_type="application/json")

    body = answer.json()
    assert (body["valid"], body["signature_valid"], body["status"]) == (False, True, "revoked")
    assert "证书当前状态" in body["detail"]


def test_a_credential_signed_with_another_key_is_rejected(client, issue):
    certificate = issue()
    good = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": signing.key_id()})
    assert signing.check_credential(forged).valid is False
    assert signing.check_credential("not a credential").valid is False
    assert signing.check_credential(good).valid is True
    page = client.post("/verify/credential/", {"credential": forged}).content.decode()
    assert "签名无效" in page


def test_the_open_badges_credential_is_signed_and_masked(client, issue):
    certificate = issue()
    response = client.get(f"/v/{certificate.token}/credential.jwt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    token = response.content.decode()
    assert jwt.get_unverified_header(token)["typ"] == "vc+jwt"
    vc = _verify_with_pyjwt(client, token)
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["credentialSubject"]["achievement"]["name"] == "低压电工作业"
    assert vc["credentialSubject"]["identifier"][0]["identityHash"] == "王**"
    text = json.dumps(vc, ensure_ascii=False)
    assert HOLDER_ID not in text
    assert HOLDER_NAME not in text


def test_the_authority_sees_the_lookups_of_its_certificates_only(client, issue, regulator):
    from tests.factories import AuthorityFactory, MembershipFactory, with_totp

    certificate = issue()
    client.get(f"/v/{certificate.token}")
    client.get("/v/" + "B" * 32)
    client.force_login(regulator)
    page = client.get("/authority/verifications/").content.decode()
    assert page.count('class="log-row"') == 1
    assert "扫码" in page
    other = with_totp(MembershipFactory(organisation=AuthorityFactory(), role="regulator").user)
    client.force_login(other)
    assert client.get("/authority/verifications/").content.decode().count('class="log-row"') == 0


def _new_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )


def test_a_key_rotation_keeps_old_credentials_verifiable(client, issue, settings, signing_key_pem):
    # given a credential signed before the key was rotated
    certificate = issue()
    old_credential = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]
    old_kid = jwt.get_unverified_header(old_credential)["kid"]

    # when the platform signs with a new key and keeps the old one as retired
    settings.SIGNING_KEY = _new_key_pem()
    settings.SIGNING_KEYS_PREVIOUS = signing_key_pem
    new_credential = client.get(f"/api/v1/verify/{certificate.token}").json()["credential"]

    # then the JWKS publishes both, and both credentials verify with PyJWT and the check
    kids = [key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]]
    assert len(kids) == 2 and old_kid in kids
    assert jwt.get_unverified_header(new_credential)["kid"] != old_kid
    for credential in (old_credential, new_credential):
        assert _verify_with_pyjwt(client, credential)["number"] == certificate.number
        assert signing.check_credential(credential).valid is True
    # and once the old key is dropped, its credentials no longer verify
    settings.SIGNING_KEYS_PREVIOUS = ""
    assert signing.check_credential(old_credential).valid is False


def test_a_t_plus_id_number_stays_out_of_the_pdf_url(client, issue, authority, holder):
    AuthorityPolicy.objects.create(authority=authority, number_format="t_id")
    certificate = issue()
    client.force_login(holder)
    listed = client.get("/api/v1/certificates").json()[0]
    assert HOLDER_ID not in listed["pdf_url"]
    assert listed["pdf_url"].endswith(f"/certificates/{certificate.token}/pdf")
    from urllib.parse import urlparse

    response = client.get(urlparse(listed["pdf_url"]).path)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="certificate.pdf"'
