"""Pure eligibility rules for sitting a special-operations exam (order No. 30, art. 5).

The service gathers the facts; these functions say which rules they break, each as a
sentence naming the rule (in the user's language), so the person registering knows what
to fix.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.identity import InvalidIdNumber, age_on, parse_id_number

MINIMUM_AGE = 18
#: Statutory retirement ages used for the "under retirement age" rule. The 2025 reform
#: raises these step by step (men towards 63, women towards 55/58); until the platform
#: models the per-birth-month schedule, the long-standing 60 (men) / 55 (women) applies.
RETIREMENT_AGE = {"M": 60, "F": 55}
#: A passed theory or practical part stays valid this many months.
PASS_VALID_MONTHS = 12

_EDUCATION_RANK = {"primary": 0, "junior_middle": 1, "senior_middle": 2, "college": 3}


@dataclass(frozen=True)
class CandidateFacts:
    id_number: str
    education: str
    exam_date: dt.date
    requires_senior_middle: bool
    #: None when training is not a condition (practical sessions check theory instead).
    training_completed: bool | None


def eligibility_problems(facts: CandidateFacts) -> list[str]:
    """Every rule the candidate breaks; an empty list means eligible."""
    problems: list[str] = []
    try:
        identity = parse_id_number(facts.id_number)
    except InvalidIdNumber:
        problems.append(_("身份证号缺失或无效，无法核对年龄。"))
    else:
        age = age_on(identity.birth_date, facts.exam_date)
        if age < MINIMUM_AGE:
            problems.append(
                _("年龄条件：考试当日须年满 %(minimum)s 周岁（考生 %(age)s 岁）。")
                % {"minimum": MINIMUM_AGE, "age": age}
            )
        limit = RETIREMENT_AGE[identity.sex]
        if age >= limit:
            problems.append(
                _("年龄条件：考试当日须未达法定退休年龄 %(limit)s 周岁（考生 %(age)s 岁）。")
                % {"limit": limit, "age": age}
            )
    rank = _EDUCATION_RANK.get(facts.education)
    if facts.requires_senior_middle:
        if rank is None or rank < _EDUCATION_RANK["senior_middle"]:
            problems.append(_("学历条件：危险化学品特种作业须具备高中或者相当于高中及以上文化程度。"))
    elif rank is None or rank < _EDUCATION_RANK["junior_middle"]:
        problems.append(_("学历条件：须具备初中及以上文化程度。"))
    if facts.training_completed is False:
        problems.append(_("培训条件：须完成该操作项目的安全技术理论和实际操作培训。"))
    return problems


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same wall-clock moment ``months`` calendar months earlier (day clamped)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
