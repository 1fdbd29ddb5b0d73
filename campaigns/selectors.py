"""Reads of campaigns. The paper page and the submission read the campaign's snapshot
from the cache (a process-local copy first, then the shared cache), so a hit runs no
database query; leaderboards and the dashboard read only the rollups."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Organisation, Role, User
from accounts.selectors import has_role, is_active_superuser, organisations_of
from exams.bank.selectors import current_questions, readable_banks

from .models import (
    Campaign,
    DayStat,
    District,
    DistrictDayStat,
    FirmDayStat,
    Participant,
    ParticipantDay,
    Participation,
    QuestionStat,
)

SNAPSHOT_VERSION = 2
SHARED_TTL = 600
#: A process keeps its copy this long at most, and asks the shared cache at most this
#: often whether the campaign was edited since (the edit bumps a version number).
LOCAL_TTL = 30.0
CHECK_EVERY = 1.0
_local: dict[str, tuple[float, float, int, Snapshot]] = {}
_local_lock = threading.Lock()


@dataclass(frozen=True)
class Snapshot:
    """Everything the paper page and a submission need, with no database behind it."""

    id: int
    slug: str
    title: str
    rules: str
    prizes: str
    starts_on: dt.date
    ends_on: dt.date
    paper_size: int
    time_limit_minutes: int
    attempts_per_day: int
    score_rule: str
    #: An employer's campaign: its firm, fixed for every participant.
    firm: tuple[int, str] | None
    organisation: str
    #: [id, kind, stem, options] per question, without keys: what a paper may show.
    questions: list[list[Any]] = field(default_factory=list)
    #: id -> (sorted answer keys, explanation): never sent before a submission.
    keys: dict[int, tuple[list[str], str]] = field(default_factory=dict)
    districts: list[tuple[int, str]] = field(default_factory=list)
    firms: list[tuple[int, str]] = field(default_factory=list)

    def is_open(self, on: dt.date) -> bool:
        return self.starts_on <= on <= self.ends_on


def _version_key(slug: str) -> str:
    return f"campaigns:snapshot-version:{slug}"


def _cache_key(slug: str, version: int) -> str:
    return f"campaigns:snapshot:{SNAPSHOT_VERSION}:{slug}:{version}"


def build_snapshot(campaign: Campaign) -> Snapshot:
    points = set(campaign.knowledge_points or [])
    questions: list[list[Any]] = []
    keys: dict[int, tuple[list[str], str]] = {}
    for bank in campaign.banks.all().order_by("pk"):
        for question in current_questions(bank):
            if points and question.knowledge_point not in points:
                continue
            questions.append([question.pk, question.kind, question.stem, question.options or []])
            keys[question.pk] = (sorted(question.answer), question.explanation)
    organisation = campaign.organisation
    is_employer = organisation.kind == Organisation.Kind.EMPLOYER
    firms = (
        [(organisation.pk, organisation.name)]
        if is_employer
        else list(
            Organisation.objects.filter(kind=Organisation.Kind.EMPLOYER, is_active=True)
            .order_by("name")
            .values_list("pk", "name")[:2000]
        )
    )
    return Snapshot(
        id=campaign.pk,
        slug=campaign.slug,
        title=campaign.title,
        rules=campaign.rules,
        prizes=campaign.prizes,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        paper_size=campaign.paper_size,
        time_limit_minutes=campaign.time_limit_minutes,
        attempts_per_day=campaign.attempts_per_day,
        score_rule=campaign.score_rule,
        firm=(organisation.pk, organisation.name) if is_employer else None,
        organisation=organisation.name,
        questions=questions,
        keys=keys,
        districts=list(District.objects.order_by("code").values_list("pk", "name")),
        firms=firms,
    )


def campaign_snapshot(slug: str) -> Snapshot | None:
    """The campaign's snapshot: process memory, else the cache, else built from the database.

    A process's copy is used without asking anyone for ``CHECK_EVERY`` seconds; after that
    one cache read of the version number tells whether it still holds, so an edited
    campaign is served everywhere within about a second, and a hit runs no query."""
    now = time.monotonic()
    with _local_lock:
        local = _local.get(slug)
    if local and now - local[1] < CHECK_EVERY:
        return local[3]
    version = int(cache.get(_version_key(slug)) or 0)
    if local and local[2] == version and now - local[0] < LOCAL_TTL:
        with _local_lock:
            _local[slug] = (local[0], now, version, local[3])
        return local[3]
    snapshot: Snapshot | None = cache.get(_cache_key(slug, version))
    if snapshot is None:
        campaign = Campaign.objects.select_related("organisation").filter(slug=slug).first()
        if campaign is None:
            return None
        snapshot = build_snapshot(campaign)
        cache.set(_cache_key(slug, version), snapshot, SHARED_TTL)
    with _local_lock:
        _local[slug] = (now, now, version, snapshot)
    return snapshot


def forget_snapshot(slug: str) -> None:
    """After an edit: every process builds the snapshot again (within ``CHECK_EVERY``)."""
    key = _version_key(slug)
    cache.add(key, 0, None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, None)
    with _local_lock:
        _local.pop(slug, None)


# --- Who may run and watch campaigns --------------------------------------------------


def running_organisations(user: User) -> QuerySet[Organisation]:
    """Organisations in whose name the user may run a campaign: a regulator's authority,
    an employer officer's firm."""
    if is_active_superuser(user):
        return Organisation.objects.filter(kind__in=[Organisation.Kind.AUTHORITY, Organisation.Kind.EMPLOYER])
    return (organisations_of(user, role=Role.REGULATOR) | organisations_of(user, role=Role.EMPLOYER)).distinct()


def can_run_campaigns(user: User) -> bool:
    return bool(user.is_authenticated) and running_organisations(user).exists()


def can_watch(user: User, campaign: Campaign) -> bool:
    """The dashboard: the organisation that runs the campaign, its regulators, administrators."""
    if not user.is_authenticated:
        return False
    if is_active_superuser(user):
        return True
    return has_role(user, Role.REGULATOR, campaign.organisation) or has_role(user, Role.EMPLOYER, campaign.organisation)


def can_edit(user: User, campaign: Campaign) -> bool:
    """Editing: whoever may run campaigns for the campaign's organisation (its regulators
    for an authority's, its managers for an employer's; administrators)."""
    return bool(user.is_authenticated) and running_organisations(user).filter(pk=campaign.organisation_id).exists()


def campaigns_for(user: User) -> QuerySet[Campaign]:
    return Campaign.objects.filter(organisation__in=running_organisations(user)).select_related("organisation")


def banks_for(user: User):
    return readable_banks(user)


# --- History, leaderboards, dashboard (rollups only) ----------------------------------


def history(campaign_id: int, participant_key: int, *, limit: int = 50) -> list[Participation]:
    participant = Participant.objects.filter(campaign_id=campaign_id, key=participant_key).first()
    if participant is None:
        return []
    return list(Participation.objects.filter(participant=participant).order_by("-day", "-id")[:limit])


def participant_by_key(campaign_id: int, participant_key: int) -> Participant | None:
    return Participant.objects.filter(campaign_id=campaign_id, key=participant_key).first()


@dataclass(frozen=True)
class Row:
    label: str
    participations: int
    average: float
    score: int = 0


def _public_name(participant: Participant) -> str:
    from .rules import mask_nickname

    name = mask_nickname(participant.nickname)
    return f"{name}（{participant.phone_masked}）" if participant.phone_masked else name


def person_leaderboard(campaign_id: int, *, day: dt.date | None = None, limit: int = 20) -> list[Row]:
    if day is None:
        people = Participant.objects.filter(campaign_id=campaign_id).order_by("-ranking", "id")[:limit]
        return [Row(_public_name(p), p.attempts, 0.0, p.ranking) for p in people]
    days = (
        ParticipantDay.objects.filter(campaign_id=campaign_id, day=day)
        .order_by("-best_score", "id")
        .select_related("participant")[:limit]
    )
    return [Row(_public_name(d.participant), d.attempts, 0.0, d.best_score) for d in days]


def _grouped(model, campaign_id: int, field_name: str, day: dt.date | None) -> list[tuple[int, int, int]]:
    rows = model.objects.filter(campaign_id=campaign_id)
    if day is not None:
        rows = rows.filter(day=day)
    grouped = rows.values(field_name).annotate(n=Sum("participations"), s=Sum("score_sum")).order_by("-n")
    return [(row[field_name], row["n"] or 0, row["s"] or 0) for row in grouped]


def district_rows(campaign_id: int, *, day: dt.date | None = None) -> list[Row]:
    names = dict(District.objects.values_list("pk", "name"))
    return [
        Row(names.get(pk, "—"), n, round(s / n, 1) if n else 0.0)
        for pk, n, s in _grouped(DistrictDayStat, campaign_id, "district_id", day)
    ]


def firm_rows(campaign_id: int, *, day: dt.date | None = None, limit: int = 50) -> list[Row]:
    grouped = _grouped(FirmDayStat, campaign_id, "firm_id", day)[:limit]
    names = dict(Organisation.objects.filter(pk__in=[pk for pk, _, _ in grouped]).values_list("pk", "name"))
    return [Row(names.get(pk, "—"), n, round(s / n, 1) if n else 0.0) for pk, n, s in grouped]


@dataclass(frozen=True)
class QuestionRate:
    question_id: int
    stem: str
    shown: int
    correct: int

    @property
    def rate(self) -> float:
        return round(100 * self.correct / self.shown, 1) if self.shown else 0.0


@dataclass(frozen=True)
class Dashboard:
    participations: int
    participants: int
    average: float
    days: list[tuple[dt.date, int, float]]
    districts: list[Row]
    firms: list[Row]
    questions: list[QuestionRate]


def dashboard(campaign: Campaign) -> Dashboard:
    days = list(DayStat.objects.filter(campaign=campaign).order_by("day"))
    total = sum(d.participations for d in days)
    score_sum = sum(d.score_sum for d in days)
    stats = list(QuestionStat.objects.filter(campaign=campaign))
    stems = dict(
        current_questions_stems(campaign.pk, [s.question_id for s in stats]),
    )
    questions = sorted(
        (QuestionRate(s.question_id, stems.get(s.question_id, ""), s.shown, s.correct) for s in stats),
        key=lambda q: (q.rate, -q.shown),
    )
    return Dashboard(
        participations=total,
        participants=sum(d.new_participants for d in days),
        average=round(score_sum / total, 1) if total else 0.0,
        days=[
            (d.day, d.participations, round(d.score_sum / d.participations, 1) if d.participations else 0.0)
            for d in days
        ],
        districts=district_rows(campaign.pk),
        firms=firm_rows(campaign.pk),
        questions=questions,
    )


def current_questions_stems(campaign_id: int, ids: list[int]) -> list[tuple[int, str]]:
    snapshot = None
    slug = Campaign.objects.filter(pk=campaign_id).values_list("slug", flat=True).first()
    if slug:
        snapshot = campaign_snapshot(slug)
    known = {row[0]: row[2] for row in snapshot.questions} if snapshot else {}
    return [(pk, known.get(pk, "")) for pk in ids]


def open_campaigns(on: dt.date | None = None) -> QuerySet[Campaign]:
    on = on or timezone.localdate()
    return Campaign.objects.filter(Q(starts_on__lte=on) & Q(ends_on__gte=on)).select_related("organisation")
