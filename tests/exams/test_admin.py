"""Exams in the Wagtail admin and the Django admin: pages render for administrators."""

from __future__ import annotations

import pytest

from exams.admission.models import Registration
from exams.theory.services import start_attempt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["questionbank", "question", "blueprint", "examsession", "practicalrubric", "examsiteprofile"],
)
def test_wagtail_snippet_listing_and_edit_pages(admin_client, theory, model):
    listing = admin_client.get(f"/admin/snippets/exams/{model}/")
    add = admin_client.get(f"/admin/snippets/exams/{model}/add/")

    assert listing.status_code == 200
    assert add.status_code == 200


def test_registrations_are_listed_and_inspected_but_never_edited_in_the_admin(admin_client, theory):
    # given: a registration that only the audited services may decide
    registration = theory.registration
    before = (registration.status, registration.decided_at)

    # when
    listing = admin_client.get("/admin/snippets/exams/registration/")
    inspect = admin_client.get(f"/admin/snippets/exams/registration/inspect/{registration.pk}/")
    add = admin_client.get("/admin/snippets/exams/registration/add/")
    edit = admin_client.post(
        f"/admin/snippets/exams/registration/edit/{registration.pk}/", {"status": Registration.Status.REJECTED}
    )
    delete = admin_client.post(f"/admin/snippets/exams/registration/delete/{registration.pk}/")

    # then
    assert listing.status_code == 200
    assert inspect.status_code == 200
    assert (add.status_code, edit.status_code, delete.status_code) == (302, 302, 302)
    assert add.url == edit.url == delete.url == "/admin/"
    registration.refresh_from_db()
    assert (registration.status, registration.decided_at) == before


def test_wagtail_session_edit_page(admin_client, theory):
    response = admin_client.get(f"/admin/snippets/exams/examsession/edit/{theory.session.pk}/")

    assert response.status_code == 200
    assert theory.session.name in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/django-admin/exams/blueprint/",
        "/django-admin/exams/practicalrubric/",
        "/django-admin/exams/attempt/",
        "/django-admin/exams/practicalresult/",
    ],
)
def test_django_admin_pages(admin_client, theory, path):
    start_attempt(registration=theory.registration)

    assert admin_client.get(path).status_code == 200


def test_django_admin_blueprint_edits_rules_inline(admin_client, theory):
    response = admin_client.get(f"/django-admin/exams/blueprint/{theory.blueprint.pk}/change/")

    assert response.status_code == 200
    assert "rules-TOTAL_FORMS" in response.content.decode()


def test_attempts_are_read_only_in_the_django_admin(admin_client, theory):
    attempt = start_attempt(registration=theory.registration)

    response = admin_client.post(f"/django-admin/exams/attempt/{attempt.pk}/change/", {"score": "100"})

    attempt.refresh_from_db()
    assert response.status_code == 403
    assert attempt.score is None


def test_wagtail_rubric_edit_page_has_the_subjects_inline(admin_client, practical):
    rubric = practical.session.rubric

    response = admin_client.get(f"/admin/snippets/exams/practicalrubric/edit/{rubric.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="subjects-TOTAL_FORMS" value="4"' in html
    assert "K11-1" in html  # the tasks JSON, items included


def test_rubric_subject_with_broken_tasks_fails_validation(practical):
    from django.core.exceptions import ValidationError

    subject = practical.session.rubric.subjects.get(code="K1")
    subject.tasks = [{"code": "K11", "name": "x", "items": [{"code": "a", "name": "b", "points": 10}]}]

    with pytest.raises(ValidationError) as excinfo:
        subject.full_clean()
    assert excinfo.value.message_dict["tasks"] == [
        "评分项 a 须至少有一条扣分标准。",
        "考题 K11 各评分项分值之和应为 100，现为 10。",
    ]


def test_a_rubric_version_used_by_a_session_refuses_edits(practical):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="该版本已用于考试场次"):
        practical.session.rubric.clean()


def test_wagtail_exam_site_listing_names_the_examiners(admin_client, practical):
    from exams.admission.models import ExamSiteProfile

    ExamSiteProfile.objects.create(organisation=practical.site, capacity=20)
    practical.examiner.real_name = "赵强"
    practical.examiner.save(update_fields=["real_name"])

    html = admin_client.get("/admin/snippets/exams/examsiteprofile/").content.decode()

    assert practical.site.name in html and "赵强" in html
