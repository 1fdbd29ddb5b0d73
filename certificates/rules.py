"""Certificate rules: dates, the status a verifier sees, and certificate numbers.

Pure functions over dataclasses, no database. The national rule (order No. 30): a
certificate is valid 6 years nationwide and reviewed every 3 years; review is applied
for in the 60 days before it falls due, and a certificate not reviewed in time lapses.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.identity import InvalidIdNumber, mask_id_number, parse_id_number

VALIDITY_YEARS = 6
REVIEW_INTERVAL_YEARS = 3
#: A holder with 10+ years of clean work in the type may have review extended to 6 years.
EXTENDED_REVIEW_INTERVAL_YEARS = 6
REVIEW_WINDOW_DAYS = 60

# --- Dates ------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class CertificateDates:
    issued_on: dt.date
    valid_until: dt.date
    review_due: dt.date


def certificate_dates(issued_on: dt.date, *, review_interval_years: int = REVIEW_INTERVAL_YEARS) -> CertificateDates:
    """Validity runs 6 years from issue; the first review falls due 3 years from issue."""
    valid_until = add_years(issued_on, VALIDITY_YEARS)
    review_due = min(add_years(issued_on, review_interval_years), valid_until)
    return CertificateDates(issued_on=issued_on, valid_until=valid_until, review_due=review_due)


# --- Status shown to verifiers ---------------------------------------------------------


class DisplayStatus(enum.StrEnum):
    VALID = "valid"
    REVIEW_DUE_SOON = "review_due_soon"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    CANCELLED = "cancelled"
    REPLACED = "replaced"


DISPLAY_STATUS_LABELS = {
    DisplayStatus.VALID: _("有效"),
    DisplayStatus.REVIEW_DUE_SOON: _("有效（即将复审）"),
    DisplayStatus.LAPSED: _("失效"),
    DisplayStatus.SUSPENDED: _("暂扣"),
    DisplayStatus.REVOKED: _("撤销"),
    DisplayStatus.CANCELLED: _("注销"),
    DisplayStatus.REPLACED: _("已换发"),
}

#: CSS classes for the status badge; a certificate due for review is still valid.
DISPLAY_STATUS_CLASSES = {
    DisplayStatus.VALID: "valid",
    DisplayStatus.REVIEW_DUE_SOON: "valid review-due",
    DisplayStatus.LAPSED: "lapsed",
    DisplayStatus.SUSPENDED: "suspended",
    DisplayStatus.REVOKED: "revoked",
    DisplayStatus.CANCELLED: "cancelled",
    DisplayStatus.REPLACED: "cancelled",
}

_STORED_TERMINAL = {
    "revoked": DisplayStatus.REVOKED,
    "cancelled": DisplayStatus.CANCELLED,
    "replaced": DisplayStatus.REPLACED,
    "lapsed": DisplayStatus.LAPSED,
}


@dataclass(frozen=True)
class CertificateState:
    """What the status depends on: the stored status and the two dates that expire."""

    status: str
    valid_until: dt.date
    review_due: dt.date


def display_status(state: CertificateState, today: dt.date) -> DisplayStatus:
    """The status a verifier sees today.

    A stored end state (revoked, cancelled, replaced, lapsed) wins; then a certificate
    past its validity or past its review date without a review has lapsed, even before
    a job records that; then a suspension; then "due soon" within the review window.
    """
    if state.status in _STORED_TERMINAL:
        return _STORED_TERMINAL[state.status]
    if today > state.valid_until or today > state.review_due:
        return DisplayStatus.LAPSED
    if state.status == "suspended":
        return DisplayStatus.SUSPENDED
    if today >= state.review_due - dt.timedelta(days=REVIEW_WINDOW_DAYS):
        return DisplayStatus.REVIEW_DUE_SOON
    return DisplayStatus.VALID


def is_in_force(status: DisplayStatus) -> bool:
    """Whether the holder may do the work on this certificate today."""
    return status in (DisplayStatus.VALID, DisplayStatus.REVIEW_DUE_SOON)


# --- Numbers ----------------------------------------------------------------------------

_CHECK_CHARS = "0123456789X"
_ID_WINDOW = re.compile(r"(?=(\d{17}[\dX]))")
_SERIAL_NUMBER = re.compile(r"^[A-Z0-9]+\d{10}[\dX]$")
NUMBER_MAX_LENGTH = 40


def iso7064_mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character (0-9 or X) over a string of digits.

    The same scheme as the resident identity number's last character, so clerks and
    readers already know it; it catches every single-digit error and adjacent swap.
    """
    if not digits.isdigit():
        raise ValueError("digits only")
    remainder = 0
    for char in digits:
        remainder = ((remainder + int(char)) * 2) % 11
    return _CHECK_CHARS[(12 - remainder) % 11]


def authority_prefix(authority_code: str) -> str:
    """The authority's code as it appears in a number: letters and digits, upper case."""
    prefix = re.sub(r"[^0-9A-Za-z]", "", authority_code).upper()
    if not prefix:
        raise ValueError("authority code has no letters or digits")
    return prefix


def format_certificate_number(*, authority_code: str, year: int, serial: int) -> str:
    """The default number: authority code + year + 6-digit serial + check character.

    It says who issued the certificate and when, and nothing about the holder.
    """
    if serial < 1 or not 1000 <= year <= 9999:
        raise ValueError("serial must be positive and the year four digits")
    body = f"{authority_prefix(authority_code)}{year:04d}{serial:06d}"
    number = body + _check_character(body)
    if len(number) > NUMBER_MAX_LENGTH:
        raise ValueError("certificate number too long; shorten the authority code")
    return number


def _check_character(body: str) -> str:
    """Over every digit of the number, the authority code's included, so the check does
    not depend on where the code ends and the year begins."""
    return iso7064_mod11_2("".join(char for char in body if char.isdigit()))


def normalize_certificate_number(raw: str) -> str:
    """What people type: spaces, hyphens and lower case are forgiven."""
    return re.sub(r"[\s\-]", "", raw or "").upper()


def has_valid_check_character(number: str) -> bool:
    """Whether a default-format number's last character matches its digits."""
    normalized = normalize_certificate_number(number)
    if not _SERIAL_NUMBER.match(normalized):
        return False
    return _check_character(normalized[:-1]) == normalized[-1]


def embedded_id_number(number: str) -> str | None:
    """The resident ID number inside a number such as "T" + ID, if there is one."""
    for candidate in _ID_WINDOW.findall(normalize_certificate_number(number)):
        try:
            return parse_id_number(candidate).value
        except InvalidIdNumber:
            continue
    return None


def mask_certificate_number(number: str) -> str:
    """A number that embeds an ID is as sensitive as the ID: mask that part in public."""
    id_number = embedded_id_number(number)
    if id_number is None:
        return number
    normalized = normalize_certificate_number(number)
    return normalized.replace(id_number, mask_id_number(id_number), 1)


# --- The public record ----------------------------------------------------------------


@dataclass(frozen=True)
class PublicRecord:
    """What anyone may learn about a certificate: nothing that identifies the holder."""

    number: str
    status: DisplayStatus
    holder_masked: str
    holder_id_masked: str
    operation_category: str
    operation_type_code: str
    operation_type_name: str
    first_issued_on: dt.date
    issued_on: dt.date
    valid_until: dt.date
    review_due: dt.date
    issuer: str

    @property
    def status_label(self) -> str:
        return str(DISPLAY_STATUS_LABELS[self.status])

    @property
    def status_class(self) -> str:
        return DISPLAY_STATUS_CLASSES[self.status]

    @property
    def in_force(self) -> bool:
        return is_in_force(self.status)
