from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.bank.importers import FORMATS
from exams.bank.models import QuestionBank
from exams.bank.services import export_bank


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
        exported = export_bank(bank=target, fmt=format, actor=None)
        if exported.left_out:
            self.stderr.write(f"{exported.left_out} true/false questions left out: Aiken cannot express them")
        Path(path).write_bytes(exported.data)
        self.stdout.write(f"exported {exported.questions} questions to {path}")
