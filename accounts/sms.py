"""Text messages (verification codes) through a pluggable backend.

settings.SMS_BACKEND names the class by dotted path, as EMAIL_BACKEND does for mail:
the console backend on the embedded default, the in-memory one in tests, a gateway
(Aliyun, Tencent Cloud...) in production.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import ClassVar, TextIO

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SMSMessage:
    phone: str
    message: str


class BaseSMSBackend:
    """Send one text message; raise on failure so the caller's transaction can roll back."""

    def send(self, *, phone: str, message: str) -> None:
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """Writes each message to stdout: the development default, no gateway needed."""

    _lock = threading.Lock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, *, phone: str, message: str) -> None:
        line = f"[SMS {timezone.now():%Y-%m-%d %H:%M:%S}] to {phone}: {message}\n"
        with self._lock:
            self.stream.write(line)
            self.stream.flush()


class LocmemSMSBackend(BaseSMSBackend):
    """Keeps messages in `LocmemSMSBackend.outbox` for tests to read (like mail.outbox)."""

    outbox: ClassVar[list[SMSMessage]] = []

    def send(self, *, phone: str, message: str) -> None:
        self.outbox.append(SMSMessage(phone=phone, message=message))


def get_backend() -> BaseSMSBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(phone: str, message: str) -> None:
    get_backend().send(phone=phone, message=str(message))
