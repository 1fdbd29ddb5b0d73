"""The page tree the course and dashboard tests share, built with Wagtail's tree helpers."""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.models import Page, Site

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage, LessonPage
from tests.factories import OperationTypeFactory, OrganisationFactory


@dataclass
class CourseTree:
    home: HomePage
    index: CourseIndexPage
    course: CoursePage
    lessons: list[LessonPage]


def build_home() -> HomePage:
    """Root → HomePage, made the default site's root."""
    home = Page.get_first_root_node().add_child(instance=HomePage(title="考证首页", slug="kaozheng"))
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    return home


def add_course(
    index: CourseIndexPage, *, title: str, operation_type=None, lesson_minutes=(1, 2), theory_hours=0
) -> CourseTree:
    course = index.add_child(
        instance=CoursePage(
            title=title,
            operation_type=operation_type or OperationTypeFactory(),
            theory_hours=theory_hours,
            practical_hours=1,
        )
    )
    lessons = [
        course.add_child(instance=LessonPage(title=f"{title} 第{n}课", minutes=minutes))
        for n, minutes in enumerate(lesson_minutes, start=1)
    ]
    return CourseTree(home=index.get_parent().specific, index=index, course=course, lessons=lessons)


def build_course_tree(*, lesson_minutes=(1, 2)) -> CourseTree:
    """Root → HomePage → CourseIndexPage → CoursePage → LessonPage × len(lesson_minutes)."""
    home = build_home()
    index = home.add_child(instance=CourseIndexPage(title="低压电工培训", organisation=OrganisationFactory()))
    return add_course(index, title="低压电工作业", lesson_minutes=lesson_minutes)


def add_check_question(lesson: LessonPage, *, block_id: str = "check-1", correct=(1,)) -> LessonPage:
    """Append a check question (options A–C, ``correct`` by index) to a lesson and publish it."""
    raw = list(lesson.body.raw_data)
    raw.append(
        {
            "type": "check",
            "id": block_id,
            "value": {
                "question": "停电检修的第一步是什么？",
                "options": [
                    {"type": "item", "id": f"{block_id}-{n}", "value": {"text": text, "correct": n in correct}}
                    for n, text in enumerate(["验电", "停电", "挂牌"])
                ],
                "explanation": "先停电，再验电。",
            },
        }
    )
    lesson.body = raw
    lesson.save_revision().publish()
    return LessonPage.objects.get(pk=lesson.pk)
