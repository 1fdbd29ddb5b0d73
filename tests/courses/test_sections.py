"""Training organisations' sections of the page tree and the regulator's review workflow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.models import GroupPagePermission, Page, TaskState
from wagtail.test.utils.form_data import querydict_from_html

from accounts.models import AuditEvent, Organisation, Role
from courses.models import CourseIndexPage, CoursePage, LessonPage, TrainingSection
from courses.sections import (
    REVIEW_WORKFLOW_NAME,
    create_training_organisation,
    grant_review_access,
    grant_section_access,
    provide_training_section,
)
from tests.factories import (
    MembershipFactory,
    OperationTypeFactory,
    OrganisationFactory,
    UserFactory,
    build_home,
    with_totp,
)


@pytest.fixture
def home(db):
    return build_home()


def _trainer(organisation):
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role=Role.TRAINER)
    grant_section_access(user=user, organisation=organisation)
    return user


def _regulator():
    user = UserFactory()
    MembershipFactory(
        user=user, organisation=OrganisationFactory(kind=Organisation.Kind.AUTHORITY), role=Role.REGULATOR
    )
    grant_review_access(user=user)
    return with_totp(user)  # regulators need MFA


def test_creating_a_training_organisation_creates_its_section(home):
    # given
    admin = UserFactory()

    # when
    organisation = create_training_organisation(name="平安培训学校", code="pingan", actor=admin, grade="B")

    # then
    section = TrainingSection.objects.get(organisation=organisation)
    assert section.index_page.get_parent().pk == home.pk
    assert section.index_page.live is True
    assert section.index_page.organisation == organisation
    assert sorted(
        GroupPagePermission.objects.filter(group=section.group).values_list("page_id", "permission__codename")
    ) == sorted((section.index_page.pk, f"{kind}_page") for kind in ("add", "change", "lock", "unlock"))
    assert sorted(section.group.collection_permissions.values_list("collection_id", "permission__codename")) == sorted(
        (section.collection.pk, codename)
        for codename in (
            "add_image",
            "change_image",
            "choose_image",
            "add_document",
            "change_document",
            "choose_document",
        )
    )
    assert section.index_page.get_workflow().name == REVIEW_WORKFLOW_NAME
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "accounts.organisation.created",
        "courses.training_section.created",
    ]


def test_providing_a_section_again_returns_the_same_one(home):
    organisation = OrganisationFactory()
    first = provide_training_section(organisation=organisation)

    again = provide_training_section(organisation=organisation)

    assert again.pk == first.pk
    assert CourseIndexPage.objects.count() == 1
    assert TrainingSection.objects.count() == 1


def test_a_section_is_refused_for_an_organisation_that_does_not_train(home):
    site = OrganisationFactory(kind=Organisation.Kind.EXAM_SITE)

    with pytest.raises(ValidationError) as excinfo:
        provide_training_section(organisation=site)

    assert excinfo.value.messages == ["只有培训机构才有课程栏目。"]
    assert (CourseIndexPage.objects.count(), Group.objects.filter(training_section__isnull=False).count()) == (0, 0)


def test_a_duplicate_organisation_code_is_refused_and_nothing_is_created(home):
    OrganisationFactory(code="pingan")

    with pytest.raises(ValidationError):
        create_training_organisation(name="另一个", code="pingan", actor=None)

    assert (Organisation.objects.count(), TrainingSection.objects.count(), CourseIndexPage.objects.count()) == (1, 0, 0)


def test_a_trainer_may_add_and_edit_but_not_publish_in_their_own_section_only(home):
    # given
    mine = provide_training_section(organisation=OrganisationFactory())
    theirs = provide_training_section(organisation=OrganisationFactory())
    trainer = _trainer(mine.organisation)

    # when
    own = mine.index_page.permissions_for_user(trainer)
    other = theirs.index_page.permissions_for_user(trainer)

    # then
    assert (own.can_add_subpage(), own.can_edit(), own.can_publish()) == (True, True, False)
    assert (other.can_add_subpage(), other.can_edit(), other.can_publish()) == (False, False, False)


def test_a_trainer_cannot_add_a_lesson_to_another_organisations_course(client, home):
    # given: a course in another organisation's section
    mine = provide_training_section(organisation=OrganisationFactory())
    theirs = provide_training_section(organisation=OrganisationFactory())
    course = theirs.index_page.add_child(instance=CoursePage(title="他人的课程", operation_type=OperationTypeFactory()))
    trainer = _trainer(mine.organisation)
    client.force_login(trainer)
    url = reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", course.pk])

    # when
    shown = client.get(url)
    posted = client.post(url, {"title": "冒充的课时", "slug": "fake", "minutes": "45", "action-submit": "1"})

    # then
    assert shown.status_code in (302, 403)
    assert posted.status_code in (302, 403)
    assert LessonPage.objects.count() == 0


def _submit_new_course(client, index: CourseIndexPage, operation_type) -> CoursePage:
    """The trainer fills the admin's add form and chooses "submit for review"."""
    url = reverse("wagtailadmin_pages:add", args=["courses", "coursepage", index.pk])
    form = querydict_from_html(client.get(url).text, form_id="page-edit-form")
    form.update(
        {
            "title": "电工作业(初训)",
            "slug": "electrician",
            "operation_type": str(operation_type.pk),
            "theory_hours": "2",
            "practical_hours": "1",
            "action-submit": "1",
        }
    )
    response = client.post(url, form)
    assert response.status_code == 302, response.text[:2000]
    return CoursePage.objects.get(slug="electrician")


def test_the_review_cycle_sends_back_with_a_comment_and_then_publishes(client, home):
    # given
    section = provide_training_section(organisation=OrganisationFactory())
    trainer = _trainer(section.organisation)
    regulator = _regulator()
    client.force_login(trainer)

    # when: the organisation submits a new course
    course = _submit_new_course(client, section.index_page, OperationTypeFactory())

    # then: it waits for the regulator, unpublished
    state = course.current_workflow_state
    assert (course.live, state.status, state.workflow.name) == (False, "in_progress", REVIEW_WORKFLOW_NAME)

    # when: the regulator sends it back with a comment
    client.force_login(regulator)
    task_state = state.current_task_state
    rejected = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[course.pk, "reject", task_state.pk]),
        {"comment": "请补充触电急救课时。"},
    )

    # then
    task_state.refresh_from_db()
    course.refresh_from_db()
    assert rejected.status_code == 302
    assert (task_state.status, task_state.comment, course.live) == (
        TaskState.STATUS_REJECTED,
        "请补充触电急救课时。",
        False,
    )

    # when: the organisation resubmits and the regulator approves
    client.force_login(trainer)
    edit_url = reverse("wagtailadmin_pages:edit", args=[course.pk])
    form = querydict_from_html(client.get(edit_url).text, form_id="page-edit-form")
    form["action-submit"] = "1"
    assert client.post(edit_url, form).status_code == 302
    client.force_login(regulator)
    task_state = CoursePage.objects.get(pk=course.pk).current_workflow_state.current_task_state
    approved = client.post(
        reverse("wagtailadmin_pages:workflow_action", args=[course.pk, "approve", task_state.pk]), {"comment": ""}
    )

    # then: approval publishes the course
    course.refresh_from_db()
    assert approved.status_code == 302
    assert course.live is True
    assert Page.objects.get(pk=course.pk).get_parent().pk == section.index_page.pk


def test_a_trainer_cannot_approve_their_own_submission(client, home):
    # given
    section = provide_training_section(organisation=OrganisationFactory())
    trainer = _trainer(section.organisation)
    client.force_login(trainer)
    course = _submit_new_course(client, section.index_page, OperationTypeFactory())
    task_state = course.current_workflow_state.current_task_state

    # when
    client.post(reverse("wagtailadmin_pages:workflow_action", args=[course.pk, "approve", task_state.pk]))

    # then
    task_state.refresh_from_db()
    course.refresh_from_db()
    assert (task_state.status, course.live) == (TaskState.STATUS_IN_PROGRESS, False)


def test_sync_training_sections_gives_every_organisation_and_its_staff_their_groups(home):
    # given
    from django.core.management import call_command

    organisation = OrganisationFactory()
    trainer = MembershipFactory(organisation=organisation, role=Role.TRAINER).user
    regulator = MembershipFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.AUTHORITY), role=Role.REGULATOR
    ).user

    # when: twice
    call_command("sync_training_sections", verbosity=0)
    call_command("sync_training_sections", verbosity=0)

    # then
    section = TrainingSection.objects.get(organisation=organisation)
    assert list(trainer.groups.all()) == [section.group]
    assert list(regulator.groups.values_list("name", flat=True)) == ["考核发证机关审核人员"]
    assert TrainingSection.objects.count() == 1


def test_a_trainer_chooses_only_images_of_their_own_collection(home):
    # given
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file
    from wagtail.permissions import policy_registry

    mine = provide_training_section(organisation=OrganisationFactory())
    theirs = provide_training_section(organisation=OrganisationFactory())
    own = Image.objects.create(title="本校", file=get_test_image_file(), collection=mine.collection)
    Image.objects.create(title="他校", file=get_test_image_file(), collection=theirs.collection)
    trainer = _trainer(mine.organisation)

    # when
    policy = policy_registry.get_by_type(Image)
    choosable = policy.instances_user_has_any_permission_for(trainer, ["choose"])

    # then
    assert list(choosable) == [own]
