"""Exam pages: the candidate's list, the theory exam page, results and practical scoring."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import start_attempt, submit_attempt
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# --- the candidate's exams ------------------------------------------------------------


def test_index_needs_login():
    response = Client().get("/exams/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_index_lists_registrations_with_a_start_button(theory, client):
    client.force_login(theory.candidate)
    response = client.get(reverse("exams:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert theory.session.name in html
    assert f'action="{reverse("exams:start", args=[theory.registration.pk])}"' in html
    assert "开始理论考试" in html


def test_index_offers_resume_for_an_open_attempt_and_the_result_after(theory, client):
    client.force_login(theory.candidate)
    attempt = start_attempt(registration=theory.registration)

    assert "继续考试" in client.get("/exams/").content.decode()

    submit_attempt(attempt=attempt)
    html = client.get("/exams/").content.decode()
    assert reverse("exams:result", args=[attempt.pk]) in html
    assert 'class="status failed"' in html


def test_start_creates_the_attempt_and_redirects_to_it(theory, client):
    client.force_login(theory.candidate)
    response = client.post(reverse("exams:start", args=[theory.registration.pk]))

    attempt = Attempt.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:attempt", args=[attempt.pk])


def test_start_needs_post(theory, client):
    client.force_login(theory.candidate)
    response = client.get(reverse("exams:start", args=[theory.registration.pk]))

    assert response.status_code == 405
    assert Attempt.objects.count() == 0


def test_start_someone_elses_registration_is_404(theory, client):
    client.force_login(UserFactory())
    response = client.post(reverse("exams:start", args=[theory.registration.pk]))

    assert response.status_code == 404
    assert Attempt.objects.count() == 0


def test_start_refused_shows_the_reason(theory, client):
    theory.registration.status = "pending"
    theory.registration.save()

    client.force_login(theory.candidate)
    response = client.post(reverse("exams:start", args=[theory.registration.pk]), follow=True)

    assert "报名尚未审核通过，不能开始考试。" in response.content.decode()
    assert Attempt.objects.count() == 0


# --- the theory exam page -------------------------------------------------------------


def test_attempt_page_renders_the_paper_without_the_key(theory, client):
    # given
    attempt = start_attempt(registration=theory.registration)

    # when
    client.force_login(theory.candidate)
    response = client.get(reverse("exams:attempt", args=[attempt.pk]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<fieldset") == 10
    assert html.count("<legend>") == 10
    assert html.count('<label class="option">') == 5 * 2 + 5 * 4
    assert 'type="radio"' in html
    assert "交卷" in html
    assert f'data-deadline="{attempt.deadline.astimezone(timezone.get_current_timezone()).isoformat()}"' in html
    assert re.search(r"data-remaining>\s*120 分钟", html)
    assert 'class="qmap"' in html
    assert "js/exam.js" in html
    # nothing in the page says which option is right
    assert " checked" not in html
    assert "data-answer=" not in html
    assert '"answer"' not in html
    assert all("answer" not in question for question in response.context["questions"])


def test_attempt_page_shows_saved_answers(theory, client):
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]
    AttemptAnswer.objects.create(attempt=attempt, question_id=question["id"], answer=["F"], saved_at=timezone.now())

    client.force_login(theory.candidate)
    html = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()

    assert f'name="q_{question["id"]}" value="F" checked' in html
    assert f'<a href="#q{question["id"]}" data-qmap="{question["id"]}" class="done">' in html


def test_someone_elses_attempt_and_result_are_404(theory, client):
    attempt = start_attempt(registration=theory.registration)
    client.force_login(UserFactory())
    stranger = client

    assert stranger.get(reverse("exams:attempt", args=[attempt.pk])).status_code == 404
    assert stranger.post(reverse("exams:attempt", args=[attempt.pk]), {"action": "submit"}).status_code == 404
    assert stranger.get(reverse("exams:result", args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_posting_the_form_saves_all_answers_and_submits(theory, client):
    # given: a candidate without JavaScript who answers everything right
    attempt = start_attempt(registration=theory.registration)
    data = {f"q_{q['id']}": q["answer"] for q in attempt.paper["questions"]}

    # when
    client.force_login(theory.candidate)
    response = client.post(reverse("exams:attempt", args=[attempt.pk]), data | {"action": "submit"})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, attempt.auto_submitted) == (Decimal("100.00"), True, False)
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 10


def test_posting_save_keeps_the_attempt_open(theory, client):
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]

    client.force_login(theory.candidate)
    response = client.post(reverse("exams:attempt", args=[attempt.pk]), {f"q_{question['id']}": "T", "action": "save"})

    assert response["Location"] == reverse("exams:attempt", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert list(AttemptAnswer.objects.values_list("question_id", "answer")) == [(question["id"], ["T"])]


def test_posting_an_invalid_option_saves_nothing(theory, client):
    attempt = start_attempt(registration=theory.registration)
    first, second = attempt.paper["questions"][:2]

    client.force_login(theory.candidate)
    response = client.post(
        reverse("exams:attempt", args=[attempt.pk]),
        {f"q_{first['id']}": "T", f"q_{second['id']}": "Q", "action": "submit"},
        follow=True,
    )

    assert "没有选项 Q" in response.content.decode()
    assert AttemptAnswer.objects.count() == 0
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_opening_the_page_after_the_deadline_submits_the_attempt(theory, client):
    attempt = start_attempt(registration=theory.registration, now=timezone.now() - dt.timedelta(minutes=125))

    client.force_login(theory.candidate)
    response = client.get(reverse("exams:attempt", args=[attempt.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("exams:result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.auto_submitted is True
    assert attempt.submitted_at == attempt.deadline


def test_result_page_shows_the_score_and_status(theory, client):
    attempt = start_attempt(registration=theory.registration)
    data = {f"q_{q['id']}": q["answer"] for q in attempt.paper["questions"]}
    client.force_login(theory.candidate)
    client.post(reverse("exams:attempt", args=[attempt.pk]), data | {"action": "submit"})

    html = client.get(reverse("exams:result", args=[attempt.pk])).content.decode()

    assert 'class="status passed"' in html
    assert "100.00" in html


def test_result_page_of_an_open_attempt_goes_back_to_the_paper(theory, client):
    attempt = start_attempt(registration=theory.registration)

    client.force_login(theory.candidate)
    response = client.get(reverse("exams:result", args=[attempt.pk]))

    assert response["Location"] == reverse("exams:attempt", args=[attempt.pk])


# --- practical scoring ----------------------------------------------------------------

SCORE_FORM = {"score_K1": "90", "score_K2": "85", "score_K3": "80", "score_K4": "95"}
