import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.practical.rubrics import import_rubric
from exams.practical.rules import RubricInvalid


class Command(BaseCommand):
    help = "Import a practical rubric (JSON as export_rubric prints it) as the type's next version."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--publish", action="store_true", help="publish the new version at once")

    def handle(self, *args, path, publish=False, **options):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            rubric = import_rubric(data=data, actor=None, publish=publish)
        except RubricInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError("rubric not imported") from exc
        state = "published" if rubric.is_published else "draft"
        self.stdout.write(f"rubric {rubric.operation_type.code} v{rubric.version} ({state})")
