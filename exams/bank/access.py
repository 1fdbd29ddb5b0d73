"""Who may read and edit which question bank. One function per question, one test per branch.

Banks are layered. A national bank is read by every organisation's bank staff; a
provincial bank belongs to an issuing authority and is read by the organisations
under it (``Organisation.parent``); an organisation's own bank is read and edited
only by that organisation's staff. A bank is edited only by staff (trainers,
regulators) of the organisation that owns it; administrators may do everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.models import Organisation, Role

from .models import QuestionBank

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

#: The roles that work on question banks in an organisation.
BANK_STAFF_ROLES = (Role.TRAINER, Role.REGULATOR)
#: How many levels of Organisation.parent are followed upward (province → city → organisation).
_ANCESTOR_DEPTH = 3


def is_bank_administrator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def _staff_organisations(user: User | AnonymousUser) -> list[Organisation]:
    """The active organisations where the user is bank staff, with their parents (one query)."""
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        Organisation.objects.filter(is_active=True, memberships__user=user, memberships__role__in=BANK_STAFF_ROLES)
        .select_related("parent__parent__parent")
        .distinct()
    )


def bank_scope(user: User | AnonymousUser) -> tuple[set[int], set[int]]:
    """(organisations whose banks the user edits, organisations above them) as ids.

    Cached on the user object, as Django caches permissions there: a request asks
    many times (once per row of a listing) and memberships do not change meanwhile.
    """
    cached = getattr(user, "_bank_scope_cache", None)
    if cached is None:
        cached = _bank_scope(user)
        if user.is_authenticated:
            user._bank_scope_cache = cached  # type: ignore[union-attr]
    return cached


def _bank_scope(user: User | AnonymousUser) -> tuple[set[int], set[int]]:
    own = _staff_organisations(user)
    above: set[int] = set()
    for organisation in own:
        parent = organisation.parent
        for _level in range(_ANCESTOR_DEPTH):
            if parent is None:
                break
            above.add(parent.pk)
            parent = parent.parent
    return {organisation.pk for organisation in own}, above


def editable_banks_filter(user: User | AnonymousUser) -> Q:
    if is_bank_administrator(user):
        return Q()
    own, _above = bank_scope(user)
    return Q(organisation_id__in=own) if own else Q(pk__in=[])


def readable_banks_filter(user: User | AnonymousUser) -> Q:
    if is_bank_administrator(user):
        return Q()
    own, above = bank_scope(user)
    if not own:
        return Q(pk__in=[])
    return (
        Q(organisation_id__in=own)
        | Q(level=QuestionBank.Level.NATIONAL)
        | Q(level=QuestionBank.Level.PROVINCIAL, organisation_id__in=above)
    )


def is_bank_staff(user: User | AnonymousUser) -> bool:
    """May open the bank pages of the admin at all."""
    return is_bank_administrator(user) or bool(bank_scope(user)[0])


def can_read_bank(user: User | AnonymousUser, bank: QuestionBank) -> bool:
    """The same rule as readable_banks_filter, for one bank already loaded."""
    if is_bank_administrator(user):
        return True
    own, above = bank_scope(user)
    if not own:
        return False
    return (
        bank.organisation_id in own
        or bank.level == QuestionBank.Level.NATIONAL
        or (bank.level == QuestionBank.Level.PROVINCIAL and bank.organisation_id in above)
    )


def can_edit_bank(user: User | AnonymousUser, bank: QuestionBank) -> bool:
    """The same rule as editable_banks_filter, for one bank already loaded."""
    if is_bank_administrator(user):
        return True
    return bank.organisation_id is not None and bank.organisation_id in bank_scope(user)[0]
