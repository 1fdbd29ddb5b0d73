"""Every change to a question bank goes through here.

Banks are changed all or nothing: an import checks every record first and writes
nothing if one is bad; an edit makes a new version of the question (the old one is
kept for history and is no longer drawn), so attempts, which hold their own snapshot
of the questions, never change. Lock order: bank, then question rows. A service given
an ``actor`` checks that the actor may edit the bank; ``actor=None`` is the system
(management commands).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from accounts.audit import record_event
from accounts.on_commit import queue_task
from exams.catalogue.models import OperationType, Subject
from exams.catalogue.services import subject_of
from exams.errors import BankError, ImportRejected

from .access import can_edit_bank
from .importers import FileProblem, ParseResult, read_questions
from .importers.operation_types import Catalogue, CatalogueEntry, TypeMatch, match_operation_type
from .importers.records import QuestionRecord, RowError, RowProblem, answer_label, build_record, group_notices
from .models import Question, QuestionBank, QuestionImport
from .selectors import bank_fingerprints
from .tasks import run_question_import_task

if TYPE_CHECKING:
    from accounts.models import Organisation, User

#: Questions written per INSERT; progress is reported after each batch.
BATCH_SIZE = 1000


@dataclass
class ImportPlan:
    """What an import would do: the records to create with their operation types, and why not."""

    create: list[tuple[QuestionRecord, list[int]]] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: Operation types matched loosely or given by the default: one notice per kind of match.
    notices: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    skipped: int
    #: With ``skip_bad_rows``: the rows left out, each with its reason.
    left_out: list[RowError] = field(default_factory=list)
    notices: list[RowError] = field(default_factory=list)


def _require_editor(actor: User | None, bank: QuestionBank) -> None:
    if actor is not None and not can_edit_bank(actor, bank):
        raise PermissionDenied(_("只能修改本机构的题库。"))


def _catalogue() -> Catalogue:
    """The operation catalogue indexed for matching (one query)."""
    return Catalogue.of(
        CatalogueEntry(pk, code, name) for pk, code, name in OperationType.objects.values_list("pk", "code", "name")
    )


def _duplicate_message(record: QuestionRecord, first: QuestionRecord) -> str:
    if record.answer != first.answer:
        return _("与第 %(line)s 行的试题重复，且答案不同（第 %(line)s 行为 %(first)s，本行为 %(this)s）。") % {
            "line": first.line,
            "first": answer_label(first),
            "this": answer_label(record),
        }
    return _("与第 %(line)s 行的试题重复。") % {"line": first.line}


def plan_import(
    *,
    bank: QuestionBank,
    records: Sequence[QuestionRecord],
    default_operation_type: OperationType | None = None,
    skip_duplicates: bool = False,
) -> ImportPlan:
    """Check records against the catalogue and the bank without writing anything.

    Operation types are matched by ``match_operation_type`` (loose matches become
    notices); a value nothing matches takes the default operation type with a notice,
    or is an error without one. Duplicates, in the file or against the bank's current
    questions, are errors unless ``skip_duplicates`` is set: then they are skipped.
    """
    plan = ImportPlan()
    catalogue = _catalogue()
    existing = bank_fingerprints(bank)
    first: dict[str, QuestionRecord] = {}
    repeats: list[QuestionRecord | None] = []  # per record: the earlier record it repeats (lines may repeat in XML)
    for record in records:
        repeats.append(first.get(record.fingerprint))
        first.setdefault(record.fingerprint, record)
    notices: list[RowError] = []
    matches: dict[str, TypeMatch | None] = {}  # a bank writes the same few names on every row
    for record, repeated in zip(records, repeats, strict=True):
        type_ids: set[int] = set()
        unknown = []
        for value in record.operation_types:
            if value not in matches:
                matches[value] = match_operation_type(value, catalogue)
            match = matches[value]
            if match is None:
                unknown.append(value)
                continue
            type_ids.add(match.entry.pk)
            if match.notice:
                notices.append(RowError(record.line, match.notice))
        if unknown and default_operation_type is None:
            plan.errors.append(
                RowError(
                    record.line,
                    _("操作项目“%(names)s”不在目录中，请填写操作项目代码或名称，或指定默认操作项目。")
                    % {"names": "、".join(unknown)},
                )
            )
            continue
        if unknown and default_operation_type is not None:
            notices.append(
                RowError(
                    record.line,
                    _("操作项目“%(names)s”不在目录中，按默认操作项目“%(name)s（%(code)s）”导入。")
                    % {
                        "names": "、".join(unknown),
                        "name": default_operation_type.name,
                        "code": default_operation_type.code,
                    },
                )
            )
            type_ids.add(default_operation_type.pk)
        if not type_ids:
            if default_operation_type is None:
                plan.errors.append(RowError(record.line, _("没有填写操作项目，也没有指定默认操作项目。")))
                continue
            type_ids.add(default_operation_type.pk)
        duplicate: RowError | None = None
        if repeated is not None:
            duplicate = RowError(record.line, _duplicate_message(record, repeated))
        elif record.fingerprint in existing:
            duplicate = RowError(
                record.line, _("题库中已有相同的试题（编号 %(id)s）。") % {"id": existing[record.fingerprint]}
            )
        if duplicate is not None:
            (plan.skipped if skip_duplicates else plan.errors).append(duplicate)
            continue
        plan.create.append((record, sorted(type_ids)))
    plan.errors.sort(key=lambda error: error.line)
    plan.notices = group_notices(notices)
    return plan


def _question_from(record: QuestionRecord, bank: QuestionBank, actor: User | None) -> Question:
    return Question(
        bank=bank,
        kind=record.kind,
        stem=record.stem,
        options=[{"key": key, "text": text} for key, text in record.options],
        answer=list(record.answer),
        explanation=record.explanation,
        knowledge_point=record.knowledge_point,
        difficulty=record.difficulty,
        lineage=uuid.uuid4(),
        created_by=actor if actor is not None and actor.pk else None,
    )


def import_questions(
    *,
    bank: QuestionBank,
    records: Sequence[QuestionRecord],
    actor: User | None,
    default_operation_type: OperationType | None = None,
    skip_duplicates: bool = False,
    skip_bad_rows: bool = False,
    source: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Store every record in the bank, or none: ImportRejected lists each bad record.

    ``skip_bad_rows`` (the user's "import the good rows") stores the good records and
    returns the bad ones as ``left_out`` instead. The bank row is locked for the whole
    import, so two imports into one bank run one after the other and the duplicate check
    sees what the first one wrote.
    """
    _require_editor(actor, bank)
    through = Question.operation_types.through
    with transaction.atomic():
        QuestionBank.objects.select_for_update().get(pk=bank.pk)
        plan = plan_import(
            bank=bank, records=records, default_operation_type=default_operation_type, skip_duplicates=skip_duplicates
        )
        if plan.errors and not skip_bad_rows:
            raise ImportRejected(plan.errors)
        total = len(plan.create)
        for start in range(0, total, BATCH_SIZE):
            batch = plan.create[start : start + BATCH_SIZE]
            questions = Question.objects.bulk_create([_question_from(record, bank, actor) for record, _ids in batch])
            through.objects.bulk_create(
                [
                    through(question_id=question.pk, operationtype_id=type_id)
                    for question, (_record, type_ids) in zip(questions, batch, strict=True)
                    for type_id in type_ids
                ]
            )
            subject_ids = subject_ids_of_types({type_id for _record, type_ids in batch for type_id in type_ids})
            Question.subjects.through.objects.bulk_create(
                [
                    Question.subjects.through(question_id=question.pk, subject_id=subject_ids[type_id])
                    for question, (_record, type_ids) in zip(questions, batch, strict=True)
                    for type_id in set(type_ids)
                ]
            )
            _attach_images(questions, [record for record, _ids in batch])
            if on_progress is not None:
                on_progress(start + len(batch), total)
        record_event(
            actor=actor,
            action="exams.question_bank.imported",
            obj=bank,
            data={"imported": total, "skipped": len(plan.skipped), "left_out": len(plan.errors), "source": source},
        )
    return ImportOutcome(imported=total, skipped=len(plan.skipped), left_out=plan.errors, notices=plan.notices)


def _attach_images(questions: Sequence[Question], records: Sequence[QuestionRecord]) -> None:
    """Store the pictures that came inside the file as Wagtail images of their questions."""
    Image = get_image_model()
    changed = []
    for question, record in zip(questions, records, strict=True):
        if record.image is None:
            continue
        image = Image(
            title=_("试题图片：%(stem)s") % {"stem": record.stem[:40]},
            file=ImageFile(io.BytesIO(record.image.data), name=record.image.name),
        )
        image.save()
        question.image = image
        changed.append(question)
    if changed:
        Question.objects.bulk_update(changed, ["image"])


def get_or_create_bank(*, slug: str, actor: User | None = None) -> QuestionBank:
    """The bank with this slug; a new bank (named by its slug) when there is none."""
    bank, created = QuestionBank.objects.get_or_create(slug=slug, defaults={"name": slug})
    if created:
        record_event(actor=actor, action="exams.question_bank.created", obj=bank, data={"slug": slug})
    return bank


@dataclass(frozen=True)
class ExportedFile:
    data: bytes
    questions: int
    #: Questions the format cannot express (true/false in Aiken).
    left_out: int = 0


def export_bank(*, bank: QuestionBank, fmt: str, actor: User | None) -> ExportedFile:
    """The bank's current questions as a file; audited, since a bank is exam content.

    The caller checks that the actor may read the bank.
    """
    from .importers import FORMATS, aiken, write_questions
    from .selectors import question_records

    records = question_records(bank, with_images=FORMATS[fmt].carries_images)
    left_out = 0
    if fmt == "aiken":
        data, left_out = aiken.write(records)
    else:
        data = write_questions(records, fmt)
    record_event(
        actor=actor,
        action="exams.question_bank.exported",
        obj=bank,
        data={"format": fmt, "questions": len(records) - left_out},
    )
    return ExportedFile(data=data, questions=len(records) - left_out, left_out=left_out)


# --- Single questions: create, revise (a new version), retire -------------------------------

_CONTENT_FIELDS = ("kind", "stem", "options", "answer", "explanation", "knowledge_point", "difficulty", "image_id")


def _checked_content(data: Mapping[str, Any]) -> dict[str, Any]:
    """The question's content after the import rules: the same rules for every way in."""
    options = tuple((str(option["key"]), str(option["text"])) for option in data.get("options") or [])
    try:
        record = build_record(
            0,
            kind=data["kind"],
            stem=data["stem"],
            options=options,
            answer="".join(data.get("answer") or []),
            explanation=data.get("explanation", ""),
            knowledge_point=data.get("knowledge_point", ""),
            difficulty=data.get("difficulty", ""),
        )
    except RowProblem as problem:
        raise BankError(str(problem), code="invalid_question") from problem
    return {
        "kind": record.kind,
        "stem": record.stem,
        "options": [{"key": key, "text": text} for key, text in record.options],
        "answer": list(record.answer),
        "explanation": record.explanation,
        "knowledge_point": record.knowledge_point,
        "difficulty": record.difficulty,
        "image_id": data.get("image_id"),
    }


def _type_ids(operation_types: Iterable[OperationType | int]) -> list[int]:
    ids = sorted({item if isinstance(item, int) else item.pk for item in operation_types})
    if not ids:
        raise BankError(_("至少选择一个操作项目。"), code="no_operation_type")
    return ids


def create_question(
    *, bank: QuestionBank, actor: User | None, operation_types: Iterable[OperationType | int], **content: Any
) -> Question:
    """A new question (version 1); refused when the bank already has the same question."""
    _require_editor(actor, bank)
    checked = _checked_content(content)
    type_ids = _type_ids(operation_types)
    with transaction.atomic():
        QuestionBank.objects.select_for_update().get(pk=bank.pk)
        record = QuestionRecord(
            line=0,
            kind=checked["kind"],
            stem=checked["stem"],
            options=tuple((o["key"], o["text"]) for o in checked["options"]),
            answer=tuple(checked["answer"]),
        )
        existing = bank_fingerprints(bank).get(record.fingerprint)
        if existing is not None:
            raise BankError(_("题库中已有相同的试题（编号 %(id)s）。") % {"id": existing}, code="duplicate")
        question = Question.objects.create(
            bank=bank, lineage=uuid.uuid4(), created_by=actor if actor and actor.pk else None, **checked
        )
        question.operation_types.set(type_ids)
        question.subjects.set(subject_ids_of_types(set(type_ids)).values())
        record_event(actor=actor, action="exams.question.created", obj=question, data={"bank": bank.pk})
    return question


def revise_question(
    *,
    question: Question,
    actor: User | None,
    operation_types: Iterable[OperationType | int] | None = None,
    **changes: Any,
) -> Question:
    """Save an edit as a new version; the old version is kept and no longer drawn.

    Returns the current version unchanged when the edit changes nothing (so repeating a
    call is safe). An edit based on an older version than the current one is refused,
    so one editor never silently overwrites another.
    """
    _require_editor(actor, question.bank)
    with transaction.atomic():
        QuestionBank.objects.select_for_update().get(pk=question.bank_id)
        current = Question.objects.select_for_update().filter(lineage=question.lineage, is_active=True).first()
        if current is None:
            raise BankError(_("该试题已停用，不能修改。"), code="retired")
        base = {name: getattr(current, name) for name in _CONTENT_FIELDS}
        checked = _checked_content({**base, **changes})
        old_type_ids = sorted(current.operation_types.values_list("pk", flat=True))
        type_ids = _type_ids(operation_types) if operation_types is not None else old_type_ids
        if checked == base and type_ids == old_type_ids:
            return current
        if current.pk != question.pk:
            raise BankError(
                _("该试题已有更新的版本（第 %(version)s 版），请在最新版本上修改。") % {"version": current.version},
                code="stale_version",
            )
        current.is_active = False
        current.save(update_fields=["is_active"])
        revised = Question.objects.create(
            bank_id=current.bank_id,
            lineage=current.lineage,
            version=current.version + 1,
            created_by=actor if actor and actor.pk else None,
            **checked,
        )
        revised.operation_types.set(type_ids)
        revised.subjects.set(
            [*subject_ids_of_types(set(type_ids)).values(), *current.subjects.filter(operation_type__isnull=True)]
        )
        record_event(
            actor=actor,
            action="exams.question.revised",
            obj=revised,
            data={"previous": current.pk, "version": revised.version},
        )
    return revised


def retire_question(*, question: Question, actor: User | None, reason: str) -> Question:
    """Stop drawing a question (e.g. after item statistics showed it is faulty); safe to repeat."""
    _require_editor(actor, question.bank)
    reason = reason.strip()
    if not reason:
        raise BankError(_("请填写停用原因。"), code="reason_required")
    with transaction.atomic():
        QuestionBank.objects.select_for_update().get(pk=question.bank_id)
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if locked.retired_at is not None:
            return locked
        if not locked.is_active:
            raise BankError(_("只能停用试题的当前版本。"), code="not_current")
        locked.is_active = False
        locked.retired_at = timezone.now()
        locked.retired_reason = reason[:200]
        locked.save(update_fields=["is_active", "retired_at", "retired_reason"])
        record_event(actor=actor, action="exams.question.retired", obj=locked, data={"reason": locked.retired_reason})
    return locked


def reinstate_question(*, question: Question, actor: User | None) -> Question:
    """Draw a retired question again (a retirement made by mistake); safe to repeat."""
    _require_editor(actor, question.bank)
    with transaction.atomic():
        QuestionBank.objects.select_for_update().get(pk=question.bank_id)
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if locked.is_active:
            return locked
        if locked.retired_at is None:
            raise BankError(_("该版本已被新版本取代，不能恢复。"), code="superseded")
        locked.is_active = True
        locked.retired_at = None
        locked.retired_reason = ""
        locked.save(update_fields=["is_active", "retired_at", "retired_reason"])
        record_event(actor=actor, action="exams.question.reinstated", obj=locked)
    return locked


# --- Imports through the admin: check, confirm, run in a task --------------------------------

#: How many parsed questions the preview page shows.
PREVIEW_ROWS = 10


def _progress_key(import_id: int) -> str:
    return f"exams:question-import:{import_id}:progress"


def import_progress(question_import: QuestionImport) -> int:
    """How many questions the running import has written so far (kept in the cache)."""
    if question_import.status == QuestionImport.Status.DONE:
        return question_import.imported
    return int(cache.get(_progress_key(question_import.pk)) or 0)


def _preview_row(record: QuestionRecord) -> dict[str, Any]:
    return {
        "line": record.line,
        "kind": record.kind,
        "stem": record.stem,
        "options": [f"{key}. {text}" for key, text in record.options],
        "answer": "".join(record.answer),
        "operation_types": list(record.operation_types),
        "knowledge_point": record.knowledge_point,
        "difficulty": record.difficulty,
        "explanation": record.explanation[:200],
        "image": record.image.name if record.image else "",
    }


#: A cell of a bad row kept for the errors workbook is cut to this many characters, and
#: the cells kept for one import stop at a budget (a hostile file could repeat one long
#: shared string on every row); rows past it keep their number and reason only.
MAX_KEPT_CELL = 2_000
MAX_KEPT_CHARACTERS = 5_000_000


def stored_errors(errors: Sequence[RowError], sources: Mapping[int, list[str]]) -> list[dict[str, Any]]:
    """Errors as stored: each with the bad row's own cells, for the workbook of errors."""
    kept = 0
    stored = []
    for error in errors:
        cells = [cell[:MAX_KEPT_CELL] for cell in sources.get(error.line, [])]
        kept += sum(len(cell) for cell in cells)
        stored.append({**error.as_dict(), "cells": cells if kept <= MAX_KEPT_CHARACTERS else []})
    return stored


@dataclass
class _Checked:
    records: list[QuestionRecord]
    errors: list[RowError]
    notices: list[RowError]
    plan: ImportPlan | None
    parsed: ParseResult | None


def _check_file(question_import: QuestionImport) -> _Checked:
    """Read the kept file with the import's column choices and check it against the bank."""
    with question_import.file.open("rb") as handle:
        data = handle.read()
    try:
        parsed = read_questions(data, question_import.format, columns=[tuple(pair) for pair in question_import.columns])
    except FileProblem as problem:
        return _Checked([], [RowError(0, str(problem))], [], None, None)
    plan = plan_import(
        bank=question_import.bank,
        records=parsed.records,
        default_operation_type=question_import.default_operation_type,
        skip_duplicates=question_import.skip_duplicates,
    )
    errors = sorted([*parsed.errors, *plan.errors], key=lambda error: error.line)
    notices = sorted([*parsed.notices, *plan.notices], key=lambda notice: notice.line)
    return _Checked(parsed.records, errors, notices, plan, parsed)


def _apply_check(question_import: QuestionImport) -> None:
    """Fill in what the preview shows: the layout, every error and notice, the first rows."""
    checked = _check_file(question_import)
    parsed = checked.parsed
    unreadable = {error.line for error in parsed.errors if error.line} if parsed else set()
    question_import.total = len(checked.records) + len(unreadable)
    question_import.importable = len(checked.plan.create) if checked.plan else 0
    question_import.skipped = len(checked.plan.skipped) if checked.plan else 0
    question_import.errors = stored_errors(checked.errors, parsed.sources if parsed else {})
    question_import.notices = [notice.as_dict() for notice in checked.notices]
    question_import.layout = {**(parsed.layout if parsed else {}), "source_header": parsed.header if parsed else []}
    question_import.preview = [_preview_row(record) for record in checked.records[:PREVIEW_ROWS]]
    question_import.status = QuestionImport.Status.INVALID if checked.errors else QuestionImport.Status.CHECKED


def check_question_import(
    *,
    bank: QuestionBank,
    actor: User,
    upload: File,
    fmt: str,
    default_operation_type: OperationType | None = None,
    skip_duplicates: bool = False,
    columns: Sequence[tuple[str, str]] = (),
) -> QuestionImport:
    """Keep an uploaded file and check all of it; nothing goes into the bank yet.

    The result (status CHECKED or INVALID, the recognised layout, every error and
    notice, the first rows) is what the preview page shows; the user may then check it
    again with other column roles (``recheck_question_import``), confirm it
    (``confirm_question_import``) or discard it.
    """
    _require_editor(actor, bank)
    question_import = QuestionImport(
        bank=bank,
        original_name=upload.name or "",
        format=fmt,
        default_operation_type=default_operation_type,
        skip_duplicates=skip_duplicates,
        columns=[list(pair) for pair in columns],
        created_by=actor,
    )
    question_import.file.save(upload.name or f"questions.{fmt}", upload, save=False)
    _apply_check(question_import)
    with transaction.atomic():
        question_import.save()
        record_event(
            actor=actor,
            action="exams.question_import.checked",
            obj=question_import,
            data={"bank": bank.pk, "file": question_import.original_name, "errors": len(question_import.errors)},
        )
    return question_import


_OPEN = (QuestionImport.Status.CHECKED, QuestionImport.Status.INVALID)


def recheck_question_import(
    *,
    question_import: QuestionImport,
    actor: User,
    columns: Sequence[tuple[str, str]],
    skip_duplicates: bool,
    default_operation_type: OperationType | None,
) -> QuestionImport:
    """Check the kept file again with other column roles or options (the preview's 重新检查)."""
    _require_editor(actor, question_import.bank)
    with transaction.atomic():
        locked = QuestionImport.objects.select_for_update().select_related("bank").get(pk=question_import.pk)
        if locked.status not in _OPEN or not locked.file:
            raise BankError(_("这次导入已确认或已放弃，不能再修改，请重新上传文件。"), code="import_closed")
        locked.columns = [list(pair) for pair in columns]
        locked.skip_duplicates = skip_duplicates
        locked.default_operation_type = default_operation_type
        _apply_check(locked)
        locked.save(
            update_fields=[
                "columns", "skip_duplicates", "default_operation_type", "total", "importable", "skipped",
                "errors", "notices", "layout", "preview", "status",
            ]
        )  # fmt: skip
        record_event(
            actor=actor,
            action="exams.question_import.rechecked",
            obj=locked,
            data={"columns": locked.columns, "errors": len(locked.errors), "skip_duplicates": skip_duplicates},
        )
    return locked


def confirm_question_import(
    *, question_import: QuestionImport, actor: User, good_rows_only: bool = False
) -> QuestionImport:
    """Queue a checked import (a Celery task, after commit); repeating it queues nothing more.

    A file with bad rows is imported only when the user chose ``good_rows_only``; then
    the bad rows are left out and listed (and downloadable) afterwards.
    """
    _require_editor(actor, question_import.bank)
    with transaction.atomic():
        locked = QuestionImport.objects.select_for_update().get(pk=question_import.pk)
        if locked.status not in _OPEN:
            return locked
        if locked.status == QuestionImport.Status.INVALID and not (good_rows_only and locked.importable):
            raise BankError(_("文件中有错误：请改正后重新上传，或选择“只导入无误的行”。"), code="import_has_errors")
        locked.status = QuestionImport.Status.QUEUED
        locked.good_rows_only = good_rows_only and bool(locked.errors)
        locked.save(update_fields=["status", "good_rows_only"])
        record_event(
            actor=actor,
            action="exams.question_import.confirmed",
            obj=locked,
            data={"total": locked.total, "good_rows_only": locked.good_rows_only},
        )
        queue_task(run_question_import_task, locked.pk)
    return locked


def discard_question_import(*, question_import: QuestionImport, actor: User) -> QuestionImport:
    """Give up a checked import: the kept file is deleted at once. Safe to repeat."""
    _require_editor(actor, question_import.bank)
    with transaction.atomic():
        locked = QuestionImport.objects.select_for_update().get(pk=question_import.pk)
        if locked.status not in _OPEN:
            return locked
        stored = locked.file.name
        locked.status = QuestionImport.Status.DISCARDED
        locked.file = ""
        locked.save(update_fields=["status", "file"])
        record_event(actor=actor, action="exams.question_import.discarded", obj=locked)
        if stored:
            transaction.on_commit(lambda: locked.file.storage.delete(stored))
    return locked


#: A preview nobody confirmed or discarded is discarded after this long (its file is exam content).
OPEN_IMPORT_LIFETIME = timedelta(days=1)


def discard_stale_question_imports(*, now: datetime | None = None) -> int:
    """Discard previews left open longer than OPEN_IMPORT_LIFETIME, deleting their files;
    the nightly task calls this. Returns how many were discarded."""
    cutoff = (now or timezone.now()) - OPEN_IMPORT_LIFETIME
    discarded = 0
    for pk in QuestionImport.objects.filter(status__in=_OPEN, created_at__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            locked = QuestionImport.objects.select_for_update().filter(pk=pk, status__in=_OPEN).first()
            if locked is None:
                continue
            stored = locked.file.name
            locked.status = QuestionImport.Status.DISCARDED
            locked.file = ""
            locked.save(update_fields=["status", "file"])
            record_event(actor=None, action="exams.question_import.discarded", obj=locked, data={"stale": True})
            if stored:
                transaction.on_commit(partial(locked.file.storage.delete, stored))
            discarded += 1
    return discarded


def run_question_import(*, import_id: int) -> QuestionImport:
    """Import a confirmed file into its bank; the task calls this. Safe to run again.

    The import and the DONE status commit together, so a worker killed half-way leaves
    nothing behind and the redelivered task starts over.
    """
    with transaction.atomic():
        question_import = QuestionImport.objects.select_for_update().select_related("bank").get(pk=import_id)
        if question_import.status not in (QuestionImport.Status.QUEUED, QuestionImport.Status.RUNNING):
            return question_import
        question_import.status = QuestionImport.Status.RUNNING
        question_import.save(update_fields=["status"])
    cache.set(_progress_key(import_id), 0, timeout=3600)
    with question_import.file.open("rb") as handle:
        data = handle.read()
    parse_errors: list[RowError] = []
    records: list[QuestionRecord] = []
    sources: dict[int, list[str]] = {}
    try:
        parsed = read_questions(data, question_import.format, columns=[tuple(pair) for pair in question_import.columns])
    except FileProblem as problem:
        parse_errors = [RowError(0, str(problem))]
    else:
        records, parse_errors, sources = parsed.records, parsed.errors, parsed.sources

    def progress(done: int, total: int) -> None:
        cache.set(_progress_key(import_id), done, timeout=3600)

    with transaction.atomic():
        locked = QuestionImport.objects.select_for_update().select_related("bank").get(pk=import_id)
        if locked.status != QuestionImport.Status.RUNNING:
            return locked
        outcome = None
        errors: list[RowError] = parse_errors
        if not errors or (locked.good_rows_only and records):
            try:
                with transaction.atomic():
                    outcome = import_questions(
                        bank=locked.bank,
                        records=records,
                        actor=locked.created_by,
                        default_operation_type=locked.default_operation_type,
                        skip_duplicates=locked.skip_duplicates,
                        skip_bad_rows=locked.good_rows_only,
                        source=locked.original_name,
                        on_progress=progress,
                    )
            except ImportRejected as rejected:
                errors = rejected.errors
            except PermissionDenied as denied:
                errors = [RowError(0, str(denied))]
        if outcome is not None:
            left_out = sorted([*parse_errors, *outcome.left_out], key=lambda error: error.line)
            locked.status = QuestionImport.Status.DONE
            locked.imported, locked.skipped, locked.left_out = outcome.imported, outcome.skipped, len(left_out)
            locked.errors = stored_errors(left_out, sources)
        else:
            locked.status = QuestionImport.Status.FAILED
            locked.errors = stored_errors(errors, sources)
        locked.finished_at = timezone.now()
        stored = locked.file.name
        locked.file = ""
        locked.save(update_fields=["status", "imported", "skipped", "left_out", "errors", "finished_at", "file"])
        transaction.on_commit(lambda: locked.file.storage.delete(stored))
    return locked


def create_organisation_bank(*, organisation: Organisation, actor: User) -> QuestionBank:
    """The organisation's own bank, created on first use (one per organisation here)."""
    from .access import bank_scope, is_bank_administrator

    own, _above = bank_scope(actor)
    if not is_bank_administrator(actor) and organisation.pk not in own:
        raise PermissionDenied(_("只能为本机构创建题库。"))
    with transaction.atomic():
        bank = QuestionBank.objects.filter(organisation=organisation, level=_level_for(organisation)).first()
        if bank is not None:
            return bank
        bank = QuestionBank.objects.create(
            slug=f"org-{organisation.code}"[:64],
            name=_("%(organisation)s题库") % {"organisation": organisation.name},
            level=_level_for(organisation),
            organisation=organisation,
        )
        record_event(
            actor=actor, action="exams.question_bank.created", obj=bank, data={"organisation": organisation.pk}
        )
    return bank


def _level_for(organisation: Organisation) -> str:
    if organisation.kind == organisation.Kind.AUTHORITY:
        return QuestionBank.Level.PROVINCIAL
    return QuestionBank.Level.ORGANISATION


def subject_ids_of_types(type_ids: set[int]) -> dict[int, int]:
    """The subject of each operation type, by type id (one query; a type without a subject
    yet gets one): questions of an operation type also examine its subject."""
    found = dict(Subject.objects.filter(operation_type_id__in=type_ids).values_list("operation_type_id", "pk"))
    for operation_type in OperationType.objects.filter(pk__in=set(type_ids) - set(found)):
        found[operation_type.pk] = subject_of(operation_type).pk
    return found
