"""Who sits the exam (security finding 4): a theory attempt starts only after check-in at the site,
or, at a remote session the authority permits, with the start code the invigilator reads out."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import StorageHandler
from django.utils import timezone
from PIL import Image

from accounts.models import AuditEvent, Role, User
from exams.admission.models import CheckInMode, ExamKind, ExamSession, Registration
from exams.admission.services import check_in_candidate, plan_session
from exams.errors import AttemptNotAllowed, CheckInError, SessionInvalid
from exams.theory.models import Attempt
from exams.theory.services import START_CODE_TRIES, start_attempt
from tests.factories import ExamSiteFactory, MembershipFactory, UserFactory, make_theory

pytestmark = pytest.mark.django_db


def _not_checked_in(theory):
    Registration.objects.filter(pk=theory.registration.pk).update(checked_in_at=None, ticket_code="TICKET2345")
    theory.registration.refresh_from_db()


def _remote(theory, code="246810"):
    ExamSession.objects.filter(pk=theory.session.pk).update(checkin_mode=CheckInMode.REMOTE, start_code=code)
    Registration.objects.filter(pk=theory.registration.pk).update(checked_in_at=None)


def _invigilator(theory):
    return MembershipFactory(organisation=theory.session.site, role=Role.EXAMINER).user


# --- at the site ----------------------------------------------------------------------------


def test_a_candidate_not_checked_in_cannot_start():
    theory = make_theory()
    _not_checked_in(theory)

    with pytest.raises(AttemptNotAllowed) as refused:
        start_attempt(registration=theory.registration)

    assert refused.value.code == "not_checked_in"
    assert not Attempt.objects.exists()


def test_the_invigilator_checks_in_by_ticket_and_the_attempt_starts():
    theory = make_theory()
    _not_checked_in(theory)
    invigilator = _invigilator(theory)

    reg = check_in_candidate(examiner=invigilator, ticket_code="ticket-2345", session=theory.session)
    attempt = start_attempt(registration=theory.registration)

    assert reg.checked_in_by == invigilator
    assert attempt.registration_id == theory.registration.pk
    assert AuditEvent.objects.filter(action="exams.registration.checked_in").count() == 1


def test_the_invigilator_checks_in_by_id_number():
    theory = make_theory()
    _not_checked_in(theory)
    regulator = MembershipFactory(organisation=theory.session.authority, role=Role.REGULATOR).user

    reg = check_in_candidate(examiner=regulator, id_number=theory.candidate.id_number, session=theory.session)

    assert reg.pk == theory.registration.pk
    assert reg.checked_in_at is not None


def test_an_id_number_not_at_the_session_and_an_outsider_are_refused_alike():
    theory = make_theory()
    _not_checked_in(theory)
    stranger = UserFactory()

    with pytest.raises(CheckInError) as unknown:
        check_in_candidate(examiner=_invigilator(theory), id_number=stranger.id_number, session=theory.session)
    with pytest.raises(CheckInError) as outsider:
        check_in_candidate(examiner=UserFactory(), ticket_code="TICKET2345", session=theory.session)
    other_site = MembershipFactory(organisation=ExamSiteFactory(), role=Role.EXAMINER).user
    with pytest.raises(CheckInError):
        check_in_candidate(examiner=other_site, ticket_code="TICKET2345")

    assert unknown.value.code == outsider.value.code == "unknown_ticket"
    assert Registration.objects.get(pk=theory.registration.pk).checked_in_at is None


def test_the_check_in_page_of_the_invigilator(client):
    theory = make_theory()
    _not_checked_in(theory)
    client.force_login(_invigilator(theory))

    page = client.get(f"/exams/invigilate/{theory.session.pk}/")
    response = client.post(f"/exams/invigilate/{theory.session.pk}/check-in", {"code": "TICKET2345"})

    assert 'name="id_number"' in page.content.decode()
    assert response.status_code == 302
    assert Registration.objects.get(pk=theory.registration.pk).checked_in_at is not None


def test_the_check_in_page_is_404_to_someone_who_does_not_invigilate(client):
    theory = make_theory()
    _not_checked_in(theory)
    client.force_login(MembershipFactory(organisation=ExamSiteFactory(), role=Role.EXAMINER).user)

    response = client.post(f"/exams/invigilate/{theory.session.pk}/check-in", {"code": "TICKET2345"})

    assert response.status_code == 404
    assert Registration.objects.get(pk=theory.registration.pk).checked_in_at is None


def test_the_invigilator_sees_the_photo_of_each_running_attempt_and_nobody_else_does(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    theory = make_theory()
    buffer = io.BytesIO()
    Image.new("RGB", (90, 120), "blue").save(buffer, "JPEG")
    theory.candidate.photo.save("face.jpg", ContentFile(buffer.getvalue()))
    start_attempt(registration=theory.registration)
    photo_url = f"/exams/invigilate/registrations/{theory.registration.pk}/photo"

    client.force_login(_invigilator(theory))
    page = client.get(f"/exams/invigilate/{theory.session.pk}/").content.decode()
    photo = client.get(photo_url)
    client.force_login(MembershipFactory(organisation=ExamSiteFactory(), role=Role.EXAMINER).user)
    stranger = client.get(photo_url)

    assert photo_url in page
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/jpeg"
    assert photo["Cache-Control"] == "private, no-store"
    assert stranger.status_code == 404


# --- remote -----------------------------------------------------------------------------------


def test_a_remote_session_starts_only_with_its_start_code():
    theory = make_theory()
    _remote(theory)

    with pytest.raises(AttemptNotAllowed) as missing:
        start_attempt(registration=theory.registration)
    with pytest.raises(AttemptNotAllowed) as wrong:
        start_attempt(registration=theory.registration, start_code="135790")
    assert not Attempt.objects.exists()
    attempt = start_attempt(registration=theory.registration, start_code=" 246 810 ")
    resumed = start_attempt(registration=theory.registration)

    assert missing.value.code == wrong.value.code == "wrong_start_code"
    assert resumed == attempt


def test_guessing_the_start_code_stops_after_a_few_tries():
    theory = make_theory()
    _remote(theory)
    for _ in range(START_CODE_TRIES):
        with pytest.raises(AttemptNotAllowed):
            start_attempt(registration=theory.registration, start_code="000000")

    with pytest.raises(AttemptNotAllowed) as locked:
        start_attempt(registration=theory.registration, start_code="246810")

    assert locked.value.code == "start_code_locked"
    assert not Attempt.objects.exists()


def test_the_api_takes_the_start_code_in_the_body(client):
    theory = make_theory()
    _remote(theory)
    client.force_login(theory.candidate)
    url = f"/api/v1/registrations/{theory.registration.pk}/attempts"

    refused = client.post(url)
    started = client.post(url, data={"start_code": "246810"}, content_type="application/json")

    assert refused.status_code == 409
    assert "开考码" in refused.json()["detail"]
    assert started.status_code == 200


def test_the_exam_page_asks_for_the_start_code(client):
    theory = make_theory()
    _remote(theory)
    client.force_login(theory.candidate)

    page = client.get("/exams/").content.decode()
    response = client.post(f"/exams/registrations/{theory.registration.pk}/start", {"start_code": "246810"})

    assert 'name="start_code"' in page
    assert response.status_code == 302
    assert Attempt.objects.filter(registration=theory.registration).exists()


def _planning(theory, *, allows_remote: bool):
    authority = theory.session.authority
    authority.allows_remote_theory = allows_remote
    authority.save(update_fields=["allows_remote_theory"])
    regulator = MembershipFactory(organisation=authority, role=Role.REGULATOR).user
    start = timezone.now() + dt.timedelta(days=3)
    return {
        "authority": authority, "site": theory.session.site, "kind": ExamKind.THEORY, "name": "远程理论考试",
        "starts_at": start, "ends_at": start + dt.timedelta(hours=2), "capacity": 30,
        "operation_types": [theory.operation_type], "planned_by": regulator, "blueprint": theory.blueprint,
        "checkin_mode": CheckInMode.REMOTE,
    }  # fmt: skip


def test_remote_sessions_only_where_the_authority_permits_them():
    theory = make_theory()
    values = _planning(theory, allows_remote=False)

    with pytest.raises(SessionInvalid, match="未允许远程理论考试"):
        plan_session(**values)

    assert ExamSession.objects.count() == 1


def test_a_permitted_remote_session_gets_a_six_digit_start_code():
    theory = make_theory()

    session = plan_session(**_planning(theory, allows_remote=True))

    assert session.checkin_mode == CheckInMode.REMOTE
    assert len(session.start_code) == 6
    assert session.start_code.isdigit()


def test_a_practical_session_cannot_be_remote():
    theory = make_theory()
    values = _planning(theory, allows_remote=True) | {"kind": ExamKind.PRACTICAL}

    with pytest.raises((SessionInvalid, PermissionDenied)):
        plan_session(**values)


def test_on_s3_the_invigilator_is_redirected_to_a_signed_link_for_the_candidates_photo(client, settings, monkeypatch):
    theory = make_theory()
    theory.candidate.photo.save("face.jpg", ContentFile(b"\xff\xd8\xff\xe0 a jpeg"))
    start_attempt(registration=theory.registration)
    settings.AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
    settings.AWS_S3_REGION_NAME = "cn-north-1"
    settings.AWS_ACCESS_KEY_ID = "AKIATESTTESTTESTTEST"
    settings.AWS_SECRET_ACCESS_KEY = "test-secret"
    settings.PRIVATE_MEDIA_URL_EXPIRY = 60
    s3 = StorageHandler(
        {
            "private": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "kz-media", "default_acl": "private", "location": "private"},
            }
        }
    )["private"]
    monkeypatch.setattr(User._meta.get_field("photo"), "storage", s3)
    client.force_login(_invigilator(theory))

    response = client.get(f"/exams/invigilate/registrations/{theory.registration.pk}/photo")

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert "X-Amz-Signature=" in response["Location"]
    assert "X-Amz-Expires=60" in response["Location"]
    assert "/private/" in response["Location"]
