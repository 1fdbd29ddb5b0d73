from django.core.management.base import BaseCommand
from django.db import transaction

from exams.catalogue.services import load_catalogue
from exams.practical.rubrics import seed_rubrics


class Command(BaseCommand):
    help = "Load the operation catalogue and the shipped practical rubrics (safe to repeat)."

    def handle(self, *args, **options):
        with transaction.atomic():
            result = load_catalogue()
            rubric = "created" if seed_rubrics() else "unchanged"
        self.stdout.write(
            self.style.SUCCESS(
                f"catalogue loaded: {result.categories} categories, {result.operation_types} operation types; "
                f"example rubric {rubric}"
            )
        )
