"""Text messages: ``send_sms`` is the one way any part of the platform sends one.

China's cloud SMS services send only templates approved in advance, with the signature
(签名) approved with them. So a message here is a *kind* (verification code, review
reminder, invitation, weekly digest ...) with named parameters: ``TEMPLATES`` says what
each kind reads and which parameters its approved template numbers {1}, {2} ...; the
environment says which template id each kind has (settings.SMS_TEMPLATES).

``send_sms`` checks the limits (per number and hour, per number and day, for the whole
site per day), writes the delivery log (``SmsDelivery``: masked number, keyed hash,
parameters with secrets masked, never the text) and hands the message to the backend
named by settings.SMS_BACKEND, as EMAIL_BACKEND names the mail backend: the console on
the embedded default, the in-memory outbox in tests, Tencent Cloud SMS in production
(``accounts.tencent_sms``). A message that does not leave raises ``SmsNotSent``, so a
caller that records "sent" in the same transaction (a reminder) rolls back and tries
again later.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, TextIO

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .encryption import lookup_hash
from .identity import mask_phone
from .models import SmsDelivery, SmsKind, User
from .phone import InvalidPhone, normalize_phone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsTemplate:
    """What a kind of message reads, and the parameters its approved template takes, in
    order. ``secret`` parameters are masked in the delivery log."""

    text: Promise
    params: tuple[str, ...] = ()
    secret: frozenset[str] = frozenset()


#: Every kind of message. The texts are what the templates approved by the SMS service
#: must read (README, "Text messages"); %(site)s is the site's address, fixed in the
#: approved template rather than sent as a parameter.
TEMPLATES: dict[str, SmsTemplate] = {
    SmsKind.VERIFICATION: SmsTemplate(
        _("您的验证码是 %(code)s，%(minutes)s 分钟内有效。请勿泄露给他人。"),
        params=("code", "minutes"),
        secret=frozenset({"code"}),
    ),
    SmsKind.ACCOUNT_EXISTS: SmsTemplate(_("该手机号已注册考证账户。如忘记密码，请在登录页选择“忘记密码”。")),
    SmsKind.UNKNOWN_ACCOUNT: SmsTemplate(_("有人请求用此手机号登录考证，但该号码未注册账户。如非本人操作，请忽略。")),
    SmsKind.REVIEW_REMINDER: SmsTemplate(
        _(
            "您的%(kind)s（%(subject)s）应于%(due)s前复审，请在到期前60日内提交复审申请"
            "并完成不少于8学时的复审培训。详情请登录 %(site)s 查看。"
        ),
        params=("kind", "subject", "due"),
    ),
    SmsKind.CERTIFICATE_NOTICE: SmsTemplate(
        _("您的%(kind)s（%(subject)s，%(number)s）%(what)s。详情请登录 %(site)s 查看。"),
        params=("kind", "subject", "number", "what"),
    ),
    SmsKind.INVITATION: SmsTemplate(
        _("%(employer)s邀请您加入其员工名册。请登录或注册 %(site)s，在“用人单位邀请”中确认或拒绝。"),
        params=("employer",),
    ),
    SmsKind.CLASS_INVITATION: SmsTemplate(
        _("%(organisation)s邀请您加入其培训班级。请用本手机号登录或注册 %(site)s/learn/invitations/ 确认或拒绝。"),
        params=("organisation",),
    ),
    SmsKind.DIGEST: SmsTemplate(
        _(
            "%(employer)s：30天内有%(due30)s项、60天内有%(due60)s项、90天内有%(due90)s项证书或培训到期，"
            "请登录 %(site)s 查看。"
        ),
        params=("employer", "due30", "due60", "due90"),
    ),
}

UNKNOWN_KIND = "unknown SMS kind %r: add it to SmsKind and accounts.sms.TEMPLATES"
LIMIT_MESSAGES = {
    "number_hour": _("发送到该手机号的短信过于频繁，请一小时后再试。"),
    "number_day": _("今天发送到该手机号的短信已达上限，请明天再试。"),
    "site_day": _("今天的短信发送量已达上限，请稍后再试或联系管理员。"),
}
GATEWAY_FAILED = _("短信发送失败，请稍后再试。")
PHONE_INVALID = _("手机号不正确，短信未发送。")


@dataclass(frozen=True)
class SMSMessage:
    """One message as a backend receives it (and the test outbox keeps it)."""

    phone: str
    #: The text as the phone shows it, signature first: what the approved template reads.
    message: str
    kind: str = ""
    #: The template's parameters, in its order: what a cloud service is sent.
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Receipt:
    """What the service said when it took the message."""

    message_id: str = ""
    fee: int | None = None


class SmsGatewayError(Exception):
    """The service refused the message or could not be reached (raised by backends)."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class SmsNotSent(Exception):
    """The message did not leave; ``str()`` says why in the user's language and
    ``delivery`` is its row in the log (None when the number itself was invalid)."""

    def __init__(self, message: str, *, code: str, delivery: SmsDelivery | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.delivery = delivery


class SmsLimitExceeded(SmsNotSent):
    """Refused by one of the limits: ``code`` is ``number_hour``, ``number_day`` or ``site_day``."""


# --- Backends ----------------------------------------------------------------------------


class BaseSMSBackend:
    """Sends one message; raises SmsGatewayError when it does not go."""

    #: What the delivery log calls this channel.
    name: ClassVar[str] = "base"

    def send(self, message: SMSMessage) -> Receipt:
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """Writes each message to stdout: the development default, no gateway needed."""

    name = "console"
    _lock = threading.Lock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SMSMessage) -> Receipt:
        line = f"[SMS {timezone.now():%Y-%m-%d %H:%M:%S}] to {message.phone}: {message.message}\n"
        with self._lock:
            self.stream.write(line)
            self.stream.flush()
        return Receipt()


class LocmemSMSBackend(BaseSMSBackend):
    """Keeps messages in `LocmemSMSBackend.outbox` for tests to read (like mail.outbox)."""

    name = "locmem"
    outbox: ClassVar[list[SMSMessage]] = []

    def send(self, message: SMSMessage) -> Receipt:
        self.outbox.append(message)
        return Receipt(message_id=f"locmem-{len(self.outbox)}")


def get_backend() -> BaseSMSBackend:
    return import_string(settings.SMS_BACKEND)()


# --- Sending -----------------------------------------------------------------------------


def render(kind: str, params: Mapping[str, object] | None = None) -> SMSMessage:
    """The message of ``kind`` with ``params``, addressed to nobody yet.

    Raises ValueError for an unknown kind or a missing parameter: both are mistakes in
    the calling code, never the user's.
    """
    template = TEMPLATES.get(kind)
    if template is None:
        raise ValueError(UNKNOWN_KIND % kind)
    params = params or {}
    missing = [name for name in template.params if name not in params]
    if missing:
        raise ValueError(f"SMS kind {kind!r} needs the parameters {missing}")
    values = {name: str(params[name]) for name in template.params}
    text = str(template.text) % {**values, "site": settings.SITE_URL}
    return SMSMessage(
        phone="",
        message=f"【{settings.SMS_SIGN_NAME}】{text}",
        kind=str(kind),
        params=tuple(values[name] for name in template.params),
    )


def send_sms(
    phone: str, kind: str, params: Mapping[str, object] | None = None, *, user: User | None = None
) -> SmsDelivery:
    """Send the message of ``kind`` to ``phone`` and log it; the log row is returned.

    Raises SmsLimitExceeded when a limit refuses it, SmsNotSent when the service does
    (both logged), and ValueError for an unknown kind or missing parameters.
    """
    outgoing = render(kind, params)
    try:
        number = normalize_phone(phone)
    except InvalidPhone as exc:
        raise SmsNotSent(str(PHONE_INVALID), code="invalid_phone") from exc
    message = SMSMessage(phone=number, message=outgoing.message, kind=outgoing.kind, params=outgoing.params)
    backend = get_backend()
    digest = lookup_hash(number)
    delivery = SmsDelivery(
        kind=message.kind,
        phone_masked=mask_phone(number),
        phone_hash=digest,
        user=user if user is not None and user.pk else None,
        backend=backend.name,
        template_id=settings.SMS_TEMPLATES.get(message.kind, ""),
        params=_logged_params(message),
    )
    broken = _count_against_limits(digest)
    if broken is not None:
        delivery.status = SmsDelivery.Status.REFUSED
        delivery.error_code = broken
        delivery.save()
        logger.warning("SMS %s to %s refused: limit %s", message.kind, delivery.phone_masked, broken)
        raise SmsLimitExceeded(str(LIMIT_MESSAGES[broken]), code=broken, delivery=delivery)
    try:
        receipt = backend.send(message)
    except SmsGatewayError as exc:
        delivery.status = SmsDelivery.Status.FAILED
        delivery.error_code = exc.code[:100]
        delivery.error_message = exc.message[:500]
        delivery.save()
        logger.warning("SMS %s to %s failed: %s", message.kind, delivery.phone_masked, exc)
        raise SmsNotSent(str(GATEWAY_FAILED), code=exc.code, delivery=delivery) from exc
    delivery.status = SmsDelivery.Status.SENT
    delivery.provider_message_id = receipt.message_id[:64]
    delivery.fee = receipt.fee
    delivery.save()
    return delivery


def _logged_params(message: SMSMessage) -> list[str]:
    secret = TEMPLATES[message.kind].secret
    names = TEMPLATES[message.kind].params
    return ["*" * len(value) if name in secret else value for name, value in zip(names, message.params, strict=True)]


def _limits() -> list[tuple[str, str, int, int]]:
    """(limit name, counter key suffix, maximum, seconds the counter lives); 0 = no limit."""
    now = timezone.localtime()
    return [
        ("number_hour", f"h{now:%Y%m%d%H}", settings.SMS_LIMIT_PER_NUMBER_HOUR, 3600),
        ("number_day", f"d{now:%Y%m%d}", settings.SMS_LIMIT_PER_NUMBER_DAY, 86400),
        ("site_day", f"d{now:%Y%m%d}", settings.SMS_LIMIT_PER_DAY, 86400),
    ]


def _count_against_limits(digest: str) -> str | None:
    """Count one message against every limit; the name of the first it would break.

    The counters live in the cache (Redis in production), where an increment is atomic,
    so two processes sending at once cannot both take the last message of a limit. A
    refused message is taken off the counters again.
    """
    counted: list[str] = []
    for name, window, maximum, lifetime in _limits():
        if maximum <= 0:
            continue
        key = f"sms-limit:{window}:site" if name == "site_day" else f"sms-limit:{window}:{digest}"
        cache.add(key, 0, timeout=lifetime)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=lifetime)
            count = 1
        counted.append(key)
        if count > maximum:
            for done in counted:
                try:
                    cache.decr(done)
                except ValueError:
                    pass
            return name
    return None


# --- Delivery reports --------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryReport:
    """What the service reports of one message: reached the phone or not, and when."""

    message_id: str
    delivered: bool
    at: dt.datetime | None = None
    error_code: str = ""
    error_message: str = ""


@transaction.atomic
def record_delivery_reports(reports: list[DeliveryReport]) -> int:
    """Write the services' reports onto the log; returns how many rows they matched.

    Reports come again when the service retries, and may name messages logged in a
    transaction that then rolled back: a repeat changes nothing, an unknown id is
    skipped. Rows are locked in id order, so two report batches never deadlock.
    """
    by_id = {report.message_id: report for report in reports if report.message_id}
    matched = 0
    rows = (
        SmsDelivery.objects.select_for_update()
        .filter(provider_message_id__in=list(by_id), status__in=[SmsDelivery.Status.SENT])
        .order_by("pk")
    )
    for delivery in rows:
        report = by_id[delivery.provider_message_id]
        delivery.status = SmsDelivery.Status.DELIVERED if report.delivered else SmsDelivery.Status.UNDELIVERED
        delivery.reported_at = report.at or timezone.now()
        delivery.error_code = report.error_code[:100]
        delivery.error_message = report.error_message[:500]
        delivery.save(update_fields=["status", "reported_at", "error_code", "error_message"])
        matched += 1
    return matched
