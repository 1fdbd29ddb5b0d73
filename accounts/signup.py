"""allauth's sign-up form, made all-or-nothing.

allauth saves the user, then runs our identity step, then the e-mail address, each on
its own. Two people signing up with the same ID number at the same instant would leave
the loser's user row without an identity; in one transaction nothing is half written.
"""

from __future__ import annotations

from allauth.account.forms import SignupForm
from django.db import transaction


class AtomicSignupForm(SignupForm):
    def save(self, request):
        with transaction.atomic():
            return super().save(request)
