"""Reads of question banks, scoped to the user asking, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet

from exams.catalogue.models import OperationType

from .access import editable_banks_filter, readable_banks_filter
from .importers.records import QuestionImage, QuestionRecord, fingerprint
from .models import Question, QuestionBank, QuestionImport

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def readable_banks(user: User | AnonymousUser) -> QuerySet[QuestionBank]:
    """Banks the user may read, each with its count of current questions (one query)."""
    return (
        QuestionBank.objects.filter(readable_banks_filter(user))
        .select_related("organisation")
        .annotate(current_questions=Count("questions", filter=Q(questions__is_active=True)))
        .order_by("level", "name", "pk")
    )


def editable_banks(user: User | AnonymousUser) -> QuerySet[QuestionBank]:
    return QuestionBank.objects.filter(editable_banks_filter(user)).select_related("organisation").order_by("name")


def readable_questions(user: User | AnonymousUser) -> QuerySet[Question]:
    """Every version of every question in a bank the user may read."""
    return Question.objects.filter(bank__in=QuestionBank.objects.filter(readable_banks_filter(user)))


def editable_questions(user: User | AnonymousUser) -> QuerySet[Question]:
    return Question.objects.filter(bank__in=QuestionBank.objects.filter(editable_banks_filter(user)))


def bank_by_slug(slug: str) -> QuestionBank:
    return QuestionBank.objects.get(slug=slug)


def current_questions(bank: QuestionBank) -> QuerySet[Question]:
    """The drawable version of each question of the bank, oldest first, with operation types."""
    return (
        Question.objects.filter(bank=bank, is_active=True)
        .prefetch_related(Prefetch("operation_types", queryset=OperationType.objects.only("pk", "code")))
        .order_by("pk")
    )


def _image_of(question: Question) -> QuestionImage | None:
    if question.image is None:
        return None
    with question.image.file.open("rb") as handle:
        return QuestionImage(name=PurePath(question.image.file.name).name, data=handle.read())


def question_records(bank: QuestionBank, *, with_images: bool = False) -> list[QuestionRecord]:
    """The bank's current questions as the exporters write them (two queries).

    ``with_images`` also reads each question's picture (for Moodle XML, which embeds them).
    """
    questions = current_questions(bank)
    if with_images:
        questions = questions.select_related("image")
    return [
        QuestionRecord(
            line=number,
            kind=question.kind,
            stem=question.stem,
            options=tuple((option["key"], option["text"]) for option in question.options or []),
            answer=tuple(question.answer),
            explanation=question.explanation,
            knowledge_point=question.knowledge_point,
            difficulty=question.difficulty,
            operation_types=tuple(sorted(operation_type.code for operation_type in question.operation_types.all())),
            image=_image_of(question) if with_images else None,
        )
        for number, question in enumerate(questions, start=1)
    ]


def bank_fingerprints(bank: QuestionBank) -> dict[str, int]:
    """Fingerprint → question id of the bank's current questions (one query)."""
    rows = Question.objects.filter(bank=bank, is_active=True).values_list("pk", "kind", "stem", "options")
    return {fingerprint(kind, stem, [o["text"] for o in options or []]): pk for pk, kind, stem, options in rows}


def question_versions(question: Question) -> QuerySet[Question]:
    """Every version of the question, newest first, with who made it (one query)."""
    return Question.objects.filter(lineage=question.lineage).select_related("created_by").order_by("-version")


def imports_for(user: User | AnonymousUser) -> QuerySet[QuestionImport]:
    return (
        QuestionImport.objects.filter(bank__in=QuestionBank.objects.filter(editable_banks_filter(user)))
        .select_related("bank", "created_by")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class CompositionRow:
    knowledge_point: str
    single: int
    multiple: int
    true_false: int

    @property
    def total(self) -> int:
        return self.single + self.multiple + self.true_false


def bank_composition(bank: QuestionBank) -> list[CompositionRow]:
    """Current questions by knowledge point and kind (one query): what a blueprint can draw."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Question.objects.filter(bank=bank, is_active=True)
        .values_list("knowledge_point", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for point, kind, count in rows:
        counts[point][kind] += count
    return [
        CompositionRow(
            knowledge_point=point,
            single=kinds["single"],
            multiple=kinds["multiple"],
            true_false=kinds["true_false"],
        )
        for point, kinds in sorted(counts.items())
    ]
