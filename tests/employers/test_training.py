"""Posts name their courses; the employer's assignment enrols the consenting people on the
post (never those who did not agree), and hours and completion show per person and per
department."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import LessonProgress
from employers import selectors, services
from tests.factories import StaffMemberFactory, build_course_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return build_course_tree(lesson_minutes=(30, 30)).course


def _assign(firm, officer, post, course):
    return services.save_post(
        organisation=firm,
        actor=officer,
        name=post.name,
        new_worker_education=True,
        high_risk=False,
        required_subjects=list(post.required_subjects.all()),
        post=post,
        courses=[course],
    )


def test_assigning_a_course_to_a_post_enrols_its_consenting_people_only(
    firm, officer, electrician_post, consented, course
):
    not_yet = StaffMemberFactory(organisation=firm, post=electrician_post, consented=True)
    not_yet.consent = "pending"
    not_yet.save(update_fields=["consent"])

    _assign(firm, officer, electrician_post, course)

    assert consented.user.enrolments.filter(course=course).exists()
    assert not not_yet.user.enrolments.exists()


def test_a_person_who_agrees_later_is_enrolled_then(firm, officer, electrician_post, course):
    entry = StaffMemberFactory(organisation=firm, post=electrician_post, consented=True)
    entry.consent = "pending"
    entry.save(update_fields=["consent"])
    _assign(firm, officer, electrician_post, course)

    services.record_consent(entry=entry, user=entry.user, accept=True)

    assert entry.user.enrolments.filter(course=course).exists()


def test_hours_and_completion_per_person_and_department(
    firm, officer, electrician_post, consented, course, django_assert_max_num_queries
):
    _assign(firm, officer, electrician_post, course)
    enrolment = consented.user.enrolments.get(course=course)
    lesson = course.get_children().live().first().specific
    LessonProgress.objects.create(enrolment=enrolment, lesson=lesson, seconds=30 * 60)

    with django_assert_max_num_queries(6):
        rows = selectors.training(firm)
    row = next(r for r in rows if r.entry.pk == consented.pk)

    assert (row.hours, row.required_hours, row.completed) == (0.5, 1.0, 0)
    assert row.lines[0].percent == 50
    [department] = selectors.training_by_department(rows)
    assert (department.name, department.people, department.done, department.hours) == ("一车间", 1, 0, 0.5)


def test_the_training_page_shows_only_consenting_people(
    client_for, firm, officer, electrician_post, consented, pending, course
):
    pending.post = electrician_post
    pending.save(update_fields=["post"])
    _assign(firm, officer, electrician_post, course)

    page = client_for(officer).get(reverse("employers:training", args=[firm.code])).content.decode()

    assert f"/staff/{consented.pk}/" in page and "0.0 / 1.0" in page
    assert f"/staff/{pending.pk}/" not in page
