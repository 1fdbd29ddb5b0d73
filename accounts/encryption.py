"""Personal data at rest: Fernet encryption plus a keyed hash for exact look-ups.

Encrypted values cannot be queried, so a field that must be found (an ID number at
sign-up, a roster check) also stores HMAC-SHA256(value) under a key derived from the
encryption key. Several keys may be configured; the first encrypts, all decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=1)
def _keys() -> tuple[bytes, ...]:
    configured = [key.encode() for key in settings.FIELD_ENCRYPTION_KEYS]
    if configured:
        return tuple(configured)
    derived = hashlib.sha256(b"kaozheng-field-encryption:" + settings.SECRET_KEY.encode()).digest()
    return (base64.urlsafe_b64encode(derived),)


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt field: wrong FIELD_ENCRYPTION_KEY?") from exc


def lookup_hash(value: str) -> str:
    """A stable keyed digest of a normalised value, for unique constraints and look-ups."""
    key = hashlib.sha256(b"kaozheng-lookup:" + _keys()[-1]).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column holding Fernet ciphertext; Python sees the plain text."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
