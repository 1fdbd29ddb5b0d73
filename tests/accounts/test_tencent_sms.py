"""Tencent Cloud SMS at the HTTP boundary: the official SDK talks to a local server that
stands in for sms.tencentcloudapi.com (tests/accounts/conftest.py), so these tests see
the request it really sends and how each kind of answer is handled. Nothing leaves the
machine."""

from __future__ import annotations

import json
import socket

import pytest

from accounts.models import SmsDelivery
from accounts.sms import SmsNotSent, send_sms
from accounts.tencent_sms import MalformedReport, parse_reports

pytestmark = pytest.mark.django_db


def _status(code: str = "Ok", message: str = "send success", serial: str = "2433:3238109925617327436211") -> dict:
    return {
        "SerialNo": serial,
        "PhoneNumber": "+8613912345678",
        "Fee": 1,
        "SessionContext": "",
        "Code": code,
        "Message": message,
        "IsoCode": "CN",
    }


def _ok(**status) -> dict:
    return {"Response": {"SendStatusSet": [_status(**status)], "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}


def test_a_message_is_one_signed_sendsms_call_with_the_templates_parameters(fake_tencent):
    # given
    fake_tencent.reply_json(_ok())

    # when
    delivery = send_sms("13912345678", "verification", {"code": "246810", "minutes": 15})

    # then the SDK made one signed POST of the 2021-01-11 SendSms action
    [request] = fake_tencent.requests
    assert (request.method, request.path) == ("POST", "/")
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    assert "/sms/tc3_request, SignedHeaders=content-type;host, Signature=" in request.headers["authorization"]
    # with the number in E.164, the app, the signature, the kind's template and its parameters
    assert request.json() == {
        "PhoneNumberSet": ["+8613912345678"],
        "SmsSdkAppId": "1400000001",
        "SignName": "考证",
        "TemplateId": "1000",
        "TemplateParamSet": ["246810", "15"],
    }
    # and the log keeps the serial number that delivery reports will name
    delivery.refresh_from_db()
    assert (delivery.backend, delivery.status, delivery.template_id) == ("tencent", "sent", "1000")
    assert (delivery.provider_message_id, delivery.fee) == ("2433:3238109925617327436211", 1)


def test_the_secret_key_never_travels(fake_tencent):
    fake_tencent.reply_json(_ok())
    send_sms("13912345678", "account_exists")
    [request] = fake_tencent.requests
    assert b"secret-key-for-tests" not in request.body
    assert "secret-key-for-tests" not in json.dumps(request.headers)


def test_a_number_the_service_refuses_is_a_failed_delivery(fake_tencent):
    # given the service takes the call but refuses the number (its own daily cap)
    fake_tencent.reply_json(
        _ok(code="LimitExceeded.PhoneNumberDailyLimit", message="单个手机号日下发短信条数超过设定的上限", serial="")
    )

    # when
    with pytest.raises(SmsNotSent) as excinfo:
        send_sms("13912345678", "account_exists")

    # then
    assert str(excinfo.value) == "短信发送失败，请稍后再试。"
    assert list(SmsDelivery.objects.values_list("status", "error_code", "error_message", "provider_message_id")) == [
        ("failed", "LimitExceeded.PhoneNumberDailyLimit", "单个手机号日下发短信条数超过设定的上限", "")
    ]


def test_an_api_error_answer_is_a_failed_delivery_with_its_code(fake_tencent):
    fake_tencent.reply_json(
        {
            "Response": {
                "Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "The SecretId is not found"},
                "RequestId": "b5b41468-520d-4192-b42f-595cc34b6c1c",
            }
        }
    )

    with pytest.raises(SmsNotSent) as excinfo:
        send_sms("13912345678", "account_exists")

    assert excinfo.value.code == "AuthFailure.SecretIdNotFound"
    assert list(SmsDelivery.objects.values_list("status", "error_code", "error_message")) == [
        ("failed", "AuthFailure.SecretIdNotFound", "The SecretId is not found")
    ]


def test_a_server_error_is_a_failed_delivery(fake_tencent):
    fake_tencent.replies.append((502, "text/html", b"<html>Bad Gateway</html>"))

    with pytest.raises(SmsNotSent) as excinfo:
        send_sms("13912345678", "account_exists")

    assert excinfo.value.code == "ServerNetworkError"
    assert list(SmsDelivery.objects.values_list("status", "error_code")) == [("failed", "ServerNetworkError")]


def test_an_unreachable_service_is_a_failed_delivery(fake_tencent, settings):
    # given an address where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.TENCENT_SMS_ENDPOINT = f"127.0.0.1:{probe.getsockname()[1]}"

    with pytest.raises(SmsNotSent) as excinfo:
        send_sms("13912345678", "account_exists")

    assert excinfo.value.code == "ClientNetworkError"
    assert list(SmsDelivery.objects.values_list("status", "error_code")) == [("failed", "ClientNetworkError")]


def test_a_kind_without_a_template_id_is_not_sent_at_all(fake_tencent, settings):
    settings.SMS_TEMPLATES = {**settings.SMS_TEMPLATES, "digest": ""}

    with pytest.raises(SmsNotSent):
        send_sms("13912345678", "digest", {"employer": "甲公司", "due30": 1, "due60": 2, "due90": 3})

    assert fake_tencent.requests == []
    assert list(SmsDelivery.objects.values_list("status", "error_code")) == [("failed", "TemplateNotConfigured")]


def test_parse_reports_reads_the_services_callback_format():
    body = json.dumps(
        [
            {
                "user_receive_time": "2026-12-02 09:00:05",
                "nationcode": "86",
                "mobile": "13912345678",
                "report_status": "FAIL",
                "errmsg": "MK:0001",
                "description": "空号",
                "sid": "2433:1",
            }
        ]
    ).encode()

    [report] = parse_reports(body)

    assert (report.message_id, report.delivered, report.error_code, report.error_message) == (
        "2433:1",
        False,
        "MK:0001",
        "空号",
    )
    assert report.at.isoformat() == "2026-12-02T09:00:05+08:00"


@pytest.mark.parametrize("body", [b"not json", b'"a string"', b'[{"report_status": "SUCCESS"}]', b"\xff\xfe"])
def test_parse_reports_refuses_what_is_not_a_report_list(body):
    with pytest.raises(MalformedReport):
        parse_reports(body)
