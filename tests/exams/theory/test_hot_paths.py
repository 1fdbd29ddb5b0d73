"""Drawing papers from the database, the exam-day hot paths' query counts, the API's
resume/clock endpoints and its OpenAPI description."""

from __future__ import annotations

import json
import random

import pytest
from django.test import Client
from django.utils import timezone

from exams.bank.models import Question, QuestionKind
from exams.papers.drawing import bank_pool, candidate_questions_json, draw_questions, draw_rules, paper_content
from exams.papers.scoring import PaperQuestion, score_paper, score_snapshot
from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import save_answer, start_attempt, submit_attempt
from tests.factories import make_theory, wrong_answer

pytestmark = pytest.mark.django_db


def test_a_question_deactivated_after_the_pool_was_cached_is_never_drawn(theory):
    # given: the pool is cached, then all but 5 true/false questions are deactivated
    bank_id, type_id = theory.blueprint.bank_id, theory.operation_type.pk
    bank_pool(bank_id=bank_id, operation_type_id=type_id)
    keep = list(
        Question.objects.filter(bank_id=bank_id, kind=QuestionKind.TRUE_FALSE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )[:5]
    Question.objects.filter(bank_id=bank_id, kind=QuestionKind.TRUE_FALSE).exclude(pk__in=keep).update(is_active=False)
    rules = draw_rules(theory.blueprint.rules.order_by("pk"))

    for seed in range(5):
        # when
        paper = draw_questions(bank_id=bank_id, operation_type_id=type_id, rules=rules, rng=random.Random(seed))

        # then
        assert sorted(q.id for q in paper if q.kind == QuestionKind.TRUE_FALSE) == sorted(keep)


def test_start_attempt_draws_only_active_questions():
    theory = make_theory(tf=6)
    inactive = Question.objects.filter(kind=QuestionKind.TRUE_FALSE).order_by("pk").first()
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])

    attempt = start_attempt(registration=theory.registration)

    assert inactive.pk not in {q["q"] for q in attempt.paper["questions"]}


def test_save_answer_reads_the_paper_once_then_takes_two_queries(theory, django_assert_num_queries):
    # given: a started attempt, its first answer saved (which reads the answer sheet from the paper)
    attempt = start_attempt(registration=theory.registration)
    first, second = attempt.paper["questions"][:2]
    save_answer(attempt=attempt, question_id=first["id"], answer=first["answer"])

    # when / then: on PostgreSQL one statement; elsewhere lock the attempt and upsert the
    # answer (inside the test's transaction the atomic block adds SAVEPOINT/RELEASE)
    from django.db import connection

    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2 + 2):
        save_answer(
            attempt=Attempt(pk=attempt.pk),
            candidate=theory.candidate,
            question_id=second["id"],
            answer=second["answer"],
        )
    assert AttemptAnswer.objects.get(question_id=second["id"]).answer == second["answer"]


def test_save_answer_for_someone_else_is_not_found_and_saves_nothing(theory):
    from tests.factories import UserFactory

    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]

    with pytest.raises(Attempt.DoesNotExist):
        save_answer(attempt=Attempt(pk=attempt.pk), candidate=UserFactory(), question_id=question["id"], answer=["T"])

    assert not AttemptAnswer.objects.exists()


def test_api_save_answer_query_count_is_fixed(theory, django_assert_max_num_queries, client):
    client.force_login(theory.candidate)
    attempt = start_attempt(registration=theory.registration)
    first, question = attempt.paper["questions"][:2]
    save_answer(attempt=attempt, question_id=first["id"], answer=first["answer"])  # reads the answer sheet

    # session, user, the MFA middleware's role check, lock, upsert (+ SAVEPOINT/RELEASE here)
    with django_assert_max_num_queries(5 + 2):
        response = client.put(
            f"/api/v1/attempts/{attempt.pk}/answers/{question['id']}",
            data={"answer": question["answer"]},
            content_type="application/json",
        )

    assert response.status_code == 200
    assert 0 < response.json()["remaining_seconds"] <= 120 * 60


def test_api_get_attempt_resumes_on_another_device_with_saved_answers(theory, client):
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]
    save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])

    client.force_login(theory.candidate)
    response = client.get(f"/api/v1/attempts/{attempt.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["registration_id"] == theory.registration.pk
    assert body["questions"][0]["answer"] == question["answer"]
    assert 0 < body["remaining_seconds"] <= 120 * 60
    assert body["score"] is None


def test_api_get_attempt_after_the_deadline_submits_it(theory, client):
    attempt = start_attempt(registration=theory.registration)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now())

    client.force_login(theory.candidate)
    body = client.get(f"/api/v1/attempts/{attempt.pk}").json()

    assert body["submitted_at"] is not None
    assert body["remaining_seconds"] == 0
    assert body["score"] == 0.0


def test_api_clock_gives_the_server_time_and_submitted_state(theory, client):
    attempt = start_attempt(registration=theory.registration)
    client.force_login(theory.candidate)

    running = client.get(f"/api/v1/attempts/{attempt.pk}/time").json()
    submit_attempt(attempt=attempt)
    done = client.get(f"/api/v1/attempts/{attempt.pk}/time").json()

    assert running["submitted"] is False
    assert 119 * 60 < running["remaining_seconds"] <= 120 * 60
    assert (done["submitted"], done["remaining_seconds"]) == (True, 0)


def test_api_attempt_and_clock_of_someone_else_are_404(theory, client):
    from tests.factories import UserFactory

    attempt = start_attempt(registration=theory.registration)
    client.force_login(UserFactory())

    assert client.get(f"/api/v1/attempts/{attempt.pk}").status_code == 404
    assert client.get(f"/api/v1/attempts/{attempt.pk}/time").status_code == 404


def test_openapi_describes_the_exam_endpoints_with_their_errors():
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]

    start = paths["/api/v1/registrations/{registration_id}/attempts"]["post"]
    save = paths["/api/v1/attempts/{attempt_id}/answers/{question_id}"]["put"]
    submit = paths["/api/v1/attempts/{attempt_id}/submit"]["post"]
    assert set(start["responses"]) >= {"200", "401", "404", "409"}
    assert set(save["responses"]) >= {"200", "401", "404", "409", "422"}
    assert set(submit["responses"]) >= {"200", "401", "404"}
    assert save["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/AnswerIn")
    components = schema["components"]["schemas"]
    assert set(components["AttemptOut"]["properties"]) >= {"id", "deadline", "server_time", "questions"}
    assert "answer" in components["QuestionOut"]["properties"]
    assert set(components["ErrorOut"]["properties"]) == {"detail"}
    for path in ("/api/v1/sessions/{session_id}/attempts", "/api/v1/attempts/{attempt_id}/extend"):
        assert path in paths


def test_the_start_response_matches_the_documented_schema(theory, client):
    from exams.theory.api import AttemptOut

    client.force_login(theory.candidate)
    body = client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts").json()

    parsed = AttemptOut.model_validate(body)
    assert parsed.id == Attempt.objects.get().pk
    assert len(parsed.questions) == 10


def test_celery_beat_runs_the_deadline_sweep_every_minute():
    from config.celery import app

    app.loader.import_default_modules()

    assert app.conf.beat_schedule["exams-sweep-expired-attempts"] == {
        "task": "exams.sweep_expired_attempts",
        "schedule": 60.0,
    }
    assert "exams.sweep_expired_attempts" in app.tasks


def test_submit_expired_attempts_with_a_limit_leaves_the_rest_for_the_next_sweep():
    from datetime import timedelta

    from exams.theory.services import submit_expired_attempts

    for _ in range(3):
        theory = make_theory()
        start_attempt(registration=theory.registration, now=timezone.now() - timedelta(minutes=130))

    assert submit_expired_attempts(limit=2) == 2
    assert Attempt.objects.filter(submitted_at__isnull=True).count() == 1
    assert submit_expired_attempts() == 1


def test_exam_index_links_practice_and_for_examiners_invigilation(theory, client_for):
    from accounts.models import Role
    from tests.factories import MembershipFactory

    examiner = MembershipFactory(organisation=theory.session.site, role=Role.EXAMINER).user

    candidate_html = client_for(theory.candidate).get("/exams/").content.decode()
    examiner_html = client_for(examiner).get("/exams/").content.decode()

    assert "/exams/practice/" in candidate_html
    assert "/exams/invigilate/" not in candidate_html
    assert "/exams/invigilate/" in examiner_html


def test_save_answer_reads_the_paper_when_the_sheet_is_not_cached(theory):
    from django.core.cache import cache

    from exams.errors import AnswerRejected

    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][-1]
    cache.clear()

    saved = save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])
    with pytest.raises(AnswerRejected):
        save_answer(attempt=attempt, question_id=999_999, answer=["A"])

    assert saved.answer == question["answer"]
    assert AttemptAnswer.objects.count() == 1


def test_a_question_picture_is_snapshotted_and_shown_on_the_page_and_in_the_api(theory, client):
    import io

    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from wagtail.images import get_image_model

    # given: every true/false question of the bank has a picture
    buffer = io.BytesIO()
    PILImage.new("RGB", (1200, 900), "white").save(buffer, "PNG")
    image = get_image_model().objects.create(title="接线图", file=ImageFile(buffer, name="diagram.png"))
    Question.objects.filter(kind=QuestionKind.TRUE_FALSE).update(image=image)
    client.force_login(theory.candidate)

    # when
    body = client.post(f"/api/v1/registrations/{theory.registration.pk}/attempts").json()
    page = client.get(f"/exams/attempts/{body['id']}/").content.decode()

    # then
    attempt = Attempt.objects.get()
    pictured = [q for q in paper_content(attempt.paper) if q["kind"] == QuestionKind.TRUE_FALSE]
    assert {q.get("image_id") for q in pictured} == {image.pk}
    urls = {q["image_url"] for q in body["questions"] if q["kind"] == QuestionKind.TRUE_FALSE}
    (url,) = urls
    assert "max-800x600" in url
    assert all(q["image_url"] is None for q in body["questions"] if q["kind"] != QuestionKind.TRUE_FALSE)
    assert page.count('class="stem-image"') == 5
    assert url in page


def test_the_candidates_questions_json_is_the_paper_as_shown_with_saved_answers_and_never_the_key(theory):
    Question.objects.filter(bank=theory.blueprint.bank).update(stem='他说："先断电\\再验电"。\n第二行 </script>')
    attempt = start_attempt(registration=theory.registration)
    first = attempt.paper["questions"][0]
    answers = {first["id"]: ["B"]}
    expected = [
        {
            "id": q["id"],
            "kind": q["kind"],
            "stem": q["stem"],
            "points": float(q["points"]),
            "options": [{"key": o["key"], "text": o["text"]} for o in q["options"]],
            "answer": answers.get(q["id"], []),
            "image_url": None,
        }
        for q in paper_content(attempt.paper)
    ]

    shown = json.loads(candidate_questions_json(attempt.paper, answers))
    again = json.loads(candidate_questions_json(attempt.paper, answers))  # from the encoded texts

    assert shown == again == expected
    assert shown[0]["stem"] == '他说："先断电\\再验电"。\n第二行 </script>'
    assert [q["answer"] for q in shown[1:]] == [[]] * (len(shown) - 1)


def test_a_full_snapshot_paper_is_shown_the_same_way():
    paper = {
        "questions": [
            {
                "id": 7,
                "kind": "single",
                "stem": "题干",
                "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}],
                "answer": ["A"],
                "points": "2.5",
            }
        ]
    }

    shown = json.loads(candidate_questions_json(paper, {}))

    assert shown == [
        {
            "id": 7,
            "kind": "single",
            "stem": "题干",
            "points": 2.5,
            "options": [{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}],
            "answer": [],
            "image_url": None,
        }
    ]


def test_scoring_the_stored_paper_gives_what_scoring_its_questions_gives(theory):
    attempt = start_attempt(registration=theory.registration)
    items = attempt.paper["questions"]
    questions = [PaperQuestion.from_snapshot(q) for q in items]
    right = {q["id"]: q["answer"] for q in items}
    cases = [
        {},
        right,
        {q["id"]: [k.lower() for k in q["answer"]] for q in items[:7]},
        {q["id"]: wrong_answer(q) for q in items[:4]} | {q["id"]: q["answer"] for q in items[4:]},
    ]

    for answers in cases:
        assert score_snapshot(items, answers, pass_mark=70) == score_paper(questions, answers, pass_mark=70)
    assert [str(score_snapshot(items, answers, pass_mark=70).score) for answers in cases] == [
        "0.00",
        "100.00",
        "70.00",
        "60.00",
    ]
