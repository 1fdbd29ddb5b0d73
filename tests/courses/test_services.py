import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from courses.models import Enrolment, LessonProgress, StudyDay
from courses.selectors import completed_training
from courses.services import enrol, record_lesson_time
from courses.study_time import DAILY_CAP_SECONDS
from tests.factories import UserFactory, add_course

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def beat(learner, lesson, seconds, position=None):
    """A heartbeat from the page, carrying the nonce the previous reply handed out."""
    row = LessonProgress.objects.filter(enrolment__learner=learner, lesson=lesson).first()
    nonce = row.nonce if row and row.nonce else None
    return record_lesson_time(learner=learner, lesson=lesson, now=at(seconds), position=position, nonce=nonce)


def test_enrol_is_idempotent(tree, learner):
    # given
    trainer = UserFactory()

    # when
    first = enrol(learner=learner, course=tree.course, enrolled_by=trainer)
    again = enrol(learner=learner, course=tree.course)

    # then
    assert again.pk == first.pk
    assert Enrolment.objects.filter(learner=learner).count() == 1
    assert again.enrolled_by == trainer
    assert list(AuditEvent.objects.values_list("action", "actor", "object_id")) == [
        ("courses.enrolment.created", trainer.pk, str(first.pk))
    ]


def test_enrol_refuses_an_unpublished_course(tree, learner):
    # given
    tree.course.unpublish()
    tree.course.refresh_from_db()

    # when
    with pytest.raises(ValidationError) as excinfo:
        enrol(learner=learner, course=tree.course)

    # then
    assert excinfo.value.messages == ["该课程尚未发布，不能报名。"]
    assert Enrolment.objects.count() == 0


def test_first_heartbeat_starts_the_clock_without_credit(tree, learner, enrolment):
    # when
    progress = beat(learner, tree.lessons[1], 0)

    # then
    assert (progress.seconds, progress.last_heartbeat_at, progress.completed_at) == (0, T0, None)


def test_heartbeat_credits_server_time_elapsed_since_the_previous_one(tree, learner, enrolment):
    # given
    beat(learner, tree.lessons[1], 0)

    # when
    progress = beat(learner, tree.lessons[1], 30)

    # then
    progress.refresh_from_db()
    assert (progress.seconds, progress.last_heartbeat_at) == (30, at(30))
    assert list(StudyDay.objects.values_list("learner", "day", "seconds")) == [(learner.pk, dt.date(2026, 3, 2), 30)]


def test_heartbeat_credits_a_gap_of_exactly_sixty_seconds(tree, learner, enrolment):
    # given
    beat(learner, tree.lessons[1], 0)

    # when
    progress = beat(learner, tree.lessons[1], 60)

    # then
    assert progress.seconds == 60


def test_a_gap_over_sixty_seconds_credits_nothing_and_restarts_the_clock(tree, learner, enrolment):
    # given
    beat(learner, tree.lessons[1], 0)

    # when
    away = beat(learner, tree.lessons[1], 61)
    back = beat(learner, tree.lessons[1], 91)

    # then
    assert (away.seconds, away.last_heartbeat_at) == (0, at(61))
    assert back.seconds == 30


def test_heartbeat_of_a_learner_not_enrolled_is_refused_and_records_nothing(tree, learner):
    # when
    with pytest.raises(PermissionDenied) as excinfo:
        beat(learner, tree.lessons[0], 0)

    # then
    assert str(excinfo.value) == "您尚未报名该课程，学时不能计入。"
    assert LessonProgress.objects.count() == 0
    assert StudyDay.objects.count() == 0


def test_heartbeat_on_an_unpublished_lesson_is_refused(tree, learner, enrolment):
    # given
    tree.lessons[0].unpublish()
    tree.lessons[0].refresh_from_db()

    # when
    with pytest.raises(ValidationError) as excinfo:
        beat(learner, tree.lessons[0], 0)

    # then
    assert excinfo.value.messages == ["该课时尚未发布。"]
    assert LessonProgress.objects.count() == 0


def test_an_invalid_position_is_refused_and_records_nothing(tree, learner, enrolment):
    # given
    beat(learner, tree.lessons[0], 0, position={"scroll": 0.1})

    # when
    with pytest.raises(ValidationError):
        beat(learner, tree.lessons[0], 30, position={"scroll": "<script>"})

    # then
    progress = LessonProgress.objects.get()
    assert (progress.seconds, progress.position, progress.last_heartbeat_at) == (0, {"scroll": 0.1}, T0)


def test_position_is_stored_for_resuming(tree, learner, enrolment):
    # given
    beat(learner, tree.lessons[1], 0, position={"scroll": 0.1})

    # when
    beat(learner, tree.lessons[1], 30, position={"scroll": 0.42, "video": 123.4})
    beat(learner, tree.lessons[1], 45)

    # then
    assert LessonProgress.objects.get().position == {"scroll": 0.42, "video": 123.4}


def test_a_lesson_credits_no_more_than_its_minutes_and_completes(tree, learner, enrolment):
    # given: the first lesson lasts one minute
    beat(learner, tree.lessons[0], 0)
    beat(learner, tree.lessons[0], 50)

    # when
    progress = beat(learner, tree.lessons[0], 100)
    after = beat(learner, tree.lessons[0], 130)

    # then
    assert (progress.seconds, progress.completed_at) == (60, at(100))
    assert (after.seconds, after.completed_at) == (60, at(100))
    assert StudyDay.objects.get().seconds == 60
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None
    assert AuditEvent.objects.filter(action="courses.lesson_progress.completed").count() == 1


def test_no_more_than_the_daily_cap_is_credited(tree, learner, enrolment):
    # given
    StudyDay.objects.create(learner=learner, day=dt.date(2026, 3, 2), seconds=DAILY_CAP_SECONDS - 10)
    beat(learner, tree.lessons[1], 0)

    # when
    first = beat(learner, tree.lessons[1], 30)
    second = beat(learner, tree.lessons[1], 60)

    # then
    assert (first.seconds, second.seconds) == (10, 10)
    assert StudyDay.objects.get().seconds == DAILY_CAP_SECONDS


def test_two_lessons_studied_at_once_are_not_credited_twice(tree, learner, enrolment):
    # given: two tabs, one lesson each
    beat(learner, tree.lessons[1], 0)
    other = add_course(tree.index, title="第二门课", operation_type=tree.course.operation_type, lesson_minutes=(5,))
    enrol(learner=learner, course=other.course)
    beat(learner, other.lessons[0], 0)

    # when
    beat(learner, tree.lessons[1], 30)
    beat(learner, other.lessons[0], 30)
    beat(learner, tree.lessons[1], 60)
    beat(learner, other.lessons[0], 60)

    # then
    assert dict(LessonProgress.objects.values_list("lesson", "seconds")) == {
        tree.lessons[1].pk: 60,
        other.lessons[0].pk: 0,
    }
    assert StudyDay.objects.get().seconds == 60


def test_enrolment_completes_when_every_live_lesson_is_completed(tree, learner, enrolment):
    # given: lesson one (1 min) done, lesson two (2 min) half done
    for second in (0, 60):
        beat(learner, tree.lessons[0], second)
    for second in (100, 160):
        beat(learner, tree.lessons[1], second)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None

    # when
    progress = beat(learner, tree.lessons[1], 220)

    # then
    enrolment.refresh_from_db()
    assert progress.completed_at == at(220)
    assert enrolment.completed_at == at(220)
    assert completed_training(learner=learner, operation_type=tree.course.operation_type) == enrolment
    assert AuditEvent.objects.filter(action="courses.enrolment.completed", object_id=str(enrolment.pk)).count() == 1


def test_an_unpublished_lesson_is_not_needed_to_complete(tree, learner, enrolment):
    # given
    tree.lessons[1].unpublish()
    beat(learner, tree.lessons[0], 0)

    # when
    beat(learner, tree.lessons[0], 60)

    # then
    enrolment.refresh_from_db()
    assert enrolment.completed_at == at(60)


def test_completion_waits_for_the_check_questions(tree, learner, enrolment):
    # given: a lesson with a check question, and every lesson studied to its full length
    from courses.services import answer_check_question
    from tests.factories import add_check_question

    lesson = add_check_question(tree.lessons[0], correct=(1,))
    for lesson_page, minutes in ((lesson, 1), (tree.lessons[1], 2)):
        for step in range(0, minutes * 60 + 1, 30):
            beat(learner, lesson_page, 1000 * minutes + step)
    enrolment.refresh_from_db()
    assert enrolment.completed_at is None

    # when: a wrong answer, then the right one
    wrong = answer_check_question(learner=learner, lesson=lesson, block_id="check-1", answer=[0], now=at(5000))
    enrolment.refresh_from_db()
    assert (wrong.correct, enrolment.completed_at) == (False, None)
    right = answer_check_question(learner=learner, lesson=lesson, block_id="check-1", answer=[1], now=at(5001))

    # then
    enrolment.refresh_from_db()
    assert (right.pk, right.correct, right.answer) == (wrong.pk, True, [1])
    assert enrolment.completed_at == at(5001)
    assert completed_training(learner=learner, operation_type=tree.course.operation_type) == enrolment


def test_completion_waits_for_the_course_theory_hours(tree, learner, enrolment):
    # given: a course asking for one hour while its lessons last three minutes
    from courses.models import CoursePage

    CoursePage.objects.filter(pk=tree.course.pk).update(theory_hours=1)

    # when: every lesson is studied to its full length
    for lesson_page, minutes in ((tree.lessons[0], 1), (tree.lessons[1], 2)):
        for step in range(0, minutes * 60 + 1, 30):
            beat(learner, lesson_page, 1000 * minutes + step)

    # then: no training-completion record
    enrolment.refresh_from_db()
    assert LessonProgress.objects.filter(completed_at__isnull=False).count() == 2
    assert enrolment.completed_at is None
    assert completed_training(learner=learner, operation_type=tree.course.operation_type) is None


def test_an_answer_to_an_unknown_check_question_is_refused(tree, learner, enrolment):
    from courses.models import CheckAnswer
    from courses.services import answer_check_question

    with pytest.raises(ValidationError) as excinfo:
        answer_check_question(learner=learner, lesson=tree.lessons[0], block_id="nope", answer=[0])

    assert excinfo.value.messages == ["该测验题不存在。"]
    assert CheckAnswer.objects.count() == 0


def test_an_answer_from_a_learner_not_enrolled_is_refused(tree, learner):
    from courses.models import CheckAnswer
    from courses.services import answer_check_question
    from tests.factories import add_check_question

    lesson = add_check_question(tree.lessons[0])

    with pytest.raises(PermissionDenied):
        answer_check_question(learner=learner, lesson=lesson, block_id="check-1", answer=[1])

    assert CheckAnswer.objects.count() == 0


def test_an_out_of_range_answer_is_refused(tree, learner, enrolment):
    from courses.models import CheckAnswer
    from courses.services import answer_check_question
    from tests.factories import add_check_question

    lesson = add_check_question(tree.lessons[0])

    with pytest.raises(ValidationError) as excinfo:
        answer_check_question(learner=learner, lesson=lesson, block_id="check-1", answer=[7])

    assert excinfo.value.messages == ["请选择答案。"]
    assert CheckAnswer.objects.count() == 0


def test_a_credited_heartbeat_costs_a_fixed_handful_of_queries(tree, learner, enrolment, django_assert_num_queries):
    # given: the clock is running
    beat(learner, tree.lessons[1], 0)
    nonce = LessonProgress.objects.get().nonce

    # when / then: lock the enrolment, the progress row and the day; update the progress row and the day
    # (plus the savepoint and its release: the test runs inside a transaction)
    with django_assert_num_queries(7):
        record_lesson_time(learner=learner, lesson=tree.lessons[1], now=at(30), nonce=nonce)
