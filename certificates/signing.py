"""The certificate credential: a compact JWS (EdDSA / Ed25519) over its public record.

A verifier that has fetched /.well-known/jwks.json can check a credential offline and
be sure that the record (status, dates, masked holder) came from this platform at
``iat``. The key is settings.SIGNING_KEY (PEM text, or a path to a PEM file). Only a
DEBUG site may run without one: it derives a fixed development key from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey

from .rules import PublicRecord

ALGORITHM = "EdDSA"
TYPE = "kaozheng-certificate+jws"


def _load_private_key(configured: str) -> Ed25519PrivateKey:
    text = configured.strip()
    if not text.startswith("-----BEGIN"):
        path = Path(text)
        if not path.is_file():
            raise ImproperlyConfigured("SIGNING_KEY is neither a PEM key nor the path of a PEM file.")
        text = path.read_text()
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except ValueError as exc:
        raise ImproperlyConfigured("SIGNING_KEY is not a readable, unencrypted PEM private key.") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("SIGNING_KEY must be an Ed25519 private key.")
    return key


@lru_cache(maxsize=4)
def _signing_key(configured: str, debug: bool, secret_key: str) -> OKPKey:
    if configured:
        private_key = _load_private_key(configured)
    elif debug:
        seed = hashlib.sha256(f"kaozheng-certificate-signing:{secret_key}".encode()).digest()
        private_key = Ed25519PrivateKey.from_private_bytes(seed)
    else:
        raise ImproperlyConfigured("SIGNING_KEY (an Ed25519 private key) is required when DEBUG is off.")
    return OKPKey.import_key(private_key)


def signing_key() -> OKPKey:
    return _signing_key(settings.SIGNING_KEY or "", bool(settings.DEBUG), settings.SECRET_KEY)


def key_id() -> str:
    """RFC 7638 thumbprint of the public key: changes exactly when the key does."""
    return signing_key().thumbprint()


_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.S)


@lru_cache(maxsize=4)
def _previous_keys(configured: str) -> tuple[OKPKey, ...]:
    """Retired keys (PEM blocks, or paths separated by os.pathsep), public part only."""
    texts = _PEM_BLOCK.findall(configured)
    if not texts:
        texts = [Path(item).read_text() for item in configured.split(os.pathsep) if item.strip()]
    keys = []
    for text in texts:
        key = serialization.load_pem_private_key(text.encode(), password=None) if "PRIVATE" in text else None
        public = (
            key.public_key() if isinstance(key, Ed25519PrivateKey) else serialization.load_pem_public_key(text.encode())
        )
        if not isinstance(public, Ed25519PublicKey):
            raise ImproperlyConfigured("SIGNING_KEYS_PREVIOUS must hold Ed25519 keys.")
        keys.append(OKPKey.import_key(public))
    return tuple(keys)


def verification_keys() -> dict[str, OKPKey]:
    """Every key a credential may have been signed with, by key id: the current one and
    the retired ones (settings.SIGNING_KEYS_PREVIOUS), so a rotation never breaks the
    credentials already handed out."""
    keys = {key_id(): signing_key()}
    for key in _previous_keys(getattr(settings, "SIGNING_KEYS_PREVIOUS", "") or ""):
        keys.setdefault(key.thumbprint(), key)
    return keys


def jwks() -> dict[str, list[dict[str, str]]]:
    return {
        "keys": [
            {**key.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"}
            for kid, key in verification_keys().items()
        ]
    }


def credential_claims(record: PublicRecord, *, issued_at: int | None = None) -> dict[str, Any]:
    return {
        "number": record.number,
        "status": str(record.status),
        "holder_masked": record.holder_masked,
        "kind": record.kind,
        "operation_type": {"code": record.operation_type_code, "name": record.operation_type_name},
        "issued_on": record.issued_on.isoformat(),
        "valid_until": record.valid_until.isoformat(),
        "review_due": record.review_due.isoformat(),
        "issuer": record.issuer,
        "iat": int(time.time()) if issued_at is None else issued_at,
    }


def sign_record(record: PublicRecord, *, issued_at: int | None = None) -> str:
    """The compact JWS of the record as it stands now (``iat`` says when that was)."""
    payload = json.dumps(credential_claims(record, issued_at=issued_at), ensure_ascii=False, separators=(",", ":"))
    header = {"alg": ALGORITHM, "kid": key_id(), "typ": TYPE}
    with warnings.catch_warnings():
        # joserfc flags "EdDSA" in favour of RFC 9864's "Ed25519"; verifiers still expect EdDSA.
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(header, payload.encode(), signing_key(), algorithms=[ALGORITHM])


# --- Checking a credential -------------------------------------------------------------


@dataclass(frozen=True)
class CredentialCheck:
    """The answer to "is this credential ours and unaltered?"."""

    valid: bool
    message: str
    claims: dict[str, Any] | None = None


MAX_CREDENTIAL_LENGTH = 8192


def check_credential(credential: str) -> CredentialCheck:
    """Verify a compact JWS against our published key(s); never raises on bad input.

    A malformed string, an unknown key id, another algorithm, or any altered byte of
    header, payload or signature gives ``valid=False`` with a clear message.
    """
    credential = (credential or "").strip()
    if not credential or len(credential) > MAX_CREDENTIAL_LENGTH or credential.count(".") != 2:
        return CredentialCheck(False, str(_("这不是本平台签发的电子凭证（格式不正确）。")))
    keys = verification_keys()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SecurityWarning)
            header_segment = credential.split(".", 1)[0]
            header = json.loads(_b64decode(header_segment))
            if not isinstance(header, dict) or header.get("kid") not in keys or header.get("alg") != ALGORITHM:
                return CredentialCheck(False, str(_("签名密钥不是本平台公布的密钥，凭证不可信。")))
            key = keys[header["kid"]]
            signature = jws.deserialize_compact(credential, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError, TypeError):
        return CredentialCheck(False, str(_("签名无效：凭证已被篡改或伪造。")))
    try:
        claims = json.loads(signature.payload)
    except ValueError:
        return CredentialCheck(False, str(_("签名无效：凭证已被篡改或伪造。")))
    return CredentialCheck(True, str(_("签名有效：凭证由本平台签发，内容未被改动。")), claims)


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


# --- W3C Verifiable Credential (Open Badges 3.0 shape) ---------------------------------

VC_TYPE = "vc+jwt"


def verifiable_credential(record: PublicRecord, *, verify_url: str, site_url: str) -> dict[str, Any]:
    """The public record as an Open Badges 3.0 OpenBadgeCredential (VC Data Model 2.0).

    Only what the public page shows: the holder's masked name, never the ID number
    (even hashed, an ID number is too easy to guess from birth date and region).
    """
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{record.kind_name or '特种作业操作证'}：{record.operation_type_name}",
        "issuer": {"id": f"{site_url}/issuers/{quote(record.issuer)}", "type": ["Profile"], "name": record.issuer},
        "validFrom": f"{record.issued_on.isoformat()}T00:00:00+08:00",
        "validUntil": f"{record.valid_until.isoformat()}T23:59:59+08:00",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": record.holder_masked,
                }
            ],
            "achievement": {
                "id": f"{site_url}/operation-types/{record.operation_type_code}",
                "type": ["Achievement"],
                "achievementType": "License",
                "name": record.operation_type_name,
                "description": f"{record.operation_category} · {record.operation_type_name}",
                "criteria": {
                    "narrative": "理论考试与实际操作考试均合格（满分100分，80分及以上为合格）。"
                    if record.kind == "special_operation"
                    else "安全生产知识和管理能力计算机考试合格（满分100分，80分及以上为合格）。"
                },
            },
            "result": [{"type": ["Result"], "status": str(record.status), "value": record.number}],
        },
        "credentialStatus": {"id": verify_url, "type": "KaozhengVerificationPage"},
    }


def sign_verifiable_credential(record: PublicRecord, *, verify_url: str, site_url: str) -> str:
    """The credential secured with JOSE (VC-JOSE-COSE): a compact JWS, typ vc+jwt."""
    credential = verifiable_credential(record, verify_url=verify_url, site_url=site_url)
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    header = {"alg": ALGORITHM, "kid": key_id(), "typ": VC_TYPE, "cty": "vc"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        return jws.serialize_compact(header, payload.encode(), signing_key(), algorithms=[ALGORITHM])
