"""Drawing certificate numbers: one gap-free serial per issuing authority and year."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Organisation

from .models import AuthorityPolicy, NumberSequence
from .rules import format_certificate_number, id_certificate_number


def next_certificate_number(*, authority: Organisation, year: int) -> str:
    """The next number of ``authority`` for ``year``.

    Call inside ``transaction.atomic``: the sequence row stays locked (SELECT FOR UPDATE)
    until the caller commits, so two issues never draw the same serial, and a rolled
    back issue gives its serial back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_certificate_number must run inside transaction.atomic")
    NumberSequence.objects.get_or_create(authority=authority, year=year)
    sequence = NumberSequence.objects.select_for_update().get(authority=authority, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return format_certificate_number(authority_code=authority.code, year=year, serial=sequence.last)


def number_for(*, authority: Organisation, year: int, id_number: str, operation_type_code: str) -> str:
    """The number in the authority's format: by default its serial; "T" + ID number
    where its policy says so (that number is then masked wherever it is shown).

    Numbers are unique here, so a holder's second "T" + ID certificate (another
    operation type) carries the type's code after it.
    """
    from .models import Certificate

    policy = AuthorityPolicy.objects.filter(authority=authority).values_list("number_format", flat=True).first()
    if policy == AuthorityPolicy.NumberFormat.ID_NUMBER:
        number = id_certificate_number(id_number)
        if Certificate.objects.filter(number=number).exists():
            number = f"{number}{operation_type_code}"
        return number
    return next_certificate_number(authority=authority, year=year)
