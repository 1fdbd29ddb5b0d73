from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exams.bank.importers import FORMATS, FileProblem, guess_format, read_questions
from exams.bank.importers.records import MAX_FILE_BYTES, check_size
from exams.bank.services import get_or_create_bank, import_questions
from exams.catalogue.models import OperationType
from exams.errors import ImportRejected


class Command(BaseCommand):
    help = (
        "Import a question file into bank SLUG (created if missing), all or nothing. "
        "Prints 'imported N questions', or every bad row with its number and reason and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--bank", required=True, help="slug of the question bank")
        parser.add_argument("--format", choices=sorted(FORMATS), help="default: guessed from the extension")
        parser.add_argument(
            "--operation-type",
            help="operation type code for questions the file gives none (Aiken always needs it)",
        )
        parser.add_argument("--skip-duplicates", action="store_true", help="leave out questions the bank already holds")

    def handle(self, *args, path, bank, format=None, operation_type=None, skip_duplicates=False, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no such file: {path}")
        default_type = None
        if operation_type:
            default_type = OperationType.objects.filter(code=operation_type).first()
            if default_type is None:
                raise CommandError(f"unknown operation type: {operation_type}")
        try:
            fmt = format or guess_format(file.name)
            if file.stat().st_size > MAX_FILE_BYTES:
                check_size(file.stat().st_size)  # refuse before reading a huge file into memory
            parsed = read_questions(file.read_bytes(), fmt)
        except FileProblem as problem:
            self.stderr.write(f"{file.name}: {problem}")
            raise SystemExit(1) from problem
        errors = list(parsed.errors)
        if not errors:
            try:
                with transaction.atomic():  # a bank created here goes again if the import fails
                    outcome = import_questions(
                        bank=get_or_create_bank(slug=bank),
                        records=parsed.records,
                        actor=None,
                        default_operation_type=default_type,
                        skip_duplicates=skip_duplicates,
                        source=file.name,
                    )
            except ImportRejected as rejected:
                errors = rejected.errors
            else:
                skipped = f" ({outcome.skipped} duplicates skipped)" if outcome.skipped else ""
                self.stdout.write(f"imported {outcome.imported} questions{skipped}")
                return
        for error in errors:
            self.stderr.write(f"{file.name}:{error.line}: {error.message}")
        self.stderr.write(f"{len(errors)} bad rows; nothing imported")
        raise SystemExit(1)
