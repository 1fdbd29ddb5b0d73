"""Every check question seed_demo writes shows its option texts and accepts its right answer,
including after a database seeded by an older seed (options without item ids) is seeded again."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from courses.models import LessonPage
from courses.services import answer_check_question


def _seeded_checks() -> list[tuple[LessonPage, object]]:
    return [
        (lesson, block)
        for lesson in LessonPage.objects.live().specific()
        for block in lesson.body
        if block.block_type == "check"
    ]


@pytest.mark.django_db
def test_every_seeded_check_question_renders_its_options_and_accepts_its_right_answer(demo, client):
    checks = _seeded_checks()
    assert checks, "seed_demo writes at least one check question"
    worker = User.objects.get(username="worker")
    client.force_login(worker)
    for lesson, block in checks:
        texts = [option["text"] for option in block.value["options"]]
        assert all(texts) and "None" not in texts, texts
        html = client.get(lesson.url).content.decode()
        for text in texts:
            assert f"> {text}</label>" in html
        assert ">None<" not in html and "> None</label>" not in html
        right = [n for n, option in enumerate(block.value["options"]) if option["correct"]]
        assert right
        record = answer_check_question(learner=worker, lesson=lesson, block_id=block.id, answer=right)
        assert record.correct


@pytest.mark.django_db
def test_seeding_again_repairs_a_check_question_written_without_item_ids(demo, settings):
    lesson, block = _seeded_checks()[0]
    raw = [b for b in lesson.body.raw_data if b["type"] != "check"]
    raw.append(
        {
            "type": "check",
            "value": {
                "question": "旧题",
                "options": [{"type": "item", "value": {"text": t, "correct": t == "a"}} for t in ("a", "b")],
                "explanation": "",
            },
        }
    )
    lesson.body = raw
    lesson.save_revision().publish()
    assert any(option["text"] is None for _, b in _seeded_checks() for option in b.value["options"]), (
        "the old format reads as blank options"
    )

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)

    checks = _seeded_checks()
    assert len(checks) == 1
    assert [option["text"] for option in checks[0][1].value["options"]] == ["30:2", "15:2", "5:1"]


@pytest.mark.django_db
def test_every_seeded_completed_training_has_its_check_questions_answered_right(demo):
    from courses.models import Enrolment
    from courses.services import completion_facts

    completed = list(Enrolment.objects.filter(completed_at__isnull=False))
    assert completed
    with_checks = 0
    for enrolment in completed:
        facts = completion_facts(enrolment=enrolment)
        assert facts.checks_correct == facts.checks_total, enrolment
        with_checks += facts.checks_total > 0
    assert with_checks, "a seeded completed training has a check question"
