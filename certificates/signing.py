"""The certificate credential: a compact JWS (EdDSA / Ed25519) over its public record.

A verifier that has fetched /.well-known/jwks.json can check a credential offline and
be sure that the record (status, dates, masked holder) came from this platform at
``iat``. The key is settings.SIGNING_KEY (PEM text, or a path to a PEM file). Only a
DEBUG site may run without one: it derives a fixed development key from SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from joserfc import jws
from joserfc.errors import SecurityWarning
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


def jwks() -> dict[str, list[dict[str, str]]]:
    public = signing_key().as_dict(private=False)
    return {"keys": [{**public, "kid": key_id(), "alg": ALGORITHM, "use": "sig"}]}


def credential_claims(record: PublicRecord, *, issued_at: int | None = None) -> dict[str, Any]:
    return {
        "number": record.number,
        "status": str(record.status),
        "holder_masked": record.holder_masked,
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
