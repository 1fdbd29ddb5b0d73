"""Security headers on every response, and a deployment check that production settings pass
without a single warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory

from config.csp import PerPathCSPMiddleware

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_a_public_page_carries_a_strict_policy_and_the_other_headers(client):
    response = client.get("/verify/")

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_an_inline_script_runs_by_the_nonce_in_the_header():
    # given a page whose inline script carries the request's nonce (as the wallet's does)
    request = RequestFactory().get("/me/certificates/")

    def page(request):
        template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')
        return HttpResponse(template.render({}, request))

    # when it goes through the middleware
    response = PerPathCSPMiddleware(page)(request)

    # then the header allows exactly that nonce
    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    assert len(nonce) >= 16
    assert f"'nonce-{nonce}'" in _directives(response["Content-Security-Policy"])["script-src"]


def test_the_wagtail_admin_gets_the_inline_scripts_it_needs_and_nothing_else_does(admin_client):
    admin = _directives(admin_client.get("/admin/")["Content-Security-Policy"])
    site = _directives(admin_client.get("/verify/")["Content-Security-Policy"])

    assert "'unsafe-inline'" in admin["script-src"]
    assert "'unsafe-inline'" not in site["script-src"]


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SETTINGS", "DATABASE_URL", "REDIS_URL"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "false",
        "DJANGO_SECRET_KEY": "deploy-check-secret-key-that-is-long-and-random-enough-0123456789-abcdefghij",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "kaozheng.example.cn",
        "SIGNING_KEY": "",
        "TENCENT_SMS_SECRET_ID": "id",
        "TENCENT_SMS_SECRET_KEY": "key",
        "TENCENT_SMS_SDK_APP_ID": "1400000000",
        **{
            f"SMS_TEMPLATE_{kind}": "1"
            for kind in (
                "VERIFICATION",
                "ACCOUNT_EXISTS",
                "UNKNOWN_ACCOUNT",
                "REVIEW_REMINDER",
                "CERTIFICATE_NOTICE",
                "INVITATION",
                "CLASS_INVITATION",
                "DIGEST",
            )
        },
    }

    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "W0" not in done.stdout + done.stderr
