from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exams.bank.importers import FORMATS, FileProblem, guess_format, read_questions
from exams.bank.importers.columns import ROLES
from exams.bank.importers.options import ENCODINGS
from exams.bank.importers.records import MAX_FILE_BYTES, check_size
from exams.bank.services import get_or_create_bank, import_questions
from exams.catalogue.models import OperationType
from exams.errors import ImportRejected


def parse_columns(value: str) -> list[tuple[str, str]]:
    """``stem=题目内容,options=题目选项`` → [("stem", "题目内容"), ("options", "题目选项")]."""
    pairs = []
    for item in value.replace("，", ",").split(","):
        if not item.strip():
            continue
        role, separator, column = item.partition("=")
        if not separator or not role.strip() or not column.strip():
            raise CommandError(f"--columns: expected ROLE=COLUMN, got {item!r} (roles: {', '.join(ROLES)})")
        pairs.append((role.strip(), column.strip()))
    return pairs


class Command(BaseCommand):
    help = (
        "Import a question file into bank SLUG (created if missing), all or nothing. "
        "Prints 'imported N questions', or every bad row with its number and reason and exits 1. "
        "Word documents are numbered by paragraph."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--bank", required=True, help="slug of the question bank")
        parser.add_argument("--format", choices=sorted(FORMATS), help="default: guessed from the extension")
        parser.add_argument(
            "--operation-type",
            help="operation type code for questions the file gives none, or names one the catalogue cannot match",
        )
        parser.add_argument(
            "--skip-duplicates",
            action="store_true",
            help="leave out (and count) questions repeated in the file or already in the bank",
        )
        parser.add_argument(
            "--import-good-rows",
            action="store_true",
            help="import the rows without errors and list the others (default: one bad row imports nothing)",
        )
        parser.add_argument(
            "--columns",
            help=(
                "roles of spreadsheet columns, over what the header says: 'stem=题目内容,options=题目选项,…' "
                f"(a column by its header, its letter or #index; roles: {', '.join(ROLES)})"
            ),
        )

    def handle(self, *args, path, bank, format=None, operation_type=None, skip_duplicates=False, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"no such file: {path}")
        columns = parse_columns(options["columns"]) if options.get("columns") else []
        default_type = None
        if operation_type:
            default_type = OperationType.objects.filter(code=operation_type).first()
            if default_type is None:
                raise CommandError(f"unknown operation type: {operation_type}")
        try:
            fmt = format or guess_format(file.name)
            if file.stat().st_size > MAX_FILE_BYTES:
                check_size(file.stat().st_size)  # refuse before reading a huge file into memory
            parsed = read_questions(file.read_bytes(), fmt, columns=columns)
        except FileProblem as problem:
            self.stderr.write(f"{file.name}: {problem}")
            raise SystemExit(1) from problem
        if options["verbosity"] >= 2:
            self._print_layout(parsed.layout, len(parsed.records))
        for notice in parsed.notices:
            self.stderr.write(f"{file.name}:{notice.line}: {notice.message}")
        errors = list(parsed.errors)
        good_rows = options.get("import_good_rows", False)
        if not errors or (good_rows and parsed.records):
            try:
                with transaction.atomic():  # a bank created here goes again if the import fails
                    outcome = import_questions(
                        bank=get_or_create_bank(slug=bank),
                        records=parsed.records,
                        actor=None,
                        default_operation_type=default_type,
                        skip_duplicates=skip_duplicates,
                        skip_bad_rows=good_rows,
                        source=file.name,
                    )
            except ImportRejected as rejected:
                errors = rejected.errors
            else:
                for notice in outcome.notices:
                    self.stderr.write(f"{file.name}:{notice.line}: {notice.message}")
                left_out = sorted([*errors, *outcome.left_out], key=lambda error: error.line)
                for error in left_out:
                    self.stderr.write(f"{file.name}:{error.line}: {error.message}")
                notes = []
                if outcome.skipped:
                    notes.append(f"{outcome.skipped} duplicates skipped")
                if left_out:
                    notes.append(f"{len(left_out)} bad rows left out")
                self.stdout.write(
                    f"imported {outcome.imported} questions" + (f" ({', '.join(notes)})" if notes else "")
                )
                return
        for error in errors:
            self.stderr.write(f"{file.name}:{error.line}: {error.message}")
        self.stderr.write(f"{len(errors)} bad rows; nothing imported")
        raise SystemExit(1)

    def _print_layout(self, layout: dict, records: int) -> None:
        """The detected mapping: which column was read as what, how options and answers are written."""
        if layout.get("columns"):
            self.stdout.write(f"header on row {layout['header_line']}:")
            for column in layout["columns"]:
                chosen = " (chosen)" if column["chosen"] else ""
                self.stdout.write(f"  {column['letter']:>3} {column['header']} -> {column['role']}{chosen}")
        encodings = layout.get("option_encodings") or {}
        if encodings:
            written = ", ".join(f"{ENCODINGS.get(name, name)} ({count})" for name, count in encodings.items())
            self.stdout.write(f"options: {written}")
        writings = layout.get("true_false_writings") or {}
        if writings:
            self.stdout.write(
                f"true/false answers: {', '.join(f'{name} ({count})' for name, count in writings.items())}"
            )
        self.stdout.write(f"questions read: {records}")
