from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.bank_selectors import question_records
from exams.importers import FORMATS, aiken, write_questions
from exams.models import QuestionBank


class Command(BaseCommand):
    help = "Write the current questions of bank SLUG to PATH; the file re-imports to the same questions."

    def add_arguments(self, parser):
        parser.add_argument("--bank", required=True, help="slug of the question bank")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("path")

    def handle(self, *args, bank, format, path, **options):
        target = QuestionBank.objects.filter(slug=bank).first()
        if target is None:
            raise CommandError(f"no question bank with slug {bank!r}")
        records = question_records(target)
        count = len(records)
        if format == "aiken":
            data, left_out = aiken.write(records)
            if left_out:
                self.stderr.write(f"{left_out} true/false questions left out: Aiken cannot express them")
            count -= left_out
        else:
            data = write_questions(records, format)
        Path(path).write_bytes(data)
        self.stdout.write(f"exported {count} questions to {path}")
