"""Every change of a theory attempt goes through here: start, save, submit, the deadline
sweep, and the invigilator's extra time and closing.

Services take keyword arguments, run in one transaction, lock rows in a fixed order
(registration → attempt) and are safe to repeat: a second call returns what the first
one made. Locks taken with select_related name ``of=("self",)``: PostgreSQL refuses FOR
UPDATE on the nullable side of an outer join (a session's blueprint). Errors are
ValidationError subclasses whose messages are shown to users as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import DEFERRED, Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.audit import record_event, record_events
from accounts.db import planned_cursor, without_health_check
from accounts.models import AuditEvent
from exams.admission.models import CheckInMode, ExamKind, ExamSession, Registration, SessionPurpose
from exams.bank.models import Question
from exams.errors import AnswerRejected, AttemptClosed, AttemptNotAllowed, InvigilationError
from exams.papers.drawing import (
    bank_pool,
    candidate_questions_json,
    compact_snapshot,
    draw_questions,
    draw_rules,
    paper_rng,
)
from exams.papers.models import Blueprint
from exams.papers.scoring import (
    InvalidAnswer,
    Option,
    PaperQuestion,
    ScoringError,
    TheoryScore,
    build_paper,
    pick_questions,
    score_snapshot,
    validate_answer,
    with_opaque_ids,
)

from . import answer_sheets
from .access import can_invigilate
from .models import Attempt, AttemptAnswer, DrawnPaper

if TYPE_CHECKING:
    from accounts.models import User

# --- Theory attempts --------------------------------------------------------------------
# Hot paths (exam day): start, save an answer, submit. Each takes a fixed, small number
# of queries; ``candidate`` scopes the locking query itself, so the API needs no
# separate ownership read. Answers are validated against a cached answer sheet (the
# paper never changes once drawn) instead of the paper JSON.

#: The attempt columns the save path needs; the paper is read only to score.
_LOCK_FIELDS = ("id", "candidate_id", "registration_id", "deadline", "submitted_at", "auto_submitted")


def start_attempt(
    *,
    registration: Registration,
    candidate: User | None = None,
    start_code: str = "",
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start the registration's theory attempt, or return the open one (resume).

    The paper is drawn by the session's blueprint and snapshotted compactly: each
    question's version (versions never change), option order, key and points, under a
    number of this attempt only. Later edits to the bank never change this candidate's
    score. With
    ``candidate`` the registration must be theirs (Registration.DoesNotExist otherwise).
    Two concurrent starts serialise on the registration row: the second resumes.

    Who sits the exam: at a session checked in at the site the candidate must have been
    checked in by the invigilator; at a remote session ``start_code`` must be the one the
    invigilator reads out. A resumed attempt needs neither again.
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        started = _start_drawn_paper(registration.pk, candidate, now)
        if started is not None:
            return started
    closed: Attempt | None = None
    with transaction.atomic():
        registrations = Registration.objects.select_for_update(of=("self",)).select_related(
            "session__blueprint", "operation_type", "candidate", "drawn_paper"
        )
        if candidate is not None:
            registrations = registrations.filter(candidate=candidate)
        reg = registrations.get(pk=registration.pk)
        # This registration's attempt and any other open attempt of the candidate, in one read.
        attempts = list(
            Attempt.objects.select_for_update()
            .filter(Q(registration=reg) | Q(candidate_id=reg.candidate_id, submitted_at__isnull=True))
            .order_by("pk")
        )
        existing = next((a for a in attempts if a.registration_id == reg.pk), None)
        if existing is not None:
            if existing.submitted_at is None and now < existing.deadline:
                return existing
            if existing.submitted_at is None:
                _score_and_close(existing, now=now, auto=True)
            closed = existing
        else:
            other = next((a for a in attempts if a.registration_id != reg.pk), None)
            attempt = _create_attempt(reg, other=other, start_code=start_code, now=now, rng=rng or paper_rng())
    if closed is not None:
        raise AttemptClosed(_("本场考试已交卷。"), code="submitted")
    attempt.resumed = False  # drawn by this call (a resumed attempt returns above)
    return attempt


def _start_drawn_paper(registration_pk: int, candidate: User | None, now: dt.datetime) -> Attempt | None:
    """PostgreSQL, the exam-day case: start from the paper drawn ahead in one statement.

    It applies the rules of _create_attempt to the registration it locks FOR UPDATE (approved, a
    theory session open now, the blueprint's operation type and subject, checked in at the site
    or an assessment event), and it takes the drawn paper only when _usable would (same
    blueprint and pass mark, every version still active) and the candidate has no attempt for
    it and no open one. It inserts the attempt and its audit event together. Returns None,
    having written nothing, whenever any of that does not hold (a resume, a start code, a late
    registration with no drawn paper, an error to explain, a concurrent start): start_attempt
    then takes its usual path, which says what is wrong.
    """
    tables = {
        "registration": Registration._meta.db_table,
        "session": ExamSession._meta.db_table,
        "blueprint": Blueprint._meta.db_table,
        "drawn": DrawnPaper._meta.db_table,
        "attempt": Attempt._meta.db_table,
        "question": Question._meta.db_table,
        "audit": AuditEvent._meta.db_table,
    }
    owner = "AND r.candidate_id = %(candidate)s" if candidate is not None else ""
    sql = """
        WITH ready AS (
            SELECT r.id AS registration_id, r.candidate_id, d.paper, d.shown, b.time_limit_minutes
            FROM {registration} r
            JOIN {session} s ON s.id = r.session_id
            JOIN {blueprint} b ON b.id = s.blueprint_id
            JOIN {drawn} d ON d.registration_id = r.id
            WHERE r.id = %(registration)s {owner}
              AND r.status = %(approved)s AND s.kind = %(theory)s
              AND s.starts_at <= %(now)s AND %(now)s < s.ends_at
              AND b.operation_type_id = r.operation_type_id
              AND (b.subject_id IS NULL OR r.subject_id IS NULL OR b.subject_id = r.subject_id)
              AND (s.purpose = %(event)s OR (s.checkin_mode <> %(remote)s AND r.checked_in_at IS NOT NULL))
              AND d.paper -> 'blueprint_id' = to_jsonb(b.id) AND d.paper -> 'pass_mark' = to_jsonb(b.pass_mark)
              AND NOT EXISTS (
                  SELECT 1 FROM {attempt} a
                  WHERE a.registration_id = r.id OR (a.candidate_id = r.candidate_id AND a.submitted_at IS NULL)
              )
              AND NOT EXISTS (
                  SELECT 1 FROM jsonb_array_elements(d.paper -> 'questions') AS item
                  LEFT JOIN {question} v ON v.id = (item ->> 'q')::bigint AND v.is_active
                  WHERE v.id IS NULL
              )
            FOR UPDATE OF r
        ), started AS (
            INSERT INTO {attempt} (
                registration_id, candidate_id, started_at, deadline, submitted_at, auto_submitted,
                paper, score, passed, extra_minutes, closed_by_id, close_reason
            )
            SELECT registration_id, candidate_id, %(now)s, %(now)s + make_interval(mins => time_limit_minutes),
                   NULL, false, paper, NULL, NULL, 0, NULL, ''
            FROM ready
            RETURNING id, registration_id, candidate_id, deadline, paper
        ), audited AS (
            INSERT INTO {audit} (actor_id, action, object_type, object_id, data, at)
            SELECT candidate_id, %(action)s, %(object_type)s, id::text,
                   jsonb_build_object(
                       'registration', registration_id,
                       'questions', jsonb_array_length(paper -> 'questions'),
                       'deadline', to_jsonb(deadline),
                       'drawn_ahead', true
                   ),
                   %(now)s
            FROM started
        )
        SELECT started.id, started.registration_id, started.candidate_id, started.deadline,
               CASE WHEN ready.shown IS NULL THEN started.paper::text END, ready.shown
        FROM started JOIN ready ON ready.registration_id = started.registration_id
    """.format(owner=owner, **tables)  # noqa: S608 - table names come from the models, values are parameters
    params = {
        "registration": registration_pk,
        "candidate": candidate.pk if candidate is not None else None,
        "approved": Registration.Status.APPROVED,
        "theory": ExamKind.THEORY,
        "now": now,
        "event": SessionPurpose.ASSESSMENT_EVENT,
        "remote": CheckInMode.REMOTE,
        "action": "exams.attempt.started",
        "object_type": Attempt._meta.label_lower,
    }
    try:
        row = _fetch_one_statement(sql, params)
    except IntegrityError:
        return None  # a concurrent start won: the usual path resumes its attempt
    if row is None:
        return None
    pk, registration_id, candidate_id, deadline, paper_text, shown = row
    attempt = Attempt(
        pk=pk,
        registration_id=registration_id,
        candidate_id=candidate_id,
        started_at=now,
        deadline=deadline,
        # With the questions as shown, the start's answer needs no paper: it is read from
        # the database only if something asks for it (a deferred field).
        paper=DEFERRED if shown is not None else json.loads(paper_text),
    )
    attempt._state.adding = False
    attempt._state.db = connection.alias
    attempt.resumed = False
    attempt.shown_questions = shown
    return attempt


def _fetch_one_statement(sql: str, params: dict) -> tuple | None:
    """Run one statement and return its first row. On its own (autocommit) the statement is
    its own transaction, with no BEGIN and COMMIT round trips; inside a caller's transaction
    it runs under a savepoint, so that a constraint it breaks leaves that transaction usable."""
    if connection.in_atomic_block:
        with transaction.atomic(), planned_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    with planned_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


#: Wrong start codes a registration may try in START_CODE_WINDOW seconds.
START_CODE_TRIES = 5
START_CODE_WINDOW = 10 * 60


def _check_admission(reg: Registration, start_code: str) -> None:
    """The candidate was checked in at the site, or gave the remote session's start code.

    Wrong codes are counted per registration: a 6-digit code cannot be guessed in 5 tries.
    """
    session = reg.session
    if session.purpose == SessionPurpose.ASSESSMENT_EVENT:
        return  # a non-statutory assessment event admits by its own invitation, link and code
    if session.checkin_mode != CheckInMode.REMOTE:
        if reg.checked_in_at is None:
            raise AttemptNotAllowed(
                _("请先到考场签到：监考人员核验准考证或身份证后，才能开始考试。"), code="not_checked_in"
            )
        return
    tries_key = f"exams:start-code:{reg.pk}"
    if (cache.get(tries_key) or 0) >= START_CODE_TRIES:
        raise AttemptNotAllowed(_("开考码错误次数过多，请 10 分钟后再试，或联系监考老师。"), code="start_code_locked")
    given = "".join(ch for ch in (start_code or "") if ch.isalnum()).upper()
    if not session.start_code or not given or not constant_time_compare(given, session.start_code):
        if cache.add(tries_key, 1, START_CODE_WINDOW) is False:
            cache.incr(tries_key)
        raise AttemptNotAllowed(_("开考码不正确：请输入监考老师宣读的开考码。"), code="wrong_start_code")


def _create_attempt(
    reg: Registration, *, other: Attempt | None, now: dt.datetime, rng: random.Random, start_code: str = ""
) -> Attempt:
    """Call while holding SELECT FOR UPDATE on the registration and the candidate's open attempts."""
    session = reg.session
    if session.kind != ExamKind.THEORY or session.blueprint is None:
        raise AttemptNotAllowed(_("这不是理论考试场次。"), code="not_theory")
    if reg.status != Registration.Status.APPROVED:
        raise AttemptNotAllowed(_("报名尚未审核通过，不能开始考试。"), code="not_approved")
    if now < session.starts_at:
        raise AttemptNotAllowed(_("考试尚未开始。"), code="not_started")
    if now >= session.ends_at:
        raise AttemptNotAllowed(_("考试已结束。"), code="session_over")
    blueprint = session.blueprint
    if blueprint.subject_id and reg.subject_id and blueprint.subject_id != reg.subject_id:
        raise AttemptNotAllowed(_("本场次没有该考核科目的试卷。"), code="no_paper")
    if blueprint.operation_type_id != reg.operation_type_id:
        raise AttemptNotAllowed(_("本场次没有该操作项目的试卷。"), code="no_paper")
    _check_admission(reg, start_code)
    if other is not None:
        if now < other.deadline:
            raise AttemptNotAllowed(_ANOTHER_OPEN_ATTEMPT, code="another_open_attempt")
        _score_and_close(other, now=now, auto=True)

    drawn = getattr(reg, "drawn_paper", None)
    if drawn is not None and _usable(drawn.paper, blueprint):
        paper = drawn.paper
    else:
        paper = _draw_paper(blueprint, reg.operation_type_id, rng, subject_id=reg.subject_id)
    try:
        # No savepoint: on a constraint violation the whole start rolls back anyway.
        with transaction.atomic(savepoint=False):
            attempt = Attempt.objects.create(
                registration=reg,
                candidate_id=reg.candidate_id,
                started_at=now,
                deadline=now + dt.timedelta(minutes=blueprint.time_limit_minutes),
                paper=paper,
            )
    except IntegrityError as exc:
        # Only a concurrent start elsewhere gets here: the constraint
        # one_open_attempt_per_candidate is the last word on "one attempt at a time".
        raise AttemptNotAllowed(_ANOTHER_OPEN_ATTEMPT, code="another_open_attempt") from exc
    record_event(
        actor=reg.candidate,
        action="exams.attempt.started",
        obj=attempt,
        data={
            "registration": reg.pk,
            "questions": len(paper["questions"]),
            "deadline": attempt.deadline.isoformat(),
            "drawn_ahead": drawn is not None and paper is drawn.paper,
        },
    )
    return attempt


def _draw_paper(
    blueprint: Blueprint, operation_type_id: int | None, rng: random.Random, *, subject_id: int | None = None
) -> dict:
    """A compact paper by the blueprint, under numbers of its own; AttemptNotAllowed if it cannot be drawn."""
    rules = draw_rules(blueprint.rules.order_by("pk"))
    if not rules:
        raise AttemptNotAllowed(_("组卷规则没有明细，无法组卷。"), code="empty_blueprint")
    try:
        questions = draw_questions(
            bank_id=blueprint.bank_id,
            operation_type_id=operation_type_id,
            rules=rules,
            rng=rng,
            subject_id=subject_id,
        )
    except ScoringError as exc:
        raise AttemptNotAllowed(str(exc), code="paper_shortfall") from exc
    return compact_snapshot(blueprint, with_opaque_ids(questions, rng))


def _usable(paper: dict, blueprint: Blueprint) -> bool:
    """A paper drawn ahead serves if it is of the session's blueprint and every question
    is still the current version (one count query); otherwise the start draws afresh."""
    if paper.get("blueprint_id") != blueprint.pk or paper.get("pass_mark") != blueprint.pass_mark:
        return False
    versions = sorted({int(q["q"]) for q in paper["questions"]})
    return _active_count(versions) == len(versions)


def _active_count(versions: list[int]) -> int:
    """How many of these question versions are active. On PostgreSQL the ids go as one
    array parameter: an IN list of a hundred placeholders costs a start more CPU to build
    and bind than the query costs the database."""
    if connection.vendor != "postgresql":
        return Question.objects.filter(pk__in=versions, is_active=True).count()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {Question._meta.db_table} WHERE is_active AND id = ANY(%s)",  # noqa: S608 - a model's table name
            [versions],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


#: Beat draws the papers of sessions that open within this time.
DRAW_AHEAD = dt.timedelta(hours=24)


def draw_paper_ahead(
    *, registration: Registration, now: dt.datetime | None = None, rng: random.Random | None = None
) -> DrawnPaper | None:
    """Draw the paper of an approved theory registration before the exam; safe to repeat.

    Returns the drawn paper, or None when there is nothing to draw (not an approved
    theory registration, already started, or the bank cannot fill the blueprint yet: the
    start then draws, and says what is missing).
    """
    now = now or timezone.now()
    with transaction.atomic():
        reg = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("session__blueprint")
            .filter(pk=registration.pk)
            .first()
        )
        if reg is None or reg.status != Registration.Status.APPROVED:
            return None
        session = reg.session
        if session.kind != ExamKind.THEORY or session.blueprint is None or now >= session.ends_at:
            return None
        existing = DrawnPaper.objects.filter(registration=reg).first()
        if existing is not None or Attempt.objects.filter(registration=reg).exists():
            return existing
        try:
            paper = _draw_paper(session.blueprint, reg.operation_type_id, rng or paper_rng(), subject_id=reg.subject_id)
        except AttemptNotAllowed:
            return None
        return DrawnPaper.objects.create(
            registration=reg, paper=paper, shown=candidate_questions_json(paper, {}), drawn_at=now
        )


def draw_papers_ahead(*, now: dt.datetime | None = None, limit: int = 20_000, rng: random.Random | None = None) -> int:
    """Beat: draw the papers of approved registrations of theory sessions opening within
    DRAW_AHEAD (or open now) that have none; returns how many it drew.

    In bulk: per blueprint and operation type, the bank's active questions are read once
    (fresh, so every paper holds current versions only) and the papers are inserted in
    batches; a registration drawn meanwhile (on approval) keeps its first paper.
    """
    now = now or timezone.now()
    rng = rng or paper_rng()
    due = list(
        Registration.objects.filter(
            status=Registration.Status.APPROVED,
            session__kind=ExamKind.THEORY,
            session__blueprint__isnull=False,
            session__starts_at__lte=now + DRAW_AHEAD,
            session__ends_at__gt=now,
            drawn_paper__isnull=True,
            attempt__isnull=True,
        )
        .order_by("session__starts_at", "pk")
        .values_list("pk", "session__blueprint_id", "operation_type_id")[:limit]
    )
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk, blueprint_id, operation_type_id in due:
        groups[(blueprint_id, operation_type_id)].append(pk)
    drawn = 0
    for (blueprint_id, operation_type_id), registration_ids in groups.items():
        blueprint = Blueprint.objects.get(pk=blueprint_id)
        rules = draw_rules(blueprint.rules.order_by("pk"))
        if not rules or blueprint.operation_type_id != operation_type_id:
            continue
        pool = bank_pool(bank_id=blueprint.bank_id, operation_type_id=operation_type_id, fresh=True)
        papers = []
        for registration_id in registration_ids:
            try:
                questions = build_paper(pick_questions(rules, pool, rng), rng)
            except ScoringError:
                break  # the bank cannot fill the blueprint: the start will say what is missing
            paper = compact_snapshot(blueprint, with_opaque_ids(questions, rng))
            shown = candidate_questions_json(paper, {})
            papers.append(DrawnPaper(registration_id=registration_id, paper=paper, shown=shown, drawn_at=now))
        DrawnPaper.objects.bulk_create(papers, batch_size=500, ignore_conflicts=True)
        drawn += len(papers)
    return drawn


_ANOTHER_OPEN_ATTEMPT = gettext_lazy("你还有另一场考试尚未交卷，请先完成并交卷后再开始本场考试。")


def _sheet_question(attempt_pk: int, question_id: int) -> PaperQuestion:
    entry = answer_sheets.sheet_question(attempt_pk, question_id)
    if entry is None:
        raise AnswerRejected(_("第 %(question)s 题不在本答卷中。") % {"question": question_id}, code="unknown_question")
    kind, keys = entry
    return PaperQuestion(
        id=int(question_id),
        kind=kind,
        stem="",
        options=tuple(Option(key=key, text="") for key in keys),
        answer=(),
        points=Decimal(0),
    )


def _lock_attempt(attempt_pk: int, candidate: User | None, *, fields: tuple[str, ...] | None = None) -> Attempt:
    """SELECT FOR UPDATE the attempt (the candidate's own when given); DoesNotExist otherwise."""
    attempts = Attempt.objects.select_for_update()
    if fields is not None:
        attempts = attempts.only(*fields)
    if candidate is not None:
        attempts = attempts.filter(candidate=candidate)
    return attempts.get(pk=attempt_pk)


def _open_attempt_or_close(
    attempt_pk: int, now: dt.datetime, candidate: User | None = None, fields: tuple[str, ...] | None = None
) -> tuple[Attempt, bool]:
    """Lock the attempt; if its deadline has passed, submit it. Returns (attempt, writable).

    Call inside a transaction.
    """
    locked = _lock_attempt(attempt_pk, candidate, fields=fields)
    if locked.submitted_at is not None:
        return locked, False
    if now >= locked.deadline:
        _score_and_close(locked, now=now, auto=True)
        return locked, False
    return locked, True


def _closed_error(attempt: Attempt) -> AttemptClosed:
    if attempt.auto_submitted:
        return AttemptClosed(_("考试时间已到，答卷已自动交卷，不能再保存答案。"), code="deadline_passed")
    return AttemptClosed(_("答卷已交卷，不能再保存答案。"), code="submitted")


def save_answer(
    *,
    attempt: Attempt,
    question_id: int,
    answer: Iterable[str],
    candidate: User | None = None,
    now: dt.datetime | None = None,
) -> AttemptAnswer:
    """Save one answer durably: it is committed when this returns. Safe to repeat.

    An answer that reaches the server after the deadline is refused (AttemptClosed),
    and the attempt that was still open is submitted on that same request. With
    ``candidate`` the attempt must be theirs (Attempt.DoesNotExist otherwise).
    On PostgreSQL the usual case is one statement (see _upsert_if_open); anything
    else (closed, past the deadline, not found, a bad answer) takes the locking path
    below, which says exactly what is wrong.
    """
    now = now or timezone.now()
    quick = save_answer_quickly(
        attempt_id=attempt.pk,
        candidate_id=candidate.pk if candidate is not None else None,
        question_id=question_id,
        answer=answer,
        now=now,
    )
    if quick is not None:
        keys, deadline = quick
        holder = Attempt(pk=attempt.pk, deadline=deadline)
        return AttemptAnswer(attempt=holder, question_id=int(question_id), answer=list(keys), saved_at=now)
    with transaction.atomic():
        locked, writable = _open_attempt_or_close(attempt.pk, now, candidate, _LOCK_FIELDS)
        if writable:
            keys = _valid_keys(_sheet_question(locked.pk, question_id), answer)
            saved = AttemptAnswer(attempt=locked, question_id=int(question_id), answer=list(keys), saved_at=now)
            AttemptAnswer.objects.bulk_create(
                [saved],
                update_conflicts=True,
                unique_fields=["attempt", "question_id"],
                update_fields=["answer", "saved_at"],
            )
            return saved
    raise _closed_error(locked)


def save_answer_quickly(
    *, attempt_id: int, candidate_id: int | None, question_id: int, answer: Iterable[str], now: dt.datetime
) -> tuple[tuple[str, ...], dt.datetime] | None:
    """The usual save on PostgreSQL, with no model built: (the keys saved, the deadline), or
    None having written nothing (not PostgreSQL, an answer to refuse, the attempt not open
    or not the candidate's); save_answer then says what is wrong. For the exam day's most
    frequent request (exams.theory.save_tokens)."""
    if connection.vendor != "postgresql":
        return None
    try:
        keys = _valid_keys(_sheet_question(attempt_id, question_id), answer)
    except AnswerRejected:
        return None  # reported by the locking path, after the ownership check
    deadline = _upsert_if_open(attempt_id, candidate_id, int(question_id), keys, now)
    return None if deadline is None else (keys, deadline)


def _upsert_if_open(
    attempt_pk: int, candidate_id: int | None, question_id: int, keys: tuple[str, ...], now: dt.datetime
) -> dt.datetime | None:
    """PostgreSQL: upsert the answer if the attempt is open (and the candidate's), in one
    statement; returns the deadline, or None when nothing was written.

    The attempt row is locked FOR SHARE by the statement itself: a submit (FOR UPDATE)
    waits for it and then scores this answer, and a save arriving after a submit finds
    ``submitted_at`` set and writes nothing. One statement in autocommit mode is one
    transaction: committed, and so acknowledged, when it returns.
    """
    attempt_table = Attempt._meta.db_table
    answer_table = AttemptAnswer._meta.db_table
    owner = "AND candidate_id = %s" if candidate_id is not None else ""
    sql = f"""
        WITH open_attempt AS (
            SELECT id, deadline FROM {attempt_table}
            WHERE id = %s {owner} AND submitted_at IS NULL AND deadline > %s
            FOR SHARE
        ), saved AS (
            INSERT INTO {answer_table} (attempt_id, question_id, answer, saved_at)
            SELECT id, %s, %s::jsonb, %s FROM open_attempt
            ON CONFLICT (attempt_id, question_id)
            DO UPDATE SET answer = EXCLUDED.answer, saved_at = EXCLUDED.saved_at
            RETURNING attempt_id
        )
        SELECT open_attempt.deadline FROM open_attempt JOIN saved ON saved.attempt_id = open_attempt.id
    """  # noqa: S608 - table names come from the models, values are parameters
    params: list = [attempt_pk] + ([candidate_id] if candidate_id is not None else [])
    params += [now, question_id, json.dumps(list(keys)), now]
    row = _run_idempotent(sql, params)
    return row[0] if row else None


def _run_idempotent(sql: str, params: list) -> tuple | None:
    """One statement that is safe to repeat, in autocommit mode, with no health-check
    SELECT 1 before it (accounts.db)."""

    def run() -> tuple | None:
        with planned_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    return without_health_check(run)


def save_answers(
    *,
    attempt: Attempt,
    answers: Mapping[int, Iterable[str]],
    candidate: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Save a whole form of answers at once (the page without JavaScript); all or nothing.

    Questions left blank are only written when they had an answer before (to clear it).
    Returns the number of answers written.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked, writable = _open_attempt_or_close(attempt.pk, now, candidate, _LOCK_FIELDS)
        if writable:
            cleaned = {}
            for question_id, answer in answers.items():
                question = _sheet_question(locked.pk, question_id)
                cleaned[question.id] = _valid_keys(question, answer)
            existing = dict(AttemptAnswer.objects.filter(attempt_id=locked.pk).values_list("question_id", "answer"))
            rows = [
                AttemptAnswer(attempt_id=locked.pk, question_id=question_id, answer=list(keys), saved_at=now)
                for question_id, keys in cleaned.items()
                if (question_id in existing or keys) and tuple(existing.get(question_id, ())) != keys
            ]
            if rows:
                AttemptAnswer.objects.bulk_create(
                    rows,
                    update_conflicts=True,
                    unique_fields=["attempt", "question_id"],
                    update_fields=["answer", "saved_at"],
                )
            return len(rows)
    raise _closed_error(locked)


def _valid_keys(question: PaperQuestion, answer: Iterable[str]) -> tuple[str, ...]:
    if isinstance(answer, str):
        raise AnswerRejected(_('答案应为选项列表，例如 ["B"]。'), code="invalid_answer")
    try:
        return validate_answer(question, answer)
    except InvalidAnswer as exc:
        raise AnswerRejected(str(exc), code="invalid_answer") from exc


def submit_attempt(
    *, attempt: Attempt, candidate: User | None = None, now: dt.datetime | None = None, auto: bool = False
) -> Attempt:
    """Submit and score the attempt. Repeating it (or racing it) returns the same score."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        # Safe to repeat (a second run finds it submitted): no health-check SELECT 1 first.
        return without_health_check(lambda: _submit_in_three_statements(attempt.pk, candidate, now=now, auto=auto))
    with transaction.atomic():
        locked = _lock_attempt(attempt.pk, candidate)
        if candidate is not None:
            locked.candidate = candidate  # the lock query matched it: no second read for the audit
        if locked.submitted_at is None:
            _score_and_close(locked, now=now, auto=auto)
    return locked


def _submit_in_three_statements(attempt_pk: int, candidate: User | None, *, now: dt.datetime, auto: bool) -> Attempt:
    """submit_attempt on PostgreSQL, for the hand-in peak at the end of an exam: the attempt
    is locked, then read with its answers in one statement, scored here, and closed with its
    audit event in a third; then the passed hooks run, in the same transaction.

    The answers are read by a statement of their own, after the lock is held: a statement
    that waited for the lock would read them as they were when it began, without an answer
    whose save (holding the row FOR SHARE) committed while it waited.
    """
    owner = "AND candidate_id = %s" if candidate is not None else ""
    lock = f"SELECT id FROM {Attempt._meta.db_table} WHERE id = %s {owner} FOR UPDATE"  # noqa: S608 - a model's table
    read = f"""
        SELECT a.id, a.registration_id, a.candidate_id, a.started_at, a.deadline, a.submitted_at,
               a.auto_submitted, a.score, a.passed, a.extra_minutes, a.paper::text,
               (SELECT coalesce(json_object_agg(question_id, answer), '{{}}')::text
                FROM {AttemptAnswer._meta.db_table} WHERE attempt_id = a.id)
        FROM {Attempt._meta.db_table} a WHERE a.id = %s
    """  # noqa: S608 - table names come from the models, values are parameters
    close = f"""
        WITH closed AS (
            UPDATE {Attempt._meta.db_table} SET submitted_at = %s, auto_submitted = %s, score = %s, passed = %s
            WHERE id = %s RETURNING id
        )
        INSERT INTO {AuditEvent._meta.db_table} (actor_id, action, object_type, object_id, data, at)
        SELECT %s::bigint, %s, %s, id::text, %s::jsonb, %s FROM closed
    """  # noqa: S608 - table names come from the models, values are parameters
    with transaction.atomic():
        with planned_cursor() as cursor:
            cursor.execute(lock, [attempt_pk] + ([candidate.pk] if candidate is not None else []))
            if cursor.fetchone() is None:
                raise Attempt.DoesNotExist("Attempt matching query does not exist.")
            cursor.execute(read, [attempt_pk])
            row = cursor.fetchone()
        (pk, registration_id, candidate_id, started_at, deadline, submitted_at) = row[:6]
        attempt = Attempt(
            pk=pk,
            registration_id=registration_id,
            candidate_id=candidate_id,
            started_at=started_at,
            deadline=deadline,
            submitted_at=submitted_at,
            auto_submitted=row[6],
            score=row[7],
            passed=row[8],
            extra_minutes=row[9],
            paper=json.loads(row[10]),
        )
        if attempt.submitted_at is not None:
            return attempt
        answers = {int(question): answer for question, answer in json.loads(row[11]).items()}
        result = score_snapshot(attempt.paper["questions"], answers, pass_mark=attempt.paper["pass_mark"])
        attempt.submitted_at = min(now, attempt.deadline)
        attempt.auto_submitted = auto or now >= attempt.deadline
        attempt.score, attempt.passed = result.score, result.passed
        data = _submitted_data(result, len(answers), auto=attempt.auto_submitted, closed=False)
        with planned_cursor() as cursor:
            cursor.execute(
                close,
                [
                    attempt.submitted_at,
                    attempt.auto_submitted,
                    attempt.score,
                    attempt.passed,
                    pk,
                    None if attempt.auto_submitted else candidate_id,
                    "exams.attempt.submitted",
                    Attempt._meta.label_lower,
                    json.dumps(data),
                    now,
                ],
            )
        if result.passed:
            run_theory_passed_hooks(attempt)
    return attempt


#: Attempts the deadline sweep closes in one transaction.
SWEEP_CHUNK = 200


def submit_expired_attempts(
    *, now: dt.datetime | None = None, limit: int | None = None, chunk: int = SWEEP_CHUNK
) -> int:
    """Submit every open attempt whose deadline has passed; returns how many it submitted.

    Attempts are closed in batches of ``chunk``, each batch in its own transaction with
    one read of their answers, one update and one audit insert: a worker killed
    mid-sweep loses nothing, what it committed stays submitted, the rest stays open for
    the next sweep (or the candidate's next request). Rows locked by a request in flight
    are skipped (SKIP LOCKED) and taken by the next sweep, as are attempts the candidate
    submitted meanwhile.
    """
    now = now or timezone.now()
    submitted = 0
    while limit is None or submitted < limit:
        size = chunk if limit is None else min(chunk, limit - submitted)
        with transaction.atomic():
            locked = list(
                Attempt.objects.select_for_update(skip_locked=True)
                .filter(submitted_at__isnull=True, deadline__lte=now)
                .order_by("deadline", "pk")[:size]
            )
            if not locked:
                break
            _score_and_close_expired(locked, now=now)
        submitted += len(locked)
    return submitted


def _score_and_close_expired(attempts: list[Attempt], *, now: dt.datetime) -> None:
    """Score and submit attempts whose deadline passed, at their deadline. Call while
    holding SELECT FOR UPDATE on them."""
    answers: dict[int, dict[int, list[str]]] = {attempt.pk: {} for attempt in attempts}
    for attempt_id, question_id, answer in AttemptAnswer.objects.filter(attempt_id__in=list(answers)).values_list(
        "attempt_id", "question_id", "answer"
    ):
        answers[attempt_id][question_id] = answer
    events = []
    for attempt in attempts:
        result = score_snapshot(attempt.paper["questions"], answers[attempt.pk], pass_mark=attempt.paper["pass_mark"])
        attempt.submitted_at = min(now, attempt.deadline)
        attempt.auto_submitted = True
        attempt.score = result.score
        attempt.passed = result.passed
        events.append((None, attempt, _submitted_data(result, len(answers[attempt.pk]), auto=True, closed=False)))
    Attempt.objects.bulk_update(attempts, ["submitted_at", "auto_submitted", "score", "passed"])
    record_events(action="exams.attempt.submitted", events=events)
    for attempt in attempts:
        if attempt.passed:
            run_theory_passed_hooks(attempt)  # 即考即领 also for a paper the deadline closed


def _submitted_data(result: TheoryScore, answered: int, *, auto: bool, closed: bool) -> dict:
    return {
        "score": str(result.score),
        "passed": result.passed,
        "correct": result.correct,
        "questions": result.questions,
        "answered": answered,
        "auto": auto,
        "closed_by_invigilator": closed,
    }


def _score_and_close(
    attempt: Attempt, *, now: dt.datetime, auto: bool, closed_by: User | None = None, reason: str = ""
) -> None:
    """Score and submit. Call while holding SELECT FOR UPDATE on the attempt.

    An attempt submitted at or after its deadline counts as submitted at the deadline,
    automatically: nothing given after the deadline was accepted.
    """
    answers = dict(AttemptAnswer.objects.filter(attempt_id=attempt.pk).values_list("question_id", "answer"))
    result = score_snapshot(attempt.paper["questions"], answers, pass_mark=attempt.paper["pass_mark"])
    late = now >= attempt.deadline
    attempt.submitted_at = min(now, attempt.deadline)
    attempt.auto_submitted = (auto or late) and closed_by is None
    attempt.score = result.score
    attempt.passed = result.passed
    fields = ["submitted_at", "auto_submitted", "score", "passed"]
    if closed_by is not None:
        attempt.closed_by = closed_by
        attempt.close_reason = reason
        fields += ["closed_by", "close_reason"]
    attempt.save(update_fields=fields)
    if closed_by is not None:
        actor = closed_by
    elif attempt.auto_submitted:
        actor = None
    else:
        actor = attempt.candidate
    record_event(
        actor=actor,
        action="exams.attempt.submitted",
        obj=attempt,
        data=_submitted_data(result, len(answers), auto=attempt.auto_submitted, closed=closed_by is not None),
    )
    if result.passed:
        run_theory_passed_hooks(attempt)


def run_theory_passed_hooks(attempt: Attempt) -> None:
    """Run every KAOZHENG_ON_THEORY_PASSED hook in the transaction that scored the pass.

    A kind examined by theory alone (principal leaders and safety managers) qualifies
    here, and a review session's exam is handed to the review; the hook (certificates)
    decides, so exams never imports what is built on it.
    """
    for path in getattr(settings, "KAOZHENG_ON_THEORY_PASSED", []):
        import_string(path)(attempt=attempt)


# --- Invigilation ---------------------------------------------------------------------

#: The most an invigilator gives in one go; more needs another, separately audited grant.
MAX_EXTRA_MINUTES = 60


def _invigilated_attempt(attempt: Attempt, invigilator: User) -> Attempt:
    """Lock the attempt after checking the invigilator may act on its session."""
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    session = ExamSession.objects.select_related("site", "authority").get(registrations__attempt=locked)
    if not can_invigilate(invigilator, session):
        raise PermissionDenied(_("只有本场次考点的考评员或发证机关的监管人员可以监考。"))
    return locked


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvigilationError(_("请填写原因。"), code="reason_required")
    return reason[:500]


def extend_attempt(
    *, attempt: Attempt, invigilator: User, minutes: int, reason: str, now: dt.datetime | None = None
) -> Attempt:
    """Give one candidate extra time (e.g. a computer failed), with a reason, audited.

    Only an open attempt whose deadline has not passed can be extended: one that ran
    out is submitted as usual (its time is over, and it may already have been scored).
    """
    now = now or timezone.now()
    reason = _clean_reason(reason)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise InvigilationError(
            _("延长时间应为 1 到 %(max)s 分钟。") % {"max": MAX_EXTRA_MINUTES}, code="invalid_minutes"
        )
    with transaction.atomic():
        locked = _invigilated_attempt(attempt, invigilator)
        if locked.submitted_at is None and now >= locked.deadline:
            _score_and_close(locked, now=now, auto=True)
        if locked.submitted_at is not None:
            closed = True
        else:
            closed = False
            old_deadline = locked.deadline
            locked.deadline = old_deadline + dt.timedelta(minutes=minutes)
            locked.extra_minutes += minutes
            locked.save(update_fields=["deadline", "extra_minutes"])
            record_event(
                actor=invigilator,
                action="exams.attempt.extended",
                obj=locked,
                data={
                    "minutes": minutes,
                    "reason": reason,
                    "old_deadline": old_deadline.isoformat(),
                    "deadline": locked.deadline.isoformat(),
                },
            )
    if closed:
        raise AttemptClosed(_("答卷已交卷，不能延长时间。"), code="submitted")
    return locked


def close_attempt(*, attempt: Attempt, invigilator: User, reason: str, now: dt.datetime | None = None) -> Attempt:
    """Close (收卷) one candidate's attempt now, scoring what was saved; reason audited.

    Closing an attempt already submitted returns it unchanged.
    """
    now = now or timezone.now()
    reason = _clean_reason(reason)
    with transaction.atomic():
        locked = _invigilated_attempt(attempt, invigilator)
        if locked.submitted_at is None:
            _score_and_close(locked, now=now, auto=False, closed_by=invigilator, reason=reason)
    return locked
