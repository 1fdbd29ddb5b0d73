"""Bulk extension by the regulator: set-based, audited per certificate, resumable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from certificates import bulk
from certificates.models import BulkExtension, Certificate, CertificateEvent
from tests.factories import AuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 1)
UNTIL = dt.date(2026, 12, 31)


@pytest.fixture
def certificates(issue):
    return [issue(holder=UserFactory(), issued_on=dt.date(2023, 6, 1)) for _ in range(5)]


# Rule: a bulk extension moves dates to the new date and never shortens them.
def test_extends_the_selected_group_in_chunks_with_history_and_audit(
    certificates, authority, regulator, django_capture_on_commit_callbacks
):
    # given five certificates due for review on 2026-06-01, one of them already later
    Certificate.objects.filter(pk=certificates[0].pk).update(review_due=dt.date(2027, 1, 1))
    ids = [certificate.pk for certificate in certificates]

    # when the regulator extends them, processed two at a time
    with django_capture_on_commit_callbacks(execute=False):
        job = bulk.start_bulk_extension(
            authority=authority, certificate_ids=ids, until=UNTIL, reason="汛期延期", actor=regulator, today=TODAY
        )
    assert (job.status, job.total, job.done) == ("pending", 5, 0)
    job = bulk.run_bulk_extension(job_id=job.pk, chunk_size=2)

    # then four moved to the new date, the later one was left alone, all audited
    assert (job.status, job.done, job.extended) == ("done", 5, 4)
    dues = dict(Certificate.objects.values_list("pk", "review_due"))
    assert dues[certificates[0].pk] == dt.date(2027, 1, 1)
    assert [dues[certificate.pk] for certificate in certificates[1:]] == [UNTIL] * 4
    assert CertificateEvent.objects.filter(action="extend", reason="汛期延期", actor=regulator).count() == 4
    assert AuditEvent.objects.filter(action="certificates.certificate.extended").count() == 4
    # and running it again does nothing more
    bulk.run_bulk_extension(job_id=job.pk)
    assert CertificateEvent.objects.filter(action="extend").count() == 4


def test_another_authoritys_certificates_are_left_out(certificates, regulator, authority):
    other = AuthorityFactory()
    job = bulk.start_bulk_extension(
        authority=other,
        certificate_ids=[certificate.pk for certificate in certificates],
        until=UNTIL,
        reason="x",
        actor=regulator,
        today=TODAY,
    )
    assert job.total == 0
    assert Certificate.objects.filter(review_due=UNTIL).count() == 0


@pytest.mark.parametrize(("until", "reason"), [(UNTIL, " "), (TODAY, "延期")])
def test_bad_requests_change_nothing(certificates, authority, regulator, until, reason):
    with pytest.raises(ValidationError):
        bulk.start_bulk_extension(
            authority=authority,
            certificate_ids=[certificates[0].pk],
            until=until,
            reason=reason,
            actor=regulator,
            today=TODAY,
        )
    assert BulkExtension.objects.count() == 0
    assert CertificateEvent.objects.count() == 0


def test_a_crashed_job_resumes_where_it_stopped(certificates, authority, regulator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        job = bulk.start_bulk_extension(
            authority=authority,
            certificate_ids=[certificate.pk for certificate in certificates],
            until=UNTIL,
            reason="延期",
            actor=regulator,
            today=TODAY,
        )
    # given the first chunk was done before a crash
    bulk._extend_chunk(job=job, chunk=job.certificate_ids[:2], until=UNTIL)
    BulkExtension.objects.filter(pk=job.pk).update(done=2, extended=2, status="running")
    # when the task is redelivered
    job = bulk.run_bulk_extension(job_id=job.pk, chunk_size=2)
    # then only the rest is processed
    assert (job.done, job.extended) == (5, 5)
    assert CertificateEvent.objects.filter(action="extend").count() == 5
