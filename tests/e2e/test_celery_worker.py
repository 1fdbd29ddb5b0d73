"""A real Celery worker process, consuming from Redis, renders a certificate's PDF.

The worker runs with the test database and media folder, so what it writes is what
the test reads back: the path a production worker takes, not the eager shortcut.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from certificates.models import Certificate
from certificates.services import issue_certificate
from tests.factories import AuthorityFactory, OperationTypeFactory, UserFactory


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
