"""The health-certificate page: a file chosen once is kept when another field is wrong, and
each error is shown at its own field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from exams.admission.held_uploads import FOLDER, SESSION_KEY
from exams.admission.models import HealthCertificate
from tests.factories import UserFactory, png_bytes

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
URL = reverse("exams:health_certificate")


def _held_files() -> list[str]:
    return default_storage.listdir(FOLDER)[1] if default_storage.exists(FOLDER) else []


def test_a_date_error_keeps_the_chosen_file_and_is_shown_at_the_date(client_for):
    # given: a worker chooses a PDF but gives a date in the future
    worker = UserFactory()
    client = client_for(worker)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    # when
    response = client.post(URL, {"file": SimpleUploadedFile("体检.pdf", PDF), "issued_on": tomorrow.isoformat()})

    # then: the error is at the date, the file is named as chosen, nothing is stored yet
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors == {"issued_on": ["出具日期不能晚于今天。"]}
    assert "已选择：体检.pdf" in response.content.decode()
    assert "换一个文件（可不选）" in response.content.decode()
    assert HealthCertificate.objects.count() == 0
    assert len(_held_files()) == 1

    # when: the date is corrected, without choosing the file again
    response = client.post(URL, {"issued_on": timezone.localdate().isoformat()})

    # then: the held file is the stored certificate and the hold is gone
    assert response.status_code == 302
    certificate = HealthCertificate.objects.get(user=worker)
    assert certificate.content_type == "application/pdf"
    assert certificate.file.read() == PDF
    assert _held_files() == []
    assert SESSION_KEY not in client.session


def test_a_missing_date_keeps_the_file_and_a_new_file_replaces_the_held_one(client_for):
    worker = UserFactory()
    client = client_for(worker)
    client.post(URL, {"file": SimpleUploadedFile("old.pdf", PDF), "issued_on": ""})

    # when: another file is chosen, still without a date
    response = client.post(URL, {"file": SimpleUploadedFile("new.png", png_bytes()), "issued_on": ""})

    # then: the new file is held in place of the old one, and the error is at the date
    assert response.context["form"].errors == {"issued_on": ["必需字段"]}
    assert "已选择：new.png" in response.content.decode()
    assert len(_held_files()) == 1
    client.post(URL, {"issued_on": "2026-01-05"})
    assert HealthCertificate.objects.get(user=worker).content_type == "image/png"


def test_a_refused_file_is_not_held_and_its_error_is_at_the_file(client_for):
    client = client_for(UserFactory())

    response = client.post(URL, {"file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a document"), "issued_on": ""})

    errors = response.context["form"].errors
    assert errors["file"] == ["体检证明须为图片（JPEG、PNG、WebP）或 PDF 文件。"]
    assert errors["issued_on"] == ["必需字段"]
    assert _held_files() == []
    assert "已选择" not in response.content.decode()


def test_no_file_and_nothing_held_is_an_error_at_the_file(client_for):
    client = client_for(UserFactory())

    response = client.post(URL, {"issued_on": "2026-01-05"})

    assert response.context["form"].errors == {"file": ["必需字段"]}
    assert HealthCertificate.objects.count() == 0


def test_a_held_file_is_not_anyone_elses(client_for):
    # given: a hold named in a session of another user (a session carried over)
    worker, other = UserFactory(), UserFactory()
    client = client_for(worker)
    client.post(URL, {"file": SimpleUploadedFile("mine.pdf", PDF), "issued_on": ""})
    session = client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "user": other.pk}
    session.save()

    # when
    response = client.post(URL, {"issued_on": "2026-01-05"})

    # then: the file is not used for the worker
    assert response.context["form"].errors == {"file": ["必需字段"]}
    assert HealthCertificate.objects.count() == 0


def test_holds_left_behind_are_discarded_after_a_day(client_for):
    import os

    from exams.admission.held_uploads import discard_stale_held_uploads

    # given: two holds, one of them two days old
    for name in ("old.pdf", "new.pdf"):
        client_for(UserFactory()).post(URL, {"file": SimpleUploadedFile(name, PDF), "issued_on": ""})
    old, new = sorted(_held_files())
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(f"{FOLDER}/{old}"), (two_days_ago, two_days_ago))

    # when
    discarded = discard_stale_held_uploads()

    # then
    assert discarded == 1
    assert _held_files() == [new]


def test_an_empty_post_shows_both_errors(client_for):
    response = client_for(UserFactory()).post(URL)

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"file", "issued_on"}
