"""Pure rubric rules: the shape of a rubric and a task's score from the examiner's taps."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from exams.practical.rubrics import RUBRICS_DIR
from exams.practical.rules import (
    ItemMark,
    MarkInvalid,
    RubricInvalid,
    check_mark,
    parse_rubric,
    parse_tasks,
    score_task,
)
from tests.factories import rubric_task


def shipped(code: str) -> dict:
    return json.loads((RUBRICS_DIR / f"{code}.json").read_text(encoding="utf-8"))


def test_the_shipped_low_voltage_rubric_is_valid_20_40_20_20_in_60_minutes():
    rubric = parse_rubric(shipped("0102"))

    assert [(s.code, s.weight, s.minutes) for s in rubric.subjects] == [
        ("K1", 20, 10),
        ("K2", 40, 30),
        ("K3", 20, 10),
        ("K4", 20, 10),
    ]
    assert (rubric.total_minutes, rubric.pass_mark, rubric.retake_failed_subject_only) == (60, 80, False)
    assert [t.code for s in rubric.subjects for t in s.tasks] == [
        "K11", "K12", "K13", "K21", "K22", "K23", "K24", "K25", "K31", "K32", "K41", "K42", "K43",
    ]  # fmt: skip


@pytest.mark.parametrize("code", ["0202", "0302"])
def test_the_other_shipped_rubrics_are_valid(code):
    assert parse_rubric(shipped(code)).operation == code


def test_rule_weights_must_add_up_to_100():
    data = shipped("0102")
    data["subjects"][0]["weight"] = 25

    with pytest.raises(RubricInvalid) as excinfo:
        parse_rubric(data)
    assert excinfo.value.problems == ["科目权重之和应为 100，现为 105。"]


def test_rule_scored_items_of_a_task_add_up_to_100():
    task = rubric_task("K11")
    task["items"][1]["points"] = 30

    with pytest.raises(RubricInvalid) as excinfo:
        parse_tasks([task], subject_code="K1", scoring_mode="examiner")
    assert excinfo.value.problems == ["考题 K11 各评分项分值之和应为 100，现为 90。"]


def test_rule_a_veto_item_carries_no_points_and_a_deduction_not_more_than_its_item():
    task = rubric_task("K11")
    task["items"][2]["points"] = 10
    task["items"][1]["deductions"][0]["points"] = 45

    with pytest.raises(RubricInvalid) as excinfo:
        parse_tasks([task], subject_code="K1", scoring_mode="examiner")
    assert excinfo.value.problems == [
        "评分项 K11-2 扣分标准 a 扣分超过该项分值 40。",
        "否决项 K11-V 不计分，不应有分值或扣分标准。",
    ]


def test_rule_subject_codes_are_k1_to_k4_each_with_a_task():
    data = {"operation": "0102", "total_minutes": 60, "subjects": [{"code": "K9", "weight": 100, "minutes": 60}]}

    with pytest.raises(RubricInvalid) as excinfo:
        parse_rubric(data)
    assert excinfo.value.problems == ["科目代码 K9 无效，应为 K1 至 K4。"]


def test_rule_device_subjects_need_no_items():
    tasks = parse_tasks([{"code": "K41", "name": "模拟人", "items": []}], subject_code="K4", scoring_mode="device")

    assert tasks[0].items == ()


def test_score_task_untapped_items_keep_their_points():
    task = parse_tasks([rubric_task("K11")], subject_code="K1", scoring_mode="examiner")[0]

    assert score_task(task, []).score == Decimal(100)


def test_score_task_subtracts_each_chosen_deduction_never_below_zero():
    task = parse_tasks([rubric_task("K11")], subject_code="K1", scoring_mode="examiner")[0]

    result = score_task(
        task,
        [ItemMark(item_code="K11-1", deductions=("a", "b")), ItemMark(item_code="K11-2", deductions=("a",))],
    )

    # item 1: 60 − (10 + 60) floors at 0; item 2: 40 − 20
    assert (result.score, result.deducted, result.vetoes) == (Decimal(20), Decimal(80), ())


def test_score_task_reports_a_marked_veto_with_its_reason():
    task = parse_tasks([rubric_task("K11")], subject_code="K1", scoring_mode="examiner")[0]

    result = score_task(task, [ItemMark(item_code="K11-V", veto=True, veto_reason="未断电即接线")])

    assert (result.score, result.vetoes) == (Decimal(100), (("K11-V", "未断电即接线"),))


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        (ItemMark(item_code="K11-9"), "考题 K11 没有评分项 K11-9。"),
        (ItemMark(item_code="K11-1", deductions=("z",)), "评分项 K11-1 没有扣分标准 z。"),
        (ItemMark(item_code="K11-V", veto=True), "标记否决项 K11-V 时须填写原因。"),
        (ItemMark(item_code="K11-1", veto=True, veto_reason="x"), "评分项 K11-1 不是否决项。"),
    ],
)
def test_check_mark_refuses_what_the_task_does_not_have(mark, message):
    task = parse_tasks([rubric_task("K11")], subject_code="K1", scoring_mode="examiner")[0]

    with pytest.raises(MarkInvalid, match=message):
        check_mark(task, mark)


def test_parse_rubric_does_not_change_its_input():
    data = shipped("0302")
    before = copy.deepcopy(data)

    parse_rubric(data)

    assert data == before
