"""A training organisation enrols a class of learners on one of its courses, all at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Invitation, Membership, Organisation
from accounts.on_commit import queue_task
from accounts.phone import InvalidPhone, normalize_phone
from accounts.selectors import user_by_id_number, user_by_phone
from accounts.services import phone_digest, verified_phone_digest
from accounts.tasks import send_invitation_sms_task

from .models import CourseIndexPage, CoursePage, StudyClass
from .services import enrol

if TYPE_CHECKING:
    from accounts.models import User

MAX_CLASS_SIZE = 500


def course_in_section(*, organisation: Organisation, course: CoursePage) -> bool:
    """Whether the course lies inside the organisation's own section of the page tree."""
    index = CourseIndexPage.objects.filter(organisation=organisation).first()
    return index is not None and course.path.startswith(index.path) and course.depth == index.depth + 1


#: How long a class invitation waits for its person's answer.
INVITATION_DAYS = 30


@dataclass(frozen=True)
class ClassEnrolment:
    study_class: StudyClass
    #: Members of the organisation, enrolled at once.
    enrolled: int
    #: Every other entry: an invitation went to the person if there is an account (the
    #: trainer is not told whether there is).
    invited: int


def _learner_for(identifier: str) -> User | None:
    return user_by_id_number(identifier) or user_by_phone(identifier)


def _phone_of(identifier: str) -> str:
    """The mobile number an entry is, or "" (an ID number, or nothing valid)."""
    try:
        return normalize_phone(identifier)
    except InvalidPhone:
        return ""


def _sms_budget_left(actor: User) -> int:
    """Texts a trainer may still send today (settings.CLASS_INVITATION_SMS_PER_DAY, counted
    over the last 24 hours), so the form cannot be used to text strangers in bulk."""
    since = timezone.now() - dt.timedelta(days=1)
    sent = Invitation.objects.filter(created_by=actor, created_at__gte=since).exclude(phone_hash="").count()
    return max(0, int(settings.CLASS_INVITATION_SMS_PER_DAY) - sent)


def _invite(
    *, organisation: Organisation, study_class: StudyClass, learner: User | None, phone: str, actor: User, expires
) -> None:
    """One invitation per person and class (found by account, else by phone); a phone
    invitation not yet texted (or whose text failed) is texted on commit."""
    digest = phone_digest(phone) if phone else ""
    invitations = Invitation.objects.select_for_update().filter(
        purpose=Invitation.Purpose.CLASS_ENROLMENT, subject_id=study_class.pk
    )
    invitation = invitations.filter(invitee=learner).first() if learner is not None else None
    if invitation is None and digest:
        invitation = invitations.filter(phone_hash=digest).first()
    if invitation is None:
        invitation = Invitation.objects.create(
            purpose=Invitation.Purpose.CLASS_ENROLMENT,
            subject_id=study_class.pk,
            organisation=organisation,
            invitee=learner,
            phone_hash=digest,
            phone=phone,
            created_by=actor,
            expires_at=expires,
        )
    elif digest and not invitation.phone_hash:
        invitation.phone_hash, invitation.phone = digest, phone
        invitation.save(update_fields=["phone_hash", "phone"])
    answered = invitation.accepted_at is not None or invitation.declined_at is not None
    if digest and invitation.phone_hash == digest and invitation.sms_sent_at is None and not answered:
        if not invitation.phone:
            invitation.phone = phone
            invitation.save(update_fields=["phone"])
        queue_task(send_invitation_sms_task, invitation.pk)


def _join_class(*, learner: User, study_class: StudyClass, actor: User | None) -> bool:
    enrolment = enrol(learner=learner, course=study_class.course, enrolled_by=actor)
    if enrolment.study_class_id is None:
        enrolment.study_class = study_class
        enrolment.save(update_fields=["study_class"])
        return True
    return False


@transaction.atomic
def enrol_class(
    *, organisation: Organisation, course: CoursePage, name: str, identifiers: list[str], actor: User
) -> ClassEnrolment:
    """Enrol the organisation's own members among the listed people (ID number or phone,
    one per entry) in a class at once; invite everyone else, who joins on accepting.

    An entry given as a phone number is also texted an invitation (whether or not the
    number has an account); whoever signs in or signs up with that number verified may
    accept it. Whether an entry matched an account is never said: the answer is the same
    for an unknown number and for a stranger's, so the form cannot be used to find out
    who is registered. Enrolling a learner again keeps their enrolment (and its progress).
    """
    name = " ".join((name or "").split())
    errors: list[str] = []
    if not name:
        errors.append(_("请输入班级名称。"))
    if not course_in_section(organisation=organisation, course=course):
        raise ValidationError(_("只能为本机构栏目中的课程报名。"), code="foreign_course")
    if not course.live:
        errors.append(_("该课程尚未发布，不能报名。"))
    entries = [line.strip() for line in identifiers if line.strip()]
    if not entries:
        errors.append(_("请至少填写一名学员的身份证号或手机号。"))
    if len(entries) > MAX_CLASS_SIZE:
        errors.append(_("一次最多报名 %(count)d 人。") % {"count": MAX_CLASS_SIZE})
    study_class = StudyClass.objects.select_for_update().filter(organisation=organisation, name=name).first()
    if study_class is not None and study_class.course_id != course.pk:
        errors.append(_("班级“%(name)s”已用于另一门课程。") % {"name": name})
    if errors:
        raise ValidationError(errors, code="invalid_class")

    members: dict[int, User] = {}
    others: dict[int, User] = {}
    #: Entries given as a phone number that are not the organisation's members: texted.
    phones: dict[str, User | None] = {}
    member_ids = set(Membership.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    for identifier in entries:
        learner = _learner_for(identifier)
        if learner is not None and learner.pk in member_ids:
            members.setdefault(learner.pk, learner)
        elif phone := _phone_of(identifier):
            phones.setdefault(phone, learner)
        elif learner is not None:
            others.setdefault(learner.pk, learner)
    if len(phones) > _sms_budget_left(actor):
        raise ValidationError(
            _("今天通过短信邀请的人数已达上限（%(count)d 人），请明天再试或改填身份证号。")
            % {"count": int(settings.CLASS_INVITATION_SMS_PER_DAY)},
            code="sms_limit",
        )
    if study_class is None:
        study_class = StudyClass.objects.create(organisation=organisation, course=course, name=name, created_by=actor)
    added = sum(_join_class(learner=learner, study_class=study_class, actor=actor) for learner in members.values())
    expires = timezone.now() + dt.timedelta(days=INVITATION_DAYS)
    for learner in others.values():
        _invite(
            organisation=organisation, study_class=study_class, learner=learner, phone="", actor=actor, expires=expires
        )
    for phone, learner in phones.items():
        _invite(
            organisation=organisation,
            study_class=study_class,
            learner=learner,
            phone=phone,
            actor=actor,
            expires=expires,
        )
    record_event(
        actor=actor,
        action="courses.study_class.enrolled",
        obj=study_class,
        data={
            "course": course.pk,
            "learners": sorted(members),
            "added": added,
            "invited": sorted(others),
            "texted": len(phones),
        },
    )
    return ClassEnrolment(study_class=study_class, enrolled=len(members), invited=len(entries) - len(members))


def _addressed_to(user: User) -> Q:
    """Invitations to this person: by account, or by the phone they have verified."""
    digest = verified_phone_digest(user)
    by_phone = Q(invitee__isnull=True, phone_hash=digest) if digest else Q(pk__in=[])
    return Q(invitee=user) | by_phone


def pending_class_invitations(user: User) -> list[tuple[Invitation, StudyClass]]:
    """The class invitations waiting for this person's answer, with their classes."""
    invitations = list(
        Invitation.objects.filter(
            _addressed_to(user),
            purpose=Invitation.Purpose.CLASS_ENROLMENT,
            accepted_at__isnull=True,
            declined_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).select_related("organisation")
    )
    classes = StudyClass.objects.select_related("course").in_bulk([i.subject_id for i in invitations])
    return [
        (invitation, classes[invitation.subject_id]) for invitation in invitations if invitation.subject_id in classes
    ]


@transaction.atomic
def answer_class_invitation(*, invitation_id: int, user: User, accept: bool) -> Invitation:
    """The invited person accepts (and joins the class) or declines. Only they can: the
    account invited, or whoever holds (verified) the phone an invitation was texted to."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(_addressed_to(user), pk=invitation_id, purpose=Invitation.Purpose.CLASS_ENROLMENT)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("邀请不存在或已过期。"), code="no_invitation")
    if invitation.invitee_id is None:
        own = (
            Invitation.objects.select_for_update()
            .filter(purpose=invitation.purpose, subject_id=invitation.subject_id, invitee=user)
            .first()
        )
        if own is not None:  # invited by account too: that invitation carries the answer
            invitation.delete()
            invitation = own
        else:
            invitation.invitee = user
            invitation.save(update_fields=["invitee"])
    if invitation.accepted_at or invitation.declined_at:
        return invitation
    study_class = StudyClass.objects.select_related("course").filter(pk=invitation.subject_id).first()
    if study_class is None:
        raise ValidationError(_("邀请不存在或已过期。"), code="no_invitation")
    now = timezone.now()
    if accept:
        _join_class(learner=user, study_class=study_class, actor=user)
        invitation.accepted_at = now
        invitation.save(update_fields=["accepted_at"])
        record_event(actor=user, action="accounts.invitation.accepted", obj=invitation)
    else:
        invitation.declined_at = now
        invitation.save(update_fields=["declined_at"])
        record_event(actor=user, action="accounts.invitation.declined", obj=invitation)
    return invitation


def learners_who_share_their_phone(organisation: Organisation) -> set[int]:
    """The people whose full phone number the organisation's staff may see: its members and
    those who accepted one of its invitations."""
    members = set(Membership.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    accepted = Invitation.objects.filter(organisation=organisation, accepted_at__isnull=False)
    return members | set(accepted.values_list("invitee_id", flat=True))
