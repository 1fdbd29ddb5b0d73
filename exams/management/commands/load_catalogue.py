from django.core.management.base import BaseCommand

from exams.catalogue import load_catalogue


class Command(BaseCommand):
    help = "Load the operation catalogue and the example practical rubric (safe to repeat)."

    def handle(self, *args, **options):
        result = load_catalogue()
        rubric = "created" if result.rubric_created else "unchanged"
        self.stdout.write(
            self.style.SUCCESS(
                f"catalogue loaded: {result.categories} categories, {result.operation_types} operation types; "
                f"example rubric {rubric}"
            )
        )
