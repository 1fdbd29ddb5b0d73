"""The operation catalogue loads from the project's own data file, as often as needed."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from exams.catalogue.models import Industry, OperationCategory, OperationType, QualificationKind, Subject
from exams.catalogue.services import CATALOGUE_PATH, load_catalogue, subject_of
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


def test_load_catalogue_makes_every_subject_of_both_kinds():
    # when
    result = load_catalogue()

    # then: each operation type is a special-operations subject; each post in each
    # industry is a management subject, with the department that examines it
    assert result.subjects == 51 + 8 * 2
    assert Subject.objects.filter(kind__code="special_operation").count() == 51
    low_voltage = Subject.objects.get(code="0102")
    assert (low_voltage.operation_type.code, low_voltage.post, low_voltage.industry) == ("0102", "", None)
    manager = Subject.objects.select_related("industry").get(code="WHP.safety_manager")
    assert (manager.kind.code, manager.name, manager.industry.high_risk) == (
        "management",
        "危险化学品生产经营单位安全管理人员",
        True,
    )
    assert Industry.objects.get(code="JZSG").examined_by == Industry.Department.HOUSING_CONSTRUCTION
    assert set(Industry.objects.filter(high_risk=True).values_list("code", flat=True)) == {
        "WHP",
        "FMKS",
        "MK",
        "YHBZ",
        "JSYL",
    }


def test_loading_twice_keeps_one_subject_each():
    load_catalogue()
    load_catalogue()

    assert Subject.objects.count() == 51 + 16
    assert QualificationKind.objects.count() == 2


def test_a_type_added_later_gets_its_subject_when_first_needed():
    # given: an operation type added outside the catalogue file
    category = OperationCategory.objects.create(code="12", name="地方增补作业")
    local = OperationType.objects.create(code="1201", name="地方增补操作项目", category=category)

    # when
    subject = subject_of(local)

    # then
    assert (subject.code, subject.kind.code, subject.operation_type) == ("1201", "special_operation", local)
    assert subject_of(local) == subject
