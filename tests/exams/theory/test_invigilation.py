"""Invigilation: extra time and closing an attempt, with a reason, audited; who may do it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from exams.errors import AttemptClosed, InvigilationError
from exams.theory.access import can_invigilate
from exams.theory.models import Attempt
from exams.theory.services import close_attempt, extend_attempt, save_answer, start_attempt
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, answer_key, with_totp

pytestmark = pytest.mark.django_db


def examiner_of(theory):
    return MembershipFactory(organisation=theory.session.site, role=Role.EXAMINER).user


def regulator_of(theory):
    """A regulator of the session's authority, with the TOTP their role requires."""
    return with_totp(MembershipFactory(organisation=theory.session.authority, role=Role.REGULATOR).user)


# --- who may invigilate (one test per branch) -------------------------------------------


def test_an_examiner_of_the_sessions_site_may_invigilate(theory):
    assert can_invigilate(examiner_of(theory), theory.session) is True


def test_a_regulator_of_the_sessions_authority_may_invigilate(theory):
    assert can_invigilate(regulator_of(theory), theory.session) is True


def test_an_examiner_of_another_site_may_not_invigilate(theory):
    other = MembershipFactory(organisation=OrganisationFactory(kind="exam_site"), role=Role.EXAMINER).user

    assert can_invigilate(other, theory.session) is False


def test_a_worker_of_the_site_may_not_invigilate(theory):
    worker = MembershipFactory(organisation=theory.session.site, role=Role.WORKER).user

    assert can_invigilate(worker, theory.session) is False


def test_a_superuser_may_invigilate(theory):
    assert can_invigilate(UserFactory(is_superuser=True), theory.session) is True


# --- extra time ---------------------------------------------------------------------------


def test_extend_attempt_moves_the_deadline_and_audits_the_reason(theory):
    # given
    attempt = start_attempt(registration=theory.registration)
    examiner = examiner_of(theory)
    deadline = attempt.deadline

    # when
    extended = extend_attempt(attempt=attempt, invigilator=examiner, minutes=15, reason="机器故障，换机")

    # then
    attempt.refresh_from_db()
    assert attempt.deadline == extended.deadline == deadline + dt.timedelta(minutes=15)
    assert attempt.extra_minutes == 15
    event = AuditEvent.objects.get(action="exams.attempt.extended")
    assert event.actor == examiner
    assert event.object_id == str(attempt.pk)
    assert event.data["minutes"] == 15
    assert event.data["reason"] == "机器故障，换机"


def test_extended_attempt_accepts_answers_after_the_old_deadline(theory):
    # given
    attempt = start_attempt(registration=theory.registration)
    extend_attempt(attempt=attempt, invigilator=examiner_of(theory), minutes=10, reason="停电")
    question = attempt.paper["questions"][0]

    # when: 5 minutes past the original deadline
    saved = save_answer(
        attempt=attempt,
        question_id=question["id"],
        answer=question["answer"],
        now=attempt.deadline + dt.timedelta(minutes=5),
    )

    # then
    assert saved.answer == question["answer"]


@pytest.mark.parametrize(("minutes", "reason"), [(0, "原因"), (61, "原因"), (10, "  ")])
def test_extend_attempt_with_bad_minutes_or_no_reason_is_refused_and_nothing_changes(theory, minutes, reason):
    attempt = start_attempt(registration=theory.registration)
    deadline = attempt.deadline

    with pytest.raises(InvigilationError):
        extend_attempt(attempt=attempt, invigilator=examiner_of(theory), minutes=minutes, reason=reason)

    attempt.refresh_from_db()
    assert (attempt.deadline, attempt.extra_minutes) == (deadline, 0)
    assert not AuditEvent.objects.filter(action="exams.attempt.extended").exists()


def test_extend_attempt_by_someone_who_may_not_invigilate_is_refused(theory):
    attempt = start_attempt(registration=theory.registration)
    deadline = attempt.deadline

    with pytest.raises(PermissionDenied):
        extend_attempt(attempt=attempt, invigilator=UserFactory(), minutes=10, reason="原因")

    attempt.refresh_from_db()
    assert attempt.deadline == deadline


def test_extend_attempt_after_the_deadline_submits_it_instead(theory):
    attempt = start_attempt(registration=theory.registration)

    with pytest.raises(AttemptClosed):
        extend_attempt(
            attempt=attempt,
            invigilator=examiner_of(theory),
            minutes=10,
            reason="太晚了",
            now=attempt.deadline + dt.timedelta(seconds=1),
        )

    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.auto_submitted is True
    assert attempt.extra_minutes == 0


# --- closing ------------------------------------------------------------------------------


def test_close_attempt_scores_what_was_saved_and_records_who_and_why(theory):
    # given: two right answers saved
    attempt = start_attempt(registration=theory.registration)
    for question in attempt.paper["questions"][:2]:
        save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])
    regulator = regulator_of(theory)

    # when
    closed = close_attempt(attempt=attempt, invigilator=regulator, reason="考试作弊，收卷")

    # then
    attempt.refresh_from_db()
    assert attempt.submitted_at is not None
    assert str(attempt.score) == "20.00"
    assert (attempt.passed, attempt.auto_submitted) == (False, False)
    assert (attempt.closed_by, attempt.close_reason) == (regulator, "考试作弊，收卷")
    assert closed.score == attempt.score
    event = AuditEvent.objects.get(action="exams.attempt.submitted")
    assert event.actor == regulator
    assert event.data["closed_by_invigilator"] is True


def test_close_attempt_twice_returns_the_first_result(theory):
    attempt = start_attempt(registration=theory.registration)
    examiner = examiner_of(theory)
    first = close_attempt(attempt=attempt, invigilator=examiner, reason="提前离场")

    second = close_attempt(attempt=attempt, invigilator=examiner, reason="再次收卷")

    assert (second.submitted_at, second.score, second.close_reason) == (first.submitted_at, first.score, "提前离场")
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 1


def test_close_attempt_without_a_reason_is_refused(theory):
    attempt = start_attempt(registration=theory.registration)

    with pytest.raises(InvigilationError):
        close_attempt(attempt=attempt, invigilator=examiner_of(theory), reason="")

    attempt.refresh_from_db()
    assert attempt.submitted_at is None


# --- pages ----------------------------------------------------------------------------------


def test_invigilation_pages_are_for_examiners_and_regulators_only(theory, client):
    client.force_login(theory.candidate)
    response = client.get(reverse("exams:invigilate"))

    assert response.status_code == 403


def test_invigilation_index_lists_todays_sessions_of_the_examiners_site(theory, client):
    client.force_login(examiner_of(theory))
    response = client.get(reverse("exams:invigilate"))

    assert response.status_code == 200
    assert theory.session.name in response.content.decode()


def test_session_page_lists_each_candidate_with_progress(theory, django_assert_max_num_queries, client):
    # given: the candidate started and answered 3
    attempt = start_attempt(registration=theory.registration)
    for question in attempt.paper["questions"][:3]:
        save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])
    client.force_login(examiner_of(theory))

    # when
    response = client.get(reverse("exams:invigilate_session", args=[theory.session.pk]))

    # then
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert row["status"] == "in_progress"
    assert (row["answered"], row["questions"]) == (3, 10)
    assert theory.candidate.real_name in response.content.decode()
    assert reverse("exams:invigilate_extend", args=[attempt.pk]) in response.content.decode()


def test_session_page_of_another_sites_session_is_404(theory, client):
    other = MembershipFactory(organisation=OrganisationFactory(kind="exam_site"), role=Role.EXAMINER).user

    client.force_login(other)
    response = client.get(reverse("exams:invigilate_session", args=[theory.session.pk]))

    assert response.status_code == 404


def test_extend_form_gives_time_and_returns_to_the_session(theory, client):
    attempt = start_attempt(registration=theory.registration)
    deadline = attempt.deadline

    client.force_login(examiner_of(theory))
    response = client.post(
        reverse("exams:invigilate_extend", args=[attempt.pk]), {"minutes": "20", "reason": "网络中断"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("exams:invigilate_session", args=[theory.session.pk])
    attempt.refresh_from_db()
    assert attempt.deadline == deadline + dt.timedelta(minutes=20)


def test_extend_form_without_a_reason_changes_nothing(theory, client):
    attempt = start_attempt(registration=theory.registration)
    deadline = attempt.deadline

    client.force_login(examiner_of(theory))
    client.post(reverse("exams:invigilate_extend", args=[attempt.pk]), {"minutes": "20"})

    attempt.refresh_from_db()
    assert attempt.deadline == deadline


def test_close_form_of_an_attempt_at_another_site_is_404(theory, client):
    attempt = start_attempt(registration=theory.registration)
    other = MembershipFactory(organisation=OrganisationFactory(kind="exam_site"), role=Role.EXAMINER).user

    client.force_login(other)
    response = client.post(reverse("exams:invigilate_close", args=[attempt.pk]), {"reason": "收卷"})

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


# --- API ------------------------------------------------------------------------------------


def test_api_lists_the_sessions_attempts_for_an_invigilator(theory, client):
    attempt = start_attempt(registration=theory.registration)

    client.force_login(examiner_of(theory))
    response = client.get(f"/api/v1/sessions/{theory.session.pk}/attempts")

    assert response.status_code == 200
    (row,) = response.json()
    assert (row["attempt_id"], row["status"], row["questions"], row["answered"]) == (attempt.pk, "in_progress", 10, 0)


def test_api_invigilation_is_404_for_a_candidate(theory, client):
    attempt = start_attempt(registration=theory.registration)
    client.force_login(theory.candidate)

    assert client.get(f"/api/v1/sessions/{theory.session.pk}/attempts").status_code == 404
    response = client.post(
        f"/api/v1/attempts/{attempt.pk}/close", data={"reason": "自己收卷"}, content_type="application/json"
    )
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


def test_api_extend_and_close(theory, client):
    attempt = start_attempt(registration=theory.registration)
    client.force_login(regulator_of(theory))
    key = answer_key(attempt)
    first = next(iter(key))
    save_answer(attempt=attempt, question_id=first, answer=key[first])

    extended = client.post(
        f"/api/v1/attempts/{attempt.pk}/extend",
        data={"minutes": 5, "reason": "设备故障"},
        content_type="application/json",
    )
    closed = client.post(
        f"/api/v1/attempts/{attempt.pk}/close", data={"reason": "考生身体不适"}, content_type="application/json"
    )

    assert extended.status_code == 200
    assert extended.json()["remaining_seconds"] > 120 * 60
    assert closed.status_code == 200
    assert closed.json()["score"] == 10.0
    assert Attempt.objects.get().closed_by is not None


def test_api_extend_with_too_many_minutes_is_422(theory, client):
    attempt = start_attempt(registration=theory.registration)

    client.force_login(examiner_of(theory))
    response = client.post(
        f"/api/v1/attempts/{attempt.pk}/extend", data={"minutes": 90, "reason": "x"}, content_type="application/json"
    )

    assert response.status_code == 422
    attempt.refresh_from_db()
    assert attempt.extra_minutes == 0
    assert timezone.now() < attempt.deadline


def test_invigilation_rows_take_two_queries_whatever_the_number_of_candidates(theory, django_assert_num_queries):
    # given: three more candidates in the session, two of them started
    from django.utils import timezone as tz

    from exams.theory.selectors import invigilation_rows
    from tests.factories import RegistrationFactory

    start_attempt(registration=theory.registration)
    for index in range(3):
        registration = RegistrationFactory(session=theory.session, operation_type=theory.operation_type)
        if index < 2:
            start_attempt(registration=registration)

    # when
    with django_assert_num_queries(2):
        rows = invigilation_rows(theory.session, now=tz.now())

    # then
    assert sorted(row["status"] for row in rows) == ["in_progress"] * 3 + ["not_started"]
    assert {row["questions"] for row in rows if row["attempt_id"]} == {10}
