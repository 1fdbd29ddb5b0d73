"""Tencent Cloud SMS (腾讯云短信) through its official Python SDK, API version 2021-01-11.

Chosen over Alibaba Cloud's SDK because it needs nothing but ``requests`` (already here)
and sends each call as one signed HTTPS POST that its own transport makes, so the tests
run it against a local HTTP server and check the request it really sends.

Settings (from the environment, see .env.example): TENCENT_SMS_SECRET_ID,
TENCENT_SMS_SECRET_KEY, TENCENT_SMS_SDK_APP_ID, TENCENT_SMS_REGION, SMS_SIGN_NAME and
SMS_TEMPLATES (a template id per kind); TENCENT_SMS_ENDPOINT only to reach another host.

Delivery reports (短信回执): the service POSTs a JSON list to the callback URL set in its
console, ``/hooks/sms/tencent/<SMS_CALLBACK_TOKEN>``. It does not sign them, so the
secret token in the URL is what tells them from forgeries (accounts.views).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from .sms import BaseSMSBackend, DeliveryReport, Receipt, SmsGatewayError, SMSMessage

#: What the service answers with when it took the message.
OK = "Ok"
#: Reports give their time in China Standard Time, without a zone.
REPORT_TIME_ZONE = ZoneInfo("Asia/Shanghai")
REPORT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_REPORTS = 1000


class TencentCloudSMSBackend(BaseSMSBackend):
    name = "tencent"

    def send(self, message: SMSMessage) -> Receipt:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        template_id = settings.SMS_TEMPLATES.get(message.kind, "")
        if not template_id:
            raise SmsGatewayError("TemplateNotConfigured", f"no template id for {message.kind}")
        http_profile = HttpProfile(
            protocol=settings.TENCENT_SMS_PROTOCOL,
            endpoint=settings.TENCENT_SMS_ENDPOINT or None,
            reqTimeout=settings.TENCENT_SMS_TIMEOUT,
        )
        client = sms_client.SmsClient(
            credential.Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http_profile),
        )
        request = models.SendSmsRequest()
        request.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_id
        request.TemplateParamSet = list(message.params)
        request.PhoneNumberSet = [f"+86{message.phone}"]
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise SmsGatewayError(str(exc.get_code() or "ClientError"), str(exc.get_message() or "")) from exc
        statuses = response.SendStatusSet or []
        if len(statuses) != 1:
            raise SmsGatewayError("UnexpectedResponse", f"{len(statuses)} send statuses for one number")
        status = statuses[0]
        if status.Code != OK:
            raise SmsGatewayError(str(status.Code or "UnknownError"), str(status.Message or ""))
        return Receipt(message_id=str(status.SerialNo or ""), fee=status.Fee)


class MalformedReport(ValueError):
    """The body is not a list of Tencent Cloud delivery reports."""


def parse_reports(body: bytes) -> list[DeliveryReport]:
    """The reports in a callback body: a JSON list of objects with ``sid`` (the
    SerialNo a send returned), ``report_status`` (SUCCESS or FAIL), ``user_receive_time``,
    ``errmsg`` and ``description``."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedReport("not JSON") from exc
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or len(data) > MAX_REPORTS:
        raise MalformedReport("not a list of reports")
    reports = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("sid"), str):
            raise MalformedReport("a report without sid")
        delivered = item.get("report_status") == "SUCCESS"
        reports.append(
            DeliveryReport(
                message_id=item["sid"][:64],
                delivered=delivered,
                at=_report_time(item.get("user_receive_time")),
                error_code="" if delivered else str(item.get("errmsg") or "")[:100],
                error_message="" if delivered else str(item.get("description") or "")[:500],
            )
        )
    return reports


def _report_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.strptime(value, REPORT_TIME_FORMAT).replace(tzinfo=REPORT_TIME_ZONE)
    except ValueError:
        return None
