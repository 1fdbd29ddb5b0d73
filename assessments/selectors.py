"""Reading assessment events: who organises which, the invitee's own, and results (a fixed
number of queries whatever the audience: invitations, then attempts)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.utils import timezone

from accounts.models import Organisation, Role, User
from accounts.selectors import organisations_of
from exams.theory.models import Attempt

from .models import AssessmentEvent, Invitation
from .rules import GROUP_LABELS, GroupBy, PersonResult, group_results, totals


def organiser_organisations(user: User | AnonymousUser | None) -> list[Organisation]:
    """Where the user may organise events: their regulators' authorities and employers."""
    regulators = list(organisations_of(user, role=Role.REGULATOR).exclude(kind=Organisation.Kind.EMPLOYER))
    employers = list(organisations_of(user, role=Role.EMPLOYER).filter(kind=Organisation.Kind.EMPLOYER))
    return regulators + employers


def events_of(organisations: list[Organisation]) -> QuerySet[AssessmentEvent]:
    return (
        AssessmentEvent.objects.filter(organisation__in=organisations)
        .select_related("organisation")
        .annotate(invited=Count("invitations"))
        .order_by("-starts_at", "-pk")
    )


def organised_event(user: User | AnonymousUser | None, pk: int) -> AssessmentEvent | None:
    """An event the user organises; None for anyone else's (looks like "no such")."""
    return events_of(organiser_organisations(user)).filter(pk=pk).first()


def event_by_token(token: str) -> AssessmentEvent | None:
    return AssessmentEvent.objects.select_related("organisation", "blueprint").filter(token=token).first()


def invitation_of(user: User | AnonymousUser | None, event: AssessmentEvent) -> Invitation | None:
    if user is None or not user.is_authenticated:
        return None
    return Invitation.objects.filter(event=event, user=user).first()


def my_events(user: User | AnonymousUser | None) -> list[Invitation]:
    """The invitee's events, open ones first."""
    if user is None or not user.is_authenticated:
        return []
    return list(
        Invitation.objects.filter(user=user)
        .select_related("event", "event__organisation")
        .order_by("-event__ends_at", "-pk")
    )


def attempts_of(event: AssessmentEvent, user: User) -> list[Attempt]:
    return list(
        Attempt.objects.filter(candidate=user, registration__session__in=event.rounds.values("session")).order_by("pk")
    )


def results(event: AssessmentEvent) -> list[PersonResult]:
    """Every invitee with their best submitted attempt: two queries."""
    best: dict[int, tuple[Decimal, bool]] = {}
    for candidate_id, score, passed in Attempt.objects.filter(
        registration__session__in=event.rounds.values("session"), submitted_at__isnull=False
    ).values_list("candidate_id", "score", "passed"):
        if score is None:
            continue
        if candidate_id not in best or score > best[candidate_id][0]:
            best[candidate_id] = (score, bool(passed))
    people = []
    # Plain values: no user row (and none of its encrypted columns) is loaded.
    rows = (
        Invitation.objects.filter(event=event)
        .order_by("firm_name", "department_name", "pk")
        .values_list(
            "user_id",
            "user__real_name",
            "user__username",
            "firm_name",
            "district",
            "department_name",
            "post_name",
            "attempts_used",
        )
    )
    for user_id, real_name, username, firm, district, department, post, attempts in rows:
        score_passed = best.get(user_id)
        people.append(
            PersonResult(
                name=real_name or username,
                firm=firm,
                district=district,
                department=department,
                post=post,
                score=score_passed[0] if score_passed else None,
                passed=score_passed[1] if score_passed else None,
                attempts=attempts,
            )
        )
    return people


def is_open(event: AssessmentEvent) -> bool:
    return event.starts_at <= timezone.now() < event.ends_at


def results_workbook(event: AssessmentEvent, people: list[PersonResult]) -> bytes:
    """The results as Excel: a sheet per grouping, then every person."""
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = "汇总"
    total = totals(people)
    summary.append(["活动", event.name])
    summary.append(["应参加", total.invited])
    summary.append(["已参加", total.sat])
    summary.append(["合格", total.passed])
    summary.append(["平均分", float(total.average) if total.average is not None else None])
    summary.append(["说明", "考核活动成绩，非特种作业操作证或安全生产知识和管理能力考核合格证。"])
    for by in GroupBy:
        sheet = workbook.create_sheet(str(GROUP_LABELS[by]))
        sheet.append(["名称", "应参加", "已参加", "合格", "参加率%", "合格率%", "平均分"])
        for group in group_results(people, by=by):
            sheet.append(
                [
                    group.name,
                    group.invited,
                    group.sat,
                    group.passed,
                    group.participation,
                    group.pass_rate,
                    float(group.average) if group.average is not None else None,
                ]
            )
    sheet = workbook.create_sheet("人员")
    sheet.append(["姓名", "企业", "区县", "部门", "岗位", "最高分", "合格", "作答次数"])
    for person in people:
        sheet.append(
            [
                person.name,
                person.firm,
                person.district,
                person.department,
                person.post,
                float(person.score) if person.score is not None else None,
                {True: "是", False: "否", None: "未参加"}[person.passed],
                person.attempts,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
