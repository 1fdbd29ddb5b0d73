from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import SmsKind


@pytest.fixture(autouse=True)
def _every_accounts_test_has_an_sms_outbox(sms_outbox):
    """Every test here sends text messages to the in-memory outbox (tests/conftest.py)."""
    return sms_outbox


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class FakeSmsService:
    """A local HTTP server standing in for the SMS service's API host: it records each
    request the SDK makes and answers with the responses queued in ``replies``."""

    address: str
    requests: list[RecordedRequest] = field(default_factory=list)
    replies: list[tuple[int, str, bytes]] = field(default_factory=list)

    def reply_json(self, payload: dict, *, status: int = 200) -> None:
        self.replies.append((status, "application/json", json.dumps(payload).encode()))


@pytest.fixture
def fake_tencent(settings):
    """Tencent Cloud SMS, configured and pointed at a local server over plain HTTP."""
    server_state: dict[str, FakeSmsService] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            service = server_state["service"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            service.requests.append(
                RecordedRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            status, content_type, payload = service.replies.pop(0) if service.replies else (500, "text/html", b"")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"127.0.0.1:{server.server_address[1]}"
    server_state["service"] = FakeSmsService(address=address)
    settings.SMS_BACKEND = "accounts.tencent_sms.TencentCloudSMSBackend"
    settings.TENCENT_SMS_SECRET_ID = "AKIDtest"
    settings.TENCENT_SMS_SECRET_KEY = "secret-key-for-tests"
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    settings.TENCENT_SMS_REGION = "ap-guangzhou"
    settings.TENCENT_SMS_ENDPOINT = address
    settings.TENCENT_SMS_PROTOCOL = "http"
    settings.TENCENT_SMS_TIMEOUT = 5
    settings.SMS_SIGN_NAME = "考证"
    settings.SMS_TEMPLATES = {kind: str(1000 + n) for n, kind in enumerate(SmsKind.values)}
    yield server_state["service"]
    server.shutdown()
    server.server_close()
