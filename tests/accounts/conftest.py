from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
import requests.adapters

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


@dataclass
class FakeWeixin:
    """WeChat's OAuth API as allauth's requests session sees it: each request is recorded
    and answered as api.weixin.qq.com would for one person (``openid``)."""

    openid: str = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
    nickname: str = "小王"
    calls: list[requests.PreparedRequest] = field(default_factory=list)
    token_error: bool = False

    def answer(self, request: requests.PreparedRequest) -> requests.Response:
        self.calls.append(request)
        url = urlsplit(request.url)
        if url.path == "/sns/oauth2/access_token":
            payload: dict = (
                {"errcode": 40029, "errmsg": "invalid code"}
                if self.token_error
                else {
                    "access_token": "ACCESS_TOKEN_1",
                    "expires_in": 7200,
                    "refresh_token": "REFRESH_TOKEN_1",
                    "openid": self.openid,
                    "scope": "snsapi_login",
                    "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
                }
            )
        elif url.path == "/sns/userinfo":
            payload = {
                "openid": self.openid,
                "nickname": self.nickname,
                "sex": 1,
                "province": "山东",
                "city": "淄博",
                "country": "中国",
                "headimgurl": "https://thirdwx.qlogo.cn/mmopen/avatar/0",
                "privilege": [],
                "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
            }
        else:
            payload = {"errcode": 404, "errmsg": "unexpected request"}
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json; charset=utf-8"
        response._content = json.dumps(payload, ensure_ascii=False).encode()
        response.url = request.url
        response.request = request
        return response


class _WeixinTransport(requests.adapters.BaseAdapter):
    def __init__(self, fake: FakeWeixin) -> None:
        super().__init__()
        self.fake = fake

    def send(self, request, **kwargs):
        return self.fake.answer(request)

    def close(self):
        pass


@pytest.fixture
def fake_weixin(monkeypatch):
    """No request reaches WeChat: allauth's HTTP session for providers has every https://
    request answered by FakeWeixin, which records them for the test to check."""
    from accounts.social import SocialAccountAdapter

    fake = FakeWeixin()

    def session(self):
        sess = requests.Session()
        sess.mount("https://", _WeixinTransport(fake))
        sess.mount("http://", _WeixinTransport(fake))
        return sess

    monkeypatch.setattr(SocialAccountAdapter, "get_requests_session", session)
    return fake
