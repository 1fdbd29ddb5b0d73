"""Papers drawn ahead: on approval and by beat before the session, so that a start copies one;
a late registration still starts (drawn on demand), and a paper never holds a retired question."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.models import AuditEvent, Role
from exams.admission.models import Registration
from exams.admission.services import decide_registration
from exams.bank.models import Question
from exams.papers.drawing import candidate_questions_json
from exams.theory.models import DrawnPaper
from exams.theory.services import draw_paper_ahead, draw_papers_ahead, start_attempt
from tests.factories import MembershipFactory, make_theory

pytestmark = pytest.mark.django_db


def _pending(theory):
    Registration.objects.filter(pk=theory.registration.pk).update(status=Registration.Status.PENDING)
    theory.registration.refresh_from_db()


def test_approving_a_theory_registration_draws_its_paper_and_the_start_copies_it(
    monkeypatch, django_capture_on_commit_callbacks
):
    theory = make_theory()
    _pending(theory)
    from exams.admission import services as admission_services

    monkeypatch.setattr(admission_services, "assess_candidate", lambda **kw: type("A", (), {"problems": []})())
    regulator = MembershipFactory(organisation=theory.session.authority, role=Role.REGULATOR).user

    with django_capture_on_commit_callbacks(execute=True):
        decide_registration(registration=theory.registration, approve=True, actor=regulator)
    drawn = DrawnPaper.objects.get(registration=theory.registration)
    attempt = start_attempt(registration=theory.registration)

    assert len(drawn.paper["questions"]) == 10
    assert attempt.paper == drawn.paper
    assert AuditEvent.objects.get(action="exams.attempt.started").data["drawn_ahead"] is True


def test_a_registration_without_a_drawn_paper_still_starts():
    theory = make_theory()

    attempt = start_attempt(registration=theory.registration)

    assert len(attempt.paper["questions"]) == 10
    assert not DrawnPaper.objects.exists()
    assert AuditEvent.objects.get(action="exams.attempt.started").data["drawn_ahead"] is False


def test_a_drawn_paper_holding_a_retired_question_is_drawn_again():
    theory = make_theory()
    drawn = draw_paper_ahead(registration=theory.registration)
    retired = drawn.paper["questions"][0]["q"]
    Question.objects.filter(pk=retired).update(is_active=False)

    attempt = start_attempt(registration=theory.registration)

    assert retired not in {q["q"] for q in attempt.paper["questions"]}
    assert attempt.paper != drawn.paper


def test_drawing_ahead_twice_keeps_the_first_paper():
    theory = make_theory()

    first = draw_paper_ahead(registration=theory.registration)
    again = draw_paper_ahead(registration=theory.registration)

    assert again == first
    assert DrawnPaper.objects.count() == 1


def test_beat_draws_for_sessions_opening_within_a_day_only():
    soon, later = make_theory(), make_theory()
    now = timezone.now()
    soon.session.starts_at, soon.session.ends_at = now + dt.timedelta(hours=3), now + dt.timedelta(hours=5)
    soon.session.save(update_fields=["starts_at", "ends_at"])
    later.session.starts_at, later.session.ends_at = now + dt.timedelta(days=3), now + dt.timedelta(days=3, hours=2)
    later.session.save(update_fields=["starts_at", "ends_at"])

    drawn = draw_papers_ahead(now=now)
    again = draw_papers_ahead(now=now)

    assert (drawn, again) == (1, 0)
    assert list(DrawnPaper.objects.values_list("registration_id", flat=True)) == [soon.registration.pk]


def test_a_paper_drawn_ahead_keeps_its_questions_as_the_candidate_will_see_them():
    one, many = make_theory(), make_theory()

    drawn = draw_paper_ahead(registration=one.registration)
    draw_papers_ahead()

    for paper in (drawn, DrawnPaper.objects.get(registration=many.registration)):
        shown = json.loads(paper.shown)
        assert shown == json.loads(candidate_questions_json(paper.paper, {}))
        assert [q["id"] for q in shown] == [q["id"] for q in paper.paper["questions"]]
        assert all(q["answer"] == [] for q in shown)
