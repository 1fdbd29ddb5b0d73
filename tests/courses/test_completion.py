from courses.completion import CompletionFacts, is_training_complete, missing_for_completion, required_seconds


def facts(**changes) -> CompletionFacts:
    values = {
        "required_seconds": 3600,
        "credited_seconds": 3600,
        "lessons_total": 2,
        "lessons_completed": 2,
        "checks_total": 1,
        "checks_correct": 1,
    }
    values.update(changes)
    return CompletionFacts(**values)


def test_training_is_complete_when_hours_lessons_and_checks_are_done():
    assert is_training_complete(facts()) is True
    assert missing_for_completion(facts()) == []


def test_every_lesson_done_is_not_enough_without_the_required_hours():
    assert missing_for_completion(facts(credited_seconds=3599)) == ["还需学习 1 分钟。"]


def test_a_check_question_not_answered_correctly_blocks_completion():
    assert missing_for_completion(facts(checks_correct=0)) == ["还有 1 道随堂测验未答对。"]


def test_a_lesson_not_completed_blocks_completion():
    assert missing_for_completion(facts(lessons_completed=1)) == ["还有 1 个课时未学完。"]


def test_a_course_without_lessons_is_never_complete():
    result = missing_for_completion(facts(lessons_total=0, lessons_completed=0, required_seconds=0, credited_seconds=0))

    assert result == ["课程还没有课时。"]


def test_required_seconds_come_from_theory_hours_or_else_the_lessons():
    assert required_seconds(theory_hours=2, lesson_seconds=600) == 7200
    assert required_seconds(theory_hours=0, lesson_seconds=600) == 600
