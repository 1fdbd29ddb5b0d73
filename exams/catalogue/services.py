"""The operation catalogue (特种作业目录), kept as editable data seeded from a file.

``exams/catalogue/data/catalogue.json`` ships with the code; the project never reads anything
outside itself at run time. Loading it again is safe: rows are matched by code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from accounts.models import Organisation

from .models import AuthorityScope, Industry, OperationCategory, OperationType, QualificationKind, Subject
from .rules import AuthorityScope as AuthorityScopeRule
from .rules import authority_examines

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.json"
#: The three-post subjects (principal leaders and safety managers per industry), with sources.
THREE_POSTS_PATH = Path(__file__).resolve().parent / "data" / "three_posts.json"
#: Category whose operation types need senior-middle school or equivalent.
HAZARDOUS_CHEMICALS_CATEGORY = "09"


@dataclass(frozen=True)
class CatalogueLoad:
    categories: int
    operation_types: int
    subjects: int = 0


def read_catalogue(path: Path = CATALOGUE_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


#: The kinds of qualification, as data; their rules are code (chosen by the code).
KINDS = {
    QualificationKind.Code.SPECIAL_OPERATION: (
        "特种作业操作证",
        "特种作业人员安全技术培训考核管理规定（原国家安全生产监督管理总局令第30号）",
    ),
    QualificationKind.Code.MANAGEMENT: (
        "安全生产知识和管理能力考核合格证",
        "生产经营单位安全培训规定（原国家安全生产监督管理总局令第3号）；中华人民共和国安全生产法第二十七条",
    ),
}


@transaction.atomic
def load_catalogue(*, path: Path = CATALOGUE_PATH, three_posts_path: Path = THREE_POSTS_PATH) -> CatalogueLoad:
    """Upsert categories, operation types, the qualification kinds and every subject by code.

    Each operation type is the subject of a special-operations certificate; each post in
    each industry of the three-post file is the subject of a management certificate.

    The shipped practical rubrics are seeded by exams.practical.rubrics.seed_rubrics,
    which the ``load_catalogue`` command and seed_demo run next.
    """
    data = read_catalogue(path)
    type_count = 0
    for category_data in data["categories"]:
        category, _ = OperationCategory.objects.update_or_create(
            code=category_data["code"],
            defaults={"name": category_data["name"], "name_en": category_data.get("en", "")},
        )
        senior_middle = (
            category.code == HAZARDOUS_CHEMICALS_CATEGORY or category_data.get("min_education") == "senior_middle"
        )
        for item in category_data["items"]:
            OperationType.objects.update_or_create(
                code=item["code"],
                defaults={
                    "category": category,
                    "name": item["name"],
                    "name_en": item.get("en", ""),
                    "requires_senior_middle": senior_middle,
                },
            )
            type_count += 1
    subjects = _load_subjects(json.loads(three_posts_path.read_text(encoding="utf-8")))
    return CatalogueLoad(categories=len(data["categories"]), operation_types=type_count, subjects=subjects)


def _load_subjects(three_posts: dict) -> int:
    kinds = {
        code: QualificationKind.objects.update_or_create(code=code, defaults={"name": name, "legal_basis": basis})[0]
        for code, (name, basis) in KINDS.items()
    }
    count = 0
    for operation_type in OperationType.objects.all():
        Subject.objects.update_or_create(
            operation_type=operation_type,
            defaults={
                "code": operation_type.code,
                "kind": kinds[QualificationKind.Code.SPECIAL_OPERATION],
                "name": operation_type.name,
            },
        )
        count += 1
    for item in three_posts["industries"]:
        industry, _ = Industry.objects.update_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "name_en": item.get("en", ""),
                "high_risk": item["high_risk"],
                "examined_by": item["examined_by"],
            },
        )
        for post in three_posts["posts"]:
            Subject.objects.update_or_create(
                post=post["code"],
                industry=industry,
                defaults={
                    "code": f"{industry.code}.{post['code']}",
                    "kind": kinds[QualificationKind.Code.MANAGEMENT],
                    "name": f"{item['name']}{item['unit']}{post['name']}",
                },
            )
            count += 1
    return count


def subject_of(operation_type: OperationType) -> Subject:
    """The subject of the special-operations certificate for ``operation_type``.

    load_catalogue makes one for every type; a type added later (in the admin, or by a
    regional authority) gets its subject here the first time one is needed.
    """
    subject = Subject.objects.filter(operation_type=operation_type).select_related("kind").first()
    if subject is not None:
        return subject
    kind, _ = QualificationKind.objects.get_or_create(
        code=QualificationKind.Code.SPECIAL_OPERATION,
        defaults={
            "name": KINDS[QualificationKind.Code.SPECIAL_OPERATION][0],
            "legal_basis": KINDS[QualificationKind.Code.SPECIAL_OPERATION][1],
        },
    )
    subject, _ = Subject.objects.get_or_create(
        operation_type=operation_type, defaults={"code": operation_type.code, "kind": kind, "name": operation_type.name}
    )
    return subject


def scope_of(authority: Organisation) -> AuthorityScopeRule:
    """The authority's examining scope as a rule value (every kind when none is recorded)."""
    row = AuthorityScope.objects.filter(authority=authority).prefetch_related("kinds", "subjects", "industries").first()
    if row is None:
        return AuthorityScopeRule()
    return AuthorityScopeRule(
        kinds=frozenset(kind.code for kind in row.kinds.all()),
        subjects=frozenset(subject.code for subject in row.subjects.all()),
        industries=frozenset(industry.code for industry in row.industries.all()),
        departments=frozenset({row.department}),
    )


def authority_covers(*, authority: Organisation, subject: Subject) -> bool:
    """Whether the authority examines and certifies ``subject`` (Work Safety Law art. 27)."""
    industry = subject.industry
    return authority_examines(
        scope_of(authority),
        kind=subject.kind.code,
        subject_code=subject.code,
        industry_code=industry.code if industry is not None else "",
        department=industry.examined_by if industry is not None else "",
    )
