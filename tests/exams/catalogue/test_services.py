"""The operation catalogue loads from the project's own data file, as often as needed."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from exams.catalogue.models import OperationCategory, OperationType
from exams.catalogue.services import CATALOGUE_PATH, load_catalogue
from exams.practical.models import PracticalRubric
from exams.practical.rubrics import seed_rubrics

pytestmark = pytest.mark.django_db


def test_catalogue_file_lives_inside_the_project():
    assert CATALOGUE_PATH.parts[-4:] == ("exams", "catalogue", "data", "catalogue.json")
    assert json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))["categories"]


def test_load_catalogue_upserts_categories_and_types():
    # when
    result = load_catalogue()
    rubrics = seed_rubrics()

    # then
    assert (result.categories, result.operation_types, bool(rubrics)) == (11, 51, True)
    assert OperationCategory.objects.count() == 11
    assert OperationType.objects.count() == 51
    low_voltage = OperationType.objects.get(code="0102")
    assert (low_voltage.name, low_voltage.category.code, low_voltage.requires_senior_middle) == (
        "低压电工作业",
        "01",
        False,
    )


def test_hazardous_chemical_types_require_senior_middle_school():
    load_catalogue()

    assert set(OperationType.objects.filter(requires_senior_middle=True).values_list("category__code", flat=True)) == {
        "09"
    }
    assert OperationType.objects.filter(category__code="09").count() == 16


def test_load_catalogue_twice_changes_nothing_and_restores_edited_names():
    load_catalogue()
    seed_rubrics()
    OperationType.objects.filter(code="0102").update(name="改过的名字")

    load_catalogue()
    rubrics = seed_rubrics()

    assert bool(rubrics) is False
    assert OperationType.objects.count() == 51
    assert OperationType.objects.get(code="0102").name == "低压电工作业"
    assert PracticalRubric.objects.count() == 3


def test_load_catalogue_command(capsys):
    call_command("load_catalogue")

    assert "51 operation types" in capsys.readouterr().out
    assert OperationType.objects.count() == 51
    assert PracticalRubric.objects.count() == 3
