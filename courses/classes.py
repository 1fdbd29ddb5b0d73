"""A training organisation enrols a class of learners on one of its courses, all at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Invitation, Membership, Organisation
from accounts.selectors import user_by_id_number, user_by_phone

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

    Whether an entry matched an account is never said: the answer is the same for an
    unknown number and for a stranger's, so the form cannot be used to find out who is
    registered. Enrolling a learner again keeps their enrolment (and its progress).
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
    member_ids = set(Membership.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    for identifier in entries:
        learner = _learner_for(identifier)
        if learner is not None:
            (members if learner.pk in member_ids else others).setdefault(learner.pk, learner)
    if study_class is None:
        study_class = StudyClass.objects.create(organisation=organisation, course=course, name=name, created_by=actor)
    added = sum(_join_class(learner=learner, study_class=study_class, actor=actor) for learner in members.values())
    expires = timezone.now() + dt.timedelta(days=INVITATION_DAYS)
    for learner in others.values():
        Invitation.objects.get_or_create(
            purpose=Invitation.Purpose.CLASS_ENROLMENT,
            subject_id=study_class.pk,
            invitee=learner,
            defaults={"organisation": organisation, "created_by": actor, "expires_at": expires},
        )
    record_event(
        actor=actor,
        action="courses.study_class.enrolled",
        obj=study_class,
        data={"course": course.pk, "learners": sorted(members), "added": added, "invited": sorted(others)},
    )
    return ClassEnrolment(study_class=study_class, enrolled=len(members), invited=len(entries) - len(members))


def pending_class_invitations(user: User) -> list[tuple[Invitation, StudyClass]]:
    """The class invitations waiting for this person's answer, with their classes."""
    invitations = list(
        Invitation.objects.filter(
            invitee=user,
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
    """The invited person accepts (and joins the class) or declines. Only they can."""
    invitation = (
        Invitation.objects.select_for_update()
        .filter(pk=invitation_id, invitee=user, purpose=Invitation.Purpose.CLASS_ENROLMENT)
        .first()
    )
    if invitation is None or invitation.expires_at <= timezone.now():
        raise ValidationError(_("邀请不存在或已过期。"), code="no_invitation")
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
