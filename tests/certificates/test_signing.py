"""The credential verifies against the JWKS, checked with `cryptography` alone (not joserfc)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.exceptions import ImproperlyConfigured

from certificates import signing
from certificates.rules import DisplayStatus, PublicRecord

RECORD = PublicRecord(
    number="BJAJJ20260000014",
    status=DisplayStatus.VALID,
    holder_masked="王**",
    holder_id_masked="110***********1357",
    operation_category="电工作业",
    operation_type_code="0102",
    operation_type_name="低压电工作业",
    first_issued_on=dt.date(2026, 3, 10),
    issued_on=dt.date(2026, 3, 10),
    valid_until=dt.date(2032, 3, 10),
    review_due=dt.date(2029, 3, 10),
    issuer="北京市应急管理局",
)


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _pem(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _verify_independently(credential: str, jwks: dict) -> dict:
    """Check the Ed25519 signature over the JWS signing input with `cryptography` only."""
    header_part, payload_part, signature_part = credential.split(".")
    header = json.loads(_b64decode(header_part))
    [jwk] = [key for key in jwks["keys"] if key["kid"] == header["kid"]]
    assert (header["alg"], jwk["alg"], jwk["use"]) == ("EdDSA", "EdDSA", "sig")
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    public_key = Ed25519PublicKey.from_public_bytes(_b64decode(jwk["x"]))
    public_key.verify(_b64decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
    return json.loads(_b64decode(payload_part))


def test_credential_verifies_against_the_jwks():
    # given the public record of a certificate
    # when it is signed
    credential = signing.sign_record(RECORD, issued_at=1_800_000_000)

    # then an independent Ed25519 check against the published key succeeds
    claims = _verify_independently(credential, signing.jwks())
    assert claims == {
        "number": "BJAJJ20260000014",
        "status": "valid",
        "holder_masked": "王**",
        "kind": "special_operation",
        "operation_type": {"code": "0102", "name": "低压电工作业"},
        "issued_on": "2026-03-10",
        "valid_until": "2032-03-10",
        "review_due": "2029-03-10",
        "issuer": "北京市应急管理局",
        "iat": 1_800_000_000,
    }


def test_a_tampered_credential_fails_the_check():
    # given a credential whose payload was changed to say "valid" for another number
    header, payload, signature = signing.sign_record(RECORD).split(".")
    claims = json.loads(_b64decode(payload))
    claims["number"] = "BJAJJ20269999999"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    # when / then the signature no longer verifies
    with pytest.raises(InvalidSignature):
        _verify_independently(f"{header}.{forged}.{signature}", signing.jwks())


def test_kid_is_the_rfc7638_thumbprint():
    # given the published key
    [jwk] = signing.jwks()["keys"]
    # when the thumbprint is computed by hand (required members, sorted, no spaces)
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"), sort_keys=True)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")
    # then it is the kid, and no private part is published
    assert jwk["kid"] == thumbprint
    assert "d" not in jwk


def test_configured_pem_key_signs(settings):
    # given an Ed25519 key in SIGNING_KEY as PEM text
    private_key = Ed25519PrivateKey.generate()
    settings.SIGNING_KEY = _pem(private_key)
    # when a record is signed
    credential = signing.sign_record(RECORD)
    # then the JWKS publishes exactly that key, and the signature checks out
    [jwk] = signing.jwks()["keys"]
    expected_x = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert _b64decode(jwk["x"]) == expected_x
    assert _verify_independently(credential, signing.jwks())["number"] == RECORD.number


def test_configured_key_path_signs(settings, tmp_path):
    private_key = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_text(_pem(private_key))
    settings.SIGNING_KEY = str(path)
    expected_x = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert _b64decode(signing.jwks()["keys"][0]["x"]) == expected_x


def test_debug_without_a_key_uses_a_stable_development_key(settings):
    # given a DEBUG site with no SIGNING_KEY
    settings.DEBUG = True
    settings.SIGNING_KEY = ""
    # when the key is asked for twice, then under another SECRET_KEY
    first, again = signing.jwks(), signing.jwks()
    settings.SECRET_KEY = "another-secret"
    other = signing.jwks()
    # then it is derived from SECRET_KEY: stable for one, different for another
    assert first == again
    assert other != first


def test_production_without_a_key_is_refused(settings):
    settings.DEBUG = False
    settings.SIGNING_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="required when DEBUG is off"):
        signing.jwks()


def test_a_key_that_is_not_ed25519_is_refused(settings):
    settings.SIGNING_KEY = _pem(generate_private_key(SECP256R1()))
    with pytest.raises(ImproperlyConfigured, match="must be an Ed25519"):
        signing.jwks()


def test_a_missing_key_file_is_refused(settings, tmp_path):
    settings.SIGNING_KEY = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured, match="neither a PEM key nor the path"):
        signing.jwks()
