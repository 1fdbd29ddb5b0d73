"""Mainland mobile numbers: normalisation, no database."""

from __future__ import annotations

import pytest

from accounts.phone import InvalidPhone, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13912345678",
        " 139 1234 5678 ",
        "139-1234-5678",
        "+8613912345678",
        "+86 139 1234 5678",
        "008613912345678",
        "8613912345678",
        "(+86)13912345678",
    ],
)
def test_normalize_phone_gives_eleven_digits(raw):
    assert normalize_phone(raw) == "13912345678"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "1391234567",  # 10 digits
        "139123456789",  # 12 digits
        "23912345678",  # does not start with 1
        "12912345678",  # no such mobile prefix
        "+1 415 555 0100",  # not mainland
        "+85291234567",  # Hong Kong
        "1391234567a",
        "worker",
    ],
)
def test_normalize_phone_rejects_other_numbers(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)
