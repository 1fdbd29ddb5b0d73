"""A formal paper: opaque question numbers of the attempt only, a compact snapshot of versions,
and the fairness guarantee (a later edit never changes what a candidate saw or scored)."""

from __future__ import annotations

import json
import random

import pytest

from exams.bank.models import Question
from exams.bank.services import revise_question
from exams.errors import AnswerRejected
from exams.papers.drawing import paper_content
from exams.theory.models import AttemptAnswer
from exams.theory.services import save_answer, start_attempt, submit_attempt
from tests.factories import make_theory

pytestmark = pytest.mark.django_db


def test_question_numbers_of_a_paper_are_not_bank_ids_and_differ_between_attempts():
    first, second = make_theory(), make_theory()
    Question.objects.filter(bank=second.blueprint.bank).update(bank=first.blueprint.bank)
    second.blueprint.bank = first.blueprint.bank
    second.blueprint.save(update_fields=["bank"])

    a = start_attempt(registration=first.registration, rng=random.Random(1))
    b = start_attempt(registration=second.registration, rng=random.Random(2))

    bank_ids = set(Question.objects.values_list("pk", flat=True))
    ids_a = {q["id"] for q in a.paper["questions"]}
    ids_b = {q["id"] for q in b.paper["questions"]}
    assert not ids_a & bank_ids
    assert not ids_b & bank_ids
    assert not ids_a & ids_b
    assert all(100_000_000 <= number < 1_000_000_000 for number in ids_a | ids_b)


def test_the_api_and_page_show_only_the_attempts_numbers(client):
    theory = make_theory()
    client.force_login(theory.candidate)

    body = client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts").json()
    page = client.get(f"/exams/attempts/{body['id']}/").content.decode()

    bank_ids = set(Question.objects.values_list("pk", flat=True))
    numbers = [q["id"] for q in body["questions"]]
    assert not set(numbers) & bank_ids
    for number in numbers:
        assert f'name="q_{number}"' in page
        assert f"/answers/{number}" in page


def test_saving_under_a_bank_id_is_refused_and_saves_nothing():
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    bank_id = attempt.paper["questions"][0]["q"]

    with pytest.raises(AnswerRejected):
        save_answer(attempt=attempt, question_id=bank_id, answer=["T"])

    assert not AttemptAnswer.objects.exists()


def test_the_snapshot_keeps_versions_and_keys_not_texts():
    theory = make_theory()

    attempt = start_attempt(registration=theory.registration)

    text = json.dumps(attempt.paper, ensure_ascii=False)
    assert "选项" not in text
    assert "下列哪一项正确" not in text
    assert len(text.encode()) < 120 * len(attempt.paper["questions"])
    assert {tuple(sorted(q)) for q in attempt.paper["questions"]} == {("answer", "id", "kind", "o", "points", "q")}


def test_a_revised_question_changes_neither_the_paper_shown_nor_the_score():
    theory = make_theory()
    attempt = start_attempt(registration=theory.registration)
    before = paper_content(attempt.paper)
    for q in attempt.paper["questions"]:
        save_answer(attempt=attempt, question_id=q["id"], answer=q["answer"])

    for q in attempt.paper["questions"]:
        bank = Question.objects.get(pk=q["q"])
        wrong = ["F"] if q["kind"] == "true_false" else ["A"]
        revise_question(question=bank, actor=None, stem="改过的题干", answer=wrong)
    from django.core.cache import cache

    cache.clear()

    assert paper_content(attempt.paper) == before
    assert "改过的题干" not in {q["stem"] for q in before}
    assert submit_attempt(attempt=attempt).score == 100
