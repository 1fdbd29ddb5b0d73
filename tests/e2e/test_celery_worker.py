"""A real Celery worker process, consuming from Redis, renders a certificate's PDF.

The worker runs with the test database and media folder, so what it writes is what
the test reads back: the path a production worker takes, not the eager shortcut.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import issue_certificate
from config.celery import app as celery_app
from tests.factories import AuthorityFactory, OperationTypeFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(settings):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    subprocess.run(  # a stale task from an earlier run must not be picked up
        [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=env, check=True, timeout=60
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = previous
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            output, _ = worker.communicate()
        print(output[-4000:])


@pytest.mark.celery_worker
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_pdf_queued_on_commit(celery_worker_process):
    # given a candidate who qualifies, with a worker listening on the broker
    assert django_settings.CELERY_BROKER_URL, "CELERY_BROKER_URL must point at Redis"
    holder = UserFactory(real_name="周工")
    authority = AuthorityFactory()
    operation_type = OperationTypeFactory()

    # when the certificate is issued (the PDF task is queued on commit)
    started = time.monotonic()
    certificate = issue_certificate(
        holder=holder, operation_type=operation_type, authority=authority, issued_on=timezone.localdate(), actor=None
    )
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
    deadline = started + 60
    while time.monotonic() < deadline:
        certificate.refresh_from_db()
        if certificate.pdf:
            break
        assert celery_worker_process.poll() is None, "the Celery worker exited"
        time.sleep(0.1)
    elapsed = time.monotonic() - started

    # then the worker process wrote the PDF into media storage
    assert certificate.pdf, "the worker did not render the PDF within 60 s"
    with certificate.pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    print(f"pass -> PDF stored by a real worker in {elapsed * 1000:.0f} ms")
