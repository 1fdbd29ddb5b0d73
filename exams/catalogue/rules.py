"""The rules of each qualification kind (资格类别): pure functions, no database.

Two kinds are examined and certified here:

* the special-operations certificate (特种作业操作证, order No. 30): theory and practical
  exams, valid 6 years, reviewed every 3 (certificates.rules holds its dates);
* the safety knowledge and management ability certificate (安全生产知识和管理能力考核合格证)
  of principal leaders and safety managers (三项岗位): order No. 3 (生产经营单位安全培训规定)
  art. 9 sets the training hours; the Work Safety Law (2021) art. 27 the assessment by the
  competent department; provincial practice a computer-based exam only, 100 points, 80
  passes, one retake, valid 3 years and renewed by an exam in the 60 days before expiry.

Each function names the article it follows; tests cite the same article.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from accounts.dates import add_years


class Kind(enum.StrEnum):
    """The codes of exams.catalogue.models.QualificationKind.Code."""

    SPECIAL_OPERATION = "special_operation"
    MANAGEMENT = "management"


THEORY = "theory"
PRACTICAL = "practical"

#: Order No. 3 art. 9: initial training of principal leaders and safety managers.
MANAGEMENT_INITIAL_HOURS = 32
#: ... 48 hours in coal mines, non-coal mines, hazardous chemicals, fireworks, metal smelting.
MANAGEMENT_INITIAL_HOURS_HIGH_RISK = 48
#: Order No. 3 art. 9: the yearly refresher, 12 hours (16 in the high-risk industries).
MANAGEMENT_REFRESHER_HOURS = 12
MANAGEMENT_REFRESHER_HOURS_HIGH_RISK = 16
#: Provincial practice: the management certificate is valid 3 years, renewed by exam.
MANAGEMENT_VALIDITY_YEARS = 3
#: Order No. 30 art. 19: the special-operations certificate is valid 6 years.
SPECIAL_OPERATION_VALIDITY_YEARS = 6
#: Renewal (management) and review (special operations) are applied for in these days.
RENEWAL_WINDOW_DAYS = 60
FULL_MARKS = 100
PASS_MARK = 80
#: A failed part may be retaken once; failing the retake means training again.
RETAKES_ALLOWED = 1


@dataclass(frozen=True)
class KindRules:
    kind: Kind
    #: The exam parts that must be passed, in order.
    exam_parts: tuple[str, ...]
    validity_years: int
    #: Years between reviews (order No. 30 art. 21); None: renewed at expiry instead.
    review_interval_years: int | None
    #: Order No. 30 art. 4: age, education and health are conditions (special operations only).
    personal_conditions: bool
    #: Order No. 3 art. 9: a yearly refresher is required while the certificate is held.
    yearly_refresher: bool


_RULES = {
    Kind.SPECIAL_OPERATION: KindRules(
        kind=Kind.SPECIAL_OPERATION,
        exam_parts=(THEORY, PRACTICAL),
        validity_years=SPECIAL_OPERATION_VALIDITY_YEARS,
        review_interval_years=3,
        personal_conditions=True,
        yearly_refresher=False,
    ),
    Kind.MANAGEMENT: KindRules(
        kind=Kind.MANAGEMENT,
        exam_parts=(THEORY,),
        validity_years=MANAGEMENT_VALIDITY_YEARS,
        review_interval_years=None,
        personal_conditions=False,
        yearly_refresher=True,
    ),
}


def rules_for(kind: str) -> KindRules:
    """The rules of a kind by its code; an unknown code is a programming error."""
    return _RULES[Kind(kind)]


def exam_parts(kind: str) -> tuple[str, ...]:
    """Special operations: theory, then practical (order No. 30 art. 12); the management
    kind: a computer-based theory exam only (provincial practice under Work Safety Law art. 27)."""
    return rules_for(kind).exam_parts


def qualifies(kind: str, *, passed_parts: Sequence[str]) -> bool:
    """Whether the parts passed are every part the kind requires (the certificate follows)."""
    return all(part in passed_parts for part in exam_parts(kind))


def is_pass(score: float) -> bool:
    """Out of 100 points, 80 or more passes (both kinds)."""
    return score >= PASS_MARK


def retake_allowed(failures_since_training: int) -> bool:
    """One retake after a failure; after a failed retake the candidate trains again (both kinds)."""
    return failures_since_training <= RETAKES_ALLOWED


def initial_training_hours(kind: str, *, high_risk: bool) -> int | None:
    """Order No. 3 art. 9: principal leaders and safety managers train at least 32 hours,
    48 in the high-risk industries. Special operations: the operation type's outline sets
    the hours (None here: the course carries them)."""
    if Kind(kind) is Kind.SPECIAL_OPERATION:
        return None
    return MANAGEMENT_INITIAL_HOURS_HIGH_RISK if high_risk else MANAGEMENT_INITIAL_HOURS


def refresher_hours(kind: str, *, high_risk: bool) -> int | None:
    """Order No. 3 art. 9: a yearly refresher of at least 12 hours (16 in the high-risk
    industries) for the management kind; None where no yearly refresher applies."""
    if not rules_for(kind).yearly_refresher:
        return None
    return MANAGEMENT_REFRESHER_HOURS_HIGH_RISK if high_risk else MANAGEMENT_REFRESHER_HOURS


def checks_personal_conditions(kind: str) -> bool:
    """Order No. 30 art. 4 (age 18 to retirement, education, health) applies to special
    operations only; order No. 3 sets no such gate for principal leaders and safety managers."""
    return rules_for(kind).personal_conditions


def validity_until(kind: str, issued_on: dt.date) -> dt.date:
    """6 years for special operations (order No. 30 art. 19); 3 years for the management kind."""
    return add_years(issued_on, rules_for(kind).validity_years)


def renewal_window(valid_until: dt.date) -> tuple[dt.date, dt.date]:
    """The management certificate is renewed by an exam in the 60 days before expiry."""
    return valid_until - dt.timedelta(days=RENEWAL_WINDOW_DAYS), valid_until


# --- The yearly refresher (order No. 3 art. 9) ------------------------------------------


@dataclass(frozen=True)
class RefresherYear:
    """One year of holding the certificate: from ``starts_on`` to the day before ``ends_on``."""

    index: int
    starts_on: dt.date
    ends_on: dt.date
    hours: float
    required: int

    @property
    def done(self) -> bool:
        return self.hours >= self.required


def refresher_years(
    *, held_since: dt.date, today: dt.date, hours_by_year: Sequence[float], high_risk: bool
) -> list[RefresherYear]:
    """The certificate years begun by ``today`` (counted from issue or the last renewal),
    with the refresher hours credited in each (``hours_by_year[i]`` for year i)."""
    required = MANAGEMENT_REFRESHER_HOURS_HIGH_RISK if high_risk else MANAGEMENT_REFRESHER_HOURS
    years = []
    index = 0
    while add_years(held_since, index) <= today:
        hours = hours_by_year[index] if index < len(hours_by_year) else 0.0
        years.append(
            RefresherYear(
                index=index,
                starts_on=add_years(held_since, index),
                ends_on=add_years(held_since, index + 1),
                hours=hours,
                required=required,
            )
        )
        index += 1
    return years


def missed_refreshers(years: Sequence[RefresherYear], today: dt.date) -> list[RefresherYear]:
    """Order No. 3 art. 9: a year that ended without its refresher hours is missed. It is
    flagged to the holder, the employer and the authority; the certificate does not lapse
    on its own for it (only the authority acts on it)."""
    return [year for year in years if year.ends_on <= today and not year.done]


def current_refresher(years: Sequence[RefresherYear], today: dt.date) -> RefresherYear | None:
    """The year running today, whose refresher is due by its ``ends_on``."""
    running = [year for year in years if year.starts_on <= today < year.ends_on]
    return running[0] if running else None


# --- Authority scope (Work Safety Law 2021 art. 27) ----------------------------------------


@dataclass(frozen=True)
class AuthorityScope:
    """What an authority examines and certifies. Empty sets mean "every" of that dimension;
    ``departments`` are the examining departments it stands for (art. 27: construction and
    transport are examined by their own departments, not by emergency management)."""

    kinds: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset({"emergency_management"})


def authority_examines(
    scope: AuthorityScope, *, kind: str, subject_code: str, industry_code: str = "", department: str = ""
) -> bool:
    """Whether the authority may examine and certify this subject (Work Safety Law art. 27
    for the department; the authority's own scope for kinds, subjects and industries)."""
    if scope.kinds and kind not in scope.kinds:
        return False
    if scope.subjects and subject_code not in scope.subjects:
        return False
    if industry_code and scope.industries and industry_code not in scope.industries:
        return False
    return not (department and department not in scope.departments)
