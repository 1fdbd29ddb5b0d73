"""Chinese mainland mobile numbers: one stored form, whatever the user typed.

People type 139 1234 5678, 139-1234-5678, +86 139..., 0086139... or 86139...; the
account, the login and the SMS gateway all need the same 11 digits, so every phone
number passes through `normalize_phone` before it is stored or looked up.
"""

from __future__ import annotations

import re

_MAINLAND_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS_RE = re.compile(r"[\s\-()（）]")


class InvalidPhone(ValueError):
    """The text is not a Chinese mainland mobile number."""


def normalize_phone(raw: str) -> str:
    """The 11-digit form of a mainland mobile number, without country code."""
    value = _SEPARATORS_RE.sub("", raw or "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
            break
    else:
        if len(value) == 13 and value.startswith("86"):
            value = value[2:]
    if not _MAINLAND_MOBILE_RE.match(value):
        raise InvalidPhone(raw)
    return value
