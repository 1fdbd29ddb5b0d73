import datetime as dt

from django.utils import timezone

from courses.models import Enrolment, LessonProgress
from courses.selectors import completed_training, course_progress, enrolments_for
from courses.services import enrol
from tests.factories import OperationTypeFactory, UserFactory, add_course


def test_completed_training_is_none_before_completion(tree, learner, enrolment):
    assert completed_training(learner=learner, operation_type=tree.course.operation_type) is None


def test_completed_training_returns_the_latest_completed_enrolment_of_the_operation_type(tree, learner, enrolment):
    # given
    now = timezone.now()
    later = add_course(tree.index, title="复训课程", operation_type=tree.course.operation_type)
    newer = enrol(learner=learner, course=later.course)
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=now - dt.timedelta(days=30))
    Enrolment.objects.filter(pk=newer.pk).update(completed_at=now)

    # when
    found = completed_training(learner=learner, operation_type=tree.course.operation_type.pk)

    # then
    assert found == newer
    assert found.course.title == "复训课程"


def test_completed_training_ignores_other_operation_types_and_learners(tree, learner, enrolment):
    # given
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())
    other_type = OperationTypeFactory(code="0103", name="高压电工作业")

    # then
    assert completed_training(learner=learner, operation_type=other_type) is None
    assert completed_training(learner=UserFactory(), operation_type=tree.course.operation_type) is None


def test_course_progress_of_an_enrolled_learner(tree, learner, enrolment):
    # given
    first, second = tree.lessons
    LessonProgress.objects.create(enrolment=enrolment, lesson=first, seconds=60, completed_at=timezone.now())
    LessonProgress.objects.create(enrolment=enrolment, lesson=second, seconds=30, position={"scroll": 0.5})

    # when
    progress = course_progress(learner=learner, course=tree.course)

    # then
    assert progress.enrolment == enrolment
    assert [(s.lesson.pk, s.number, s.seconds, s.completed, s.percent) for s in progress.lessons] == [
        (first.pk, 1, 60, True, 100),
        (second.pk, 2, 30, False, 25),
    ]
    assert (progress.credited_seconds, progress.required_seconds, progress.percent) == (90, 180, 50)
    assert progress.next_lesson.lesson.pk == second.pk
    assert progress.next_lesson.position == {"scroll": 0.5}
    assert progress.after(first).lesson.pk == second.pk
    assert progress.before(first) is None


def test_course_progress_of_a_learner_not_enrolled(tree, learner):
    # when
    progress = course_progress(learner=learner, course=tree.course)

    # then
    assert progress.is_enrolled is False
    assert [(s.seconds, s.completed) for s in progress.lessons] == [(0, False), (0, False)]
    assert progress.next_lesson.lesson.pk == tree.lessons[0].pk


def test_enrolments_for_runs_three_queries_however_many_courses(tree, learner, enrolment, django_assert_num_queries):
    # given
    for n in range(3):
        extra = add_course(tree.index, title=f"课程{n}", operation_type=tree.course.operation_type, lesson_minutes=(1,))
        enrol(learner=learner, course=extra.course)
        LessonProgress.objects.create(enrolment=Enrolment.objects.get(course=extra.course), lesson=extra.lessons[0])

    # when
    with django_assert_num_queries(3):
        courses = enrolments_for(learner=learner)

    # then
    assert [c.course.title for c in courses] == ["课程2", "课程1", "课程0", "低压电工作业"]
    assert [len(c.lessons) for c in courses] == [1, 1, 1, 2]
    assert courses[0].course.operation_type.name == "低压电工作业"
