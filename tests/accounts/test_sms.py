"""send_sms: kinds and templates, the limits, the delivery log and its reports, the
backends and how the environment chooses one."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.utils import timezone

from accounts.encryption import lookup_hash
from accounts.models import SmsDelivery
from accounts.sms import (
    BaseSMSBackend,
    ConsoleSMSBackend,
    DeliveryReport,
    LocmemSMSBackend,
    SmsGatewayError,
    SmsLimitExceeded,
    SMSMessage,
    SmsNotSent,
    get_backend,
    record_delivery_reports,
    send_sms,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _delivery_rows():
    return list(SmsDelivery.objects.order_by("pk").values_list("kind", "phone_masked", "status", "error_code"))


def test_send_sms_renders_the_kind_and_logs_it_without_the_code(sms_outbox):
    # given
    worker = UserFactory(phone="13912345678")

    # when
    delivery = send_sms("139 1234 5678", "verification", {"code": "246810", "minutes": 15}, user=worker)

    # then the backend got the number, the text and the template's parameters in order
    assert sms_outbox == [
        SMSMessage(
            phone="13912345678",
            message="【考证】您的验证码是 246810，15 分钟内有效。请勿泄露给他人。",
            kind="verification",
            params=("246810", "15"),
        )
    ]
    # and the log keeps who and what, never the code or the number in clear
    delivery.refresh_from_db()
    assert (delivery.kind, delivery.phone_masked, delivery.user, delivery.backend, delivery.status) == (
        "verification",
        "139****5678",
        worker,
        "locmem",
        "sent",
    )
    assert delivery.params == ["******", "15"]
    assert delivery.phone_hash == lookup_hash("13912345678")
    assert delivery.provider_message_id == "locmem-1"
    assert "246810" not in json.dumps(list(SmsDelivery.objects.values()), default=str)


def test_an_unknown_kind_is_a_programming_error_and_nothing_is_sent(sms_outbox):
    with pytest.raises(ValueError, match="unknown SMS kind '验证码 123456'"):
        send_sms("13912345678", "验证码 123456")
    assert sms_outbox == []
    assert SmsDelivery.objects.count() == 0


def test_a_missing_parameter_is_a_programming_error(sms_outbox):
    with pytest.raises(ValueError, match=r"needs the parameters \['minutes'\]"):
        send_sms("13912345678", "verification", {"code": "1"})
    assert sms_outbox == []
    assert SmsDelivery.objects.count() == 0


def test_an_invalid_number_is_not_sent_and_says_so_in_chinese(sms_outbox):
    with pytest.raises(SmsNotSent) as excinfo:
        send_sms("12345", "account_exists")
    assert (str(excinfo.value), excinfo.value.code, excinfo.value.delivery) == (
        "手机号不正确，短信未发送。",
        "invalid_phone",
        None,
    )
    assert sms_outbox == []
    assert SmsDelivery.objects.count() == 0


def test_the_hourly_limit_per_number_refuses_and_logs_the_refusal(settings, sms_outbox):
    # given
    settings.SMS_LIMIT_PER_NUMBER_HOUR = 2
    send_sms("13912345678", "account_exists")
    send_sms("13912345678", "account_exists")

    # when
    with pytest.raises(SmsLimitExceeded) as excinfo:
        send_sms("13912345678", "account_exists")

    # then
    assert str(excinfo.value) == "发送到该手机号的短信过于频繁，请一小时后再试。"
    assert excinfo.value.code == "number_hour"
    assert len(sms_outbox) == 2
    assert _delivery_rows()[-1] == ("account_exists", "139****5678", "refused", "number_hour")
    # and another number is not held back by this one
    send_sms("13700000000", "account_exists")
    assert [sms.phone for sms in sms_outbox][-1] == "13700000000"


def test_the_daily_limit_per_number_outlasts_the_hour(settings, sms_outbox, monkeypatch):
    # given two messages at 09:xx, the daily limit being 2
    settings.SMS_LIMIT_PER_NUMBER_HOUR = 5
    settings.SMS_LIMIT_PER_NUMBER_DAY = 2
    nine = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 15))
    monkeypatch.setattr(timezone, "now", lambda: nine)
    send_sms("13912345678", "account_exists")
    send_sms("13912345678", "account_exists")

    # when the third is asked for an hour later
    monkeypatch.setattr(timezone, "now", lambda: nine + dt.timedelta(hours=1))
    with pytest.raises(SmsLimitExceeded) as excinfo:
        send_sms("13912345678", "account_exists")

    # then
    assert str(excinfo.value) == "今天发送到该手机号的短信已达上限，请明天再试。"
    assert len(sms_outbox) == 2
    # and the next day it goes again
    monkeypatch.setattr(timezone, "now", lambda: nine + dt.timedelta(days=1))
    send_sms("13912345678", "account_exists")
    assert len(sms_outbox) == 3


def test_a_refused_message_does_not_use_up_the_other_limits(settings, sms_outbox, monkeypatch):
    # given one message allowed per hour and two per day
    settings.SMS_LIMIT_PER_NUMBER_HOUR = 1
    settings.SMS_LIMIT_PER_NUMBER_DAY = 2
    nine = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 15))
    monkeypatch.setattr(timezone, "now", lambda: nine)
    send_sms("13912345678", "account_exists")
    with pytest.raises(SmsLimitExceeded):
        send_sms("13912345678", "account_exists")  # refused by the hour

    # when the next hour comes
    monkeypatch.setattr(timezone, "now", lambda: nine + dt.timedelta(hours=1))
    send_sms("13912345678", "account_exists")

    # then the refused one did not count against the day
    assert len(sms_outbox) == 2


def test_the_sites_daily_limit_counts_every_number(settings, sms_outbox):
    settings.SMS_LIMIT_PER_DAY = 2
    send_sms("13900000001", "account_exists")
    send_sms("13900000002", "account_exists")
    with pytest.raises(SmsLimitExceeded) as excinfo:
        send_sms("13900000003", "account_exists")
    assert excinfo.value.code == "site_day"
    assert str(excinfo.value) == "今天的短信发送量已达上限，请稍后再试或联系管理员。"
    assert [sms.phone for sms in sms_outbox] == ["13900000001", "13900000002"]


def test_a_limit_of_zero_is_no_limit(settings, sms_outbox):
    settings.SMS_LIMIT_PER_NUMBER_HOUR = 0
    settings.SMS_LIMIT_PER_NUMBER_DAY = 0
    for _ in range(12):
        send_sms("13912345678", "account_exists")
    assert len(sms_outbox) == 12


class BrokenBackend(BaseSMSBackend):
    name = "broken"

    def send(self, message):
        raise SmsGatewayError("InternalError", "服务内部错误")


def test_a_gateway_failure_is_logged_and_raised_with_a_message_for_the_user(settings, sms_outbox):
    # given
    settings.SMS_BACKEND = f"{__name__}.BrokenBackend"

    # when
    with pytest.raises(SmsNotSent) as excinfo:
        send_sms("13912345678", "account_exists")

    # then
    assert (str(excinfo.value), excinfo.value.code) == ("短信发送失败，请稍后再试。", "InternalError")
    delivery = excinfo.value.delivery
    assert (delivery.status, delivery.backend, delivery.error_code, delivery.error_message) == (
        "failed",
        "broken",
        "InternalError",
        "服务内部错误",
    )


def test_console_backend_writes_the_message_to_its_stream():
    # given
    stream = io.StringIO()

    # when
    ConsoleSMSBackend(stream=stream).send(SMSMessage(phone="13912345678", message="【考证】验证码 654321"))

    # then
    line = stream.getvalue()
    assert line.startswith("[SMS ")
    assert line.endswith("] to 13912345678: 【考证】验证码 654321\n")


def test_console_backend_is_selected_by_setting(settings, capsys, sms_outbox):
    # given
    settings.SMS_BACKEND = "accounts.sms.ConsoleSMSBackend"

    # when
    send_sms("13700000000", "unknown_account")

    # then
    assert isinstance(get_backend(), ConsoleSMSBackend)
    assert "to 13700000000: 【考证】有人请求用此手机号登录考证" in capsys.readouterr().out
    assert sms_outbox == []
    assert _delivery_rows() == [("unknown_account", "137****0000", "sent", "")]
    assert LocmemSMSBackend.outbox is sms_outbox


def _backend_chosen_by(environment: dict[str, str]) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SMS_", "TENCENT_SMS_"))}
    env.update(environment, DJANGO_SETTINGS_MODULE="config.settings.base", DEBUG="true")
    script = "import django; django.setup(); from django.conf import settings; print(settings.SMS_BACKEND)"
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_environment_chooses_the_backend():
    assert _backend_chosen_by({}) == "accounts.sms.ConsoleSMSBackend"
    assert _backend_chosen_by({"TENCENT_SMS_SECRET_ID": "AKID1"}) == "accounts.tencent_sms.TencentCloudSMSBackend"
    assert (
        _backend_chosen_by({"TENCENT_SMS_SECRET_ID": "AKID1", "SMS_BACKEND": "accounts.sms.ConsoleSMSBackend"})
        == "accounts.sms.ConsoleSMSBackend"
    )


def test_the_deployment_check_names_every_missing_tencent_setting(settings):
    settings.SMS_BACKEND = "accounts.tencent_sms.TencentCloudSMSBackend"
    settings.TENCENT_SMS_SECRET_ID = "AKID1"
    settings.TENCENT_SMS_SECRET_KEY = ""
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    settings.SMS_TEMPLATES = {"verification": "1001"}

    problems = {(problem.id, problem.msg) for problem in run_checks() if problem.id.startswith("accounts.")}

    assert ("accounts.E001", "TENCENT_SMS_SECRET_KEY is not set, but Tencent Cloud SMS is the SMS backend.") in problems
    assert {msg for id_, msg in problems if id_ == "accounts.E002"} == {
        f"No SMS template id for {kind!r}: set SMS_TEMPLATE_{kind.upper()}."
        for kind in (
            "account_exists",
            "unknown_account",
            "review_reminder",
            "certificate_notice",
            "invitation",
            "class_invitation",
            "digest",
        )
    }


def test_a_complete_tencent_configuration_passes_the_check(fake_tencent):
    assert [problem for problem in run_checks() if problem.id.startswith("accounts.")] == []


# --- delivery reports -------------------------------------------------------------------------


def _sent(message_id: str) -> SmsDelivery:
    delivery = send_sms("13912345678", "account_exists")
    SmsDelivery.objects.filter(pk=delivery.pk).update(provider_message_id=message_id)
    return delivery


def test_reports_mark_messages_delivered_or_not(sms_outbox):
    # given
    first, second = _sent("sid-1"), _sent("sid-2")
    at = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 0, 5))

    # when
    matched = record_delivery_reports(
        [
            DeliveryReport(message_id="sid-1", delivered=True, at=at),
            DeliveryReport(message_id="sid-2", delivered=False, at=at, error_code="MK:0001", error_message="空号"),
            DeliveryReport(message_id="sid-unknown", delivered=True, at=at),
        ]
    )

    # then
    assert matched == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.reported_at, first.error_code) == ("delivered", at, "")
    assert (second.status, second.error_code, second.error_message) == ("undelivered", "MK:0001", "空号")


def test_a_repeated_report_changes_nothing(sms_outbox):
    delivery = _sent("sid-1")
    at = timezone.make_aware(dt.datetime(2026, 12, 2, 9, 0, 5))
    record_delivery_reports([DeliveryReport(message_id="sid-1", delivered=True, at=at)])

    matched = record_delivery_reports([DeliveryReport(message_id="sid-1", delivered=False, error_code="X")])

    assert matched == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reported_at, delivery.error_code) == ("delivered", at, "")


def _report_body(sid: str, status: str = "SUCCESS") -> bytes:
    return json.dumps(
        [
            {
                "user_receive_time": "2026-12-02 09:00:05",
                "nationcode": "86",
                "mobile": "13912345678",
                "report_status": status,
                "errmsg": "DELIVRD" if status == "SUCCESS" else "MK:0001",
                "description": "用户短信送达成功" if status == "SUCCESS" else "空号",
                "sid": sid,
            }
        ]
    ).encode()


def test_the_report_callback_records_what_the_service_posts(client, settings, sms_outbox):
    # given
    settings.SMS_CALLBACK_TOKEN = "s3cret-token"
    delivery = _sent("sid-1")

    # when
    response = client.post("/hooks/sms/tencent/s3cret-token", _report_body("sid-1"), content_type="application/json")

    # then
    assert response.status_code == 200
    assert response.json() == {"result": 0, "errmsg": "OK"}
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert delivery.reported_at == timezone.make_aware(dt.datetime(2026, 12, 2, 9, 0, 5))


@pytest.mark.parametrize(
    ("configured", "path"),
    [("s3cret-token", "/hooks/sms/tencent/wrong-token"), ("", "/hooks/sms/tencent/anything")],
)
def test_the_report_callback_does_not_exist_without_the_right_token(client, settings, sms_outbox, configured, path):
    settings.SMS_CALLBACK_TOKEN = configured
    delivery = _sent("sid-1")

    response = client.post(path, _report_body("sid-1", "FAIL"), content_type="application/json")

    assert response.status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_a_malformed_report_is_refused_and_changes_nothing(client, settings, sms_outbox):
    settings.SMS_CALLBACK_TOKEN = "s3cret-token"
    delivery = _sent("sid-1")

    response = client.post(
        "/hooks/sms/tencent/s3cret-token", b'[{"report_status": "FAIL"}]', content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["result"] == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_the_report_callback_takes_only_post(client, settings):
    settings.SMS_CALLBACK_TOKEN = "s3cret-token"
    assert client.get("/hooks/sms/tencent/s3cret-token").status_code == 405
