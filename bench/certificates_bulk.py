"""Benchmark: the regulator extends N certificates at once (the 6,000-worker emergency).

Run: .venv/bin/python bench/certificates_bulk.py [N]      (default 10000; goal: ≤ 5 s)
     DATABASE_URL=postgres://postgres@127.0.0.1:5432/kz_certs_bench .venv/bin/python bench/certificates_bulk.py

Creates a throw-away test database (SQLite in memory by default, or test_<name> on the
PostgreSQL server DATABASE_URL names), fills it with N current certificates of one
authority, then times start_bulk_extension + the chunked run (Celery eager), and checks
that every certificate, history row and audit row was written.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection
from django.test.utils import setup_test_environment


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    setup_test_environment()
    if connection.vendor == "postgresql":
        # Use exactly the database named in DATABASE_URL (recreated), not test_<name>.
        connection.settings_dict.setdefault("TEST", {})["NAME"] = connection.settings_dict["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(count)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(count: int) -> None:
    from accounts.models import AuditEvent, Organisation, User
    from certificates.bulk import run_bulk_extension, start_bulk_extension
    from certificates.models import BulkExtension, Certificate, CertificateEvent
    from exams.catalogue.models import OperationCategory, OperationType
    from exams.catalogue.services import subject_of

    print(f"database: {connection.vendor}; {count} certificates; load average {os.getloadavg()[0]:.2f}")
    authority = Organisation.objects.create(kind="authority", name="北京市应急管理局", code="bj-ajj")
    category = OperationCategory.objects.create(code="01", name="电工作业")
    operation_type = OperationType.objects.create(code="0102", name="低压电工作业", category=category)
    subject = subject_of(operation_type)
    regulator = User.objects.create(username="regulator", real_name="监管员")
    started = time.perf_counter()
    User.objects.bulk_create(
        [User(username=f"w{index}", real_name=f"工人{index}") for index in range(count)], batch_size=2000
    )
    holders = list(User.objects.filter(username__startswith="w").values_list("pk", flat=True))
    issued = dt.date(2023, 6, 1)
    Certificate.objects.bulk_create(
        [
            Certificate(
                number=f"BJAJJ2023{index:06d}X",
                token=secrets.token_urlsafe(24),
                holder_id=holder,
                subject=subject,
                operation_type=operation_type,
                authority=authority,
                first_issued_on=issued,
                issued_on=issued,
                valid_until=dt.date(2029, 6, 1),
                review_due=dt.date(2026, 6, 1),
                holder_name=f"工人{index}",
            )
            for index, holder in enumerate(holders)
        ],
        batch_size=2000,
    )
    print(f"set-up: {time.perf_counter() - started:.1f} s")
    ids = list(Certificate.objects.values_list("pk", flat=True))
    audit_before = AuditEvent.objects.count()

    started = time.perf_counter()
    job = start_bulk_extension(
        authority=authority,
        certificate_ids=ids,
        until=dt.date(2026, 12, 31),
        reason="疫情期间统一延期复审",
        actor=regulator,
        today=dt.date(2026, 5, 1),
    )
    run_bulk_extension(job_id=job.pk)  # eager Celery already ran it on commit; this is a no-op check
    elapsed = time.perf_counter() - started

    job = BulkExtension.objects.get(pk=job.pk)
    extended = Certificate.objects.filter(review_due=dt.date(2026, 12, 31)).count()
    events = CertificateEvent.objects.filter(action="extend").count()
    audits = AuditEvent.objects.count() - audit_before
    print(f"bulk extension of {count}: {elapsed:.2f} s (request + chunked run, eager Celery); goal ≤ 5 s")
    print(
        f"job {job.status}, {job.done}/{job.total} done, {job.extended} extended; "
        f"certificates moved {extended}, history rows {events}, audit rows {audits}"
    )
    assert job.status == "done" and extended == count and events == count and audits == count + 1


if __name__ == "__main__":
    main()
