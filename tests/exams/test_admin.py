"""Exams in the Wagtail admin and the Django admin: pages render for administrators."""

from __future__ import annotations

import pytest

from exams.admission.models import ExamSession, Registration
from exams.bank.models import Question
from exams.theory.services import start_attempt

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["questionbank", "question", "blueprint", "practicalrubric", "examsiteprofile"],
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


def test_wagtail_sessions_are_inspected_and_planned_only_through_plan_session(admin_client, theory):
    # given: a session that plan_session checked and audited
    session = theory.session
    before = (session.name, session.capacity, session.starts_at)

    # when
    listing = admin_client.get("/admin/snippets/exams/examsession/")
    inspect = admin_client.get(f"/admin/snippets/exams/examsession/inspect/{session.pk}/")
    add = admin_client.post("/admin/snippets/exams/examsession/add/", {"name": "绕过规划的场次", "capacity": "999"})
    edit = admin_client.post(f"/admin/snippets/exams/examsession/edit/{session.pk}/", {"capacity": "999"})
    delete = admin_client.post(f"/admin/snippets/exams/examsession/delete/{session.pk}/")

    # then: listed and inspected, the listing points at the planning page; nothing written
    assert listing.status_code == 200
    assert "/exams/admin/sessions/new" in listing.content.decode()
    assert inspect.status_code == 200
    assert session.name in inspect.content.decode()
    assert (add.status_code, edit.status_code, delete.status_code) == (302, 302, 302)
    assert add.url == edit.url == delete.url == "/admin/"
    session.refresh_from_db()
    assert (session.name, session.capacity, session.starts_at) == before
    assert ExamSession.objects.count() == 1


def test_wagtail_rubric_form_has_no_publish_switch_and_refuses_a_published_version(admin_client, practical):
    # given: the published rubric of the session, and a draft of another type
    rubric = practical.session.rubric
    assert rubric.is_published

    # when: the edit page is opened and a post tries to change the published version
    page = admin_client.get(f"/admin/snippets/exams/practicalrubric/edit/{rubric.pk}/")
    response = admin_client.post(
        f"/admin/snippets/exams/practicalrubric/edit/{rubric.pk}/",
        {"operation_type": rubric.operation_type_id, "version": rubric.version, "total_minutes": "5", "pass_mark": "1"},
    )

    # then: no is_published field, and the published version is unchanged
    assert 'name="is_published"' not in page.content.decode()
    assert response.status_code == 200
    rubric.refresh_from_db()
    assert (rubric.total_minutes, rubric.pass_mark, rubric.is_published) == (60, 80, True)


def test_publishing_a_draft_rubric_through_the_wagtail_form_is_impossible(admin_client, practical):
    # given: an unpublished draft
    from exams.practical.models import PracticalRubric

    draft = PracticalRubric.objects.create(operation_type=practical.operation_type, version=9)

    # when: a post carries is_published=on as if the field were there
    admin_client.post(
        f"/admin/snippets/exams/practicalrubric/edit/{draft.pk}/",
        {
            "operation_type": draft.operation_type_id,
            "version": "9",
            "total_minutes": "60",
            "pass_mark": "80",
            "is_published": "on",
            "subjects-TOTAL_FORMS": "0",
            "subjects-INITIAL_FORMS": "0",
            "subjects-MIN_NUM_FORMS": "0",
            "subjects-MAX_NUM_FORMS": "1000",
        },
    )

    # then: still a draft; only publish_rubric publishes (and audits)
    draft.refresh_from_db()
    assert (draft.is_published, draft.published_at) == (False, None)


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


def test_django_admin_blueprint_shows_its_rules_inline(admin_client, theory):
    response = admin_client.get(f"/django-admin/exams/blueprint/{theory.blueprint.pk}/change/")

    assert response.status_code == 200
    assert "rules-TOTAL_FORMS" in response.content.decode()


@pytest.mark.parametrize("model", ["registration", "examsession", "question", "questionbank", "blueprint"])
def test_the_django_admin_cannot_add_change_or_delete_what_services_write(admin_client, theory, model):
    # given: one object of each kind that only an audited service may change
    objects = {
        "registration": theory.registration,
        "examsession": theory.session,
        "question": theory.blueprint.bank.questions.first(),
        "questionbank": theory.blueprint.bank,
        "blueprint": theory.blueprint,
    }
    obj = objects[model]
    counts = (Registration.objects.count(), ExamSession.objects.count(), Question.objects.count())

    # when
    add = admin_client.post(f"/django-admin/exams/{model}/add/", {"name": "x", "status": "approved"})
    change = admin_client.post(f"/django-admin/exams/{model}/{obj.pk}/change/", {"name": "x", "status": "rejected"})
    delete = admin_client.post(f"/django-admin/exams/{model}/{obj.pk}/delete/", {"post": "yes"})

    # then: refused, nothing changed
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert (Registration.objects.count(), ExamSession.objects.count(), Question.objects.count()) == counts
    assert type(obj).objects.filter(pk=obj.pk).exists()
    theory.registration.refresh_from_db()
    assert theory.registration.status == Registration.Status.APPROVED


def test_the_django_admin_cannot_publish_a_rubric(admin_client, practical):
    from exams.practical.models import PracticalRubric

    draft = PracticalRubric.objects.create(operation_type=practical.operation_type, version=9)

    response = admin_client.post(
        f"/django-admin/exams/practicalrubric/{draft.pk}/change/", {"is_published": "on", "version": "9"}
    )

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.is_published is False


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
