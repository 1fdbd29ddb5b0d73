"""Exam administration services: planning, class registration, decisions, tickets, check-in, health certificates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import AuditEvent, ExamBan, Role
from exams.admission.models import ExamKind, ExamSession, ExamSiteProfile, HealthCertificate, Registration
from exams.admission.services import (
    ClassMember,
    check_in_candidate,
    decide_registration,
    normalize_ticket_code,
    plan_session,
    register_candidate,
    register_class,
    upload_health_certificate,
)
from exams.errors import (
    CheckInError,
    ClassRegistrationError,
    DecisionError,
    EligibilityError,
    HealthCertificateRejected,
    SessionInvalid,
)
from exams.practical.rubrics import import_rubric, rubric_to_dict
from tests.factories import (
    AuthorityFactory,
    ExamSessionFactory,
    ExamSiteFactory,
    MembershipFactory,
    OperationTypeFactory,
    OrganisationFactory,
    PracticalResultFactory,
    PracticalRubricFactory,
    RegistrationFactory,
    UserFactory,
    make_eligible,
    passed_theory_attempt,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def planning():
    authority = AuthorityFactory()
    regulator = MembershipFactory(organisation=authority, role=Role.REGULATOR).user
    operation_type = OperationTypeFactory()
    site = ExamSiteFactory()
    profile = ExamSiteProfile.objects.create(organisation=site, capacity=30)
    profile.operation_types.add(operation_type)
    rubric = PracticalRubricFactory(operation_type=operation_type)
    return {
        "authority": authority,
        "regulator": regulator,
        "operation_type": operation_type,
        "site": site,
        "rubric": rubric,
    }


def plan(p, **overrides):
    start = timezone.now() + dt.timedelta(days=7)
    values = {
        "authority": p["authority"], "site": p["site"], "kind": ExamKind.PRACTICAL, "name": "低压电工实操",
        "starts_at": start, "ends_at": start + dt.timedelta(hours=8), "capacity": 20,
        "operation_types": [p["operation_type"]], "planned_by": p["regulator"],
    }  # fmt: skip
    return plan_session(**(values | overrides))


def test_plan_session_takes_the_current_rubric_version_and_keeps_it(planning):
    session = plan(planning)
    assert session.rubric == planning["rubric"]

    # when a new version is published later
    data = rubric_to_dict(planning["rubric"])
    data["pass_mark"] = 85
    newer = import_rubric(data=data, actor=planning["regulator"], publish=True)

    # then the planned session keeps its version, and the next one gets the new one
    session.refresh_from_db()
    version = planning["rubric"].version
    assert (session.rubric.version, newer.version, plan(planning, name="下一场").rubric) == (
        version,
        version + 1,
        newer,
    )
    event = AuditEvent.objects.get(action="exams.exam_session.planned", object_id=str(session.pk))
    assert event.data["rubric_version"] == version


def test_plan_session_refuses_what_the_site_cannot_hold_and_writes_nothing(planning):
    other_type = OperationTypeFactory(code="0101", name="高压电工作业")

    with pytest.raises(SessionInvalid) as excinfo:
        plan(planning, capacity=31, operation_types=[other_type], ends_at=timezone.now())
    assert excinfo.value.messages == [
        "结束时间须晚于开始时间。",
        "容量超过考点的最大容量 30 人。",
        "该考点不具备“高压电工作业”的实操考试条件。",
        "“高压电工作业”没有已发布的评分标准。",
    ]
    assert ExamSession.objects.count() == 0


def test_plan_session_by_a_regulator_of_another_authority_is_refused(planning):
    outsider = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user

    with pytest.raises(PermissionDenied):
        plan(planning, planned_by=outsider)


# --- class registration ------------------------------------------------------------------


@pytest.fixture
def klass(planning):
    session = plan(planning)
    training = OrganisationFactory()
    trainer = MembershipFactory(organisation=training, role=Role.TRAINER).user
    learners = [MembershipFactory(organisation=training, role=Role.WORKER).user for _ in range(3)]
    for learner in learners:
        make_eligible(learner, planning["operation_type"])
        passed_theory_attempt(learner, planning["operation_type"])
    return {**planning, "session": session, "training": training, "trainer": trainer, "learners": learners}


def members(k, people=None):
    return [ClassMember(candidate=u, operation_type=k["operation_type"]) for u in people or k["learners"]]


def test_register_class_registers_everyone_pending(klass):
    created = register_class(
        session=klass["session"], members=members(klass), training_organisation=klass["training"],
        registered_by=klass["trainer"],
    )  # fmt: skip

    assert [r.status for r in created] == [Registration.Status.PENDING] * 3
    assert {r.training_organisation for r in created} == {klass["training"]}
    assert AuditEvent.objects.filter(action="exams.registration.created").count() == 3


def test_register_class_is_all_or_nothing_with_each_persons_reasons(klass):
    # given: one learner under an active ban, one without a health certificate, one of another organisation
    banned, unhealthy, eligible = klass["learners"]
    ExamBan.objects.create(user=banned, reason="fraud", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2099, 1, 1))
    HealthCertificate.objects.filter(user=unhealthy).delete()
    stranger = UserFactory(real_name="外人")

    with pytest.raises(ClassRegistrationError) as excinfo:
        register_class(
            session=klass["session"], members=members(klass, [banned, unhealthy, eligible, stranger]),
            training_organisation=klass["training"], registered_by=klass["trainer"],
        )  # fmt: skip

    assert excinfo.value.refusals == {
        banned.pk: ["禁考期内：2099-01-01 前不得参加特种作业考试。"],
        unhealthy.pk: ["身体条件：须上传体检合格证明（图片或 PDF）。"],
        stranger.pk: [
            "不是本机构的学员。",
            "培训条件：须完成该操作项目的安全技术理论和实际操作培训。",
            "身体条件：须上传体检合格证明（图片或 PDF）。",
            "须先通过理论考试（或报名本场次之前的理论考试），才能报考实操考试。",
        ],
    }
    assert Registration.objects.filter(session=klass["session"]).count() == 0


def test_register_class_beyond_capacity_registers_nobody(klass):
    ExamSession.objects.filter(pk=klass["session"].pk).update(capacity=2)

    with pytest.raises(EligibilityError, match="本场次只剩 2 个名额，本次报名 3 人。"):
        register_class(
            session=klass["session"], members=members(klass), training_organisation=klass["training"],
            registered_by=klass["trainer"],
        )  # fmt: skip
    assert Registration.objects.filter(session=klass["session"]).count() == 0


def test_register_class_by_another_organisations_trainer_is_refused(klass):
    outsider = MembershipFactory(role=Role.TRAINER).user

    with pytest.raises(PermissionDenied):
        register_class(
            session=klass["session"], members=members(klass), training_organisation=klass["training"],
            registered_by=outsider,
        )  # fmt: skip


def test_rule_one_retake_after_a_failure_then_training_again(klass):
    learner = klass["learners"][0]
    failed = RegistrationFactory(
        session=ExamSessionFactory(kind=ExamKind.PRACTICAL, operation_types=[klass["operation_type"]]),
        candidate=learner, operation_type=klass["operation_type"],
    )  # fmt: skip
    PracticalResultFactory(
        registration=failed, examiner=klass["trainer"], rubric=klass["rubric"], subject_scores={}, total=50,
        passed=False, failed_subjects=["K2"],
    )  # fmt: skip

    retake = register_candidate(
        session=klass["session"], candidate=learner, operation_type=klass["operation_type"], registered_by=None
    )
    assert (retake.is_retake, retake.retake_subjects) == (True, [])  # this rubric retakes in full

    # a second failure since training: train again
    PracticalResultFactory(
        registration=retake, examiner=klass["trainer"], rubric=klass["rubric"], subject_scores={}, total=50,
        passed=False,
    )  # fmt: skip
    later = plan(klass, name="再下一场")
    with pytest.raises(EligibilityError) as excinfo:
        register_candidate(session=later, candidate=learner, operation_type=klass["operation_type"], registered_by=None)
    assert excinfo.value.messages == ["补考不合格：须重新参加培训后再报考。"]


# --- decisions, tickets, check-in --------------------------------------------------------


def test_approval_issues_a_ticket_code_and_is_audited(klass):
    reg = register_candidate(
        session=klass["session"], candidate=klass["learners"][0], operation_type=klass["operation_type"],
        registered_by=klass["trainer"],
    )  # fmt: skip

    approved = decide_registration(registration=reg, approve=True, actor=klass["regulator"])
    again = decide_registration(registration=reg, approve=True, actor=klass["regulator"])

    assert (approved.status, len(approved.ticket_code), approved.decided_by) == ("approved", 10, klass["regulator"])
    assert again.ticket_code == approved.ticket_code
    assert AuditEvent.objects.filter(action="exams.registration.approved").count() == 1


def test_rejection_needs_a_reason_and_cannot_be_reversed(klass):
    reg = RegistrationFactory(session=klass["session"], status=Registration.Status.PENDING)

    with pytest.raises(DecisionError, match="不批准报名时须填写原因。"):
        decide_registration(registration=reg, approve=False, reason=" ", actor=klass["regulator"])
    rejected = decide_registration(registration=reg, approve=False, reason="照片不清晰", actor=klass["regulator"])
    with pytest.raises(DecisionError, match="该报名已是“未批准”"):
        decide_registration(registration=reg, approve=True, actor=klass["regulator"])
    assert (rejected.status, rejected.decision_reason, rejected.ticket_code) == ("rejected", "照片不清晰", None)


def test_decision_by_a_regulator_of_another_authority_is_refused(klass):
    reg = RegistrationFactory(session=klass["session"], status=Registration.Status.PENDING)
    outsider = MembershipFactory(organisation=AuthorityFactory(), role=Role.REGULATOR).user

    with pytest.raises(PermissionDenied):
        decide_registration(registration=reg, approve=True, actor=outsider)
    reg.refresh_from_db()
    assert reg.status == Registration.Status.PENDING


def test_normalize_ticket_code_accepts_what_scanners_and_thumbs_give():
    assert normalize_ticket_code(" ab2c-3d4e 5f ") == "AB2C3D4E5F"
    assert normalize_ticket_code("https://kz.example/t/AB2C3D4E5F") == "AB2C3D4E5F"


def test_check_in_by_ticket_code_at_the_examiners_site(practical):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    Registration.objects.filter(pk=practical.registration.pk).update(checked_in_at=None)

    reg = check_in_candidate(ticket_code="testcode23", examiner=practical.examiner)
    again = check_in_candidate(ticket_code="TESTCODE23", examiner=practical.examiner)

    assert (reg.checked_in_by, again.checked_in_at) == (practical.examiner, reg.checked_in_at)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": Registration.Status.PENDING}, "该报名未获批准，不能签到。"),
        ({"ticket_code": "OTHERCODE2"}, "准考证号 TESTCODE23 不是本考点的考生。"),
    ],
)
def test_check_in_refusals(practical, change, message):
    passed_theory_attempt(practical.candidate, practical.operation_type)
    Registration.objects.filter(pk=practical.registration.pk).update(checked_in_at=None, **change)

    with pytest.raises(CheckInError, match=message):
        check_in_candidate(ticket_code="TESTCODE23", examiner=practical.examiner)
    assert Registration.objects.get(pk=practical.registration.pk).checked_in_at is None


def test_check_in_without_a_theory_pass_is_refused(practical):
    Registration.objects.filter(pk=practical.registration.pk).update(checked_in_at=None)

    with pytest.raises(CheckInError, match="考生没有有效的理论考试合格成绩"):
        check_in_candidate(ticket_code="TESTCODE23", examiner=practical.examiner)


def test_check_in_at_another_site_is_refused(practical):
    stranger = MembershipFactory(role=Role.EXAMINER).user
    Registration.objects.filter(pk=practical.registration.pk).update(checked_in_at=None)

    with pytest.raises(CheckInError, match="不是本考点的考生"):
        check_in_candidate(ticket_code="TESTCODE23", examiner=stranger)


# --- health certificates -------------------------------------------------------------------


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), (255, 255, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf"), (_png(), "image/png")],
)
def test_health_certificate_image_or_pdf_is_stored(content, content_type):
    user = UserFactory()

    certificate = upload_health_certificate(
        user=user, upload=SimpleUploadedFile("x.bin", content), issued_on=dt.date(2026, 1, 5), uploaded_by=user
    )

    assert (certificate.content_type, certificate.issued_on) == (content_type, dt.date(2026, 1, 5))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"MZ\x90\x00 not a document", "体检证明须为图片（JPEG、PNG、WebP）或 PDF 文件。"),
        (b"%PDF-1.7\n truncated", "PDF 文件不完整或已损坏。"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "文件过大：不能超过 5 MB。"),
    ],
)
def test_health_certificate_bad_file_is_refused_and_nothing_stored(content, message):
    user = UserFactory()

    with pytest.raises(HealthCertificateRejected, match=message):
        upload_health_certificate(
            user=user, upload=SimpleUploadedFile("x.pdf", content), issued_on=dt.date(2026, 1, 5), uploaded_by=user
        )
    assert HealthCertificate.objects.count() == 0


def test_health_certificate_for_someone_else_is_refused():
    with pytest.raises(PermissionDenied):
        upload_health_certificate(
            user=UserFactory(), upload=SimpleUploadedFile("x.png", _png()), issued_on=dt.date(2026, 1, 5),
            uploaded_by=UserFactory(),
        )  # fmt: skip


def test_approve_pending_approves_a_whole_class_with_tickets(klass):
    from exams.admission.services import approve_pending

    register_class(
        session=klass["session"], members=members(klass), training_organisation=klass["training"],
        registered_by=klass["trainer"],
    )  # fmt: skip

    approved = approve_pending(session=klass["session"], actor=klass["regulator"])

    rows = Registration.objects.filter(session=klass["session"])
    assert (approved, {r.status for r in rows}, len({r.ticket_code for r in rows})) == (3, {"approved"}, 3)
    with pytest.raises(PermissionDenied):
        approve_pending(session=klass["session"], actor=klass["trainer"])


def test_approval_rechecks_eligibility_a_ban_imposed_since_registration_refuses_it(klass):
    learner = klass["learners"][0]
    reg = register_candidate(
        session=klass["session"], candidate=learner, operation_type=klass["operation_type"], registered_by=None
    )
    ExamBan.objects.create(user=learner, reason="fraud", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2099, 1, 1))

    with pytest.raises(DecisionError) as excinfo:
        decide_registration(registration=reg, approve=True, actor=klass["regulator"])

    assert excinfo.value.messages == [
        "考生已不符合报考条件，不能批准：",
        "禁考期内：2099-01-01 前不得参加特种作业考试。",
    ]
    reg.refresh_from_db()
    assert (reg.status, reg.ticket_code) == (Registration.Status.PENDING, None)
