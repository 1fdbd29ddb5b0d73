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

from accounts.dates import add_months, add_years
from accounts.identity import InvalidIdNumber, mask_id_number, parse_id_number

VALIDITY_YEARS = 6
REVIEW_INTERVAL_YEARS = 3
#: A holder with 10+ years of clean work in the type may have review extended to 6 years.
EXTENDED_REVIEW_INTERVAL_YEARS = 6
REVIEW_WINDOW_DAYS = 60

# --- Dates (calendar arithmetic: accounts.dates) ---------------------------------------


@dataclass(frozen=True)
class CertificateDates:
    issued_on: dt.date
    valid_until: dt.date
    review_due: dt.date


def certificate_dates(
    issued_on: dt.date,
    *,
    review_interval_years: int | None = REVIEW_INTERVAL_YEARS,
    validity_years: int = VALIDITY_YEARS,
) -> CertificateDates:
    """Special operations: validity runs 6 years from issue and the first review falls due
    3 years from issue (order No. 30 arts. 19, 21). With no review interval (the management
    kind: 3 years, renewed by an exam before expiry) the renewal falls due at expiry."""
    valid_until = add_years(issued_on, validity_years)
    if review_interval_years is None:
        return CertificateDates(issued_on=issued_on, valid_until=valid_until, review_due=valid_until)
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


def id_certificate_number(id_number: str) -> str:
    """Rule (authority setting): "T" followed by the holder's resident ID number."""
    return "T" + parse_id_number(id_number).value


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
    #: The qualification kind's code (``special_operation`` or ``management``) and name.
    kind: str = "special_operation"
    kind_name: str = ""
    #: Order No. 30 art. 32: away from the work more than 6 months, practical exam again.
    practical_again: bool = False

    @property
    def status_label(self) -> str:
        return str(DISPLAY_STATUS_LABELS[self.status])

    @property
    def status_class(self) -> str:
        return DISPLAY_STATUS_CLASSES[self.status]

    @property
    def in_force(self) -> bool:
        return is_in_force(self.status)


# --- Lifecycle ---------------------------------------------------------------------------
# Order No. 30, chapter IV (review) and chapter V (supervision): what may happen to a
# certificate, and when. Each function names the rule it implements; tests cite them.


class Action(enum.StrEnum):
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    REVOKE = "revoke"
    CANCEL = "cancel"
    LAPSE = "lapse"
    REPLACE = "replace"
    UPDATE = "update"
    EXTEND = "extend"
    REVIEW = "review"


class TransitionNotAllowed(ValueError):
    """The action does not apply to a certificate in this state; nothing was changed."""


#: Stored status -> action -> stored status after it. Revoked, cancelled, lapsed and
#: replaced certificates are final: nothing happens to them any more.
_TRANSITIONS: dict[str, dict[Action, str]] = {
    "valid": {
        Action.SUSPEND: "suspended",
        Action.REVOKE: "revoked",
        Action.CANCEL: "cancelled",
        Action.LAPSE: "lapsed",
        Action.REPLACE: "valid",
        Action.UPDATE: "valid",
        Action.EXTEND: "valid",
        Action.REVIEW: "valid",
    },
    "suspended": {
        Action.REINSTATE: "valid",
        Action.REVOKE: "revoked",
        Action.CANCEL: "cancelled",
        Action.LAPSE: "lapsed",
        Action.EXTEND: "suspended",
    },
}

TRANSITION_MESSAGES = {
    Action.SUSPEND: _("只有有效的证书可以暂扣。"),
    Action.REINSTATE: _("只有被暂扣的证书可以恢复。"),
    Action.REVOKE: _("该证书已终止，不能撤销。"),
    Action.CANCEL: _("该证书已终止，不能注销。"),
    Action.LAPSE: _("该证书已终止。"),
    Action.REPLACE: _("只有有效的证书可以补发。"),
    Action.UPDATE: _("只有有效的证书可以变更信息。"),
    Action.EXTEND: _("该证书已终止，不能延期。"),
    Action.REVIEW: _("只有有效的证书可以复审。"),
}


def next_status(status: str, action: Action) -> str:
    """The stored status after ``action``; raises TransitionNotAllowed if it does not apply.

    Rule: a suspended certificate is neither replaced, updated nor reviewed until it is
    reinstated; revoked, cancelled, lapsed and replaced certificates are final (a
    lapsed holder sits the exam again, Order No. 30 art. 26).
    """
    try:
        return _TRANSITIONS[status][action]
    except KeyError:
        raise TransitionNotAllowed(str(TRANSITION_MESSAGES[action])) from None


class RevocationGround(enum.StrEnum):
    """Order No. 30 art. 30: when the authority revokes a certificate."""

    NOT_REVIEWED = "not_reviewed"
    UNFIT = "unfit"
    ACCIDENT = "accident"
    FALSE_RECORD = "false_record"
    FRAUD = "fraud"


REVOCATION_GROUND_LABELS = {
    RevocationGround.NOT_REVIEWED: _("超过有效期未延期复审"),
    RevocationGround.UNFIT: _("身体条件已不适合继续从事特种作业"),
    RevocationGround.ACCIDENT: _("对发生生产安全事故负有责任"),
    RevocationGround.FALSE_RECORD: _("证书记载虚假信息"),
    RevocationGround.FRAUD: _("以欺骗、贿赂等不正当手段取得证书"),
}

#: The ExamBan reason (accounts) that each banning ground maps to.
_BANNING_GROUNDS = {
    RevocationGround.FRAUD: "fraud",
    RevocationGround.FALSE_RECORD: "fraud",
}
EXAM_BAN_YEARS = 3


def exam_ban_reason(ground: RevocationGround) -> str | None:
    """Rule (order No. 30 art. 30): only a revocation for false information on the
    certificate or for obtaining it by fraud or bribery bars the holder from applying
    again for 3 years; the other grounds (an accident among them) bar nothing."""
    return _BANNING_GROUNDS.get(ground)


class CancellationGround(enum.StrEnum):
    """Order No. 30 art. 31: when the authority cancels a certificate."""

    DECEASED = "deceased"
    HOLDER_REQUEST = "holder_request"
    INCAPACITATED = "incapacitated"
    OTHER = "other"


CANCELLATION_GROUND_LABELS = {
    CancellationGround.DECEASED: _("持证人死亡"),
    CancellationGround.HOLDER_REQUEST: _("持证人提出注销申请"),
    CancellationGround.INCAPACITATED: _("持证人丧失完全民事行为能力"),
    CancellationGround.OTHER: _("其他"),
}


class ReplacementReason(enum.StrEnum):
    LOST = "lost"
    DAMAGED = "damaged"


REPLACEMENT_REASON_LABELS = {ReplacementReason.LOST: _("遗失"), ReplacementReason.DAMAGED: _("损毁")}


# --- Review ------------------------------------------------------------------------------

#: Review training: at least 8 hours (Order No. 30 art. 23).
REVIEW_TRAINING_HOURS = 8
#: Years of continuous, clean work in the type after which review may be every 6 years.
CLEAN_RECORD_YEARS = 10
#: Reminders go out this many days before review falls due (the application window).
REMINDER_DAYS = REVIEW_WINDOW_DAYS


def review_window(review_due: dt.date) -> tuple[dt.date, dt.date]:
    """Rule: review is applied for in the 60 days before it falls due (both ends included)."""
    return review_due - dt.timedelta(days=REVIEW_WINDOW_DAYS), review_due


def can_apply_for_review(review_due: dt.date, today: dt.date) -> bool:
    start, end = review_window(review_due)
    return start <= today <= end


def reminder_due(review_due: dt.date, today: dt.date) -> bool:
    """Rule: remind the holder once the 60-day review window has opened, until it closes."""
    return can_apply_for_review(review_due, today)


class ReviewFailGround(enum.StrEnum):
    """PRODUCT.md / Order No. 30 art. 25: why a review fails."""

    HEALTH = "health"
    VIOLATIONS = "violations"
    PENALTY = "penalty"
    OBSTRUCTION = "obstruction"
    TRAINING = "training"
    EXAM = "exam"


REVIEW_FAIL_GROUND_LABELS = {
    ReviewFailGround.HEALTH: _("健康体检不合格"),
    ReviewFailGround.VIOLATIONS: _("违章操作造成严重后果或者有2次以上违章行为，并经查证确实"),
    ReviewFailGround.PENALTY: _("有安全生产违法行为，并给予行政处罚"),
    ReviewFailGround.OBSTRUCTION: _("拒绝、阻碍安全生产监管监察部门监督检查"),
    ReviewFailGround.TRAINING: _("未按规定参加安全培训"),
    ReviewFailGround.EXAM: _("复审考试不合格"),
}


@dataclass(frozen=True)
class ReviewFacts:
    """What the authority knows when it decides a review."""

    health_check_passed: bool
    verified_violations: int
    administrative_penalty: bool
    obstructed_inspection: bool
    training_hours: float
    exam_passed: bool


def review_fail_grounds(facts: ReviewFacts) -> list[ReviewFailGround]:
    """Rule (PRODUCT.md, review): the grounds on which this review fails; empty means it passes.

    Fails on a failed health check, two or more verified violations, an administrative
    penalty, obstructing inspection, or missed review training (< 8 h) or exam.
    """
    grounds = []
    if not facts.health_check_passed:
        grounds.append(ReviewFailGround.HEALTH)
    if facts.verified_violations >= 2:
        grounds.append(ReviewFailGround.VIOLATIONS)
    if facts.administrative_penalty:
        grounds.append(ReviewFailGround.PENALTY)
    if facts.obstructed_inspection:
        grounds.append(ReviewFailGround.OBSTRUCTION)
    if facts.training_hours < REVIEW_TRAINING_HOURS:
        grounds.append(ReviewFailGround.TRAINING)
    if not facts.exam_passed:
        grounds.append(ReviewFailGround.EXAM)
    return grounds


def dates_after_review(
    *, review_due: dt.date, valid_until: dt.date, interval_years: int | None, validity_years: int = VALIDITY_YEARS
) -> tuple[dt.date, dt.date]:
    """Rule: a passed review sets the next review ``interval_years`` on (3, or 6 with the
    clean-record extension), never past validity; the review at the end of validity
    (延期换证) extends validity by 6 years. The management kind (no interval) is renewed
    at expiry for another 3 years. Returns (review_due, valid_until)."""
    if review_due >= valid_until:
        valid_until = add_years(valid_until, validity_years)
    if interval_years is None:
        return valid_until, valid_until
    return min(add_years(review_due, interval_years), valid_until), valid_until


def clean_record_extension_allowed(*, first_issued_on: dt.date, today: dt.date, clean: bool) -> bool:
    """Rule: 10+ years of continuous work in the type with a clean record lets the
    authority extend the review interval to 6 years."""
    return clean and add_years(first_issued_on, CLEAN_RECORD_YEARS) <= today


def review_due_with_interval(*, last_reviewed_on: dt.date, valid_until: dt.date, interval_years: int) -> dt.date:
    """The review date under a (new) interval, counted from the last review or issue."""
    return min(add_years(last_reviewed_on, interval_years), valid_until)


def lapse_due(state: CertificateState, today: dt.date) -> bool:
    """Rule: a valid or suspended certificate not reviewed by its review date, or past
    its validity, has lapsed (the nightly job records what display_status shows)."""
    return state.status in ("valid", "suspended") and (today > state.review_due or today > state.valid_until)


def extended_dates(*, review_due: dt.date, valid_until: dt.date, until: dt.date) -> tuple[dt.date, dt.date]:
    """Rule (bulk extension by the regulator): move the review date, and validity if it
    would end sooner, to ``until``; never shorten either."""
    return max(review_due, until), max(valid_until, until)


# --- Order No. 30 corrections: review retry, decision clock, six months away ----------

#: Art. 25 (2)-(5): violations, a penalty, obstruction, missed training or a failed exam.
#: On these the holder retrains, resits and applies again (art. 26).
RETRIABLE_REVIEW_GROUNDS = frozenset(
    {
        ReviewFailGround.VIOLATIONS,
        ReviewFailGround.PENALTY,
        ReviewFailGround.OBSTRUCTION,
        ReviewFailGround.TRAINING,
        ReviewFailGround.EXAM,
    }
)
#: The review applications a holder has for one review date: the first and one retry.
REVIEW_ATTEMPTS = 2


def review_may_be_retried(grounds: list[ReviewFailGround] | list[str], *, attempt: int) -> bool:
    """Rule (order No. 30 arts. 25, 26): a first review that fails only on grounds (2)-(5)
    of art. 25 may be retried after retraining and a new exam; the certificate does not
    lapse. A failed health check (ground 1), or a failed retry, lapses it."""
    return (
        attempt < REVIEW_ATTEMPTS
        and bool(grounds)
        and all(ReviewFailGround(ground) in RETRIABLE_REVIEW_GROUNDS for ground in grounds)
    )


#: Art. 24: the authority decides a review within 20 working days of the application.
REVIEW_DECISION_WORKING_DAYS = 20


def add_working_days(start: dt.date, days: int, *, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    """The day ``days`` working days (Monday to Friday, not a listed holiday) after ``start``."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day


def review_decision_deadline(applied_on: dt.date, *, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    """Rule (order No. 30 art. 24): a review is decided within 20 working days of the application."""
    return add_working_days(applied_on, REVIEW_DECISION_WORKING_DAYS, holidays=holidays)


def working_days_left(deadline: dt.date, today: dt.date, *, holidays: frozenset[dt.date] = frozenset()) -> int:
    """Working days from ``today`` to ``deadline`` (negative once it has passed): the desk's clock."""
    start, end, sign = (today, deadline, 1) if today <= deadline else (deadline, today, -1)
    count = sum(
        1
        for offset in range(1, (end - start).days + 1)
        if (start + dt.timedelta(days=offset)).weekday() < 5 and start + dt.timedelta(days=offset) not in holidays
    )
    return sign * count


#: Art. 32: away from the work longer than this, the practical exam is taken again.
AWAY_MONTHS = 6


def practical_again_required(*, left_on: dt.date, returned_on: dt.date | None, today: dt.date) -> bool:
    """Rule (order No. 30 art. 32): a worker away from the special operation for more than
    6 months takes the practical exam again before returning to it."""
    return add_months(left_on, AWAY_MONTHS) < (returned_on or today)


def restorable_by_extension(
    *,
    status: str,
    lapsed_by_date: bool,
    review_due: dt.date,
    valid_until: dt.date,
    window_start: dt.date,
    window_end: dt.date,
) -> bool:
    """Rule (bulk extension in an emergency): a certificate that lapsed only because its
    review or validity date fell inside the window the extension names (not by a failed
    review or an authority's decision) is restored and extended with the others."""
    if status != "lapsed" or not lapsed_by_date:
        return False
    lapsed_on = min(review_due, valid_until) + dt.timedelta(days=1)
    return window_start <= lapsed_on <= window_end
