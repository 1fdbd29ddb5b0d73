"""Rubric versions: import/export round trip, publishing, and the export_rubric command."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent, Role
from exams.catalogue.services import load_catalogue, read_catalogue
from exams.practical.models import PracticalRubric
from exams.practical.rubrics import current_rubric, import_rubric, publish_rubric, rubric_to_dict, seed_rubrics
from exams.practical.rules import RubricInvalid
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    load_catalogue()
    seed_rubrics()


def test_export_rubric_prints_the_current_rubric_as_json(catalogue, capsys):
    call_command("export_rubric", "0102")

    data = json.loads(capsys.readouterr().out)
    assert (data["operation"], data["total_minutes"], data["pass_mark"]) == ("0102", 60, 80)
    assert [(s["code"], s["weight"], s["minutes"]) for s in data["subjects"]] == [
        ("K1", 20, 10), ("K2", 40, 30), ("K3", 20, 10), ("K4", 20, 10),
    ]  # fmt: skip
    item = data["subjects"][3]["tasks"][0]["items"][-1]
    assert item == {"code": "K41-V1", "name": "未脱离电源直接接触触电者", "veto": True}


def test_export_rubric_for_an_unknown_type_fails(catalogue):
    with pytest.raises(CommandError):
        call_command("export_rubric", "9999")


def test_an_export_imports_back_to_the_same_version(catalogue):
    rubric = PracticalRubric.objects.get(operation_type__code="0102")

    again = import_rubric(data=rubric_to_dict(rubric), actor=None)

    assert again == rubric
    assert PracticalRubric.objects.filter(operation_type__code="0102").count() == 1


def test_a_changed_import_is_a_new_unpublished_version_until_published(catalogue):
    rubric = PracticalRubric.objects.get(operation_type__code="0102")
    data = rubric_to_dict(rubric)
    data["subjects"][1]["minutes"] = 35
    data["total_minutes"] = 65
    regulator = MembershipFactory(role=Role.REGULATOR).user

    new = import_rubric(data=data, actor=regulator)

    assert (new.version, new.is_published, current_rubric(rubric.operation_type)) == (2, False, rubric)
    publish_rubric(rubric=new, actor=regulator)
    assert current_rubric(rubric.operation_type) == new
    assert rubric_to_dict(new)["subjects"][1]["minutes"] == 35
    assert AuditEvent.objects.filter(action="exams.practical_rubric.published", actor=regulator).count() == 1


def test_a_broken_import_names_every_problem_and_stores_nothing(catalogue, tmp_path):
    data = rubric_to_dict(PracticalRubric.objects.get(operation_type__code="0102"))
    data["subjects"][0]["weight"] = 30
    data["subjects"][0]["tasks"][0]["items"][0]["deductions"] = []
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(RubricInvalid) as excinfo:
        import_rubric(data=data, actor=None)
    assert excinfo.value.problems == ["评分项 K11-1 须至少有一条扣分标准。", "科目权重之和应为 100，现为 110。"]
    with pytest.raises(CommandError):
        call_command("import_rubric", str(path))
    assert PracticalRubric.objects.filter(operation_type__code="0102").count() == 1


def test_only_regulators_publish(catalogue):
    rubric = PracticalRubric.objects.get(operation_type__code="0102")
    trainer = MembershipFactory(role=Role.TRAINER).user

    with pytest.raises(PermissionDenied):
        publish_rubric(rubric=rubric, actor=trainer)
    with pytest.raises(PermissionDenied):
        publish_rubric(rubric=rubric, actor=UserFactory())


def test_a_regulator_exports_and_imports_a_rubric_through_the_pages(catalogue, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    rubric = PracticalRubric.objects.get(operation_type__code="0102")
    client = client_for(MembershipFactory(role=Role.REGULATOR).user, mfa=True)

    exported = client.get(f"/exams/rubrics/{rubric.pk}.json")
    data = json.loads(exported.content)
    data["subjects"][0]["tasks"][0]["name"] = "电工仪表安全使用（修订）"
    imported = client.post(
        "/exams/rubrics/import",
        {"file": SimpleUploadedFile("r.json", json.dumps(data, ensure_ascii=False).encode())},
    )

    new = PracticalRubric.objects.get(operation_type__code="0102", version=2)
    assert imported["Location"] == f"/exams/rubrics/{new.pk}/"
    assert (new.is_published, rubric_to_dict(new)["subjects"][0]["tasks"][0]["name"]) == (
        False,
        "电工仪表安全使用（修订）",
    )


def test_rubric_import_page_is_for_regulators_only(catalogue, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(MembershipFactory(role=Role.TRAINER).user)

    response = client.post("/exams/rubrics/import", {"file": SimpleUploadedFile("r.json", b"{}")})

    assert response.status_code == 403


def test_seed_rubrics_creates_the_low_voltage_rubric(catalogue):

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


def test_seed_rubrics_seeds_two_more_rubrics_one_retaking_failed_subjects_only(catalogue):

    rubrics = {r.operation_type.code: r for r in PracticalRubric.objects.select_related("operation_type")}
    assert sorted(rubrics) == ["0102", "0202", "0302"]
    assert [rubrics[c].retake_failed_subject_only for c in ("0102", "0202", "0302")] == [False, True, False]
    assert rubrics["0202"].subjects.get(code="K4").scoring_mode == "device"
    assert rubrics["0202"].subjects.get(code="K2").task_selection == "examiner"
