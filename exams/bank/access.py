"""Who may read and edit which question bank. One function per question, one test per branch.

Banks are layered. A national bank is read by every organisation's bank staff; a
provincial bank belongs to an issuing authority and is read by the organisations
under it (``Organisation.parent``); an organisation's own bank is read and edited
only by that organisation's staff. A bank is edited only by staff (trainers,
regulators) of the organisation that owns it; administrators (superusers and holders of
the administrator role) may do everything. Blueprints follow their bank: this is the one
rule for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from accounts.models import Membership, Role

from .models import QuestionBank

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

#: The roles that work on question banks in an organisation.
BANK_STAFF_ROLES = (Role.TRAINER, Role.REGULATOR)
#: How many levels of Organisation.parent are followed upward (province → city → organisation).
_ANCESTOR_DEPTH = 3


@dataclass(frozen=True)
class _Scope:
    own: set[int]
    above: set[int]
    administrator: bool


def is_bank_administrator(user: User | AnonymousUser) -> bool:
    """A superuser or a system administrator: reads and edits every bank."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or _scope(user).administrator


def bank_scope(user: User | AnonymousUser) -> tuple[set[int], set[int]]:
    """(organisations whose banks the user edits, organisations above them) as ids."""
    scope = _scope(user)
    return scope.own, scope.above


def _scope(user: User | AnonymousUser) -> _Scope:
    """The user's bank roles, read in one query and cached on the user object, as Django
    caches permissions there: a request asks many times (once per row of a listing) and
    memberships do not change meanwhile."""
    cached = getattr(user, "_bank_scope_cache", None)
    if cached is None:
        cached = _read_scope(user)
        if user.is_authenticated:
            user._bank_scope_cache = cached  # type: ignore[attr-defined]
    return cached


def _read_scope(user: User | AnonymousUser) -> _Scope:
    if not (user.is_authenticated and user.is_active):
        return _Scope(own=set(), above=set(), administrator=False)
    memberships = Membership.objects.filter(
        user=user, organisation__is_active=True, role__in=(*BANK_STAFF_ROLES, Role.ADMINISTRATOR)
    ).select_related("organisation__parent__parent__parent")
    own: set[int] = set()
    above: set[int] = set()
    administrator = False
    for membership in memberships:
        if membership.role == Role.ADMINISTRATOR:
            administrator = True
            continue
        own.add(membership.organisation_id)
        parent = membership.organisation.parent
        for _level in range(_ANCESTOR_DEPTH):
            if parent is None:
                break
            above.add(parent.pk)
            parent = parent.parent
    return _Scope(own=own, above=above, administrator=administrator)


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
