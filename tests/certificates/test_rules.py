"""certificates.rules: pure, no database. Each test names the rule it checks."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.dates import add_years
from accounts.identity import check_character
from certificates.rules import (
    CertificateState,
    DisplayStatus,
    certificate_dates,
    display_status,
    embedded_id_number,
    format_certificate_number,
    has_valid_check_character,
    is_in_force,
    iso7064_mod11_2,
    mask_certificate_number,
    normalize_certificate_number,
)

ISSUED = dt.date(2026, 3, 10)
VALID_UNTIL = dt.date(2032, 3, 10)
REVIEW_DUE = dt.date(2029, 3, 10)


def _state(status: str = "valid") -> CertificateState:
    return CertificateState(status=status, valid_until=VALID_UNTIL, review_due=REVIEW_DUE)


def _id_number(first17: str = "11010119900517123") -> str:
    return first17 + check_character(first17)


# --- Rule: a certificate is valid 6 years and reviewed every 3 years --------------------


def test_rule_validity_is_six_years_and_review_due_after_three():
    # given a certificate issued on 10 March 2026
    # when its dates are computed
    dates = certificate_dates(ISSUED)
    # then it is valid until the same day six years on, with review due three years on
    assert dates.issued_on == ISSUED
    assert dates.valid_until == dt.date(2032, 3, 10)
    assert dates.review_due == dt.date(2029, 3, 10)


def test_rule_extended_review_interval_never_passes_validity():
    # given a holder whose review interval the authority extended to six years
    # when the dates are computed
    dates = certificate_dates(ISSUED, review_interval_years=6)
    # then review falls due with the end of validity
    assert dates.review_due == dates.valid_until == dt.date(2032, 3, 10)


def test_rule_issue_on_29_february_ends_on_28_february():
    # given a leap day / when six and three years are added
    dates = certificate_dates(dt.date(2028, 2, 29))
    # then the dates fall back to 28 February of common years
    assert dates.valid_until == dt.date(2034, 2, 28)
    assert dates.review_due == dt.date(2031, 2, 28)
    assert add_years(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 29)


# --- Rule: the status a verifier sees -------------------------------------------------


def test_rule_valid_well_before_review_window():
    # given a valid certificate, 61 days before review is due
    today = REVIEW_DUE - dt.timedelta(days=61)
    # when / then it is simply valid
    assert display_status(_state(), today) == DisplayStatus.VALID
    assert is_in_force(DisplayStatus.VALID) is True


def test_rule_review_due_soon_within_60_days():
    # given the first and the last day of the 60-day review window
    first_day = REVIEW_DUE - dt.timedelta(days=60)
    # when / then the certificate is still in force, with review due soon
    assert display_status(_state(), first_day) == DisplayStatus.REVIEW_DUE_SOON
    assert display_status(_state(), REVIEW_DUE) == DisplayStatus.REVIEW_DUE_SOON
    assert is_in_force(DisplayStatus.REVIEW_DUE_SOON) is True


def test_rule_lapsed_when_review_due_passed_without_review():
    # given the day after review fell due, no review recorded
    today = REVIEW_DUE + dt.timedelta(days=1)
    # when / then it has lapsed and is no longer in force
    assert display_status(_state(), today) == DisplayStatus.LAPSED
    assert is_in_force(DisplayStatus.LAPSED) is False


def test_rule_lapsed_after_validity_ends_even_if_reviewed():
    # given a reviewed certificate (review moved to the end) one day past validity
    state = CertificateState(status="valid", valid_until=VALID_UNTIL, review_due=VALID_UNTIL)
    # when / then it has lapsed
    assert display_status(state, VALID_UNTIL) == DisplayStatus.REVIEW_DUE_SOON
    assert display_status(state, VALID_UNTIL + dt.timedelta(days=1)) == DisplayStatus.LAPSED


def test_rule_suspended_certificate_is_not_in_force():
    # given a suspended certificate inside its validity
    # when / then verifiers see it suspended
    status = display_status(_state("suspended"), ISSUED + dt.timedelta(days=10))
    assert status == DisplayStatus.SUSPENDED
    assert is_in_force(status) is False


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("revoked", DisplayStatus.REVOKED),
        ("cancelled", DisplayStatus.CANCELLED),
        ("replaced", DisplayStatus.REPLACED),
        ("lapsed", DisplayStatus.LAPSED),
    ],
)
def test_rule_stored_end_states_win_over_dates(stored, expected):
    # given a certificate in an end state, on a day its dates would call valid
    # when / then the end state is shown
    assert display_status(_state(stored), ISSUED + dt.timedelta(days=10)) == expected
    assert is_in_force(expected) is False


# --- Rule: the default number is a serial that reveals nothing about the holder -------


def test_rule_iso7064_mod11_2_matches_the_id_number_check_character():
    # given the first 17 digits of an ID number (whose check uses the same scheme)
    for first17 in ("11010119900517123", "44030119851231002", "11010519491231002"):
        # when / then both computations agree
        assert iso7064_mod11_2(first17) == check_character(first17)
    assert iso7064_mod11_2("11010519491231002") == "X"


def test_rule_iso7064_rejects_non_digits():
    with pytest.raises(ValueError, match="digits only"):
        iso7064_mod11_2("12A4")


def test_rule_default_number_is_authority_year_serial_and_check():
    # given authority "bj-ajj", year 2026, serial 1
    # when the number is formatted
    number = format_certificate_number(authority_code="bj-ajj", year=2026, serial=1)
    # then it is code + year + 6-digit serial + the MOD 11-2 check over its digits
    assert number == "BJAJJ2026000001" + iso7064_mod11_2("2026000001")
    assert number == "BJAJJ20260000014"
    assert has_valid_check_character(number) is True


def test_rule_check_covers_digits_of_the_authority_code():
    # given two authorities whose codes end in different digits
    first = format_certificate_number(authority_code="auth1", year=2026, serial=42)
    second = format_certificate_number(authority_code="auth2", year=2026, serial=42)
    # when / then the check characters reflect the code's digits too
    assert first == "AUTH12026000042" + iso7064_mod11_2("12026000042")
    assert second == "AUTH22026000042" + iso7064_mod11_2("22026000042")


def test_rule_check_character_catches_a_typo():
    # given a valid number with one digit mistyped
    number = format_certificate_number(authority_code="bj", year=2026, serial=123)
    typo = number[:-3] + str((int(number[-3]) + 1) % 10) + number[-2:]
    # when / then the check character no longer matches
    assert has_valid_check_character(typo) is False
    assert has_valid_check_character("nonsense") is False


def test_rule_serial_grows_past_six_digits():
    number = format_certificate_number(authority_code="bj", year=2026, serial=1_234_567)
    assert number.startswith("BJ20261234567")
    assert has_valid_check_character(number) is True


def test_rule_number_refuses_bad_input():
    with pytest.raises(ValueError, match="serial must be positive"):
        format_certificate_number(authority_code="bj", year=2026, serial=0)
    with pytest.raises(ValueError, match="no letters or digits"):
        format_certificate_number(authority_code="--", year=2026, serial=1)
    with pytest.raises(ValueError, match="too long"):
        format_certificate_number(authority_code="a" * 32, year=2026, serial=1)


def test_rule_default_number_does_not_embed_an_id():
    number = format_certificate_number(authority_code="110000", year=2026, serial=999_999)
    assert embedded_id_number(number) is None
    assert mask_certificate_number(number) == number


def test_rule_typed_numbers_are_normalised():
    assert normalize_certificate_number(" bj-2026 000001 4 ") == "BJ20260000014"


# --- Rule: a number that embeds an ID is masked in public ------------------------------


def test_rule_mask_number_that_embeds_an_id():
    # given a "T" + ID number
    id_number = _id_number()
    number = "T" + id_number
    # when it is masked
    masked = mask_certificate_number(number)
    # then the ID part keeps only its first 3 and last 4 characters
    assert embedded_id_number(number) == id_number
    assert masked == "T110***********" + id_number[-4:]
    assert id_number not in masked


def test_rule_mask_number_with_x_check_and_lower_case():
    id_number = "11010519491231002X"
    assert mask_certificate_number("t" + id_number.lower()) == "T110***********002X"


def test_rule_digits_that_are_not_an_id_stay_visible():
    # given 18 digits whose check character is wrong (not an ID number)
    first17 = "11010119900517123"
    wrong = "0" if check_character(first17) != "0" else "1"
    number = "T" + first17 + wrong
    # when / then nothing is masked
    assert embedded_id_number(number) is None
    assert mask_certificate_number(number) == number


# --- Order No. 30 corrections and the management kind ----------------------------------

from certificates.rules import (  # noqa: E402
    ReviewFailGround,
    add_working_days,
    practical_again_required,
    restorable_by_extension,
    review_decision_deadline,
    review_may_be_retried,
    working_days_left,
)


# Provincial practice: the management certificate runs 3 years and is renewed at expiry.
def test_management_certificate_dates():
    dates = certificate_dates(ISSUED, review_interval_years=None, validity_years=3)
    assert (dates.valid_until, dates.review_due) == (dt.date(2029, 3, 10), dt.date(2029, 3, 10))


# Order No. 30 arts. 25, 26: grounds (2)-(5) allow one retry after retraining and a new exam.
def test_review_failing_on_grounds_2_to_5_may_be_retried_once():
    assert review_may_be_retried([ReviewFailGround.EXAM, ReviewFailGround.TRAINING], attempt=1)
    assert review_may_be_retried(["violations"], attempt=1)
    assert not review_may_be_retried(["exam"], attempt=2)


# Order No. 30 arts. 25, 26: a failed health check (ground 1) lapses the certificate.
def test_review_failing_the_health_check_is_not_retried():
    assert not review_may_be_retried([ReviewFailGround.HEALTH, ReviewFailGround.EXAM], attempt=1)
    assert not review_may_be_retried([], attempt=1)


# Order No. 30 art. 24: the review is decided within 20 working days.
def test_review_decision_deadline_counts_working_days():
    applied = dt.date(2026, 12, 7)  # a Monday
    assert review_decision_deadline(applied) == dt.date(2027, 1, 4)
    holiday = frozenset({dt.date(2027, 1, 1)})
    assert review_decision_deadline(applied, holidays=holiday) == dt.date(2027, 1, 5)
    assert add_working_days(dt.date(2026, 12, 11), 1) == dt.date(2026, 12, 14)  # Friday -> Monday


# Order No. 30 art. 24: the desk's clock shows working days left, negative when overdue.
def test_working_days_left():
    deadline = dt.date(2027, 1, 4)
    assert working_days_left(deadline, dt.date(2026, 12, 28)) == 5
    assert working_days_left(deadline, deadline) == 0
    assert working_days_left(deadline, dt.date(2027, 1, 6)) == -2


# Order No. 30 art. 32: away more than 6 months -> the practical exam again.
def test_six_months_away_requires_the_practical_again():
    left = dt.date(2026, 1, 15)
    assert not practical_again_required(left_on=left, returned_on=dt.date(2026, 7, 15), today=dt.date(2026, 9, 1))
    assert practical_again_required(left_on=left, returned_on=dt.date(2026, 7, 16), today=dt.date(2026, 9, 1))
    assert practical_again_required(left_on=left, returned_on=None, today=dt.date(2026, 8, 1))


# Bulk extension in an emergency restores certificates that lapsed by date inside its window.
def test_bulk_extension_restores_only_lapsed_by_date_inside_the_window():
    window = {"window_start": dt.date(2026, 2, 1), "window_end": dt.date(2026, 4, 30)}
    inside = {"review_due": dt.date(2026, 3, 1), "valid_until": dt.date(2029, 3, 1)}
    assert restorable_by_extension(status="lapsed", lapsed_by_date=True, **inside, **window)
    assert not restorable_by_extension(status="lapsed", lapsed_by_date=False, **inside, **window)
    assert not restorable_by_extension(status="revoked", lapsed_by_date=True, **inside, **window)
    before = {"review_due": dt.date(2026, 1, 1), "valid_until": dt.date(2029, 3, 1)}
    assert not restorable_by_extension(status="lapsed", lapsed_by_date=True, **before, **window)
