"""Resident identity numbers (GB 11643-1999) and the masking of personal data.

Pure functions, no database: the age rule for exams, the sex shown on a certificate and
every public masking go through here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


class InvalidIdNumber(ValueError):
    """The text is not a valid 18-character resident identity number."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def parse_id_number(raw: str) -> IdNumber:
    value = normalize_id_number(raw)
    if not _ID_RE.match(value):
        raise InvalidIdNumber("format")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber("birth_date") from exc
    if birth.year < 1900:
        raise InvalidIdNumber("birth_date")
    if check_character(value[:17]) != value[17]:
        raise InvalidIdNumber("checksum")
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex, region_code=value[:6])


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Completed years of age on a day (a birthday counts on the day itself)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def mask_id_number(value: str) -> str:
    """Keep the region's first 3 and the last 4 characters: 110***********123X."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str) -> str:
    """Chinese names keep the family name (张*, 欧阳**); Latin names keep initials."""
    name = (name or "").strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(part[0] + "*" * (len(part) - 1) for part in name.split())
    if len(name) == 1:
        return "*"
    if len(name) >= 4:
        return name[:2] + "*" * (len(name) - 2)
    return name[0] + "*" * (len(name) - 1)


def mask_phone(phone: str) -> str:
    digits = (phone or "").strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]
