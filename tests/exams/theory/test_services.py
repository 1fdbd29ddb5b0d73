"""Exam services: registration, theory attempts, the deadline sweep and practical results."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, Role
from exams.admission.models import ExamKind, Registration
from exams.admission.services import register_candidate
from exams.bank.models import Question, QuestionKind
from exams.errors import AnswerRejected, AttemptClosed, AttemptNotAllowed, EligibilityError, PracticalResultError
from exams.papers.drawing import paper_content
from exams.practical.models import PracticalResult
from exams.practical.services import record_practical_result
from exams.tasks import sweep_expired_attempts
from exams.theory import services as theory_services
from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import (
    save_answer,
    save_answers,
    start_attempt,
    submit_attempt,
    submit_expired_attempts,
)
from tests.exams import hooks
from tests.factories import (
    ExamSessionFactory,
    HealthCertificateFactory,
    MembershipFactory,
    OperationCategoryFactory,
    OperationTypeFactory,
    UserFactory,
    answer_key,
    make_eligible,
    make_id_number,
    make_theory,
    passed_theory_attempt,
    wrong_answer,
)

pytestmark = pytest.mark.django_db

SCORES = {"K1": Decimal(90), "K2": Decimal(85), "K3": Decimal(80), "K4": Decimal(95)}


# --- register_candidate ---------------------------------------------------------------


def test_register_candidate_with_completed_training_creates_a_pending_registration():
    # given
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type])
    candidate = UserFactory()
    trainer = UserFactory()
    make_eligible(candidate, operation_type)

    # when
    registration = register_candidate(
        session=session, candidate=candidate, operation_type=operation_type, registered_by=trainer
    )

    # then
    assert registration.status == Registration.Status.PENDING
    assert registration.session == session
    event = AuditEvent.objects.get(action="exams.registration.created")
    assert (event.actor, event.object_id) == (trainer, str(registration.pk))


def test_register_candidate_twice_returns_the_same_registration():
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type])
    candidate = UserFactory()
    make_eligible(candidate, operation_type)
    first = register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)

    again = register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)

    assert again == first
    assert Registration.objects.count() == 1


def test_register_candidate_under_18_on_the_session_date_is_refused_and_nothing_created():
    # given: a candidate who turns 18 the day after the session
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type])
    exam_day = timezone.localtime(session.starts_at).date()
    birth = (exam_day + dt.timedelta(days=1)).replace(year=exam_day.year - 18)
    candidate = UserFactory(id_number=make_id_number(birth, serial=123))
    make_eligible(candidate, operation_type)

    # when / then
    with pytest.raises(EligibilityError) as excinfo:
        register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)
    assert excinfo.value.messages == ["年龄条件：考试当日须年满 18 周岁（考生 17 岁）。"]
    assert Registration.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_register_candidate_at_retirement_age_is_refused():
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type])
    exam_day = timezone.localtime(session.starts_at).date()
    candidate = UserFactory(id_number=make_id_number(exam_day.replace(year=exam_day.year - 56), serial=124))
    make_eligible(candidate, operation_type)

    with pytest.raises(EligibilityError, match="须未达法定退休年龄"):
        register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)
    assert Registration.objects.count() == 0


def test_register_candidate_for_theory_without_training_is_refused():
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type])
    candidate = UserFactory()
    HealthCertificateFactory(user=candidate)

    with pytest.raises(EligibilityError) as excinfo:
        register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)
    assert excinfo.value.messages == ["培训条件：须完成该操作项目的安全技术理论和实际操作培训。"]
    assert Registration.objects.count() == 0


def test_register_candidate_for_practical_with_a_theory_pass_is_accepted():
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL, operation_types=[operation_type])
    candidate = UserFactory()
    make_eligible(candidate, operation_type)
    passed_theory_attempt(candidate, operation_type)

    registration = register_candidate(
        session=session, candidate=candidate, operation_type=operation_type, registered_by=None
    )

    assert (registration.status, registration.is_retake) == (Registration.Status.PENDING, False)


def test_register_candidate_for_practical_without_theory_is_refused():
    # rule: theory passed before practical
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL, operation_types=[operation_type])
    candidate = UserFactory()
    make_eligible(candidate, operation_type)

    with pytest.raises(EligibilityError) as excinfo:
        register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)
    assert excinfo.value.messages == ["须先通过理论考试（或报名本场次之前的理论考试），才能报考实操考试。"]
    assert Registration.objects.count() == 0


def test_register_candidate_hazardous_chemicals_needs_senior_middle_school():
    category = OperationCategoryFactory(code="09", name="危险化学品安全作业")
    operation_type = OperationTypeFactory(
        code="0903", name="氯化工艺作业", category=category, requires_senior_middle=True
    )
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL, operation_types=[operation_type])
    candidate = UserFactory(education="junior_middle")

    with pytest.raises(EligibilityError, match="高中"):
        register_candidate(session=session, candidate=candidate, operation_type=operation_type, registered_by=None)
    assert Registration.objects.count() == 0


def test_register_candidate_when_the_session_is_full_is_refused():
    operation_type = OperationTypeFactory()
    session = ExamSessionFactory(kind=ExamKind.THEORY, operation_types=[operation_type], capacity=1)
    first, second = UserFactory(), UserFactory()
    make_eligible(first, operation_type)
    make_eligible(second, operation_type)
    register_candidate(session=session, candidate=first, operation_type=operation_type, registered_by=None)

    with pytest.raises(EligibilityError) as excinfo:
        register_candidate(session=session, candidate=second, operation_type=operation_type, registered_by=None)
    assert excinfo.value.messages == ["本场次名额已满。"]
    assert Registration.objects.count() == 1


def test_register_candidate_for_a_type_the_session_does_not_hold_is_refused():
    session = ExamSessionFactory(kind=ExamKind.PRACTICAL, operation_types=[OperationTypeFactory()])
    other = OperationTypeFactory(code="0101", name="高压电工作业")

    with pytest.raises(EligibilityError, match="本场次不考“高压电工作业”"):
        register_candidate(session=session, candidate=UserFactory(), operation_type=other, registered_by=None)


# --- start_attempt --------------------------------------------------------------------


def test_start_attempt_draws_and_snapshots_the_paper(theory):
    # given
    now = timezone.now()

    # when
    attempt = start_attempt(registration=theory.registration, now=now)

    # then
    assert attempt.candidate == theory.candidate
    assert attempt.started_at == now
    assert attempt.deadline == now + dt.timedelta(minutes=120)
    questions = attempt.paper["questions"]
    assert [q["kind"] for q in questions] == ["true_false"] * 5 + ["single"] * 5
    assert {q["points"] for q in questions} == {"10.00"}
    assert attempt.paper["pass_mark"] == 80
    for q, shown in zip(questions, paper_content(attempt.paper), strict=True):
        bank = Question.objects.get(pk=q["q"])
        assert shown["stem"] == bank.stem
        if q["kind"] == "single":
            assert [o["key"] for o in shown["options"]] == ["A", "B", "C", "D"]
            assert sorted(q["o"]) == ["A", "B", "C", "D"]  # the bank's keys, in the order shown
            correct_text = next(o["text"] for o in bank.options if o["key"] == bank.answer[0])
            assert next(o["text"] for o in shown["options"] if o["key"] == q["answer"][0]) == correct_text


def test_start_attempt_twice_returns_the_same_attempt(theory):
    first = start_attempt(registration=theory.registration)

    again = start_attempt(registration=theory.registration, now=timezone.now() + dt.timedelta(minutes=30))

    assert again.pk == first.pk
    assert again.paper == first.paper
    assert Attempt.objects.count() == 1


def test_start_attempt_with_another_open_attempt_elsewhere_is_refused(theory):
    # given: an attempt in progress in another session
    start_attempt(registration=theory.registration)
    other = make_theory(candidate=theory.candidate)

    # when / then
    with pytest.raises(AttemptNotAllowed) as excinfo:
        start_attempt(registration=other.registration)
    assert excinfo.value.messages == ["你还有另一场考试尚未交卷，请先完成并交卷后再开始本场考试。"]
    assert Attempt.objects.count() == 1


def test_start_attempt_racing_another_start_is_stopped_by_the_constraint(theory):
    # given: another attempt opened elsewhere after this start looked (a race: the
    # start saw no other open attempt)
    start_attempt(registration=theory.registration)
    other = make_theory(candidate=theory.candidate)
    reg = Registration.objects.select_related("session__blueprint", "operation_type", "candidate").get(
        pk=other.registration.pk
    )

    # when / then: one_open_attempt_per_candidate refuses it, with the same clear message
    with pytest.raises(AttemptNotAllowed) as excinfo, transaction.atomic():
        theory_services._create_attempt(reg, other=None, start_code="", now=timezone.now(), rng=random.Random(0))
    assert excinfo.value.messages == ["你还有另一场考试尚未交卷，请先完成并交卷后再开始本场考试。"]
    assert Attempt.objects.count() == 1


def test_start_attempt_submits_an_expired_attempt_elsewhere_first(theory):
    started = timezone.now() - dt.timedelta(minutes=200)
    old = start_attempt(registration=theory.registration, now=started)
    other = make_theory(candidate=theory.candidate)

    new = start_attempt(registration=other.registration)

    old.refresh_from_db()
    assert old.submitted_at == old.deadline
    assert old.auto_submitted is True
    assert new.pk != old.pk


def test_start_attempt_needs_an_approved_registration(theory):
    theory.registration.status = Registration.Status.PENDING
    theory.registration.save()

    with pytest.raises(AttemptNotAllowed, match="报名尚未审核通过"):
        start_attempt(registration=theory.registration)
    assert Attempt.objects.count() == 0


def test_start_attempt_only_while_the_session_is_open(theory):
    with pytest.raises(AttemptNotAllowed, match="考试尚未开始"):
        start_attempt(registration=theory.registration, now=theory.session.starts_at - dt.timedelta(seconds=1))
    with pytest.raises(AttemptNotAllowed, match="考试已结束"):
        start_attempt(registration=theory.registration, now=theory.session.ends_at)
    assert Attempt.objects.count() == 0


def test_start_attempt_when_the_bank_is_short_names_the_shortfall():
    short = make_theory(tf=3)

    with pytest.raises(AttemptNotAllowed) as excinfo:
        start_attempt(registration=short.registration)
    assert excinfo.value.messages == ["题库试题不足，无法组卷：判断题需要 5 道，题库仅有 3 道。"]
    assert Attempt.objects.count() == 0


def test_start_attempt_after_submission_says_it_is_closed(theory):
    attempt = start_attempt(registration=theory.registration)
    submit_attempt(attempt=attempt)

    with pytest.raises(AttemptClosed):
        start_attempt(registration=theory.registration)


# --- save_answer ----------------------------------------------------------------------


def test_save_answer_upserts_the_answer(theory):
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]
    now = timezone.now()

    save_answer(attempt=attempt, question_id=question["id"], answer=["F"], now=now)
    saved = save_answer(attempt=attempt, question_id=question["id"], answer=["t"], now=now + dt.timedelta(seconds=5))

    assert AttemptAnswer.objects.count() == 1
    assert saved.answer == ["T"]
    assert saved.saved_at == now + dt.timedelta(seconds=5)


def test_save_answer_with_an_invalid_key_is_refused_and_nothing_saved(theory):
    attempt = start_attempt(registration=theory.registration)
    single = next(q for q in attempt.paper["questions"] if q["kind"] == "single")

    with pytest.raises(AnswerRejected, match="没有选项 E"):
        save_answer(attempt=attempt, question_id=single["id"], answer=["E"])
    with pytest.raises(AnswerRejected, match="只能选择一个"):
        save_answer(attempt=attempt, question_id=single["id"], answer=["A", "B"])
    with pytest.raises(AnswerRejected, match="不在本答卷中"):
        save_answer(attempt=attempt, question_id=999999, answer=["A"])
    assert AttemptAnswer.objects.count() == 0


def test_save_answer_after_the_deadline_is_refused_and_submits_the_attempt(theory):
    # given
    attempt = start_attempt(registration=theory.registration)
    question = attempt.paper["questions"][0]

    # when / then
    with pytest.raises(AttemptClosed) as excinfo:
        save_answer(attempt=attempt, question_id=question["id"], answer=["T"], now=attempt.deadline)
    assert excinfo.value.messages == ["考试时间已到，答卷已自动交卷，不能再保存答案。"]
    assert AttemptAnswer.objects.count() == 0
    attempt.refresh_from_db()
    assert attempt.submitted_at == attempt.deadline
    assert attempt.auto_submitted is True
    assert attempt.score == Decimal("0.00")
    assert attempt.passed is False


def test_save_answer_after_submission_is_refused(theory):
    attempt = start_attempt(registration=theory.registration)
    submit_attempt(attempt=attempt)

    with pytest.raises(AttemptClosed, match="已交卷"):
        save_answer(attempt=attempt, question_id=attempt.paper["questions"][0]["id"], answer=["T"])
    assert AttemptAnswer.objects.count() == 0


def test_save_answers_is_all_or_nothing(theory):
    attempt = start_attempt(registration=theory.registration)
    first, second = attempt.paper["questions"][:2]

    with pytest.raises(AnswerRejected):
        save_answers(attempt=attempt, answers={first["id"]: ["T"], second["id"]: ["X"]})
    assert AttemptAnswer.objects.count() == 0

    written = save_answers(attempt=attempt, answers={first["id"]: ["T"], second["id"]: []})
    assert written == 1
    assert list(AttemptAnswer.objects.values_list("question_id", "answer")) == [(first["id"], ["T"])]


# --- submit_attempt -------------------------------------------------------------------


def test_submit_attempt_scores_against_the_snapshot_and_is_idempotent(theory):
    # given: 8 of 10 right
    attempt = start_attempt(registration=theory.registration)
    questions = attempt.paper["questions"]
    for q in questions[:8]:
        save_answer(attempt=attempt, question_id=q["id"], answer=q["answer"])
    for q in questions[8:]:
        save_answer(attempt=attempt, question_id=q["id"], answer=wrong_answer(q))
    # a later edit to the bank must not change this candidate's score (even one written
    # over the version itself, which the bank's services never do)
    Question.objects.filter(pk__in=[q["q"] for q in questions]).update(answer=["F"])

    # when
    submitted = submit_attempt(attempt=attempt)
    again = submit_attempt(attempt=attempt, now=timezone.now() + dt.timedelta(minutes=5))

    # then
    assert (submitted.score, submitted.passed, submitted.auto_submitted) == (Decimal("80.00"), True, False)
    assert (again.score, again.passed, again.submitted_at) == (submitted.score, True, submitted.submitted_at)
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 1


def test_submit_attempt_below_the_pass_mark_fails(theory):
    attempt = start_attempt(registration=theory.registration)
    key = answer_key(attempt)
    for question_id, answer in list(key.items())[:7]:
        save_answer(attempt=attempt, question_id=question_id, answer=answer)

    submitted = submit_attempt(attempt=attempt)

    assert (submitted.score, submitted.passed) == (Decimal("70.00"), False)


# --- the deadline sweep ---------------------------------------------------------------


def test_submit_expired_attempts_submits_only_the_expired(theory):
    # given: one attempt past its deadline, one still running
    expired = start_attempt(registration=theory.registration, now=timezone.now() - dt.timedelta(minutes=121))
    running = start_attempt(registration=make_theory().registration)

    # when
    count = submit_expired_attempts()
    again = submit_expired_attempts()

    # then
    expired.refresh_from_db()
    running.refresh_from_db()
    assert (count, again) == (1, 0)
    assert expired.submitted_at == expired.deadline
    assert expired.auto_submitted is True
    assert running.submitted_at is None


def test_sweep_task_runs_the_sweep(theory):
    start_attempt(registration=theory.registration, now=timezone.now() - dt.timedelta(minutes=130))

    result = sweep_expired_attempts.delay()

    assert result.get() == 1
    assert Attempt.objects.filter(submitted_at__isnull=True).count() == 0


# --- record_practical_result ----------------------------------------------------------


def test_practical_pass_with_theory_passed_records_and_calls_the_hooks(practical):
    # given
    theory_attempt = passed_theory_attempt(practical.candidate, practical.operation_type)

    # when
    result = record_practical_result(
        registration=practical.registration, examiner=practical.examiner, subject_scores=SCORES, veto=False
    )

    # then: 18 + 34 + 16 + 19
    assert (result.total, result.passed) == (Decimal("87.00"), True)
    assert result.subject_scores == {"K1": "90.00", "K2": "85.00", "K3": "80.00", "K4": "95.00"}
    assert hooks.CALLS == [
        {
            "candidate": practical.candidate,
            "operation_type": practical.operation_type,
            "authority": practical.session.authority,
            "theory_attempt": theory_attempt,
            "practical_result": result,
            "actor": practical.examiner,
        }
    ]
    event = AuditEvent.objects.get(action="exams.practical_result.recorded")
    assert (event.actor, event.object_id, event.data["total"]) == (practical.examiner, str(result.pk), "87.00")


def test_practical_result_repeated_returns_the_recorded_one(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    first = record_practical_result(
        registration=practical.registration, examiner=practical.examiner, subject_scores=SCORES, veto=False
    )

    again = record_practical_result(
        registration=practical.registration,
        examiner=practical.examiner,
        subject_scores={code: Decimal(0) for code in SCORES},
        veto=False,
    )

    assert again == first
    assert again.total == Decimal("87.00")
    assert len(hooks.CALLS) == 1


@pytest.mark.parametrize("bad", [Decimal("100.5"), Decimal(-1)])
def test_practical_score_out_of_range_is_refused_and_nothing_written(practical, bad):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    events_before = AuditEvent.objects.count()

    with pytest.raises(PracticalResultError) as excinfo:
        record_practical_result(
            registration=practical.registration,
            examiner=practical.examiner,
            subject_scores=SCORES | {"K2": bad},
            veto=False,
        )
    assert excinfo.value.messages == ["科目 K2 的成绩应在 0 到 100 之间。"]
    assert PracticalResult.objects.count() == 0
    assert AuditEvent.objects.count() == events_before
    assert hooks.CALLS == []


def test_practical_missing_subject_is_refused(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)

    with pytest.raises(PracticalResultError, match="缺少科目成绩：K4"):
        record_practical_result(
            registration=practical.registration,
            examiner=practical.examiner,
            subject_scores={k: v for k, v in SCORES.items() if k != "K4"},
            veto=False,
        )
    assert PracticalResult.objects.count() == 0


def test_practical_veto_fails_and_qualifies_nobody(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)

    result = record_practical_result(
        registration=practical.registration,
        examiner=practical.examiner,
        subject_scores={code: Decimal(100) for code in SCORES},
        veto=True,
        veto_reason="未验电即开始接线",
    )

    assert (result.total, result.passed, result.veto, result.veto_reason) == (
        Decimal("100.00"),
        False,
        True,
        "未验电即开始接线",
    )
    assert hooks.CALLS == []


def test_practical_veto_without_a_reason_is_refused(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)

    with pytest.raises(PracticalResultError, match="须填写否决原因"):
        record_practical_result(
            registration=practical.registration,
            examiner=practical.examiner,
            subject_scores=SCORES,
            veto=True,
            veto_reason="  ",
        )
    assert PracticalResult.objects.count() == 0


def test_practical_without_a_theory_pass_is_refused(practical):
    with pytest.raises(PracticalResultError) as excinfo:
        record_practical_result(
            registration=practical.registration, examiner=practical.examiner, subject_scores=SCORES, veto=False
        )
    assert excinfo.value.messages == ["考生在 12 个月内没有通过“低压电工作业”理论考试，不能录入实操成绩。"]
    assert PracticalResult.objects.count() == 0
    assert hooks.CALLS == []


def test_practical_with_a_theory_pass_older_than_12_months_is_refused(practical):
    passed_theory_attempt(
        practical.candidate, practical.operation_type, submitted_at=timezone.now() - dt.timedelta(days=370)
    )

    with pytest.raises(PracticalResultError, match="12 个月内没有通过"):
        record_practical_result(
            registration=practical.registration, examiner=practical.examiner, subject_scores=SCORES, veto=False
        )
    assert PracticalResult.objects.count() == 0


def test_practical_by_an_examiner_of_another_site_is_refused(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    stranger = MembershipFactory(role=Role.EXAMINER).user

    with pytest.raises(PermissionDenied):
        record_practical_result(
            registration=practical.registration, examiner=stranger, subject_scores=SCORES, veto=False
        )
    assert PracticalResult.objects.count() == 0


def test_practical_by_a_site_member_who_is_not_an_examiner_is_refused(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    clerk = MembershipFactory(organisation=practical.site, role=Role.TRAINER).user

    with pytest.raises(PermissionDenied):
        record_practical_result(registration=practical.registration, examiner=clerk, subject_scores=SCORES, veto=False)


def test_practical_by_a_superuser_is_allowed(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    admin = UserFactory(is_superuser=True, is_staff=True)

    result = record_practical_result(
        registration=practical.registration, examiner=admin, subject_scores=SCORES, veto=False
    )

    assert result.examiner == admin


def test_practical_result_for_a_theory_registration_is_refused(theory):
    examiner = MembershipFactory(organisation=theory.session.site, role=Role.EXAMINER).user

    with pytest.raises(PracticalResultError, match="不是实操考试"):
        record_practical_result(registration=theory.registration, examiner=examiner, subject_scores=SCORES, veto=False)


def test_a_failing_hook_leaves_no_result_behind(practical, settings):
    settings.KAOZHENG_ON_QUALIFIED = ["tests.exams.hooks.fail_qualified"]
    passed_theory_attempt(practical.candidate, practical.operation_type)

    with pytest.raises(RuntimeError):
        record_practical_result(
            registration=practical.registration, examiner=practical.examiner, subject_scores=SCORES, veto=False
        )
    assert PracticalResult.objects.count() == 0
    assert AuditEvent.objects.filter(action="exams.practical_result.recorded").count() == 0


def test_theory_pass_for_another_operation_type_does_not_count(practical):
    other_type = OperationTypeFactory(code="0101", name="高压电工作业")
    passed_theory_attempt(practical.candidate, other_type)

    with pytest.raises(PracticalResultError):
        record_practical_result(
            registration=practical.registration, examiner=practical.examiner, subject_scores=SCORES, veto=False
        )


def test_question_kind_values_match_the_scoring_module():
    from exams.papers import scoring

    assert set(QuestionKind.values) == set(scoring.KINDS)
