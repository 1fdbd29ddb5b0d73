"""exams.catalogue.rules: the rules of each qualification kind. Pure, no database; each
test names the article it follows."""

from __future__ import annotations

import datetime as dt

from exams.catalogue.rules import (
    AuthorityScope,
    authority_examines,
    checks_personal_conditions,
    current_refresher,
    exam_parts,
    initial_training_hours,
    is_pass,
    missed_refreshers,
    qualifies,
    refresher_hours,
    refresher_years,
    renewal_window,
    retake_allowed,
    rules_for,
    validity_until,
)

ISSUED = dt.date(2026, 3, 10)


# Order No. 3 art. 9: initial training at least 32 hours.
def test_management_initial_training_is_32_hours():
    assert initial_training_hours("management", high_risk=False) == 32


# Order No. 3 art. 9: 48 hours in coal mines, non-coal mines, hazardous chemicals, fireworks, metal smelting.
def test_management_initial_training_is_48_hours_in_high_risk_industries():
    assert initial_training_hours("management", high_risk=True) == 48


# Order No. 30: the operation type's outline sets the hours (the course carries them).
def test_special_operations_hours_come_from_the_outline():
    assert initial_training_hours("special_operation", high_risk=True) is None


# Order No. 3 art. 9: yearly refresher at least 12 hours, 16 in the high-risk industries.
def test_management_refresher_hours():
    assert refresher_hours("management", high_risk=False) == 12
    assert refresher_hours("management", high_risk=True) == 16
    assert refresher_hours("special_operation", high_risk=True) is None


# Work Safety Law art. 27 / provincial practice: a computer-based theory exam only.
def test_management_is_examined_by_theory_only():
    assert exam_parts("management") == ("theory",)
    assert qualifies("management", passed_parts=["theory"])


# Order No. 30 art. 12: special operations need theory and then practical.
def test_special_operations_need_both_parts():
    assert exam_parts("special_operation") == ("theory", "practical")
    assert not qualifies("special_operation", passed_parts=["theory"])
    assert qualifies("special_operation", passed_parts=["theory", "practical"])


# Provincial practice: 100 points, 80 passes, one retake (both kinds).
def test_pass_mark_and_one_retake():
    assert is_pass(80) and not is_pass(79.5)
    assert retake_allowed(1) and not retake_allowed(2)


# Provincial practice: the management certificate is valid 3 years; order No. 30 art. 19: 6 years.
def test_validity_per_kind():
    assert validity_until("management", ISSUED) == dt.date(2029, 3, 10)
    assert validity_until("special_operation", ISSUED) == dt.date(2032, 3, 10)
    assert rules_for("management").review_interval_years is None


# Provincial practice: renewal by exam in the 60 days before expiry.
def test_renewal_window_is_the_60_days_before_expiry():
    start, end = renewal_window(dt.date(2029, 3, 10))
    assert (start, end) == (dt.date(2029, 1, 9), dt.date(2029, 3, 10))


# Order No. 30 art. 4 conditions (age, education, health) do not apply to the management kind.
def test_no_order_30_age_or_education_gate_for_management():
    assert checks_personal_conditions("special_operation")
    assert not checks_personal_conditions("management")


# Order No. 3 art. 9: a year that ended without its refresher hours is missed (flagged, not lapsed).
def test_a_missed_refresher_year_is_flagged():
    today = dt.date(2028, 5, 1)
    years = refresher_years(held_since=ISSUED, today=today, hours_by_year=[16, 10, 3], high_risk=True)
    assert [y.index for y in years] == [0, 1, 2]
    missed = missed_refreshers(years, today)
    assert [(y.index, y.hours, y.required) for y in missed] == [(1, 10, 16)]
    running = current_refresher(years, today)
    assert running is not None and (running.index, running.ends_on) == (2, dt.date(2029, 3, 10))


# Order No. 3 art. 9: 12 hours suffice outside the high-risk industries.
def test_twelve_hours_suffice_outside_high_risk():
    years = refresher_years(held_since=ISSUED, today=dt.date(2027, 4, 1), hours_by_year=[12], high_risk=False)
    assert missed_refreshers(years, dt.date(2027, 4, 1)) == []


# Work Safety Law 2021 art. 27: construction and transport are examined by their own departments.
def test_authority_scope():
    emergency = AuthorityScope()
    assert authority_examines(emergency, kind="management", subject_code="hc.safety_manager", industry_code="hc")
    assert not authority_examines(
        emergency, kind="management", subject_code="build.principal", department="housing_construction"
    )
    special_only = AuthorityScope(kinds=frozenset({"special_operation"}))
    assert not authority_examines(special_only, kind="management", subject_code="hc.principal")
    chemicals = AuthorityScope(industries=frozenset({"hc"}))
    assert authority_examines(chemicals, kind="management", subject_code="hc.principal", industry_code="hc")
    assert not authority_examines(chemicals, kind="management", subject_code="mine.principal", industry_code="mine")
