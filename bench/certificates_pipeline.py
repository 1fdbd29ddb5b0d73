"""Benchmark: pass → verifiable, and pass → PDF downloadable, with a real, warm Celery worker.

Run (the machine's services; defaults are this branch's own DB and Redis numbers):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kz_certs_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/10 REDIS_URL=redis://127.0.0.1:6379/9 \\
    .venv/bin/python bench/certificates_pipeline.py [N] [CONCURRENCY]

Recreates the database, starts `celery -A config worker` (prefork, CONCURRENCY children,
default 2) on the broker, warms every child with one render, then N times: a candidate
qualifies (issue_certificate, the hook exams calls in the transaction that records the
passed practical), and the bench measures until (a) the public API verifies the
certificate and (b) the holder's PDF download answers 200 with a PDF rendered by the
worker. Then a burst of N/2 candidates qualifying at once. Goals: verifiable ≤ 1 s,
PDF downloadable ≤ 3 s p95.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kz_certs_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/9")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="kaozheng-bench-media-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _summary(name: str, values: list[float], goal: float) -> str:
    return (
        f"{name}: p50 {statistics.median(values) * 1000:.0f} ms, p95 {_percentile(values, 0.95) * 1000:.0f} ms, "
        f"max {max(values) * 1000:.0f} ms (goal ≤ {goal * 1000:.0f} ms, n={len(values)})"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    setup_test_environment()
    settings.VERIFY_RATE = "100000/m"
    if connection.vendor == "postgresql":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = connection.settings_dict["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    worker = None
    try:
        worker = _start_worker(concurrency)
        run(count, concurrency, worker)
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _start_worker(concurrency: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url()}
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], cwd=ROOT, env=env, check=True, timeout=60
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _database_url() -> str:
    db = connection.settings_dict
    auth = f"{db.get('USER')}@" if db.get("USER") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def run(count: int, concurrency: int, worker: subprocess.Popen) -> None:
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from certificates.models import Certificate
    from certificates.services import issue_certificate
    from config.celery import app as celery_app
    from tests.factories import AuthorityFactory, OperationTypeFactory, UserFactory

    celery_app.conf.task_always_eager = False
    print(
        f"database {connection.vendor} {connection.settings_dict['NAME']}, broker {settings.CELERY_BROKER_URL}, "
        f"worker prefork x{concurrency}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    authority = AuthorityFactory(name="北京市应急管理局", code="bj-ajj")
    operation_type = OperationTypeFactory()
    client = Client()

    def qualify(holder) -> Certificate:
        with transaction.atomic():  # the exams transaction that records the passed practical
            return issue_certificate(
                holder=holder,
                operation_type=operation_type,
                authority=authority,
                issued_on=timezone.localdate(),
                actor=None,
            )

    def wait_for_pdf(certificate: Certificate, started: float, deadline: float = 60) -> float:
        holder_client = Client()
        holder_client.force_login(certificate.holder)
        while time.perf_counter() - started < deadline:
            if worker.poll() is not None:
                raise RuntimeError("the Celery worker exited")
            if Certificate.objects.filter(pk=certificate.pk).exclude(pdf="").exists():
                response = holder_client.get(f"/api/v1/certificates/{certificate.number}/pdf")
                body = b"".join(response.streaming_content)
                assert response.status_code == 200 and body.startswith(b"%PDF-"), response.status_code
                return time.perf_counter() - started
            time.sleep(0.02)
        raise RuntimeError("no PDF within the deadline: is the worker consuming?")

    started = time.perf_counter()
    warm = [qualify(UserFactory()) for _ in range(concurrency * 2)]
    for certificate in warm:
        wait_for_pdf(certificate, started, deadline=180)
    print(f"worker warm after {time.perf_counter() - started:.1f} s")

    verifiable, downloadable = [], []
    for _ in range(count):
        holder = UserFactory()
        started = time.perf_counter()
        certificate = qualify(holder)
        response = client.get(f"/api/v1/verify/{certificate.token}")
        assert response.status_code == 200 and response.json()["status"] == "valid"
        verifiable.append(time.perf_counter() - started)
        downloadable.append(wait_for_pdf(certificate, started))
    print(_summary("pass → verifiable", verifiable, 1))
    print(_summary("pass → PDF downloadable (one at a time)", downloadable, 3))

    burst = max(2, count // 2)
    holders = [UserFactory() for _ in range(burst)]
    started = time.perf_counter()
    certificates = [qualify(holder) for holder in holders]
    burst_times = [wait_for_pdf(certificate, started) for certificate in certificates]
    print(_summary(f"pass → PDF downloadable ({burst} qualifying at once)", burst_times, 3))


if __name__ == "__main__":
    main()
