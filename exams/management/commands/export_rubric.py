import json

from django.core.management.base import BaseCommand, CommandError

from exams.catalogue.models import OperationType
from exams.practical.models import PracticalRubric
from exams.practical.rubrics import current_rubric, rubric_to_dict


class Command(BaseCommand):
    help = "Print the current (or a given version of an) operation type's practical rubric as JSON."

    def add_arguments(self, parser):
        parser.add_argument("operation_code")
        parser.add_argument(
            "--rubric-version", type=int, dest="rubric_version", help="a version instead of the current one"
        )

    def handle(self, *args, operation_code, rubric_version=None, **options):
        operation_type = OperationType.objects.filter(code=operation_code).first()
        if operation_type is None:
            raise CommandError(f"no operation type {operation_code}")
        if rubric_version is None:
            rubric = current_rubric(operation_type)
        else:
            rubric = PracticalRubric.objects.filter(operation_type=operation_type, version=rubric_version).first()
        if rubric is None:
            raise CommandError(f"no published rubric for {operation_code}")
        self.stdout.write(json.dumps(rubric_to_dict(rubric), ensure_ascii=False, indent=2))
