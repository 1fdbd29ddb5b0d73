"""SMS backends: console for development, in-memory for tests, chosen by a setting."""

from __future__ import annotations

import io

from accounts.sms import ConsoleSMSBackend, LocmemSMSBackend, SMSMessage, get_backend, send_sms


def test_send_sms_goes_through_the_configured_backend(sms_outbox):
    # given the locmem backend (set by the fixture)
    # when
    send_sms("13912345678", "验证码 123456")

    # then
    assert sms_outbox == [SMSMessage(phone="13912345678", message="验证码 123456")]
    assert LocmemSMSBackend.outbox is sms_outbox


def test_console_backend_writes_the_message_to_its_stream():
    # given
    stream = io.StringIO()

    # when
    ConsoleSMSBackend(stream=stream).send(phone="13912345678", message="验证码 654321")

    # then
    line = stream.getvalue()
    assert line.startswith("[SMS ")
    assert line.endswith("] to 13912345678: 验证码 654321\n")


def test_console_backend_is_selected_by_setting(settings, capsys, sms_outbox):
    # given
    settings.SMS_BACKEND = "accounts.sms.ConsoleSMSBackend"

    # when
    send_sms("13700000000", "你好")

    # then
    assert isinstance(get_backend(), ConsoleSMSBackend)
    assert "to 13700000000: 你好" in capsys.readouterr().out
    assert sms_outbox == []
