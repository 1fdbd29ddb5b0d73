"""Deployment checks (``manage.py check``): a production SMS service with a missing key
or template id would fail only when the first person waits for their code."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

from .models import SmsKind

TENCENT_BACKEND = "accounts.tencent_sms.TencentCloudSMSBackend"
OFFLINE_BACKENDS = ("accounts.sms.ConsoleSMSBackend", "accounts.sms.LocmemSMSBackend")


@register()
def check_sms_settings(app_configs=None, **kwargs) -> list:
    problems: list = []
    if settings.SMS_BACKEND == TENCENT_BACKEND:
        for name in ("TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID", "SMS_SIGN_NAME"):
            if not getattr(settings, name, ""):
                problems.append(
                    Error(f"{name} is not set, but Tencent Cloud SMS is the SMS backend.", id="accounts.E001")
                )
        for kind in SmsKind.values:
            if not settings.SMS_TEMPLATES.get(kind):
                problems.append(
                    Error(
                        f"No SMS template id for {kind!r}: set SMS_TEMPLATE_{kind.upper()}.",
                        id="accounts.E002",
                    )
                )
    elif not settings.DEBUG and settings.SMS_BACKEND in (
        "accounts.sms.ConsoleSMSBackend",
        "accounts.sms.LocmemSMSBackend",
    ):
        problems.append(
            Warning(
                "Text messages go to the console: no verification code reaches a phone.",
                hint="Set TENCENT_SMS_SECRET_ID and the other TENCENT_SMS_* variables (see .env.example).",
                id="accounts.W001",
            )
        )
    return problems
