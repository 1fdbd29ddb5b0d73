from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from accounts.models import AuditEvent, Organisation
from certificates import services
from certificates.models import Certificate, NumberSequence, VerificationLog
from certificates.rules import has_valid_check_character
from certificates.services import (
    CertificateError,
    issue_certificate,
    issue_certificate_for_qualification,
    verify_certificate,
)
from tests.factories import HOLDER_NAME, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

ISSUED_ON = dt.date(2026, 3, 10)


def _nothing_written() -> tuple[int, int, int]:
    return Certificate.objects.count(), NumberSequence.objects.count(), AuditEvent.objects.count()


def test_issue_creates_a_valid_certificate_with_frozen_holder_details(
    holder, operation_type, authority, django_capture_on_commit_callbacks
):
    # given a holder with a verified name and an issuing authority
    actor = UserFactory()

    # when a certificate is issued
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        certificate = issue_certificate(
            holder=holder, operation_type=operation_type, authority=authority, issued_on=ISSUED_ON, actor=actor
        )

    # then it is valid with the rule's dates, a serial number, and the holder's details frozen
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert certificate.number[:-1] == "BJAJJ2026000001"
    assert has_valid_check_character(certificate.number)
    assert (certificate.first_issued_on, certificate.issued_on) == (ISSUED_ON, ISSUED_ON)
    assert certificate.valid_until == dt.date(2032, 3, 10)
    assert certificate.review_due == dt.date(2029, 3, 10)
    assert (certificate.holder_name, certificate.holder_sex) == (HOLDER_NAME, "M")
    assert certificate.pdf.name in ("", None)
    # and the issue is audited, and the PDF render is queued for after commit
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_type, event.object_id) == (
        actor,
        "certificates.certificate.issued",
        "certificates.certificate",
        str(certificate.pk),
    )
    assert event.data["number"] == certificate.number
    assert event.data["operation_type"] == "0102"
    assert len(callbacks) == 1


def test_renaming_the_holder_later_leaves_the_certificate_as_issued(issue, holder):
    # given an issued certificate
    certificate = issue()
    # when the holder's name changes
    holder.real_name = "王大明"
    holder.save(update_fields=["real_name"])
    # then the certificate still shows the name it was issued to
    certificate.refresh_from_db()
    assert certificate.holder_name == HOLDER_NAME


def test_issuing_twice_returns_the_same_certificate(issue):
    # given an issued certificate
    first = issue()
    before = _nothing_written()

    # when the same issue is repeated (a retried task, a double click)
    second = issue(issued_on=ISSUED_ON + dt.timedelta(days=1))

    # then the first certificate comes back and nothing new is written
    assert second.pk == first.pk
    assert second.number == first.number
    assert _nothing_written() == before == (1, 1, 1)
    assert NumberSequence.objects.get().last == 1


def test_a_suspended_certificate_is_still_the_current_one(issue):
    first = issue()
    Certificate.objects.filter(pk=first.pk).update(status=Certificate.Status.SUSPENDED)
    assert issue().pk == first.pk
    assert Certificate.objects.count() == 1


def test_after_revocation_a_new_certificate_can_be_issued(issue):
    # given a revoked certificate
    first = issue()
    Certificate.objects.filter(pk=first.pk).update(status=Certificate.Status.REVOKED)

    # when the holder qualifies again
    second = issue(first_issued_on=first.first_issued_on)

    # then a new certificate with the next serial is issued
    assert second.pk != first.pk
    assert second.number[:-1].endswith("000002")
    assert Certificate.objects.filter(status=Certificate.Status.VALID).get() == second


def test_holder_without_a_real_name_changes_nothing(operation_type, authority, django_capture_on_commit_callbacks):
    # given a holder who never gave a real name
    nameless = UserFactory(real_name="")
    before = _nothing_written()

    # when a certificate is issued to them
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(CertificateError, match="no verified real name"),
    ):
        issue_certificate(
            holder=nameless, operation_type=operation_type, authority=authority, issued_on=ISSUED_ON, actor=None
        )

    # then no certificate, serial, audit event or PDF job exists
    assert _nothing_written() == before == (0, 0, 0)
    assert callbacks == []


def test_only_an_issuing_authority_issues(holder, operation_type):
    training = OrganisationFactory(kind=Organisation.Kind.TRAINING)
    with pytest.raises(CertificateError, match="only an issuing authority"):
        issue_certificate(
            holder=holder, operation_type=operation_type, authority=training, issued_on=ISSUED_ON, actor=None
        )
    assert _nothing_written() == (0, 0, 0)


def test_a_lost_race_returns_the_winners_certificate(issue, monkeypatch):
    # given a certificate committed by a concurrent issue that this call did not see
    winner = issue()
    real_lookup = services.selectors.current_certificate_for_subject
    calls = []

    def not_seen_first_time(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(services.selectors, "current_certificate_for_subject", not_seen_first_time)

    # when this call tries to insert and hits one_current_certificate_per_holder_and_type
    with transaction.atomic():
        loser = issue()
        # then the caller's transaction is still usable (the insert ran in a savepoint)
        assert Certificate.objects.count() == 1

    # and the winner's certificate comes back, its serial not consumed twice
    assert loser.pk == winner.pk
    assert len(calls) == 2
    assert NumberSequence.objects.get().last == 1
    assert AuditEvent.objects.count() == 1


def test_qualification_hook_issues_today_with_exam_links(
    holder, operation_type, authority, qualification, django_capture_on_commit_callbacks
):
    # given a passed theory attempt and a passed practical result
    attempt, result, examiner = qualification

    # when the exams app calls the hook from settings.KAOZHENG_ON_QUALIFIED
    with django_capture_on_commit_callbacks(execute=False):
        certificate = issue_certificate_for_qualification(
            candidate=holder,
            operation_type=operation_type,
            authority=authority,
            theory_attempt=attempt,
            practical_result=result,
            actor=examiner,
        )

    # then the certificate is issued today, linked to both results, audited with the examiner
    certificate.refresh_from_db()
    assert certificate.issued_on == dt.date.today()
    assert (certificate.theory_attempt, certificate.practical_result) == (attempt, result)
    event = AuditEvent.objects.get(action="certificates.certificate.issued")
    assert event.actor == examiner
    assert (event.data["theory_attempt"], event.data["practical_result"]) == (attempt.pk, result.pk)


def test_qualification_hook_refuses_a_failed_practical(holder, operation_type, authority, qualification):
    attempt, result, examiner = qualification
    result.passed = False
    result.save(update_fields=["passed"])
    with pytest.raises(CertificateError, match="not a pass"):
        issue_certificate_for_qualification(
            candidate=holder,
            operation_type=operation_type,
            authority=authority,
            theory_attempt=attempt,
            practical_result=result,
            actor=examiner,
        )
    assert _nothing_written() == (0, 0, 0)


def test_qualification_hook_refuses_someone_elses_results(operation_type, authority, qualification):
    attempt, result, examiner = qualification
    with pytest.raises(CertificateError, match="theory attempt"):
        issue_certificate_for_qualification(
            candidate=UserFactory(real_name="李四"),
            operation_type=operation_type,
            authority=authority,
            theory_attempt=attempt,
            practical_result=result,
            actor=examiner,
        )
    assert _nothing_written() == (0, 0, 0)


def test_the_setting_names_the_hook(settings):
    from django.utils.module_loading import import_string

    assert import_string(settings.KAOZHENG_ON_QUALIFIED[0]) is issue_certificate_for_qualification


def test_verification_is_logged_with_a_digest_of_the_client(issue):
    # given an issued certificate
    certificate = issue()

    # when it is looked up by token, then by number with a wrong name
    found = verify_certificate(channel="qr", client_ip="203.0.113.9", user=None, token=certificate.token)
    missed = verify_certificate(
        channel="form", client_ip="203.0.113.9", user=None, number=certificate.number, name="王小"
    )

    # then both lookups are logged; the client address is stored only as a digest
    assert (found, missed) == (certificate, None)
    logs = list(VerificationLog.objects.order_by("pk").values_list("certificate", "channel", "found", "client"))
    digest = services.client_digest("203.0.113.9")
    assert logs == [(certificate.pk, "qr", True, digest), (None, "form", False, digest)]
    assert len(digest) == 32
    assert "203.0.113.9" not in digest


def test_an_operation_certificate_is_for_the_subject_of_its_operation_type(issue, operation_type):
    # when
    certificate = issue()

    # then: its subject is the operation type's, of the special-operations kind
    assert (certificate.subject.operation_type, certificate.subject.code) == (operation_type, operation_type.code)
    assert certificate.kind == "special_operation"
