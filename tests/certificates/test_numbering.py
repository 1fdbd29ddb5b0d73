from __future__ import annotations

import pytest
from django.db import transaction

from certificates.models import NumberSequence
from certificates.numbering import next_certificate_number
from certificates.rules import has_valid_check_character
from tests.factories import AuthorityFactory

pytestmark = pytest.mark.django_db


def test_numbers_run_in_sequence_per_authority_and_year():
    # given two authorities
    beijing = AuthorityFactory(code="bj")
    tianjin = AuthorityFactory(code="tj")

    # when numbers are drawn for both, in two years
    with transaction.atomic():
        drawn = [
            next_certificate_number(authority=beijing, year=2026),
            next_certificate_number(authority=beijing, year=2026),
            next_certificate_number(authority=tianjin, year=2026),
            next_certificate_number(authority=beijing, year=2027),
        ]

    # then each authority and year counts from 1, and every number carries its check
    assert [number[:-1] for number in drawn] == ["BJ2026000001", "BJ2026000002", "TJ2026000001", "BJ2027000001"]
    assert all(has_valid_check_character(number) for number in drawn)
    assert sorted(NumberSequence.objects.values_list("authority__code", "year", "last")) == [
        ("bj", 2026, 2),
        ("bj", 2027, 1),
        ("tj", 2026, 1),
    ]


def test_a_rolled_back_draw_gives_its_serial_back():
    # given an authority that has issued one number
    authority = AuthorityFactory(code="bj")
    with transaction.atomic():
        next_certificate_number(authority=authority, year=2026)

    # when a second draw is rolled back
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        next_certificate_number(authority=authority, year=2026)
        raise RuntimeError("boom")

    # then the next draw reuses the serial: numbers stay gap-free
    with transaction.atomic():
        assert next_certificate_number(authority=authority, year=2026)[:-1] == "BJ2026000002"
    assert NumberSequence.objects.get(authority=authority, year=2026).last == 2


@pytest.mark.django_db(transaction=True)
def test_drawing_outside_a_transaction_is_refused():
    # given no transaction (the row lock would be released at once)
    authority = AuthorityFactory(code="bj")

    # when / then the draw is refused and nothing is written
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        next_certificate_number(authority=authority, year=2026)
    assert NumberSequence.objects.count() == 0
