"""The operation catalogue loads from the project's own data file, as often as needed."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from exams.catalogue import CATALOGUE_PATH, load_catalogue, read_catalogue
from exams.models import OperationCategory, OperationType, PracticalRubric

pytestmark = pytest.mark.django_db


def test_catalogue_file_lives_inside_the_project():
    assert CATALOGUE_PATH.parts[-3:] == ("exams", "data", "catalogue.json")
    assert json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))["categories"]


def test_load_catalogue_upserts_categories_and_types():
    # when
    result = load_catalogue()

    # then
    assert (result.categories, result.operation_types, result.rubric_created) == (11, 51, True)
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


def test_load_catalogue_creates_the_low_voltage_rubric():
    load_catalogue()

    rubric = PracticalRubric.objects.get(operation_type__code="0102")
    assert (rubric.version, rubric.total_minutes, rubric.pass_mark, rubric.is_published) == (1, 60, 80, True)
    subjects = list(rubric.subjects.order_by("code"))
    assert [(s.code, s.name, s.weight) for s in subjects] == [
        ("K1", "安全用具使用", 20),
        ("K2", "安全操作技术", 40),
        ("K3", "作业现场安全隐患排除", 20),
        ("K4", "作业现场应急处置", 20),
    ]
    assert [(s.minutes, s.scoring_mode) for s in subjects] == [(10, "examiner"), (30, "examiner")] + [
        (10, "examiner")
    ] * 2
    # every task of the catalogue's example, K11–K43, by code and name, now with scored items
    example = read_catalogue()["example_rubric_low_voltage_electrician"]
    assert [[f"{t['code']} {t['name']}" for t in s.tasks] for s in subjects] == [
        s["tasks"] for s in example["subjects"]
    ]
    first = subjects[0].tasks[0]
    assert first["items"][0] == {
        "code": "K11-1",
        "name": "仪表选择与检查",
        "points": 30,
        "deductions": [
            {"code": "a", "text": "未检查仪表外观和表笔", "points": 10},
            {"code": "b", "text": "量程选择错误", "points": 15},
            {"code": "c", "text": "仪表类型选择错误", "points": 30},
        ],
    }
    assert first["items"][-1] == {"code": "K11-V1", "name": "带电测量绝缘电阻", "veto": True}
    assert sum(item.get("points", 0) for item in first["items"]) == 100


def test_load_catalogue_seeds_two_more_rubrics_one_retaking_failed_subjects_only():
    load_catalogue()

    rubrics = {r.operation_type.code: r for r in PracticalRubric.objects.select_related("operation_type")}
    assert sorted(rubrics) == ["0102", "0202", "0302"]
    assert [rubrics[c].retake_failed_subject_only for c in ("0102", "0202", "0302")] == [False, True, False]
    assert rubrics["0202"].subjects.get(code="K4").scoring_mode == "device"
    assert rubrics["0202"].subjects.get(code="K2").task_selection == "examiner"


def test_load_catalogue_twice_changes_nothing_and_restores_edited_names():
    load_catalogue()
    OperationType.objects.filter(code="0102").update(name="改过的名字")

    result = load_catalogue()

    assert result.rubric_created is False
    assert OperationType.objects.count() == 51
    assert OperationType.objects.get(code="0102").name == "低压电工作业"
    assert PracticalRubric.objects.count() == 3


def test_load_catalogue_command(capsys):
    call_command("load_catalogue")

    assert "51 operation types" in capsys.readouterr().out
    assert OperationType.objects.count() == 51
