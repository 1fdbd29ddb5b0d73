from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_each_service_when_all_are_up(client):
    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "eager"}


@pytest.mark.django_db
def test_healthz_is_503_and_names_the_service_that_is_down(client, monkeypatch):
    # given a database that refuses queries
    def broken_cursor(*args, **kwargs):
        raise ConnectionError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)

    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "error: ConnectionError",
        "cache": "ok",
        "broker": "eager",
    }


@pytest.mark.django_db
def test_healthz_checks_a_configured_broker(client, settings):
    # given a broker nobody listens on
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    try:
        # when
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.broker_write_url = previous

    # then
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error: ")


def _check_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _check_with({"DEBUG": "false"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_a_field_encryption_key():
    result = _check_with({"DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.cn"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required when DEBUG is off" in result.stderr
