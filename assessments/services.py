"""Running an assessment event: creating it with its audience, joining by link and code,
and beginning an attempt on the theory exam engine. Atomic, audited, safe to repeat.

Who may organise: a regulator of an authority (any employer's consenting people, a
district), or an employer's staff (their own register: departments or people). Only
people who agreed to be in an employer's register are ever invited through it.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_event
from accounts.models import Organisation, Role, User
from accounts.selectors import has_role
from employers.models import Department, StaffMember
from exams.admission.services import admit_to_event, plan_event_session
from exams.bank.models import QuestionBank
from exams.bank.selectors import readable_banks
from exams.papers.drawing import draw_rules
from exams.papers.models import Blueprint, BlueprintRule
from exams.papers.scoring import blueprint_problems
from exams.theory.models import Attempt
from exams.theory.services import start_attempt

from .models import AssessmentEvent, EventRound, Invitation

NOT_AN_ORGANISER = _("只有监管部门或用人单位的管理人员可以组织考核活动。")
NOT_INVITED = _("您不在本次考核活动的参加范围内。")
WRONG_CODE = _("参加口令不正确。")
NOT_OPEN = _("考核活动不在开放时间内。")
NO_ATTEMPTS_LEFT = _("您的作答次数已用完。")


def can_organise(user: User, organisation: Organisation) -> bool:
    if organisation.kind == Organisation.Kind.EMPLOYER:
        return has_role(user, Role.EMPLOYER, organisation)
    return has_role(user, Role.REGULATOR, organisation)


def blueprints_for(user: User):
    """Blueprints on banks the user may read, and on the national banks, which every
    organiser may set an event from (an employer reads no bank of its own)."""
    return (
        Blueprint.objects.filter(Q(bank__in=readable_banks(user)) | Q(bank__level=QuestionBank.Level.NATIONAL))
        .select_related("bank", "operation_type")
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class EventSpec:
    name: str
    audience: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    blueprint: Blueprint
    time_limit_minutes: int
    pass_mark: int
    attempts_allowed: int = 1
    award: str = ""
    firms: list[Organisation] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    region_code: str = ""
    people: list[User] = field(default_factory=list)
    join_code: str = ""


def _check(spec: EventSpec, *, organisation: Organisation, actor: User) -> list[str]:
    problems: list[str] = []
    if not spec.name.strip():
        problems.append(gettext("请填写活动名称。"))
    if spec.ends_at <= spec.starts_at:
        problems.append(gettext("结束时间须晚于开始时间。"))
    if not 1 <= spec.attempts_allowed <= 5:
        problems.append(gettext("允许作答次数应为1至5次。"))
    if not blueprints_for(actor).filter(pk=spec.blueprint.pk).exists():
        problems.append(gettext("您无权使用该组卷规则所在的题库。"))
    problems += blueprint_problems(
        draw_rules(spec.blueprint.rules.order_by("pk")),
        pass_mark=spec.pass_mark,
        time_limit_minutes=spec.time_limit_minutes,
    )
    employer = organisation.kind == Organisation.Kind.EMPLOYER
    audience = spec.audience
    if audience not in AssessmentEvent.Audience.values:
        problems.append(gettext("请选择参加范围。"))
    if employer and audience in (AssessmentEvent.Audience.FIRMS, AssessmentEvent.Audience.DISTRICT):
        problems.append(gettext("用人单位只能组织本单位人员参加。"))
    if not employer and audience == AssessmentEvent.Audience.DEPARTMENTS:
        problems.append(gettext("按部门邀请只适用于用人单位。"))
    if audience == AssessmentEvent.Audience.FIRMS and not spec.firms:
        problems.append(gettext("请至少选择一家企业。"))
    if any(firm.kind != Organisation.Kind.EMPLOYER for firm in spec.firms):
        problems.append(gettext("所选单位不是用人单位。"))
    if audience == AssessmentEvent.Audience.DEPARTMENTS and not spec.departments:
        problems.append(gettext("请至少选择一个部门。"))
    if any(department.organisation_id != organisation.pk for department in spec.departments):
        problems.append(gettext("所选部门不属于本单位。"))
    if audience == AssessmentEvent.Audience.DISTRICT and not (
        len(spec.region_code) == 6 and spec.region_code.isdigit()
    ):
        problems.append(gettext("请填写6位行政区划代码。"))
    if audience == AssessmentEvent.Audience.INVITED and not spec.people:
        problems.append(gettext("请至少指定一人。"))
    if audience == AssessmentEvent.Audience.LINK and not (4 <= len(spec.join_code) <= 16):
        problems.append(gettext("参加口令应为4至16个字符。"))
    return problems


def _copy_blueprint(spec: EventSpec) -> Blueprint:
    """The chosen blueprint, or a copy of it when the event sets another time limit or pass mark."""
    source = spec.blueprint
    if (source.time_limit_minutes, source.pass_mark) == (spec.time_limit_minutes, spec.pass_mark):
        return source
    copy = Blueprint.objects.create(
        name=f"{spec.name[:150]}（考核活动）",
        bank_id=source.bank_id,
        operation_type_id=source.operation_type_id,
        time_limit_minutes=spec.time_limit_minutes,
        pass_mark=spec.pass_mark,
    )
    BlueprintRule.objects.bulk_create(
        [
            BlueprintRule(
                blueprint=copy,
                kind=rule.kind,
                count=rule.count,
                points=rule.points,
                knowledge_point=rule.knowledge_point,
                difficulty=rule.difficulty,
            )
            for rule in source.rules.order_by("pk")
        ]
    )
    return copy


def _staff_of(*, organisation: Organisation, event: AssessmentEvent, spec: EventSpec):
    """The consenting register entries the audience names (one query), or None for people."""
    consenting = StaffMember.objects.filter(consent=StaffMember.Consent.GIVEN, user__isnull=False).select_related(
        "organisation", "department", "post"
    )
    audience = event.audience
    if audience == AssessmentEvent.Audience.FIRMS:
        return consenting.filter(organisation__in=spec.firms)
    if audience == AssessmentEvent.Audience.DEPARTMENTS:
        return consenting.filter(organisation=organisation, department__in=spec.departments)
    if audience == AssessmentEvent.Audience.DISTRICT:
        return consenting.filter(
            organisation__kind=Organisation.Kind.EMPLOYER,
            organisation__is_active=True,
            organisation__region_code=spec.region_code,
        )
    if audience == AssessmentEvent.Audience.INVITED:
        scope = Q(organisation=organisation) if organisation.kind == Organisation.Kind.EMPLOYER else Q()
        return consenting.filter(scope, user__in=spec.people)
    return StaffMember.objects.none()


def _invitation(event: AssessmentEvent, user_id: int, entry: StaffMember | None, via: str) -> Invitation:
    firm = entry.organisation if entry is not None else None
    return Invitation(
        event=event,
        user_id=user_id,
        via=via,
        firm=firm,
        firm_name=firm.name if firm else "",
        district=(firm.region or firm.region_code) if firm else "",
        department_name=entry.department.name if entry is not None and entry.department else "",
        post_name=entry.post.name if entry is not None and entry.post else "",
    )


def create_event(*, organisation: Organisation, actor: User, spec: EventSpec) -> AssessmentEvent:
    """Create the event, its own blueprint, its first round and its invitations.

    Invitations: one per consenting person the audience names (a person in two firms'
    registers is invited once, under the first); a regulator's "invited people" are
    people of any register who agreed; "link and code" starts with none.
    """
    if not can_organise(actor, organisation):
        raise PermissionDenied(NOT_AN_ORGANISER)
    problems = _check(spec, organisation=organisation, actor=actor)
    if problems:
        raise ValidationError(problems, code="invalid")
    with transaction.atomic():
        blueprint = _copy_blueprint(spec)
        event = AssessmentEvent.objects.create(
            organisation=organisation,
            name=spec.name.strip()[:200],
            audience=spec.audience,
            region_code=spec.region_code,
            join_code=spec.join_code if spec.audience == AssessmentEvent.Audience.LINK else "",
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            blueprint=blueprint,
            attempts_allowed=spec.attempts_allowed,
            award=spec.award,
            created_by=actor,
        )
        event.firms.set(spec.firms)
        event.departments.set(spec.departments)
        _round(event, 1, actor=actor)
        seen: set[int] = set()
        invitations = []
        for entry in _staff_of(organisation=organisation, event=event, spec=spec).order_by("pk"):
            if entry.user_id is None or entry.user_id in seen:
                continue
            seen.add(entry.user_id)
            invitations.append(_invitation(event, entry.user_id, entry, Invitation.Via.INVITED))
        Invitation.objects.bulk_create(invitations, batch_size=500, ignore_conflicts=True)
        record_event(
            actor=actor,
            action="assessments.assessment_event.created",
            obj=event,
            data={
                "organisation": organisation.code,
                "audience": event.audience,
                "invited": len(invitations),
                "blueprint": spec.blueprint.pk,
            },
        )
    return event


def _round(event: AssessmentEvent, number: int, *, actor: User | None) -> EventRound:
    """The round of attempt ``number``; call while holding the event's row lock."""
    existing = EventRound.objects.filter(event=event, number=number).select_related("session").first()
    if existing is not None:
        return existing
    suffix = "" if number == 1 else gettext("（第%(n)s次）") % {"n": number}
    session = plan_event_session(
        organiser=event.organisation,
        name=f"{event.name}{suffix}",
        blueprint=event.blueprint,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        actor=actor,
    )
    return EventRound.objects.create(event=event, number=number, session=session)


def join_with_code(*, event: AssessmentEvent, user: User, code: str, now: dt.datetime | None = None) -> Invitation:
    """Join an event open to anyone with its link and code; repeating returns the invitation."""
    now = now or timezone.now()
    existing = Invitation.objects.filter(event=event, user=user).first()
    if existing is not None:
        return existing
    if event.audience != AssessmentEvent.Audience.LINK:
        raise PermissionDenied(NOT_INVITED)
    if not hmac.compare_digest((code or "").strip().upper(), event.join_code.upper()):
        raise ValidationError(WRONG_CODE, code="wrong_code")
    if now >= event.ends_at:
        raise ValidationError(NOT_OPEN, code="closed")
    entry = (
        StaffMember.objects.filter(user=user, consent=StaffMember.Consent.GIVEN)
        .select_related("organisation", "department", "post")
        .order_by("pk")
        .first()
    )
    with transaction.atomic():
        invitation = _invitation(event, user.pk, entry, Invitation.Via.CODE)
        Invitation.objects.bulk_create([invitation], ignore_conflicts=True)
        invitation = Invitation.objects.get(event=event, user=user)
        record_event(actor=user, action="assessments.invitation.joined", obj=invitation, data={"event": event.pk})
    return invitation


def begin_attempt(*, event: AssessmentEvent, user: User, now: dt.datetime | None = None) -> Attempt:
    """Start (or resume) the invitee's next attempt: the attempt's round is a theory
    session, the attempt is the theory engine's (server deadline, autosave, scoring)."""
    now = now or timezone.now()
    if not (event.starts_at <= now < event.ends_at):
        raise ValidationError(NOT_OPEN, code="closed")
    with transaction.atomic():
        locked = AssessmentEvent.objects.select_for_update().get(pk=event.pk)
        invitation = Invitation.objects.select_for_update().filter(event=locked, user=user).first()
        if invitation is None:
            raise PermissionDenied(NOT_INVITED)
        open_attempt = (
            Attempt.objects.filter(
                candidate=user,
                registration__session__in=locked.rounds.values("session"),
                submitted_at__isnull=True,
                deadline__gt=now,
            )
            .order_by("-pk")
            .first()
        )
        if open_attempt is not None:
            return open_attempt
        if invitation.attempts_used >= locked.attempts_allowed:
            raise ValidationError(NO_ATTEMPTS_LEFT, code="no_attempts_left")
        event_round = _round(locked, invitation.attempts_used + 1, actor=None)
        registration = admit_to_event(session=event_round.session, candidate=user)
        invitation.attempts_used += 1
        invitation.save(update_fields=["attempts_used"])
        # In the same transaction: an attempt the engine refuses uses up nothing.
        attempt = start_attempt(registration=registration, candidate=user, now=now)
        record_event(
            actor=user,
            action="assessments.invitation.attempted",
            obj=invitation,
            data={"event": locked.pk, "attempt": attempt.pk, "number": invitation.attempts_used},
        )
    return attempt
