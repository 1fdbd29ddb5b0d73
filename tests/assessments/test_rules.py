"""Results grouped by firm, district, department and post, and their SVG chart."""

from __future__ import annotations

from decimal import Decimal

from assessments.rules import GroupBy, PersonResult, bar_chart_svg, group_results, totals


def _person(firm: str, score: str | None, *, department: str = "", post: str = "") -> PersonResult:
    value = Decimal(score) if score is not None else None
    passed = None if value is None else value >= 60
    return PersonResult("某人", firm, "临淄区", department, post, value, passed, 1 if value is not None else 0)


def test_groups_count_invited_sat_and_passed_and_average_those_who_sat():
    people = [_person("甲", "90"), _person("甲", "50"), _person("甲", None), _person("乙", "70")]

    groups = group_results(people, by=GroupBy.FIRM)

    assert [(g.name, g.invited, g.sat, g.passed, g.average) for g in groups] == [
        ("甲", 3, 2, 1, Decimal("70.0")),
        ("乙", 1, 1, 1, Decimal("70.0")),
    ]
    assert (groups[0].participation, groups[0].pass_rate) == (66, 50)


def test_a_missing_department_or_post_is_grouped_as_unknown():
    groups = group_results(
        [_person("甲", "80", department=""), _person("甲", "80", department="一车间")], by=GroupBy.DEPARTMENT
    )
    assert sorted(g.name for g in groups) == ["—", "一车间"]


def test_totals_over_everyone():
    total = totals([_person("甲", "90"), _person("乙", None)])
    assert (total.invited, total.sat, total.passed) == (2, 1, 1)


def test_the_chart_has_one_bar_per_group_and_escapes_names():
    groups = group_results([_person("<b>甲</b>", "90"), _person("乙", "40")], by=GroupBy.FIRM)

    svg = bar_chart_svg(groups, title="按企业")

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="bar"') == 2
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert "1/1/1" in svg and "0/1/1" in svg


def test_an_empty_chart_is_still_an_svg():
    assert bar_chart_svg([], title="无").count('class="bar"') == 0
