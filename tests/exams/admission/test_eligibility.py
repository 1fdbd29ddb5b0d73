"""Pure eligibility rules: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.dates import add_months, months_before
from exams.admission.eligibility import PRACTICAL, CandidateFacts, eligibility_problems, is_retake, retirement_date
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
    ("birth", "sex", "female_base", "retires_on"),
    [
        # rule: men born before 1965 retire at 60
        (dt.date(1964, 12, 15), "M", 50, dt.date(2024, 12, 15)),
        # rule: men born Jan–Apr 1965 retire one month later, May–Aug two months later
        (dt.date(1965, 1, 10), "M", 50, dt.date(2025, 2, 10)),
        (dt.date(1965, 5, 10), "M", 50, dt.date(2025, 7, 10)),
        # rule: men born September 1976 or later retire at 63
        (dt.date(1976, 8, 31), "M", 50, dt.date(2039, 7, 31)),
        (dt.date(1976, 9, 1), "M", 50, dt.date(2039, 9, 1)),
        (dt.date(1990, 1, 1), "M", 50, dt.date(2053, 1, 1)),
        # rule: women on the 50 schedule: +1 month per 2 months from 1975, 55 from November 1984
        (dt.date(1974, 12, 1), "F", 50, dt.date(2024, 12, 1)),
        (dt.date(1975, 3, 1), "F", 50, dt.date(2025, 5, 1)),
        (dt.date(1984, 11, 1), "F", 50, dt.date(2039, 11, 1)),
        # rule: women on the 55 schedule: +1 month per 4 months from 1970, 58 from September 1981
        (dt.date(1969, 12, 1), "F", 55, dt.date(2024, 12, 1)),
        (dt.date(1970, 1, 1), "F", 55, dt.date(2025, 2, 1)),
        (dt.date(1981, 9, 1), "F", 55, dt.date(2039, 9, 1)),
    ],
)
def test_retirement_date_follows_the_2025_schedule(birth, sex, female_base, retires_on):
    assert retirement_date(birth, sex, female_base=female_base) == retires_on


def test_rule_age_refuses_from_the_retirement_date_on():
    # rule: under the statutory retirement age on the exam day
    born = dt.date(1966, 4, 1)  # man: delay (15 // 4) + 1 = 4 months, retires 2026-08-01
    assert eligibility_problems(facts(born, exam_date=dt.date(2026, 7, 31))) == []
    assert eligibility_problems(facts(born, exam_date=dt.date(2026, 8, 1))) == [
        "年龄条件：考试当日须未达法定退休年龄（考生于 2026-08-01 达到退休年龄）。"
    ]


def test_rule_age_for_women_uses_the_configured_schedule():
    # rule: a woman born 1974-01-01 reached 50 in 2024 (worker schedule) but not 55 (cadre schedule)
    born = dt.date(1974, 1, 1)
    assert len(eligibility_problems(facts(born, serial=124))) == 1
    assert eligibility_problems(facts(born, serial=124, female_retirement_base=55)) == []


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


def test_rule_health_needs_a_certificate_issued_in_the_last_12_months():
    born = dt.date(1990, 1, 1)
    assert eligibility_problems(facts(born, health_required=True)) == ["身体条件：须上传体检合格证明（图片或 PDF）。"]
    recent = facts(born, health_required=True, health_certificate_issued_on=dt.date(2025, 6, 2))
    assert eligibility_problems(recent) == []
    old = facts(born, health_required=True, health_certificate_issued_on=dt.date(2025, 6, 1))
    assert eligibility_problems(old) == ["身体条件：体检证明须在考试前 12 个月内出具（现有证明出具于 2025-06-01）。"]


def test_rule_no_ban_refuses_until_the_ban_ends():
    born = dt.date(1990, 1, 1)
    assert eligibility_problems(facts(born, banned_until=dt.date(2028, 3, 1))) == [
        "禁考期内：2028-03-01 前不得参加特种作业考试。"
    ]
    assert eligibility_problems(facts(born, banned_until=EXAM_DAY)) == []


def test_rule_theory_first_for_the_practical_exam():
    born = dt.date(1990, 1, 1)
    practical = {"part": PRACTICAL}
    assert eligibility_problems(facts(born, **practical)) == [
        "须先通过理论考试（或报名本场次之前的理论考试），才能报考实操考试。"
    ]
    assert eligibility_problems(facts(born, theory_passed_on=dt.date(2026, 5, 1), **practical)) == []
    assert eligibility_problems(facts(born, theory_booked=True, **practical)) == []
    # rule: a passed part is valid 12 months
    assert eligibility_problems(facts(born, theory_passed_on=dt.date(2025, 6, 1), **practical)) == [
        "须先通过理论考试：理论考试合格成绩（2025-06-01）已超过 12 个月有效期。"
    ]


def test_rule_not_already_passed_within_12_months():
    born = dt.date(1990, 1, 1)
    assert eligibility_problems(facts(born, part_passed_on=dt.date(2025, 12, 1))) == [
        "该部分考试已于 2025-12-01 合格，12 个月内有效，无需重复报考。"
    ]
    assert eligibility_problems(facts(born, part_passed_on=dt.date(2025, 6, 1))) == []


def test_rule_retake_limit_one_retake_then_training_again():
    born = dt.date(1990, 1, 1)
    assert (
        eligibility_problems(facts(born, failures_since_training=1)),
        is_retake(facts(born, failures_since_training=1)),
    ) == ([], True)
    assert is_retake(facts(born)) is False
    assert eligibility_problems(facts(born, failures_since_training=2)) == ["补考不合格：须重新参加培训后再报考。"]


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(1965, 1, 10), 721) == dt.date(2025, 2, 10)


# Order No. 3 / order No. 30 art. 4: the management kind has no age, education or health gate.
def test_management_candidates_have_no_age_education_or_health_gate():
    too_young_no_school = facts(dt.date(2010, 1, 1), education="primary", health_required=True)
    assert len(eligibility_problems(too_young_no_school)) == 3
    management = facts(dt.date(2010, 1, 1), education="primary", health_required=True, personal_conditions=False)
    assert eligibility_problems(management) == []
    untrained = facts(dt.date(1950, 1, 1), training_completed=False, personal_conditions=False)
    (problem,) = eligibility_problems(untrained)
    assert problem.startswith("培训条件：须完成该岗位的安全生产知识和管理能力培训")
