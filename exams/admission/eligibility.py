"""Pure eligibility rules for sitting an exam (special operations: order No. 30, art. 4).

Principal leaders and safety managers (the management kind, order No. 3) have no age,
education or health condition: ``personal_conditions`` is False for them, and only the
training, ban, order and retake rules apply.

The service gathers the facts; each ``rule_*`` function checks one rule and returns
the sentence that explains the failure (in the user's language) or None, so the person
registering knows exactly what to fix. ``eligibility_problems`` runs them all.

Retirement age: the Standing Committee's decision of 13 September 2024 raises the
statutory retirement age gradually from 1 January 2025 over 15 years:

* men, from 60 to 63: born January 1965 or later, one month later for every four
  months of birth (born September 1976 or later: 63);
* women who retired at 55 (managerial and technical posts), from 55 to 58: born
  January 1970 or later, one month per four months (born September 1981 or later: 58);
* women who retired at 50 (workers), from 50 to 55: born January 1975 or later, one
  month per two months (born November 1984 or later: 55).

A person may sit an exam up to the day before the retirement date. Special-operations
workers are workers, so women default to the 50-based schedule;
``settings.KAOZHENG_FEMALE_RETIREMENT_BASE`` (50 or 55) sets the other one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.dates import add_months
from accounts.identity import InvalidIdNumber, age_on, parse_id_number
from exams.papers.scoring import PASS_VALID_MONTHS

MINIMUM_AGE = 18
#: A health certificate counts when issued at most this many months before the exam.
HEALTH_CERTIFICATE_VALID_MONTHS = 12
#: A failed part may be retaken this many times before the candidate trains again.
RETAKES_ALLOWED = 1

THEORY = "theory"
PRACTICAL = "practical"

_EDUCATION_RANK = {"primary": 0, "junior_middle": 1, "senior_middle": 2, "college": 3}


@dataclass(frozen=True)
class RetirementSchedule:
    base_age: int
    first_birth_month: tuple[int, int]  # (year, month) of the first birth cohort that retires later
    months_per_step: int
    max_delay_months: int


#: The 2025 reform, keyed by sex and (for women) the original retirement age.
RETIREMENT_SCHEDULES = {
    ("M", 60): RetirementSchedule(60, (1965, 1), 4, 36),
    ("F", 55): RetirementSchedule(55, (1970, 1), 4, 36),
    ("F", 50): RetirementSchedule(50, (1975, 1), 2, 60),
}


@dataclass(frozen=True)
class CandidateFacts:
    id_number: str
    education: str
    exam_date: dt.date
    requires_senior_middle: bool
    #: None when training is not a condition of this check.
    training_completed: bool | None
    part: str = THEORY
    female_retirement_base: int = 50
    #: Last day of an active exam ban, or None.
    banned_until: dt.date | None = None
    #: Whether a health certificate is a condition, and the issue date of the latest one.
    health_required: bool = False
    health_certificate_issued_on: dt.date | None = None
    #: Practical only: when the theory part was last passed (None: never).
    theory_passed_on: dt.date | None = None
    #: Practical only: registered for a theory sitting held before this practical session.
    theory_booked: bool = False
    #: When this part was last passed for this operation type (None: never).
    part_passed_on: dt.date | None = None
    #: Failed sittings of this part since the candidate's latest completed training.
    failures_since_training: int = 0
    #: Order No. 30 art. 4 (age, education, health): special operations only.
    personal_conditions: bool = True


def retirement_delay_months(birth: dt.date, schedule: RetirementSchedule) -> int:
    """Months added to the base retirement age for someone born on ``birth``."""
    first_year, first_month = schedule.first_birth_month
    since = (birth.year - first_year) * 12 + (birth.month - first_month)
    if since < 0:
        return 0
    return min(schedule.max_delay_months, since // schedule.months_per_step + 1)


def retirement_date(birth: dt.date, sex: str, *, female_base: int = 50) -> dt.date:
    """The day the person reaches statutory retirement age under the 2025 schedule."""
    schedule = RETIREMENT_SCHEDULES[("M", 60)] if sex == "M" else RETIREMENT_SCHEDULES[("F", female_base)]
    return add_months(birth, schedule.base_age * 12 + retirement_delay_months(birth, schedule))


def rule_age(facts: CandidateFacts) -> list[str]:
    """18 or over on the exam day, and not yet at the statutory retirement age."""
    try:
        identity = parse_id_number(facts.id_number)
    except InvalidIdNumber:
        return [_("身份证号缺失或无效，无法核对年龄。")]
    problems = []
    age = age_on(identity.birth_date, facts.exam_date)
    if age < MINIMUM_AGE:
        problems.append(
            _("年龄条件：考试当日须年满 %(minimum)s 周岁（考生 %(age)s 岁）。") % {"minimum": MINIMUM_AGE, "age": age}
        )
    retires_on = retirement_date(identity.birth_date, identity.sex, female_base=facts.female_retirement_base)
    if facts.exam_date >= retires_on:
        problems.append(
            _("年龄条件：考试当日须未达法定退休年龄（考生于 %(date)s 达到退休年龄）。")
            % {"date": retires_on.isoformat()}
        )
    return problems


def rule_education(facts: CandidateFacts) -> str | None:
    """Junior-middle school at least; senior-middle for hazardous-chemical operations."""
    rank = _EDUCATION_RANK.get(facts.education)
    if facts.requires_senior_middle:
        if rank is None or rank < _EDUCATION_RANK["senior_middle"]:
            return _("学历条件：危险化学品特种作业须具备高中或者相当于高中及以上文化程度。")
    elif rank is None or rank < _EDUCATION_RANK["junior_middle"]:
        return _("学历条件：须具备初中及以上文化程度。")
    return None


def rule_training(facts: CandidateFacts) -> str | None:
    """Training for the operation type completed, in the hours its outline sets."""
    if facts.training_completed is False:
        if not facts.personal_conditions:
            return _("培训条件：须完成该岗位的安全生产知识和管理能力培训（初次培训学时达标）。")
        return _("培训条件：须完成该操作项目的安全技术理论和实际操作培训。")
    return None


def rule_health(facts: CandidateFacts) -> str | None:
    """A health certificate, issued no more than 12 months before the exam."""
    if not facts.health_required:
        return None
    issued = facts.health_certificate_issued_on
    if issued is None:
        return _("身体条件：须上传体检合格证明（图片或 PDF）。")
    if issued > facts.exam_date or add_months(issued, HEALTH_CERTIFICATE_VALID_MONTHS) <= facts.exam_date:
        return _("身体条件：体检证明须在考试前 %(months)s 个月内出具（现有证明出具于 %(date)s）。") % {
            "months": HEALTH_CERTIFICATE_VALID_MONTHS,
            "date": issued.isoformat(),
        }
    return None


def rule_no_ban(facts: CandidateFacts) -> str | None:
    """No active exam ban (e.g. three years after a revocation for fraud)."""
    if facts.banned_until is not None and facts.banned_until > facts.exam_date:
        return _("禁考期内：%(date)s 前不得参加特种作业考试。") % {"date": facts.banned_until.isoformat()}
    return None


def _valid_on(passed_on: dt.date | None, exam_date: dt.date) -> bool:
    return passed_on is not None and passed_on <= exam_date < add_months(passed_on, PASS_VALID_MONTHS)


def rule_theory_first(facts: CandidateFacts) -> str | None:
    """The practical exam only after passing the theory exam, within the last 12 months.

    A candidate may register for both at once when the theory sitting comes first; the
    theory pass itself is checked again at check-in and when the result is recorded.
    """
    if facts.part != PRACTICAL or _valid_on(facts.theory_passed_on, facts.exam_date) or facts.theory_booked:
        return None
    if facts.theory_passed_on is not None:
        return _("须先通过理论考试：理论考试合格成绩（%(date)s）已超过 %(months)s 个月有效期。") % {
            "date": facts.theory_passed_on.isoformat(),
            "months": PASS_VALID_MONTHS,
        }
    return _("须先通过理论考试（或报名本场次之前的理论考试），才能报考实操考试。")


def rule_not_already_passed(facts: CandidateFacts) -> str | None:
    """A passed part stays valid 12 months: no need (and no right) to sit it again."""
    if _valid_on(facts.part_passed_on, facts.exam_date):
        return _("该部分考试已于 %(date)s 合格，%(months)s 个月内有效，无需重复报考。") % {
            "date": facts.part_passed_on.isoformat(),  # type: ignore[union-attr]
            "months": PASS_VALID_MONTHS,
        }
    return None


def rule_retake_limit(facts: CandidateFacts) -> str | None:
    """One retake after a failure; after a failed retake the candidate trains again."""
    if facts.failures_since_training > RETAKES_ALLOWED:
        return _("补考不合格：须重新参加培训后再报考。")
    return None


def is_retake(facts: CandidateFacts) -> bool:
    return 0 < facts.failures_since_training <= RETAKES_ALLOWED


def eligibility_problems(facts: CandidateFacts) -> list[str]:
    """Every rule the candidate breaks; an empty list means eligible."""
    problems = rule_age(facts) if facts.personal_conditions else []
    for rule in (
        rule_education,
        rule_training,
        rule_health,
        rule_no_ban,
        rule_theory_first,
        rule_not_already_passed,
        rule_retake_limit,
    ):
        if rule in (rule_education, rule_health) and not facts.personal_conditions:
            continue
        problem = rule(facts)
        if problem:
            problems.append(problem)
    return problems
