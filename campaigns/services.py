"""Everything that changes a campaign's state: creating one, giving out papers, taking
submissions and writing them (with their rollups) in batches."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import record_event
from accounts.models import Organisation, User
from exams.bank.models import QuestionBank

from . import queue
from .models import (
    Campaign,
    DayStat,
    District,
    DistrictDayStat,
    FirmDayStat,
    IdentityKind,
    Participant,
    ParticipantDay,
    Participation,
    QuestionStat,
    ScoreRule,
)
from .rules import BadPaper, Paper, challenge_hash, grade, identity_key, normalise_answer, read_paper, sign_paper
from .selectors import Snapshot, forget_snapshot

logger = logging.getLogger(__name__)

CARD_SALT = "campaigns.card"


class CampaignError(Exception):
    """A refusal the participant or organiser reads, with the HTTP status it maps to."""

    def __init__(self, message: str, status: int = 400, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extra = extra


def _secret() -> bytes:
    return hashlib.sha256(b"kaozheng-campaigns:" + settings.SECRET_KEY.encode()).digest()


# --- Organisers --------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignInput:
    slug: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    banks: Sequence[QuestionBank]
    rules: str = ""
    prizes: str = ""
    knowledge_points: Sequence[str] = ()
    paper_size: int = 10
    time_limit_minutes: int = 10
    attempts_per_day: int = 3
    score_rule: str = ScoreRule.BEST


def create_campaign(*, actor: User, organisation: Organisation, data: CampaignInput) -> Campaign:
    """A campaign of ``organisation``, which ``actor`` runs campaigns for, over banks the actor may read."""
    from .selectors import banks_for, running_organisations

    if not running_organisations(actor).filter(pk=organisation.pk).exists():
        raise CampaignError(_("您不能以该单位的名义发起答题活动。"), status=403)
    readable = set(banks_for(actor).values_list("pk", flat=True))
    if any(bank.pk not in readable for bank in data.banks):
        raise CampaignError(_("所选题库中有您无权使用的题库。"), status=403)
    if data.ends_on < data.starts_on:
        raise CampaignError(_("结束日期不能早于开始日期。"))
    if not data.banks:
        raise CampaignError(_("请至少选择一个题库。"))
    if not 1 <= data.paper_size <= 30:
        raise CampaignError(_("每卷题数应在 1 到 30 之间。"))
    with transaction.atomic():
        if Campaign.objects.filter(slug=data.slug).exists():
            raise CampaignError(_("该标识已被使用，请换一个。"))
        campaign = Campaign.objects.create(
            slug=data.slug,
            title=data.title,
            rules=data.rules,
            prizes=data.prizes,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            organisation=organisation,
            knowledge_points=[point for point in data.knowledge_points if point],
            paper_size=data.paper_size,
            time_limit_minutes=data.time_limit_minutes,
            attempts_per_day=data.attempts_per_day,
            score_rule=data.score_rule,
            created_by=actor,
        )
        campaign.banks.set(data.banks)
        pool = campaign.banks.filter(questions__is_active=True).count()
        if pool < data.paper_size:
            raise CampaignError(
                _("所选题库只有 %(n)s 道可用试题，不够组成一份 %(size)s 题的试卷。")
                % {"n": pool, "size": data.paper_size}
            )
        record_event(
            actor=actor,
            action="campaigns.campaign.created",
            obj=campaign,
            data={"slug": campaign.slug, "organisation": organisation.pk, "pool": pool},
        )
    forget_snapshot(campaign.slug)
    return campaign


def update_campaign(*, actor: User, campaign: Campaign, data: CampaignInput) -> Campaign:
    """Edit a campaign: the same checks as creating one, by someone who runs campaigns for
    its organisation. The slug (in every QR code and share link) and the organisation stay.
    Papers are drawn from the new settings at once: every process reads the edited
    snapshot within about a second, and a paper given out before that holds a question
    no longer in the pool is refused with "get a new paper" rather than scored on old keys."""
    from .selectors import banks_for, running_organisations

    if not running_organisations(actor).filter(pk=campaign.organisation_id).exists():
        raise CampaignError(_("您不能修改该单位的答题活动。"), status=403)
    current = set(campaign.banks.values_list("pk", flat=True))
    readable = set(banks_for(actor).values_list("pk", flat=True)) | current
    if any(bank.pk not in readable for bank in data.banks):
        raise CampaignError(_("所选题库中有您无权使用的题库。"), status=403)
    if data.ends_on < data.starts_on:
        raise CampaignError(_("结束日期不能早于开始日期。"))
    if not data.banks:
        raise CampaignError(_("请至少选择一个题库。"))
    if not 1 <= data.paper_size <= 30:
        raise CampaignError(_("每卷题数应在 1 到 30 之间。"))
    fields = {
        "title": data.title,
        "rules": data.rules,
        "prizes": data.prizes,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "knowledge_points": [point for point in data.knowledge_points if point],
        "paper_size": data.paper_size,
        "time_limit_minutes": data.time_limit_minutes,
        "attempts_per_day": data.attempts_per_day,
        "score_rule": data.score_rule,
    }
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        changed = {name: value for name, value in fields.items() if getattr(locked, name) != value}
        for name, value in changed.items():
            setattr(locked, name, value)
        if changed:
            locked.save(update_fields=list(changed))
        chosen = {bank.pk for bank in data.banks}
        if chosen != current:
            locked.banks.set(data.banks)
        pool = locked.banks.filter(questions__is_active=True).count()
        if pool < data.paper_size:
            raise CampaignError(
                _("所选题库只有 %(n)s 道可用试题，不够组成一份 %(size)s 题的试卷。")
                % {"n": pool, "size": data.paper_size}
            )
        if changed or chosen != current:
            record_event(
                actor=actor,
                action="campaigns.campaign.updated",
                obj=locked,
                data={
                    "slug": locked.slug,
                    "fields": sorted(changed),
                    "banks": sorted(chosen) if chosen != current else None,
                    "pool": pool,
                },
            )
        transaction.on_commit(lambda: forget_snapshot(locked.slug))
    return locked


def save_districts(*, rows: Sequence[tuple[str, str]]) -> int:
    """The districts participants pick from (code, name); existing codes are renamed.
    Returns how many were new."""
    created = 0
    with transaction.atomic():
        for code, name in rows:
            _district, new = District.objects.update_or_create(code=code, defaults={"name": name})
            created += int(new)
    return created


# --- Limits ------------------------------------------------------------------------------


def _count(name: str, ident: str, window: int, *, peek: bool = False) -> int:
    """Hits of ``ident`` in the current window of ``window`` seconds (a fixed bucket)."""
    bucket = int(timezone.now().timestamp()) // window
    key = f"campaigns:rl:{name}:{ident}:{bucket}"
    if peek:
        return int(cache.get(key, 0))
    cache.add(key, 0, window + 5)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 5)
        return 1


def _over(name: str, ident: str, window: int, limit: int) -> bool:
    return bool(limit) and _count(name, ident, window) > limit


def needs_challenge(ip: str) -> bool:
    """A sender that submitted faster than people answer is asked a light question."""
    limit = settings.CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE
    return bool(limit) and _count("ip-submit", ip, 60, peek=True) >= limit


# --- Papers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedPaper:
    token: str
    questions: list[list[Any]]
    challenge: str
    expires_at: int


def new_device_id() -> str:
    return secrets.token_urlsafe(12)


def issue_paper(*, snapshot: Snapshot, device: str, ip: str, now: dt.datetime | None = None) -> IssuedPaper:
    """A short random paper from the pool, signed for this device. No database query."""
    now = now or timezone.now()
    if not snapshot.is_open(timezone.localdate(now)):
        raise CampaignError(_("活动不在进行中。"), status=409)
    if queue.enabled():
        window = int(now.timestamp()) // 60
        ip_hits, device_hits, submits = queue.paper_counts(
            ip_key=f"campaigns:rl:ip-paper:{ip}:{window}",
            device_key=f"campaigns:rl:device-paper:{device}:{int(now.timestamp()) // 3600}",
            ip_submit_key=f"campaigns:rl:ip-submit:{ip}:{window}",
        )
        limit, per_device = settings.CAMPAIGN_IP_PAPERS_PER_MINUTE, settings.CAMPAIGN_DEVICE_PAPERS_PER_HOUR
        if (limit and ip_hits > limit) or (per_device and device_hits > per_device):
            raise CampaignError(_("请求过于频繁，请稍后再试。"), status=429)
        challenge_after = settings.CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE
        suspicious = bool(challenge_after) and submits >= challenge_after
    else:
        if _over("ip-paper", ip, 60, settings.CAMPAIGN_IP_PAPERS_PER_MINUTE) or _over(
            "device-paper", device, 3600, settings.CAMPAIGN_DEVICE_PAPERS_PER_HOUR
        ):
            raise CampaignError(_("请求过于频繁，请稍后再试。"), status=429)
        suspicious = needs_challenge(ip)
    size = min(snapshot.paper_size, len(snapshot.questions))
    if size == 0:
        raise CampaignError(_("本活动暂无试题。"), status=409)
    chooser = secrets.SystemRandom()
    questions = chooser.sample(snapshot.questions, size)
    nonce = secrets.randbits(63)
    challenge_text, challenge = "", ""
    if suspicious:
        a, b = chooser.randint(2, 9), chooser.randint(2, 9)
        challenge_text = _("%(a)s 加 %(b)s 等于几？") % {"a": a, "b": b}
        challenge = challenge_hash(str(a + b), nonce=nonce, secret=_secret())
    issued = int(now.timestamp())
    paper = Paper(snapshot.id, tuple(q[0] for q in questions), issued, device, nonce, challenge)
    return IssuedPaper(
        token=sign_paper(paper, secret=_secret()),
        questions=questions,
        challenge=challenge_text,
        expires_at=issued + snapshot.time_limit_minutes * 60,
    )


# --- Submissions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    """Who submits: an anonymous device with a nickname, a verified phone or an account."""

    kind: int
    identity: str
    nickname: str
    phone_masked: str = ""
    user_id: int | None = None
    district_id: int | None = None
    firm_id: int | None = None


def who_key(snapshot: Snapshot, who: Who) -> int:
    return identity_key(who.identity, campaign_id=snapshot.id, secret=_secret())


def card_token(*, slug: str, nickname: str, score: int, day: dt.date, nonce: int) -> str:
    return signing.dumps([slug, nickname, score, day.isoformat(), nonce], salt=CARD_SALT, compress=True)


def read_card_token(token: str) -> tuple[str, str, int, dt.date, int]:
    slug, nickname, score, day, nonce = signing.loads(token, salt=CARD_SALT)
    return str(slug), str(nickname), int(score), dt.date.fromisoformat(day), int(nonce)


def _check_who(snapshot: Snapshot, who: Who) -> Who:
    nickname = (who.nickname or "").strip()[:20]
    if not nickname:
        raise CampaignError(_("请填写昵称。"))
    district_ids = {pk for pk, _name in snapshot.districts}
    if who.district_id is not None and who.district_id not in district_ids:
        raise CampaignError(_("请从列表中选择区县。"))
    firm_id = who.firm_id
    if snapshot.firm is not None:
        firm_id = snapshot.firm[0]
    elif firm_id is not None and firm_id not in {pk for pk, _name in snapshot.firms}:
        raise CampaignError(_("请从列表中选择单位。"))
    return Who(who.kind, who.identity, nickname, who.phone_masked, who.user_id, who.district_id, firm_id)


def submit_paper(
    *,
    snapshot: Snapshot,
    token: str,
    answers: dict[str, Any],
    who: Who,
    device: str,
    ip: str,
    idempotency_key: str = "",
    challenge_answer: str = "",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Grade a paper the server gave, count it once and queue it to be written.

    The same paper (or the same Idempotency-Key) submitted again returns the first answer
    and counts nothing. Returns ``{score, results, certificate_url}``.
    """
    now = now or timezone.now()
    try:
        paper = read_paper(token or "", secret=_secret())
    except BadPaper as exc:
        raise CampaignError(_("试卷无效，请重新领取试卷。"), status=400) from exc
    if paper.campaign_id != snapshot.id:
        raise CampaignError(_("试卷不属于本活动。"), status=400)
    if paper.device != device:
        raise CampaignError(_("试卷不是发给这台设备的，请重新领取试卷。"), status=400)
    idem_key = f"campaigns:idem:{snapshot.id}:{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}"
    done_key = f"campaigns:done:{paper.nonce}"
    replay_keys = ([idem_key] if idempotency_key else []) + [done_key]
    queued = queue.enabled()
    if not queued:
        for key in replay_keys:
            earlier = cache.get(key)
            if earlier is not None:
                return earlier
    elapsed = int(now.timestamp()) - paper.issued_at
    late = elapsed > snapshot.time_limit_minutes * 60 + settings.CAMPAIGN_GRACE_SECONDS
    wrong_challenge = bool(paper.challenge) and (
        challenge_hash(challenge_answer or "", nonce=paper.nonce, secret=_secret()) != paper.challenge
    )
    if queued and (late or wrong_challenge):  # a retry of a counted paper still gets its answer
        replay = queue.earlier_response(*replay_keys)
        if replay is not None:
            return json.loads(replay)
    if late:
        raise CampaignError(_("答题已超时，请重新领取试卷。"), status=409)
    if wrong_challenge:
        raise CampaignError(_("验证题回答不正确。"), status=400, challenge=True)
    unknown = set(answers) - {str(qid) for qid in paper.question_ids}
    if unknown:
        raise CampaignError(_("答案中有不属于本试卷的题目。"), status=400)
    who = _check_who(snapshot, who)
    if not queued and _over("ip-submit", ip, 60, settings.CAMPAIGN_IP_SUBMITS_PER_MINUTE):
        raise CampaignError(_("提交过于频繁，请稍后再试。"), status=429)
    participant = who_key(snapshot, who)
    day = timezone.localdate(now)
    limit = snapshot.attempts_per_day
    attempts_key = f"campaigns:attempts:{snapshot.id}:{participant}:{day.isoformat()}"
    device_key = f"campaigns:attempts:{snapshot.id}:device:{device}:{day.isoformat()}"
    if (
        not queued
        and limit
        and (int(cache.get(attempts_key, 0)) >= limit or int(cache.get(device_key, 0)) >= limit * 3)
    ):
        raise CampaignError(_("今天的答题次数已用完，明天再来。"), status=429)

    keys = {qid: snapshot.keys[qid][0] for qid in paper.question_ids if qid in snapshot.keys}
    if len(keys) != len(paper.question_ids):
        raise CampaignError(_("试卷中的试题已更新，请重新领取试卷。"), status=409)
    given = {int(qid): normalise_answer(value) for qid, value in answers.items()}
    graded = grade(paper.question_ids, given, keys)
    response = {
        "score": graded.score,
        "results": [
            {"id": qid, "correct": right, "key": keys[qid], "explanation": snapshot.keys[qid][1]}
            for qid, right in zip(paper.question_ids, graded.correct, strict=True)
        ],
        "certificate_url": f"/quiz/{snapshot.slug}/card/"
        + card_token(slug=snapshot.slug, nickname=who.nickname, score=graded.score, day=day, nonce=paper.nonce)
        + ".png",
    }
    record = {
        "k": paper.nonce,
        "c": snapshot.id,
        "p": participant,
        "ik": who.kind,
        "nn": who.nickname,
        "pm": who.phone_masked,
        "u": who.user_id,
        "d": who.district_id,
        "f": who.firm_id,
        "s": graded.score,
        "t": max(0, min(elapsed, 32767)),
        "b": graded.bitmap,
        "q": list(paper.question_ids),
        "at": now.isoformat(),
        "rule": snapshot.score_rule,
    }
    if queued:
        return _admit(
            response, record, idem_key if idempotency_key else "", done_key, ip, attempts_key, device_key, now, limit
        )
    if not cache.add(done_key, response, settings.CAMPAIGN_DEDUPE_SECONDS):
        return cache.get(done_key) or response  # a twin request won the race: it counts, this does not
    try:
        write_submissions([record])
    except Exception as exc:
        cache.delete(done_key)
        logger.exception("campaign submission not written")
        raise CampaignError(_("提交未成功，请稍后重试。"), status=503) from exc
    for key in (attempts_key, device_key):
        cache.add(key, 0, 2 * 86400)
        cache.incr(key)
    if idempotency_key:
        cache.set(idem_key, response, settings.CAMPAIGN_DEDUPE_SECONDS)
    return response


def _admit(
    response: dict[str, Any],
    record: dict[str, Any],
    idem_key: str,
    done_key: str,
    ip: str,
    attempts_key: str,
    device_key: str,
    now: dt.datetime,
    per_day: int,
) -> dict[str, Any]:
    """The queued path: limits, "count once" and the append in one Redis round trip."""
    try:
        status, earlier = queue.admit(
            idem_key=idem_key,
            done_key=done_key,
            ip_key=f"campaigns:rl:ip-submit:{ip}:{int(now.timestamp()) // 60}",
            attempts_key=attempts_key,
            device_key=device_key,
            response=json.dumps(response, separators=(",", ":"), ensure_ascii=False),
            record=record,
            ip_limit=settings.CAMPAIGN_IP_SUBMITS_PER_MINUTE,
            per_day=per_day,
            ttl=settings.CAMPAIGN_DEDUPE_SECONDS,
        )
    except Exception as exc:
        logger.exception("campaign submission not queued")
        raise CampaignError(_("提交未成功，请稍后重试。"), status=503) from exc
    if status == queue.REPEATED:
        return json.loads(earlier)
    if status == queue.IP_LIMITED:
        raise CampaignError(_("提交过于频繁，请稍后再试。"), status=429)
    if status == queue.DAY_LIMITED:
        raise CampaignError(_("今天的答题次数已用完，明天再来。"), status=429)
    return response


# --- The batch writer ------------------------------------------------------------------


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _qn(model._meta.db_table)


def _insert(
    cursor,
    model,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    conflict: Sequence[str],
    add: Sequence[str] = (),
    greatest: Sequence[str] = (),
    replace: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple]:
    """INSERT … ON CONFLICT: nothing, or add to / keep the greatest of / replace the stored
    values (PostgreSQL and SQLite both speak it)."""
    if not rows:
        return []
    table = _table(model)
    names = ", ".join(_qn(c) for c in columns)
    if connection.vendor == "postgresql":
        # One array per column: a fixed handful of parameters, however long the batch
        # (thousands of "%s" cost the driver more than the insert costs the server).
        by_column = {field.column: field for field in model._meta.concrete_fields}
        arrays = ", ".join(f"%s::{_array_type(by_column[c])}[]" for c in columns)
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        # Names come from our models; every value is a parameter.
        sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(rows))}"  # noqa: S608
        params = [value for row in rows for value in row]
    sets = [f"{_qn(c)} = {table}.{_qn(c)} + EXCLUDED.{_qn(c)}" for c in add]
    sets += [
        f"{_qn(c)} = CASE WHEN EXCLUDED.{_qn(c)} > {table}.{_qn(c)} THEN EXCLUDED.{_qn(c)} ELSE {table}.{_qn(c)} END"
        for c in greatest
    ]
    sets += [f"{_qn(c)} = EXCLUDED.{_qn(c)}" for c in replace]
    target = ", ".join(_qn(c) for c in conflict)
    sql += f" ON CONFLICT ({target}) DO " + (f"UPDATE SET {', '.join(sets)}" if sets else "NOTHING")
    if returning:
        sql += " RETURNING " + ", ".join(_qn(c) for c in returning)
    cursor.execute(sql, params)
    return list(cursor.fetchall()) if returning else []


def _array_type(field) -> str:
    """The PostgreSQL type of a column, as an array element (a key's type for a key)."""
    target = field.target_field if field.is_relation else field
    kind = target.db_type(connection) or "integer"
    return {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}.get(kind, kind)


def _participants(cursor, records: list[dict[str, Any]]) -> tuple[dict[tuple[int, int], int], set[tuple[int, int]]]:
    first: dict[tuple[int, int], dict[str, Any]] = {}
    for record in records:
        first.setdefault((record["c"], record["p"]), record)
    rows = [
        (c, p, r["ik"], r["nn"], r["pm"], r["u"], r["d"], r["f"], 0, 0, 0, 0) for (c, p), r in sorted(first.items())
    ]
    columns = ["campaign_id", "key", "kind", "nickname", "phone_masked", "user_id", "district_id", "firm_id"]
    columns += ["attempts", "ranking", "best_score", "latest_score"]
    created = _insert(
        cursor, Participant, columns, rows, conflict=["campaign_id", "key"], returning=["id", "campaign_id", "key"]
    )
    ids = {(c, k): pk for pk, c, k in created}
    new = set(ids)
    missing: dict[int, list[int]] = defaultdict(list)
    for c, p in first:
        if (c, p) not in ids:
            missing[c].append(p)
    for c, keys in missing.items():
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {_qn('id')}, {_qn('key')} FROM {_table(Participant)} "  # noqa: S608 - fixed names
                f"WHERE {_qn('campaign_id')} = %s AND {_qn('key')} = ANY(%s::bigint[])",
                [c, keys],
            )
            found = cursor.fetchall()
        else:
            found = Participant.objects.filter(campaign_id=c, key__in=keys).values_list("id", "key")
        for pk, key in found:
            ids[(c, key)] = pk
    return ids, new


def write_submissions(records: Iterable[dict[str, Any]]) -> int:
    """Write queued submissions and their rollups in one transaction; returns how many
    were new. Safe to call again with the same records: a paper's key is unique, and only
    rows actually inserted are added to the rollups."""
    unique: dict[int, dict[str, Any]] = {}
    for record in records:
        unique.setdefault(int(record["k"]), record)
    batch = list(unique.values())
    if not batch:
        return 0
    ops = connection.ops
    with transaction.atomic(), connection.cursor() as cursor:
        ids, new_people = _participants(cursor, batch)
        rows = []
        for r in batch:
            at = dt.datetime.fromisoformat(r["at"])
            r["_at"] = at
            r["_day"] = timezone.localdate(at)
            rows.append(
                (
                    r["k"],
                    r["c"],
                    ids[(r["c"], r["p"])],
                    ops.adapt_datefield_value(r["_day"]),
                    ops.adapt_datetimefield_value(at),
                    r["d"],
                    r["f"],
                    r["s"],
                    r["t"],
                    r["b"],
                )
            )
        columns = ["key", "campaign_id", "participant_id", "day", "submitted_at"]
        columns += ["district_id", "firm_id", "score", "seconds", "correct"]
        inserted = {
            row[0] for row in _insert(cursor, Participation, columns, rows, conflict=["key"], returning=["key"])
        }
        fresh = [r for r in batch if r["k"] in inserted]
        if fresh:
            _roll_up(cursor, fresh, ids, new_people)
    return len(fresh)


def _roll_up(
    cursor, fresh: list[dict[str, Any]], ids: dict[tuple[int, int], int], new_people: set[tuple[int, int]]
) -> None:
    adapt = connection.ops.adapt_datefield_value
    days: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])
    districts: dict[tuple[int, dt.date, int], list[int]] = defaultdict(lambda: [0, 0])
    firms: dict[tuple[int, dt.date, int], list[int]] = defaultdict(lambda: [0, 0])
    questions: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    person_days: dict[tuple[int, int, dt.date], list[int]] = defaultdict(lambda: [0, 0])
    people: dict[tuple[int, int], dict[str, Any]] = {}
    counted_new: set[tuple[int, int]] = set()
    for r in sorted(fresh, key=lambda r: r["_at"]):
        c, day, score = r["c"], r["_day"], r["s"]
        who = (c, r["p"])
        stat = days[(c, day)]
        stat[0] += 1
        stat[1] += score
        if who in new_people and who not in counted_new:
            counted_new.add(who)
            stat[2] += 1
        if r["d"] is not None:
            districts[(c, day, r["d"])][0] += 1
            districts[(c, day, r["d"])][1] += score
        if r["f"] is not None:
            firms[(c, day, r["f"])][0] += 1
            firms[(c, day, r["f"])][1] += score
        bitmap = r["b"] & 0xFFFFFFFF
        for index, qid in enumerate(r["q"]):
            entry = questions[(c, qid)]
            entry[0] += 1
            entry[1] += (bitmap >> index) & 1
        pid = ids[who]
        pd = person_days[(c, pid, day)]
        pd[0] = max(pd[0], score)
        pd[1] += 1
        person = people.setdefault(who, {"r": r, "n": 0, "best": 0})
        person["n"] += 1
        person["best"] = max(person["best"], score)
        person["latest"] = score
    _insert(
        cursor,
        DayStat,
        ["campaign_id", "day", "participations", "score_sum", "new_participants"],
        [(c, adapt(d), *v) for (c, d), v in sorted(days.items())],
        conflict=["campaign_id", "day"],
        add=["participations", "score_sum", "new_participants"],
    )
    for model, name, data in ((DistrictDayStat, "district_id", districts), (FirmDayStat, "firm_id", firms)):
        _insert(
            cursor,
            model,
            ["campaign_id", "day", name, "participations", "score_sum"],
            [(c, adapt(d), g, *v) for (c, d, g), v in sorted(data.items())],
            conflict=["campaign_id", "day", name],
            add=["participations", "score_sum"],
        )
    _insert(
        cursor,
        QuestionStat,
        ["campaign_id", "question_id", "shown", "correct"],
        [(c, q, *v) for (c, q), v in sorted(questions.items())],
        conflict=["campaign_id", "question_id"],
        add=["shown", "correct"],
    )
    _insert(
        cursor,
        ParticipantDay,
        ["campaign_id", "participant_id", "day", "best_score", "attempts"],
        [(c, p, adapt(d), *v) for (c, p, d), v in sorted(person_days.items())],
        conflict=["participant_id", "day"],
        greatest=["best_score"],
        add=["attempts"],
    )
    by_rule: dict[str, list[tuple]] = defaultdict(list)
    for (c, p), person in sorted(people.items()):
        r = person["r"]
        ranking = person["latest"] if r["rule"] == ScoreRule.LATEST else person["best"]
        by_rule[r["rule"]].append(
            (
                c,
                p,
                r["ik"],
                r["nn"],
                r["pm"],
                r["u"],
                r["d"],
                r["f"],
                person["n"],
                ranking,
                person["best"],
                person["latest"],
            )
        )
    columns = ["campaign_id", "key", "kind", "nickname", "phone_masked", "user_id", "district_id", "firm_id"]
    columns += ["attempts", "ranking", "best_score", "latest_score"]
    for rule, rows in by_rule.items():
        _insert(
            cursor,
            Participant,
            columns,
            rows,
            conflict=["campaign_id", "key"],
            add=["attempts"],
            greatest=["best_score"] + (["ranking"] if rule == ScoreRule.BEST else []),
            replace=["latest_score"] + (["ranking"] if rule == ScoreRule.LATEST else []),
        )
        if rule == ScoreRule.SUM_OF_DAYS:
            touched = sorted({ids[(c, p)] for c, p, *_rest in rows})
            people_table, days_table = _table(Participant), _table(ParticipantDay)
            cursor.execute(
                f"UPDATE {people_table} SET {_qn('ranking')} = (SELECT COALESCE(SUM(d.{_qn('best_score')}), 0) "  # noqa: S608
                f"FROM {days_table} d WHERE d.{_qn('participant_id')} = {people_table}.{_qn('id')}) "
                + (
                    f"WHERE {_qn('id')} = ANY(%s::integer[])"
                    if connection.vendor == "postgresql"
                    else f"WHERE {_qn('id')} IN ({', '.join(['%s'] * len(touched))})"
                ),
                [touched] if connection.vendor == "postgresql" else touched,
            )


def drain_queue(*, batch_size: int | None = None, budget_seconds: float | None = None) -> int:
    """Write what waits in the queue, batch by batch, acknowledging after each commit."""
    import time

    if not queue.enabled():
        return 0
    batch_size = batch_size or settings.CAMPAIGN_BATCH_SIZE
    budget = budget_seconds if budget_seconds is not None else settings.CAMPAIGN_DRAIN_SECONDS
    deadline = time.monotonic() + budget
    written = 0
    while time.monotonic() < deadline:
        entries = queue.read(batch_size)
        if not entries:
            break
        written += write_submissions(record for _id, record in entries)
        queue.acknowledge([entry_id for entry_id, _record in entries])
        if len(entries) < batch_size:
            break  # drained: what arrives next waits for the next run, in a fuller batch
    return written


__all__ = [
    "CampaignError",
    "CampaignInput",
    "IdentityKind",
    "IssuedPaper",
    "Who",
    "create_campaign",
    "update_campaign",
    "drain_queue",
    "issue_paper",
    "submit_paper",
    "write_submissions",
]
