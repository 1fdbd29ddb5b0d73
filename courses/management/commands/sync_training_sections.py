"""Give every training organisation its CMS section, its trainers editor access, and
regulators the review role. Idempotent: run it after adding organisations or staff."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.models import Membership, Organisation, Role
from courses.sections import grant_review_access, grant_section_access, provide_training_section


class Command(BaseCommand):
    help = "Create missing training-organisation sections and grant trainers and regulators their CMS groups."

    def handle(self, *args, **options):
        organisations = Organisation.objects.filter(kind=Organisation.Kind.TRAINING, is_active=True)
        for organisation in organisations:
            provide_training_section(organisation=organisation)
        trainers = Membership.objects.filter(
            role=Role.TRAINER, organisation__kind=Organisation.Kind.TRAINING, organisation__is_active=True
        ).select_related("user", "organisation")
        for membership in trainers:
            grant_section_access(user=membership.user, organisation=membership.organisation)
        regulators = Membership.objects.filter(role=Role.REGULATOR, organisation__is_active=True).select_related("user")
        for membership in regulators:
            grant_review_access(user=membership.user)
        self.stdout.write(
            f"sections: {organisations.count()}, trainers: {trainers.count()}, regulators: {regulators.count()}"
        )
