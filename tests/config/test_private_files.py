"""Private files: each kind leaves only through a view that checks who asks, lives in the
private storage under a random name, and on S3 leaves as a short-lived signed link."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import StorageHandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import config.settings.base
from accounts.models import Role, User
from accounts.private_media import RandomName, private_storage
from certificates.models import Certificate
from exams.admission.models import HealthCertificate
from exams.admission.services import upload_health_certificate
from exams.bank.models import QuestionImport
from exams.practical.models import PracticalEvidence
from tests.factories import (
    CertificateFactory,
    MembershipFactory,
    QuestionBankFactory,
    RegistrationFactory,
    UserFactory,
    png_bytes,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% private\n%%EOF\n"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- every private field is in the private storage, under a random name ----------------


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (User, "photo"),
        (Certificate, "pdf"),
        (HealthCertificate, "file"),
        (PracticalEvidence, "image"),
        (QuestionImport, "file"),
    ],
)
def test_every_private_file_field_uses_the_private_storage_and_random_names(model, field):
    file_field = model._meta.get_field(field)

    assert file_field.storage is private_storage()
    assert isinstance(file_field.upload_to, RandomName)
    first = file_field.generate_filename(None, "张三-110101199001011234.pdf")
    second = file_field.generate_filename(None, "张三-110101199001011234.pdf")
    assert first != second
    assert "110101" not in first and "张三" not in first
    assert first.endswith(".pdf") and len(Path(first).stem) >= 24


def test_private_files_are_written_outside_the_public_media_folder(settings):
    holder = UserFactory()

    holder.photo.save("me.png", ContentFile(png_bytes()), save=True)

    stored = Path(holder.photo.path)
    assert stored.is_file()
    assert Path(settings.PRIVATE_MEDIA_ROOT) in stored.parents
    assert Path(settings.MEDIA_ROOT) not in stored.parents


def test_a_question_file_keeps_its_shown_name_but_is_stored_under_a_random_one():
    from exams.bank.services import check_question_import

    question_import = check_question_import(
        bank=QuestionBankFactory(),
        actor=UserFactory(is_superuser=True),
        upload=SimpleUploadedFile("张三的题库.csv", "题型,题干\n".encode()),
        fmt="csv",
    )

    assert question_import.original_name == "张三的题库.csv"
    assert "张三" not in question_import.file.name
    assert question_import.file.name.startswith("question-imports/")


# --- health certificates ------------------------------------------------------------------


@pytest.fixture
def health():
    registration = RegistrationFactory()
    certificate = upload_health_certificate(
        user=registration.candidate,
        uploaded_by=registration.candidate,
        issued_on=registration.session.starts_at.date().replace(day=1),
        upload=SimpleUploadedFile("体检.pdf", PDF, content_type="application/pdf"),
    )
    return registration, certificate


def test_the_candidate_gets_their_health_certificate(health, client_for):
    registration, certificate = health

    response = client_for(registration.candidate).get(reverse("exams:health_file", args=[registration.pk]))

    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert "体检" not in certificate.file.name


@pytest.mark.parametrize("who", ["another_worker", "stranger_trainer"])
def test_others_get_a_404_for_a_health_certificate(health, client_for, who):
    registration, _certificate = health
    other = {
        "another_worker": lambda: MembershipFactory(role=Role.WORKER).user,
        "stranger_trainer": lambda: MembershipFactory(role=Role.TRAINER).user,
    }[who]()

    response = client_for(other).get(reverse("exams:health_file", args=[registration.pk]))

    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in_for_a_health_certificate(health, client):
    registration, _certificate = health

    response = client.get(reverse("exams:health_file", args=[registration.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- certificate PDFs -----------------------------------------------------------------------


@pytest.fixture
def certificate():
    certificate = CertificateFactory()
    certificate.pdf.save("certificate.pdf", ContentFile(PDF), save=True)
    return certificate


def test_the_holder_gets_their_certificate_pdf(certificate, client_for):
    response = client_for(certificate.holder).get(reverse("certificates:pdf", args=[certificate.number]))

    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["another_worker", "other_authority_regulator"])
def test_others_get_a_404_for_a_certificate_pdf(certificate, client_for, who):
    other = {
        "another_worker": lambda: MembershipFactory(role=Role.WORKER).user,
        "other_authority_regulator": lambda: MembershipFactory(role=Role.REGULATOR).user,
    }[who]()

    response = client_for(other, mfa=who.endswith("regulator")).get(
        reverse("certificates:pdf", args=[certificate.number])
    )

    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in_for_a_certificate_pdf(certificate, client):
    response = client.get(reverse("certificates:pdf", args=[certificate.number]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- people's photos ------------------------------------------------------------------------


def test_a_person_sees_their_own_photo_and_only_their_own(client_for, client):
    owner = UserFactory()
    owner.photo.save("me.png", ContentFile(png_bytes()), save=True)
    other = UserFactory()

    mine = client_for(owner).get(reverse("accounts:own_photo"))
    theirs = client_for(other).get(reverse("accounts:own_photo"))
    anonymous = client.get(reverse("accounts:own_photo"))

    assert mine.status_code == 200 and body(mine) == png_bytes()
    assert theirs.status_code == 404
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


# --- production: S3, private prefix, short-lived signed links ----------------------------------


@pytest.fixture
def production_storages(monkeypatch, settings):
    """The STORAGES that config.settings.base builds with MEDIA_S3_BUCKET set, no network needed."""
    monkeypatch.setenv("MEDIA_S3_BUCKET", "kz-media")
    monkeypatch.setenv("MEDIA_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("MEDIA_S3_REGION", "cn-north-1")
    monkeypatch.setenv("MEDIA_S3_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("MEDIA_S3_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("PRIVATE_MEDIA_URL_EXPIRY", "90")
    spec = importlib.util.spec_from_file_location("kz_production_settings", config.settings.base.__file__)
    assert spec is not None and spec.loader is not None
    production = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(production)
    for name in ("AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        setattr(settings, name, getattr(production, name))
    settings.PRIVATE_MEDIA_URL_EXPIRY = production.PRIVATE_MEDIA_URL_EXPIRY
    return production.STORAGES


def test_production_keeps_private_files_in_a_private_prefix_apart_from_public_images(production_storages):
    private = production_storages["private"]
    public = production_storages["default"]

    assert private["BACKEND"] == public["BACKEND"] == "storages.backends.s3.S3Storage"
    assert private["OPTIONS"]["default_acl"] == "private"
    assert private["OPTIONS"]["querystring_auth"] is True
    assert private["OPTIONS"]["querystring_expire"] == 90
    assert private["OPTIONS"]["location"] == "private"
    assert "OPTIONS" not in public  # Wagtail's public images keep the bucket's root


def test_on_s3_the_holder_is_redirected_to_a_short_lived_signed_link(
    production_storages, certificate, client_for, monkeypatch
):
    s3 = StorageHandler(production_storages)["private"]
    monkeypatch.setattr(Certificate._meta.get_field("pdf"), "storage", s3)
    name = certificate.pdf.name

    response = client_for(certificate.holder).get(reverse("certificates:pdf", args=[certificate.number]))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    url = urlsplit(response["Location"])
    query = parse_qs(url.query)
    assert url.netloc == "127.0.0.1:9"
    assert url.path.endswith(f"/private/{name}")
    assert query["X-Amz-Expires"] == ["90"]
    assert query["X-Amz-Signature"][0]
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"] == [f'inline; filename="certificate-{certificate.number}.pdf"']


def test_on_s3_a_stranger_gets_no_link(production_storages, certificate, client_for, monkeypatch):
    s3 = StorageHandler(production_storages)["private"]
    monkeypatch.setattr(Certificate._meta.get_field("pdf"), "storage", s3)

    response = client_for(UserFactory()).get(reverse("certificates:pdf", args=[certificate.number]))

    assert response.status_code == 404
    assert "Location" not in response


def test_the_demos_seeded_files_have_random_names_in_the_private_storage(demo, settings):
    seeded = list(HealthCertificate.objects.all())

    assert seeded
    for certificate in seeded:
        assert certificate.file.name.startswith("health/")
        assert Path(certificate.file.name).stem not in {"health", "体检证明"}
        assert len(Path(certificate.file.name).stem) >= 24
        assert Path(settings.PRIVATE_MEDIA_ROOT) in Path(certificate.file.path).parents
