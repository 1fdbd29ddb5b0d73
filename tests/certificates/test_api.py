"""/api/v1/ certificate endpoints: the wallet, PDFs and public verification."""

from __future__ import annotations

import base64
import json

import pytest
from allauth.headless.internal.sessionkit import new_session
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accounts.identity import mask_id_number
from certificates.models import VerificationLog
from tests.factories import HOLDER_ID, HOLDER_NAME, UserFactory

pytestmark = pytest.mark.django_db


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _session_token(user) -> str:
    """An allauth headless app session, as /_allauth/app/v1/auth/login would give."""
    from django.contrib.auth import login
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = new_session()
    login(request, user, backend="accounts.backends.ModelBackend")
    request.session.save()
    return request.session.session_key


def test_my_certificates_with_the_session_token(client, issue, holder, settings):
    # given a holder with a certificate, signed in through the app API
    settings.SITE_URL = "https://kaozheng.example"
    certificate = issue()
    token = _session_token(holder)

    # when the app lists the holder's certificates
    response = client.get("/api/v1/certificates", HTTP_X_SESSION_TOKEN=token)

    # then it gets each certificate with its links
    assert response.status_code == 200
    assert response.json() == [
        {
            "number": certificate.number,
            "status": "valid",
            "status_label": "有效",
            "kind": "special_operation",
            "kind_name": "特种作业操作证",
            "operation_type": {"code": "0102", "name": "低压电工作业"},
            "issued_on": certificate.issued_on.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "review_due": certificate.review_due.isoformat(),
            "pdf_url": f"https://kaozheng.example/api/v1/certificates/{certificate.number}/pdf",
            "verify_url": f"https://kaozheng.example/v/{certificate.token}",
        }
    ]


def test_my_certificates_with_the_browser_session(client, issue, holder):
    issue()
    client.force_login(holder)
    assert len(client.get("/api/v1/certificates").json()) == 1
    client.force_login(UserFactory())
    assert client.get("/api/v1/certificates").json() == []


def test_my_certificates_needs_authentication(client):
    response = client.get("/api/v1/certificates")
    assert response.status_code == 401
    assert response.json() == {"detail": "需要登录。"}


def test_pdf_through_the_api(client, issue, holder):
    # given a certificate whose PDF is not rendered yet
    certificate = issue()
    token = _session_token(holder)

    # when the owner's app downloads it
    response = client.get(f"/api/v1/certificates/{certificate.number}/pdf", HTTP_X_SESSION_TOKEN=token)

    # then it gets the PDF
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_pdf_through_the_api_for_someone_else_is_404(client, issue):
    certificate = issue()
    response = client.get(
        f"/api/v1/certificates/{certificate.number}/pdf", HTTP_X_SESSION_TOKEN=_session_token(UserFactory())
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到匹配的证书。请核对证号和姓名后重试。"}


def test_pdf_through_the_api_for_a_regulator(client, issue, regulator):
    certificate = issue()
    client.force_login(regulator)
    assert client.get(f"/api/v1/certificates/{certificate.number}/pdf").status_code == 200


def test_pdf_through_the_api_anonymous_is_401(client, issue):
    certificate = issue()
    assert client.get(f"/api/v1/certificates/{certificate.number}/pdf").status_code == 401


def test_public_verify_by_number_and_name(client, issue):
    # given an issued certificate
    certificate = issue()

    # when anyone verifies it by number and name, without signing in
    response = client.get("/api/v1/verify", {"number": certificate.number, "name": HOLDER_NAME})

    # then the public record comes back, masked, with a signed credential
    assert response.status_code == 200
    body = response.json()
    credential = body.pop("credential")
    assert body == {
        "number": certificate.number,
        "status": "valid",
        "status_label": "有效",
        "holder_masked": "王**",
        "holder_id_masked": mask_id_number(HOLDER_ID),
        "kind": "special_operation",
        "kind_name": "特种作业操作证",
        "practical_again": False,
        "operation_type": {"code": "0102", "name": "低压电工作业"},
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "review_due": certificate.review_due.isoformat(),
        "issuer": "北京市应急管理局",
    }
    assert HOLDER_ID not in response.content.decode()
    assert HOLDER_NAME not in response.content.decode()
    # and the credential verifies against the published JWKS (checked with cryptography)
    header, payload, signature = credential.split(".")
    [jwk] = client.get("/.well-known/jwks.json").json()["keys"]
    assert json.loads(_b64decode(header))["kid"] == jwk["kid"]
    Ed25519PublicKey.from_public_bytes(_b64decode(jwk["x"])).verify(
        _b64decode(signature), f"{header}.{payload}".encode()
    )
    claims = json.loads(_b64decode(payload))
    assert (claims["number"], claims["status"], claims["holder_masked"]) == (certificate.number, "valid", "王**")
    assert list(VerificationLog.objects.values_list("channel", "found")) == [("api", True)]


def test_public_verify_with_a_wrong_name_is_404(client, issue):
    certificate = issue()
    wrong = client.get("/api/v1/verify", {"number": certificate.number, "name": "王小"})
    unknown = client.get("/api/v1/verify", {"number": "BJAJJ20269999990", "name": HOLDER_NAME})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json() == {"detail": "未找到匹配的证书。请核对证号和姓名后重试。"}


def test_public_verify_by_token(client, issue):
    certificate = issue()
    response = client.get(f"/api/v1/verify/{certificate.token}")
    assert response.status_code == 200
    assert response.json()["status"] == "valid"
    assert client.get("/api/v1/verify/unknown-token").status_code == 404


def test_public_verify_is_rate_limited(client, issue, settings):
    # given a budget of two lookups a minute
    settings.VERIFY_RATE = "2/m"
    certificate = issue()

    # when a third lookup is made
    statuses = [client.get(f"/api/v1/verify/{certificate.token}").status_code for _ in range(2)]
    blocked = client.get("/api/v1/verify", {"number": certificate.number, "name": HOLDER_NAME})

    # then it gets 429 with a JSON detail
    assert statuses == [200, 200]
    assert blocked.status_code == 429
    assert blocked.json() == {"detail": "查询过于频繁，请稍后再试。"}


def test_openapi_documents_the_certificate_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/certificates",
        "/api/v1/certificates/{number}/pdf",
        "/api/v1/verify",
        "/api/v1/verify/{token}",
    ):
        assert "get" in paths[path], path
    verify = paths["/api/v1/verify"]["get"]
    assert {parameter["name"] for parameter in verify["parameters"]} == {"number", "name"}
    assert set(verify["responses"]) == {"200", "404", "429"}
    assert "security" not in verify or verify["security"] in ([], [{}])
    properties = schema["components"]["schemas"]["VerificationOut"]["properties"]
    assert {
        "status",
        "holder_masked",
        "operation_type",
        "issued_on",
        "valid_until",
        "review_due",
        "issuer",
        "credential",
    } <= set(properties)
    assert "application/pdf" in paths["/api/v1/certificates/{number}/pdf"]["get"]["responses"]["200"]["content"]
