"""The operation catalogue (特种作业目录), kept as editable data seeded from a file.

``exams/catalogue/data/catalogue.json`` ships with the code; the project never reads anything
outside itself at run time. Loading it again is safe: rows are matched by code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .models import OperationCategory, OperationType

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "catalogue.json"
#: Category whose operation types need senior-middle school or equivalent.
HAZARDOUS_CHEMICALS_CATEGORY = "09"


@dataclass(frozen=True)
class CatalogueLoad:
    categories: int
    operation_types: int


def read_catalogue(path: Path = CATALOGUE_PATH) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@transaction.atomic
def load_catalogue(*, path: Path = CATALOGUE_PATH) -> CatalogueLoad:
    """Upsert categories and operation types by code.

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
    return CatalogueLoad(categories=len(data["categories"]), operation_types=type_count)
