"""Admission: planning sessions, registering candidates (one or a class), decisions,
tickets, check-in and health certificates.

Services in the house style: keyword-only, one transaction each, rows locked in the
order session → registration, audited, safe to repeat. Messages are shown to users.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Organisation, Role
from accounts.on_commit import queue_task
from accounts.selectors import has_role, user_by_id_number
from exams.catalogue.models import OperationType, Subject
from exams.catalogue.services import authority_covers, subject_of
from exams.errors import (
    CheckInError,
    ClassRegistrationError,
    DecisionError,
    EligibilityError,
    HealthCertificateRejected,
    SessionInvalid,
)
from exams.practical.access import can_score_at
from exams.practical.rubrics import current_rubric
from exams.practical.uploads import UploadRejected
from exams.theory.access import can_invigilate
from exams.theory.selectors import passed_theory_attempt
from exams.theory.tasks import draw_paper_ahead_task

from .access import can_administer, can_register_for
from .candidates import Assessment, assess_candidate
from .models import (
    CheckInMode,
    ExamKind,
    ExamSession,
    ExamSiteProfile,
    HealthCertificate,
    Registration,
    SessionPurpose,
)
from .uploads import check_health_certificate

if TYPE_CHECKING:
    from accounts.models import User
    from exams.papers.models import Blueprint

#: Ticket codes avoid look-alike characters (0/O, 1/I/L) so they can be typed from paper.
TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_LENGTH = 10


#: Registrations that hold a seat in a session.
SEAT_HOLDING = (Registration.Status.PENDING, Registration.Status.APPROVED)


# --- Registration ---------------------------------------------------------------------


def register_candidate(
    *,
    session: ExamSession,
    candidate: User,
    registered_by: User | None,
    operation_type: OperationType | None = None,
    subject: Subject | None = None,
    training_organisation: Organisation | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """Register a candidate for a session after checking eligibility and capacity.

    Special operations register for an operation type; the other kinds (principal
    leaders and safety managers) for a subject (a post in an industry).

    Every rule of exams/admission/eligibility.py is checked and every failure explained at once.
    The session row is locked (SELECT FOR UPDATE) before seats are counted, so two
    registrations never take the last seat. Repeating it returns the registration made.
    """
    now = now or timezone.now()
    if subject is None:
        if operation_type is None:
            raise EligibilityError(_("请选择操作项目或考核科目。"), code="no_subject")
        subject = subject_of(operation_type)
    elif subject.operation_type_id is not None:
        operation_type = subject.operation_type
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update(of=("self",)).select_related("rubric").get(pk=session.pk)
        existing = Registration.objects.filter(session=locked, candidate=candidate).first()
        if existing is not None:
            same = (
                existing.subject_id == subject.pk
                if existing.subject_id is not None
                else existing.operation_type_id == subject.operation_type_id
            )
            if not same:
                raise EligibilityError(_("考生已报名本场次的其他操作项目。"), code="already_registered")
            return existing
        problems = session_problems(locked, operation_type, now=now, subject=subject)
        assessment = assess_candidate(
            session=locked, candidate=candidate, operation_type=operation_type, subject=subject
        )
        problems += assessment.problems
        if problems:
            raise EligibilityError(problems, code="ineligible")
        if seats_left(locked) < 1:
            raise EligibilityError(_("本场次名额已满。"), code="session_full")
        registration = create_registration(
            session=locked,
            candidate=candidate,
            operation_type=operation_type,
            subject=subject,
            assessment=assessment,
            training_organisation=training_organisation,
            registered_by=registered_by,
        )
    return registration


def create_registration(
    *,
    session: ExamSession,
    candidate: User,
    operation_type: OperationType | None,
    assessment: Assessment,
    training_organisation: Organisation | None,
    registered_by: User | None,
    subject: Subject | None = None,
) -> Registration:
    """Store one registration that passed eligibility and capacity, with its audit event.

    Call inside the transaction that holds SELECT FOR UPDATE on the session row.
    """
    if subject is None and operation_type is not None:
        subject = subject_of(operation_type)
    registration = Registration.objects.create(
        session=session,
        candidate=candidate,
        operation_type=operation_type,
        subject=subject,
        training_organisation=training_organisation,
        registered_by=registered_by if registered_by is not None and registered_by.pk else None,
        is_retake=assessment.is_retake,
        retake_subjects=assessment.retake_subjects,
    )
    record_event(
        actor=registered_by,
        action="exams.registration.created",
        obj=registration,
        data={
            "session": session.pk,
            "candidate": candidate.pk,
            "operation_type": operation_type.code if operation_type is not None else None,
            "subject": subject.code if subject is not None else None,
            "retake": assessment.is_retake,
            "retake_subjects": assessment.retake_subjects,
            "training_organisation": training_organisation.pk if training_organisation else None,
        },
    )
    return registration


def session_problems(
    session: ExamSession, operation_type: OperationType | None, *, now: dt.datetime, subject: Subject | None = None
) -> list[str]:
    """Why the session cannot take this registration (closed, wrong operation type or subject)."""
    problems: list[str] = []
    if now >= session.ends_at:
        problems.append(_("考试场次已结束，不能报名。"))
    if operation_type is not None:
        if not session.operation_types.filter(pk=operation_type.pk).exists():
            problems.append(_("本场次不考“%(operation_type)s”。") % {"operation_type": operation_type.name})
    elif subject is not None and not session.subjects.filter(pk=subject.pk).exists():
        problems.append(_("本场次不考“%(operation_type)s”。") % {"operation_type": subject.name})
    return problems


def seats_left(session: ExamSession) -> int:
    """Free seats; call while holding SELECT FOR UPDATE on the session for a decision."""
    taken = Registration.objects.filter(session=session, status__in=SEAT_HOLDING).count()
    return session.capacity - taken


# --- Sessions ---------------------------------------------------------------------------


def subject_of_blueprint(blueprint: Blueprint) -> int | None:
    """A blueprint's subject id (an old blueprint without one: its operation type's subject)."""
    if blueprint.subject_id is not None:
        return blueprint.subject_id
    return subject_of(blueprint.operation_type).pk if blueprint.operation_type is not None else None


def plan_session(
    *,
    authority: Organisation,
    site: Organisation,
    kind: str,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    operation_types: Sequence[OperationType],
    planned_by: User,
    blueprint: Blueprint | None = None,
    checkin_mode: str = CheckInMode.SITE,
    subjects: Sequence[Subject] = (),
    purpose: str = SessionPurpose.CERTIFICATION,
    now: dt.datetime | None = None,
) -> ExamSession:
    """Plan a theory or practical session; a practical one takes the current rubric version.

    A practical session holds one operation type (its rubric), at a site equipped for
    it, within the site's capacity. A theory session is checked in at the site, or sat
    remotely with a start code where the authority permits remote theory exams. A session
    examines subjects: its operation types' subjects, or (principal leaders and safety
    managers: theory only) the subjects given, which the authority's scope must cover.
    ``purpose`` says why it is held (a review exam is a theory session with purpose=review).
    """
    now = now or timezone.now()
    if not can_administer(planned_by, authority):
        raise PermissionDenied(_("只有本考核发证机关的监管人员可以安排考试场次。"))
    problems: list[str] = []
    if not name.strip():
        problems.append(_("请填写场次名称。"))
    if ends_at <= starts_at:
        problems.append(_("结束时间须晚于开始时间。"))
    if starts_at <= now:
        problems.append(_("开始时间须晚于现在。"))
    if capacity < 1:
        problems.append(_("容量至少为 1 人。"))
    all_subjects = [subject_of(t) for t in operation_types] + [s for s in subjects if s.operation_type_id is None]
    if not all_subjects:
        problems.append(_("请选择操作项目。"))
    if subjects and kind == ExamKind.PRACTICAL and any(s.operation_type_id is None for s in subjects):
        problems.append(_("三项岗位人员考核只有理论考试。"))
    for subject in all_subjects:
        if not authority_covers(authority=authority, subject=subject):
            problems.append(_("“%(subject)s”不在本机关的考核发证范围内。") % {"subject": subject.name})
    if purpose not in SessionPurpose.values:
        problems.append(_("考试用途无效。"))
    if site.kind != Organisation.Kind.EXAM_SITE or not site.is_active:
        problems.append(_("请选择启用中的考点。"))
    profile = ExamSiteProfile.objects.filter(organisation=site).first()
    rubric = None
    if kind == ExamKind.PRACTICAL:
        if len(operation_types) != 1:
            problems.append(_("实操考试场次只能安排一个操作项目。"))
        if profile is None:
            problems.append(_("该考点尚未登记实操考试条件。"))
        else:
            if capacity > profile.capacity:
                problems.append(_("容量超过考点的最大容量 %(capacity)s 人。") % {"capacity": profile.capacity})
            equipped = set(profile.operation_types.values_list("pk", flat=True))
            for operation_type in operation_types:
                if operation_type.pk not in equipped:
                    problems.append(
                        _("该考点不具备“%(operation_type)s”的实操考试条件。") % {"operation_type": operation_type.name}
                    )
        if len(operation_types) == 1:
            rubric = current_rubric(operation_types[0])
            if rubric is None:
                problems.append(
                    _("“%(operation_type)s”没有已发布的评分标准。") % {"operation_type": operation_types[0].name}
                )
        blueprint = None
    elif kind == ExamKind.THEORY:
        if blueprint is None:
            problems.append(_("理论考试场次须选择组卷规则。"))
        elif [s.pk for s in all_subjects] != [subject_of_blueprint(blueprint)]:
            problems.append(_("组卷规则的操作项目与场次不一致。"))
    else:
        problems.append(_("考试类型无效。"))
    if checkin_mode not in CheckInMode.values:
        problems.append(_("入场方式无效。"))
    elif checkin_mode == CheckInMode.REMOTE:
        if kind != ExamKind.THEORY:
            problems.append(_("只有理论考试可以远程开考。"))
        elif not authority.allows_remote_theory:
            problems.append(_("该考核发证机关未允许远程理论考试，请选择现场签到。"))
    if problems:
        raise SessionInvalid(problems, code="invalid_session")
    start_code = new_start_code() if checkin_mode == CheckInMode.REMOTE else ""
    with transaction.atomic():
        session = ExamSession.objects.create(
            kind=kind,
            purpose=purpose,
            name=name.strip(),
            authority=authority,
            site=site,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            blueprint=blueprint,
            rubric=rubric,
            planned_by=planned_by,
            checkin_mode=checkin_mode,
            start_code=start_code,
        )
        session.operation_types.set(operation_types)
        session.subjects.set(all_subjects)
        record_event(
            actor=planned_by,
            action="exams.exam_session.planned",
            obj=session,
            data={
                "kind": kind,
                "site": site.pk,
                "capacity": capacity,
                "operation_types": [t.code for t in operation_types],
                "subjects": [s.code for s in all_subjects],
                "purpose": purpose,
                "rubric": rubric.pk if rubric else None,
                "rubric_version": rubric.version if rubric else None,
                "checkin_mode": checkin_mode,
            },
        )
    return session


# --- Health certificates ------------------------------------------------------------------


def upload_health_certificate(
    *, user: User, upload, issued_on: dt.date, uploaded_by: User, today: dt.date | None = None
) -> HealthCertificate:
    """Store a checked health certificate (image or PDF, at most 5 MB) for ``user``."""
    today = today or timezone.localdate()
    if uploaded_by.pk != user.pk and not _trains(uploaded_by, user):
        raise PermissionDenied(_("只能为本人或本机构的学员上传体检证明。"))
    if issued_on > today:
        raise HealthCertificateRejected(_("出具日期不能晚于今天。"), code="future_date")
    try:
        checked = check_health_certificate(upload)
    except UploadRejected as exc:
        raise HealthCertificateRejected(str(exc), code="bad_file") from exc
    from django.core.files.base import ContentFile

    with transaction.atomic():
        certificate = HealthCertificate(
            user=user, issued_on=issued_on, content_type=checked.content_type, uploaded_by=uploaded_by
        )
        # A random name: media URLs must not be guessable.
        certificate.file.save(
            f"{secrets.token_urlsafe(16)}.{checked.extension}", ContentFile(checked.content), save=False
        )
        certificate.save()
        record_event(
            actor=uploaded_by,
            action="exams.health_certificate.uploaded",
            obj=certificate,
            data={"user": user.pk, "issued_on": issued_on.isoformat(), "content_type": checked.content_type},
        )
    return certificate


def _trains(staff: User, learner: User) -> bool:
    """Whether ``staff`` is a trainer at a training organisation ``learner`` belongs to."""
    from accounts.selectors import organisations_of

    return (
        organisations_of(learner, role=Role.WORKER)
        .filter(pk__in=organisations_of(staff, role=Role.TRAINER).values("pk"))
        .exists()
    )


# --- Class registration -------------------------------------------------------------------


@dataclass(frozen=True)
class ClassMember:
    candidate: User
    operation_type: OperationType


def register_class(
    *,
    session: ExamSession,
    members: Iterable[ClassMember],
    training_organisation: Organisation,
    registered_by: User,
    now: dt.datetime | None = None,
) -> list[Registration]:
    """Register a class all or nothing; when anyone is refused, say who and why, register nobody.

    Only the organisation's own learners (members with the worker role) may be put
    forward. The session row is locked for the whole class, so capacity holds.
    """
    now = now or timezone.now()
    if not can_register_for(registered_by, training_organisation):
        raise PermissionDenied(_("只有本培训机构的人员可以为其学员报名。"))
    members = list(members)
    if not members:
        raise EligibilityError(_("请至少选择一名学员。"), code="empty_class")
    created: list[Registration] = []
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update(of=("self",)).select_related("rubric").get(pk=session.pk)
        refusals: dict[int, list[str]] = {}
        names = {m.candidate.pk: m.candidate.real_name or m.candidate.username for m in members}
        new = []
        for member in members:
            problems = []
            if not has_role(member.candidate, Role.WORKER, organisation=training_organisation):
                problems.append(_("不是本机构的学员。"))
            existing = Registration.objects.filter(session=locked, candidate=member.candidate).first()
            if existing is not None:
                created.append(existing)
                continue
            problems += session_problems(locked, member.operation_type, now=now)
            assessment = assess_candidate(
                session=locked, candidate=member.candidate, operation_type=member.operation_type
            )
            problems += assessment.problems
            if problems:
                refusals[member.candidate.pk] = problems
            else:
                new.append((member, assessment))
        if refusals:
            raise ClassRegistrationError(refusals, names)
        free = seats_left(locked)
        if len(new) > free:
            raise EligibilityError(
                _("本场次只剩 %(free)s 个名额，本次报名 %(count)s 人。") % {"free": max(free, 0), "count": len(new)},
                code="session_full",
            )
        for member, assessment in new:
            created.append(
                create_registration(
                    session=locked,
                    candidate=member.candidate,
                    operation_type=member.operation_type,
                    assessment=assessment,
                    training_organisation=training_organisation,
                    registered_by=registered_by,
                )
            )
    return created


# --- Decisions and tickets ---------------------------------------------------------------


#: Remote theory sessions open with a start code of this many digits, read out by the invigilator.
START_CODE_DIGITS = 6


def new_start_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(START_CODE_DIGITS))


def new_ticket_code() -> str:
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def decide_registration(
    *,
    registration: Registration,
    approve: bool,
    reason: str = "",
    actor: User,
    now: dt.datetime | None = None,
) -> Registration:
    """Approve (issuing the admission ticket's code) or reject with a reason; audited.

    Repeating the same decision returns the registration unchanged; changing a decision
    already taken is refused.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        session = (
            ExamSession.objects.select_for_update(of=("self",))
            .select_related("rubric", "authority")
            .get(pk=registration.session_id)
        )
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("candidate", "operation_type")
            .get(pk=registration.pk)
        )
        if not can_administer(actor, session.authority):
            raise PermissionDenied(_("只有本考核发证机关的监管人员可以审核报名。"))
        wanted = Registration.Status.APPROVED if approve else Registration.Status.REJECTED
        if reg.status == wanted:
            return reg
        if reg.status != Registration.Status.PENDING:
            raise DecisionError(
                _("该报名已是“%(status)s”，不能再审核。") % {"status": reg.get_status_display()}, code="decided"
            )
        if not approve and not reason:
            raise DecisionError(_("不批准报名时须填写原因。"), code="reason_required")
        if approve and now >= session.ends_at:
            raise DecisionError(_("考试场次已结束，不能再批准报名。"), code="session_over")
        if approve:
            # Facts change between registration and decision (a ban, an expired health certificate).
            assessment = assess_candidate(
                session=session, candidate=reg.candidate, operation_type=reg.operation_type, subject=reg.subject
            )
            if assessment.problems:
                raise DecisionError(
                    [_("考生已不符合报考条件，不能批准：")] + assessment.problems, code="no_longer_eligible"
                )
        reg.status = wanted
        reg.decided_at = now
        reg.decided_by = actor
        reg.decision_reason = reason
        fields = ["status", "decided_at", "decided_by", "decision_reason"]
        if approve and not reg.ticket_code:
            reg.ticket_code = _unused_ticket_code()
            fields.append("ticket_code")
        reg.save(update_fields=fields)
        if approve and session.kind == ExamKind.THEORY:
            queue_task(draw_paper_ahead_task, reg.pk)
        record_event(
            actor=actor,
            action="exams.registration.approved" if approve else "exams.registration.rejected",
            obj=reg,
            data={"reason": reason, "ticket_code": reg.ticket_code or ""},
        )
    return reg


def approve_pending(*, session: ExamSession, actor: User, now: dt.datetime | None = None) -> int:
    """Approve every pending registration of a session at once (a class); returns how many."""
    now = now or timezone.now()
    if not can_administer(actor, session.authority):
        raise PermissionDenied(_("只有本考核发证机关的监管人员可以审核报名。"))
    with transaction.atomic():
        pending = list(Registration.objects.filter(session=session, status=Registration.Status.PENDING).order_by("pk"))
        for registration in pending:
            decide_registration(registration=registration, approve=True, actor=actor, now=now)
    return len(pending)


def _unused_ticket_code() -> str:
    while True:
        code = new_ticket_code()
        if not Registration.objects.filter(ticket_code=code).exists():
            return code


def normalize_ticket_code(raw: str) -> str:
    """What a scanner or a thumb gives back: strip spaces, dashes and a URL around the code."""
    value = (raw or "").strip().upper()
    if "/" in value:
        value = value.rstrip("/").rsplit("/", 1)[-1]
    return "".join(ch for ch in value if ch.isalnum())


def _may_check_in(user: User, session: ExamSession) -> bool:
    """Examiners of the site check candidates in; at a theory session its invigilators too."""
    return can_score_at(user, session.site) or (session.kind == ExamKind.THEORY and can_invigilate(user, session))


def check_in_candidate(
    *,
    examiner: User,
    ticket_code: str = "",
    id_number: str = "",
    session: ExamSession | None = None,
    now: dt.datetime | None = None,
) -> Registration:
    """Check in the holder of an admission ticket (or, at ``session``, of an ID number) on
    the exam day, by an examiner of the site or an invigilator of the theory session.
    With ``session`` only its candidates are found.

    Practical candidates must hold a valid theory pass. Checking in twice returns the
    registration with its first check-in time. An ID number nobody at the session holds
    gets the same answer as one nobody holds at all.
    """
    now = now or timezone.now()
    code = normalize_ticket_code(ticket_code)
    registrations = Registration.objects.select_for_update(of=("self",)).select_related(
        "session__site", "session__authority", "candidate", "operation_type"
    )
    if session is not None:
        registrations = registrations.filter(session=session)
    if code:
        registrations = registrations.filter(ticket_code=code)
        unknown = _("准考证号 %(code)s 不是本考点的考生。") % {"code": code}
    elif id_number.strip() and session is not None:
        holder = user_by_id_number(id_number)
        registrations = registrations.filter(candidate=holder) if holder else registrations.none()
        unknown = _("本场次没有该身份证号的考生。")
    else:
        raise CheckInError(_("请输入准考证号或身份证号。"), code="empty")
    with transaction.atomic():
        reg = registrations.first()
        if reg is None or not _may_check_in(examiner, reg.session):
            raise CheckInError(unknown, code="unknown_ticket")
        if reg.checked_in_at is not None:
            return reg
        if reg.status != Registration.Status.APPROVED:
            raise CheckInError(_("该报名未获批准，不能签到。"), code="not_approved")
        session = reg.session
        opens = session.starts_at - dt.timedelta(hours=2)
        if now < opens or now >= session.ends_at:
            raise CheckInError(
                _("不在签到时间内：本场考试 %(start)s 开始，%(end)s 结束。")
                % {
                    "start": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M"),
                    "end": timezone.localtime(session.ends_at).strftime("%H:%M"),
                },
                code="outside_window",
            )
        if session.kind == ExamKind.PRACTICAL and (
            passed_theory_attempt(candidate=reg.candidate, operation_type=reg.operation_type, now=now) is None
        ):
            raise CheckInError(_("考生没有有效的理论考试合格成绩，不能参加实操考试。"), code="no_theory_pass")
        reg.checked_in_at = now
        reg.checked_in_by = examiner
        reg.save(update_fields=["checked_in_at", "checked_in_by"])
        record_event(
            actor=examiner,
            action="exams.registration.checked_in",
            obj=reg,
            data={"ticket_code": reg.ticket_code or "", "by": "ticket" if code else "id_number"},
        )
    return reg


__all__ = [
    "SEAT_HOLDING",
    "approve_pending",
    "CheckInError",
    "ClassMember",
    "ClassRegistrationError",
    "DecisionError",
    "HealthCertificateRejected",
    "SessionInvalid",
    "check_in_candidate",
    "decide_registration",
    "plan_session",
    "register_class",
    "upload_health_certificate",
]


# --- Withdrawal ---------------------------------------------------------------------------


def cancel_registration(*, registration: Registration, actor: User, now: dt.datetime | None = None) -> Registration:
    """Withdraw a registration before its exam (the candidate, or the employer that
    registered them): its seat is freed. Refused once the candidate checked in or began
    the theory paper. Repeating it returns the cancelled registration."""
    now = now or timezone.now()
    with transaction.atomic():
        ExamSession.objects.select_for_update(of=("self",)).filter(pk=registration.session_id).first()
        reg = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
        if reg.status == Registration.Status.CANCELLED:
            return reg
        if reg.status == Registration.Status.REJECTED:
            raise DecisionError(_("该报名未获批准，无需撤回。"), code="decided")
        if reg.checked_in_at is not None or Registration.objects.filter(pk=reg.pk, attempt__isnull=False).exists():
            raise DecisionError(_("考生已签到或已开始考试，不能撤回报名。"), code="started")
        reg.status = Registration.Status.CANCELLED
        reg.decided_at = now
        reg.save(update_fields=["status", "decided_at"])
        record_event(
            actor=actor,
            action="exams.registration.cancelled",
            obj=reg,
            data={"session": reg.session_id, "at": now.isoformat()},
        )
    return reg


# --- Assessment events (考核活动) ------------------------------------------------------------
# An event's rounds are theory sessions with purpose=assessment_event; its invitees are
# admitted without order No. 30's eligibility (no statutory certificate follows).

EVENT_CAPACITY = 1_000_000


def plan_event_session(
    *,
    organiser: Organisation,
    name: str,
    blueprint: Blueprint,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor: User | None,
) -> ExamSession:
    """A theory session for an assessment event, held by its organiser (no exam site)."""
    with transaction.atomic():
        session = ExamSession.objects.create(
            kind=ExamKind.THEORY,
            purpose=SessionPurpose.ASSESSMENT_EVENT,
            name=name[:200],
            authority=organiser,
            site=organiser,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=EVENT_CAPACITY,
            blueprint=blueprint,
            planned_by=actor,
        )
        session.operation_types.set([blueprint.operation_type_id])
        record_event(
            actor=actor,
            action="exams.exam_session.planned",
            obj=session,
            data={"purpose": session.purpose, "blueprint": blueprint.pk, "organiser": organiser.pk},
        )
    return session


def admit_to_event(*, session: ExamSession, candidate: User) -> Registration:
    """An approved registration of an invitee in an event's session; repeating returns it.
    Only for sessions of an assessment event: every other session keeps its rules."""
    if session.purpose != SessionPurpose.ASSESSMENT_EVENT:
        raise EligibilityError(_("只有考核活动的场次可以免审核参加。"), code="not_an_event")
    with transaction.atomic():
        locked = ExamSession.objects.select_for_update(of=("self",)).select_related("blueprint").get(pk=session.pk)
        existing = Registration.objects.filter(session=locked, candidate=candidate).first()
        if existing is not None:
            return existing
        if locked.blueprint is None:
            raise EligibilityError(_("这不是理论考试场次。"), code="not_theory")
        registration = Registration.objects.create(
            session=locked,
            candidate=candidate,
            operation_type_id=locked.blueprint.operation_type_id,
            status=Registration.Status.APPROVED,
            registered_by=candidate,
            decided_at=timezone.now(),
        )
        record_event(
            actor=candidate,
            action="exams.registration.created",
            obj=registration,
            data={"session": locked.pk, "candidate": candidate.pk, "purpose": locked.purpose},
        )
    return registration
