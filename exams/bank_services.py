"""Every change to a question bank goes through here.

Banks are changed all or nothing: an import checks every record first and writes
nothing if one is bad; an edit makes a new version of the question (the old one is
kept for history and is no longer drawn), so attempts, which hold their own snapshot
of the questions, never change. Lock order: bank, then question rows. A service given
an ``actor`` checks that the actor may edit the bank; ``actor=None`` is the system
(management commands).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event

from .bank_access import can_edit_bank
from .bank_selectors import bank_fingerprints
from .importers.records import QuestionRecord, RowError, RowProblem, build_record, find_duplicates_in_file
from .models import OperationType, Question, QuestionBank

if TYPE_CHECKING:
    from accounts.models import User

#: Questions written per INSERT; progress is reported after each batch.
BATCH_SIZE = 1000


class BankError(ValidationError):
    """A change the bank refuses; the message is shown to users as it is."""


class ImportRejected(BankError):
    """The file has bad records: nothing was imported. ``errors`` lists every one."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__([_("第 %(line)s 行：%(message)s") % error.as_dict() for error in self.errors])


@dataclass
class ImportPlan:
    """What an import would do: the records to create with their operation types, and why not."""

    create: list[tuple[QuestionRecord, list[int]]] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    skipped: int


def _require_editor(actor: User | None, bank: QuestionBank) -> None:
    if actor is not None and not can_edit_bank(actor, bank):
        raise PermissionDenied(_("只能修改本机构的题库。"))


def _operation_type_lookup() -> dict[str, int]:
    """Operation types by code and by name (one query over the catalogue)."""
    lookup: dict[str, int] = {}
    for pk, code, name in OperationType.objects.values_list("pk", "code", "name"):
        lookup[code] = pk
        lookup[name] = pk
    return lookup


def plan_import(
    *,
    bank: QuestionBank,
    records: Sequence[QuestionRecord],
    default_operation_type: OperationType | None = None,
    skip_duplicates: bool = False,
) -> ImportPlan:
    """Check records against the catalogue and the bank without writing anything.

    Duplicates, in the file or against the bank's current questions, are errors unless
    ``skip_duplicates`` is set, in which case they are listed as skipped.
    """
    plan = ImportPlan()
    lookup = _operation_type_lookup()
    existing = bank_fingerprints(bank)
    in_file = {error.line: error for error in find_duplicates_in_file(records)}
    for record in records:
        if record.operation_types:
            unknown = [name for name in record.operation_types if name not in lookup]
            if unknown:
                plan.errors.append(
                    RowError(
                        record.line,
                        _("操作项目“%(names)s”不在目录中，请填写操作项目代码或名称。") % {"names": "、".join(unknown)},
                    )
                )
                continue
            type_ids = sorted({lookup[name] for name in record.operation_types})
        elif default_operation_type is not None:
            type_ids = [default_operation_type.pk]
        else:
            plan.errors.append(RowError(record.line, _("没有填写操作项目，也没有指定默认操作项目。")))
            continue
        duplicate: RowError | None = in_file.get(record.line)
        if duplicate is None and record.fingerprint in existing:
            duplicate = RowError(
                record.line, _("题库中已有相同的试题（编号 %(id)s）。") % {"id": existing[record.fingerprint]}
            )
        if duplicate is not None:
            (plan.skipped if skip_duplicates else plan.errors).append(duplicate)
            continue
        plan.create.append((record, type_ids))
    plan.errors.sort(key=lambda error: error.line)
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
    source: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportOutcome:
    """Store every record in the bank, or none: ImportRejected lists each bad record.

    The bank row is locked for the whole import, so two imports into one bank run one
    after the other and the duplicate check sees what the first one wrote.
    """
    _require_editor(actor, bank)
    through = Question.operation_types.through
    with transaction.atomic():
        QuestionBank.objects.select_for_update().get(pk=bank.pk)
        plan = plan_import(
            bank=bank, records=records, default_operation_type=default_operation_type, skip_duplicates=skip_duplicates
        )
        if plan.errors:
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
            if on_progress is not None:
                on_progress(start + len(batch), total)
        record_event(
            actor=actor,
            action="exams.questions.imported",
            obj=bank,
            data={"imported": total, "skipped": len(plan.skipped), "source": source},
        )
    return ImportOutcome(imported=total, skipped=len(plan.skipped))


def get_or_create_bank(*, slug: str, actor: User | None = None) -> QuestionBank:
    """The bank with this slug; a new bank (named by its slug) when there is none."""
    bank, created = QuestionBank.objects.get_or_create(slug=slug, defaults={"name": slug})
    if created:
        record_event(actor=actor, action="exams.bank.created", obj=bank, data={"slug": slug})
    return bank


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
