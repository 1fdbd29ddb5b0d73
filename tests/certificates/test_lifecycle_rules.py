"""Lifecycle rules (certificates.rules), without a database; each test names its rule."""

from __future__ import annotations

import datetime as dt

import pytest

from certificates.rules import (
    Action,
    CertificateState,
    ReviewFacts,
    ReviewFailGround,
    RevocationGround,
    TransitionNotAllowed,
    can_apply_for_review,
    clean_record_extension_allowed,
    dates_after_review,
    exam_ban_reason,
    extended_dates,
    id_certificate_number,
    lapse_due,
    mask_certificate_number,
    next_status,
    reminder_due,
    review_fail_grounds,
)
from tests.factories import make_id_number

DUE = dt.date(2029, 3, 10)
PASSING = ReviewFacts(
    health_check_passed=True,
    verified_violations=0,
    administrative_penalty=False,
    obstructed_inspection=False,
    training_hours=8.0,
    exam_passed=True,
)


# Rule: which actions apply to which stored status (PRODUCT.md, lifecycle).
@pytest.mark.parametrize(
    ("status", "action", "after"),
    [
        ("valid", Action.SUSPEND, "suspended"),
        ("suspended", Action.REINSTATE, "valid"),
        ("valid", Action.REVOKE, "revoked"),
        ("suspended", Action.REVOKE, "revoked"),
        ("valid", Action.CANCEL, "cancelled"),
        ("suspended", Action.CANCEL, "cancelled"),
        ("valid", Action.LAPSE, "lapsed"),
        ("suspended", Action.LAPSE, "lapsed"),
        ("valid", Action.REPLACE, "valid"),
        ("valid", Action.UPDATE, "valid"),
        ("valid", Action.EXTEND, "valid"),
        ("suspended", Action.EXTEND, "suspended"),
        ("valid", Action.REVIEW, "valid"),
    ],
)
def test_allowed_transitions(status, action, after):
    assert next_status(status, action) == after


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("valid", Action.REINSTATE),
        ("suspended", Action.SUSPEND),
        ("suspended", Action.REPLACE),
        ("suspended", Action.UPDATE),
        ("suspended", Action.REVIEW),
        *[(final, action) for final in ("revoked", "cancelled", "lapsed", "replaced") for action in Action],
    ],
)
def test_final_and_suspended_certificates_refuse_the_other_actions(status, action):
    with pytest.raises(TransitionNotAllowed):
        next_status(status, action)


# Rule (order No. 30 art. 30): only revocation for a false record or fraud/bribery bars
# applying again for 3 years; accident responsibility (once wrongly listed here) bars nothing.
@pytest.mark.parametrize(
    ("ground", "ban"),
    [
        (RevocationGround.FRAUD, "fraud"),
        (RevocationGround.FALSE_RECORD, "fraud"),
        (RevocationGround.ACCIDENT, None),
        (RevocationGround.UNFIT, None),
        (RevocationGround.NOT_REVIEWED, None),
    ],
)
def test_which_revocations_bar_exams(ground, ban):
    assert exam_ban_reason(ground) == ban


# Rule: review is applied for in the 60 days before it falls due.
@pytest.mark.parametrize(
    ("today", "allowed"),
    [
        (DUE - dt.timedelta(days=61), False),
        (DUE - dt.timedelta(days=60), True),
        (DUE, True),
        (DUE + dt.timedelta(days=1), False),
    ],
)
def test_review_window_is_the_60_days_before_the_due_date(today, allowed):
    assert can_apply_for_review(DUE, today) is allowed
    assert reminder_due(DUE, today) is allowed


# Rule: review fails on health, 2+ verified violations, penalty, obstruction, training < 8 h, exam.
def test_a_clean_review_has_no_fail_grounds():
    assert review_fail_grounds(PASSING) == []


@pytest.mark.parametrize(
    ("change", "ground"),
    [
        ({"health_check_passed": False}, ReviewFailGround.HEALTH),
        ({"verified_violations": 2}, ReviewFailGround.VIOLATIONS),
        ({"administrative_penalty": True}, ReviewFailGround.PENALTY),
        ({"obstructed_inspection": True}, ReviewFailGround.OBSTRUCTION),
        ({"training_hours": 7.99}, ReviewFailGround.TRAINING),
        ({"exam_passed": False}, ReviewFailGround.EXAM),
    ],
)
def test_each_review_fail_ground(change, ground):
    facts = ReviewFacts(**{**PASSING.__dict__, **change})
    assert review_fail_grounds(facts) == [ground]


def test_one_verified_violation_does_not_fail_a_review():
    assert review_fail_grounds(ReviewFacts(**{**PASSING.__dict__, "verified_violations": 1})) == []


# Rule: a passed review moves the next review 3 (or 6) years on, within validity; the
# review at the end of validity extends validity by 6 years.
def test_mid_validity_review_moves_the_review_date_three_years():
    assert dates_after_review(review_due=DUE, valid_until=dt.date(2032, 3, 10), interval_years=3) == (
        dt.date(2032, 3, 10),
        dt.date(2032, 3, 10),
    )


def test_end_of_validity_review_renews_for_six_years():
    assert dates_after_review(review_due=dt.date(2032, 3, 10), valid_until=dt.date(2032, 3, 10), interval_years=3) == (
        dt.date(2035, 3, 10),
        dt.date(2038, 3, 10),
    )


# Rule: 10+ years of clean work in the type allows the 6-year review interval.
@pytest.mark.parametrize(
    ("first_issued_on", "clean", "allowed"),
    [
        (dt.date(2016, 3, 10), True, True),
        (dt.date(2016, 3, 11), True, False),
        (dt.date(2010, 1, 1), False, False),
    ],
)
def test_clean_record_extension(first_issued_on, clean, allowed):
    assert clean_record_extension_allowed(first_issued_on=first_issued_on, today=dt.date(2026, 3, 10), clean=clean) is (
        allowed
    )


# Rule: a certificate not reviewed in time (or past validity) lapses.
@pytest.mark.parametrize(
    ("status", "today", "lapsed"),
    [
        ("valid", DUE, False),
        ("valid", DUE + dt.timedelta(days=1), True),
        ("suspended", DUE + dt.timedelta(days=1), True),
        ("revoked", DUE + dt.timedelta(days=1), False),
    ],
)
def test_lapse_when_not_reviewed_in_time(status, today, lapsed):
    state = CertificateState(status=status, valid_until=dt.date(2032, 3, 10), review_due=DUE)
    assert lapse_due(state, today) is lapsed


# Rule: a bulk extension moves dates to the new date and never shortens them.
def test_extension_never_shortens():
    assert extended_dates(review_due=DUE, valid_until=dt.date(2032, 3, 10), until=dt.date(2029, 9, 30)) == (
        dt.date(2029, 9, 30),
        dt.date(2032, 3, 10),
    )
    assert extended_dates(review_due=DUE, valid_until=dt.date(2032, 3, 10), until=dt.date(2029, 1, 1)) == (
        DUE,
        dt.date(2032, 3, 10),
    )


# Rule: "T" + ID number where the authority requires it, masked in public.
def test_t_plus_id_number_is_masked_in_public():
    id_number = make_id_number(dt.date(1988, 8, 8), serial=135, region="110105")
    number = id_certificate_number(id_number)
    assert number == "T" + id_number
    masked = mask_certificate_number(number)
    assert id_number not in masked
    assert masked.startswith("T110")
