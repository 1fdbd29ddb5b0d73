"""The Wagtail page editor refuses to publish a course whose published lessons cannot reach
its theory hours, and says why at the hours field, in Chinese."""

from __future__ import annotations

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text

from courses.completion import minutes_short_of_required
from courses.models import CoursePage
from tests.factories import build_course_tree

pytestmark = pytest.mark.django_db


def _edit(client, course: CoursePage, *, theory_hours: int, action: str | None):
    data = nested_form_data(
        {
            "title": course.title,
            "slug": course.slug,
            "purpose": course.purpose,
            "theory_hours": theory_hours,
            "practical_hours": 0,
            "outline": rich_text(""),
            "comments": {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0, "MIN_NUM_FORMS": 0, "MAX_NUM_FORMS": 1000},
        }
    )
    if action:
        data[action] = action
    return client.post(f"/admin/pages/{course.pk}/edit/", data)


@pytest.mark.parametrize(("theory_hours", "lesson_minutes", "short"), [(1, 59, 1), (1, 60, 0), (0, 0, 0), (2, 150, 0)])
def test_minutes_short_of_required(theory_hours, lesson_minutes, short):
    assert minutes_short_of_required(theory_hours=theory_hours, lesson_minutes=lesson_minutes) == short


def test_publishing_a_course_its_lessons_cannot_fill_is_refused_at_the_hours_field(admin_client):
    # given: a live course of 1 + 2 minutes of lessons
    tree = build_course_tree(lesson_minutes=(1, 2))
    revisions = tree.course.revisions.count()

    # when the author publishes it asking for 1 theory hour
    response = _edit(admin_client, tree.course, theory_hours=1, action="action-publish")

    # then the editor shows the reason at the field and nothing is published
    assert response.status_code == 200
    errors = response.context["form"].errors["theory_hours"]
    assert errors == [
        "无法发布：本课程要求理论学时 1 学时（60 分钟），已发布的课时合计只有 3 分钟，学员无法学满。"
        "请先添加并发布课时（还差 57 分钟），或调整理论学时。"
    ]
    assert "无法发布" in response.content.decode()
    course = CoursePage.objects.get(pk=tree.course.pk)
    assert course.theory_hours == 0
    assert course.revisions.count() == revisions


def test_a_draft_may_ask_for_more_hours_than_its_lessons_have_yet(admin_client):
    tree = build_course_tree(lesson_minutes=(1, 2))

    response = _edit(admin_client, tree.course, theory_hours=1, action=None)

    assert response.status_code == 302
    assert CoursePage.objects.get(pk=tree.course.pk).get_latest_revision_as_object().theory_hours == 1


def test_a_course_whose_lessons_reach_its_hours_is_published(admin_client):
    tree = build_course_tree(lesson_minutes=(30, 30))

    response = _edit(admin_client, tree.course, theory_hours=1, action="action-publish")

    assert response.status_code == 302
    course = CoursePage.objects.get(pk=tree.course.pk)
    assert (course.live, course.theory_hours) == (True, 1)


def test_unpublished_lessons_do_not_count(admin_client):
    tree = build_course_tree(lesson_minutes=(30, 30))
    Page.objects.get(pk=tree.lessons[1].pk).specific.unpublish()

    response = _edit(admin_client, tree.course, theory_hours=1, action="action-publish")

    assert response.status_code == 200
    assert "已发布的课时合计只有 30 分钟" in response.context["form"].errors["theory_hours"][0]
