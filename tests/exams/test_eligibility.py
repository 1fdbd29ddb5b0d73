"""Pure eligibility rules: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from exams.eligibility import CandidateFacts, eligibility_problems, months_before
from tests.factories import make_id_number

EXAM_DAY = dt.date(2026, 6, 1)


def facts(birth: dt.date, *, serial: int = 123, education: str = "junior_middle", **overrides) -> CandidateFacts:
    values = {
        "id_number": make_id_number(birth, serial=serial),
        "education": education,
        "exam_date": EXAM_DAY,
        "requires_senior_middle": False,
        "training_completed": True,
    }
    return CandidateFacts(**(values | overrides))


def test_adult_with_junior_middle_school_and_training_is_eligible():
    assert eligibility_problems(facts(dt.date(1990, 1, 1))) == []


def test_eighteenth_birthday_on_the_exam_day_counts():
    assert eligibility_problems(facts(dt.date(2008, 6, 1))) == []


def test_one_day_short_of_eighteen_is_refused():
    assert eligibility_problems(facts(dt.date(2008, 6, 2))) == ["年龄条件：考试当日须年满 18 周岁（考生 17 岁）。"]


@pytest.mark.parametrize(
    ("birth", "serial", "expected"),
    [
        (dt.date(1966, 6, 2), 123, []),  # man, 59
        (dt.date(1966, 6, 1), 123, ["年龄条件：考试当日须未达法定退休年龄 60 周岁（考生 60 岁）。"]),
        (dt.date(1971, 6, 2), 124, []),  # woman, 54
        (dt.date(1971, 6, 1), 124, ["年龄条件：考试当日须未达法定退休年龄 55 周岁（考生 55 岁）。"]),
    ],
)
def test_retirement_age_by_sex(birth, serial, expected):
    assert eligibility_problems(facts(birth, serial=serial)) == expected


def test_invalid_or_missing_id_number_is_refused():
    assert eligibility_problems(facts(dt.date(1990, 1, 1), id_number="")) == ["身份证号缺失或无效，无法核对年龄。"]
    valid = make_id_number(dt.date(1990, 1, 1))
    wrong_checksum = valid[:17] + ("1" if valid[17] != "1" else "2")
    assert eligibility_problems(facts(dt.date(1990, 1, 1), id_number=wrong_checksum)) == [
        "身份证号缺失或无效，无法核对年龄。"
    ]


def test_education_rules():
    born = dt.date(1990, 1, 1)
    assert eligibility_problems(facts(born, education="primary")) == ["学历条件：须具备初中及以上文化程度。"]
    assert eligibility_problems(facts(born, education="")) == ["学历条件：须具备初中及以上文化程度。"]
    assert eligibility_problems(facts(born, education="junior_middle", requires_senior_middle=True)) == [
        "学历条件：危险化学品特种作业须具备高中或者相当于高中及以上文化程度。"
    ]
    assert eligibility_problems(facts(born, education="senior_middle", requires_senior_middle=True)) == []
    assert eligibility_problems(facts(born, education="college", requires_senior_middle=True)) == []


def test_training_is_required_only_when_asked():
    born = dt.date(1990, 1, 1)
    assert eligibility_problems(facts(born, training_completed=False)) == [
        "培训条件：须完成该操作项目的安全技术理论和实际操作培训。"
    ]
    assert eligibility_problems(facts(born, training_completed=None)) == []


def test_every_broken_rule_is_named():
    problems = eligibility_problems(facts(dt.date(2010, 1, 1), education="primary", training_completed=False))

    assert len(problems) == 3


def test_months_before_clamps_the_day():
    tz = dt.UTC
    assert months_before(dt.datetime(2026, 3, 31, 9, 0, tzinfo=tz), 1) == dt.datetime(2026, 2, 28, 9, 0, tzinfo=tz)
    assert months_before(dt.datetime(2026, 5, 20, tzinfo=tz), 12) == dt.datetime(2025, 5, 20, tzinfo=tz)
    assert months_before(dt.datetime(2024, 2, 29, tzinfo=tz), 12) == dt.datetime(2023, 2, 28, tzinfo=tz)
