"""Benchmark: exam day. N candidates arrive, start a theory exam, save answers, hand in.

Run (small, to validate):   .venv/bin/python bench/exam_day.py --candidates 200
Run (full size, quiet box): .venv/bin/python bench/exam_day.py --candidates 10000

What it does, on one machine (PostgreSQL, Redis, the app server and this load generator share it):
1. (Re)creates the PostgreSQL database ``kz_exam_bench``, migrates it and seeds one
   theory session: a 510-question bank, a 100-point blueprint (60 true/false, 30 single,
   10 multiple choice), N approved candidates checked in at the site, logged in.
2. Starts the app under granian as config/server.py runs it (``--server gunicorn`` and
   ``--worker-class`` to compare; ``--workers``, ``--threads``; DEBUG off) on PostgreSQL +
   Redis (cache and sessions in Redis DB 3 by default).
3. Simulates an exam day with one asyncio/aiohttp client:
   - arrivals: each candidate starts at a uniformly random moment of the first 60 s;
   - paced saves: each saves one answer every ``--interval`` s (30 s, with jitter),
     ``--answers`` times, through the attempt token as the exam page does;
   - saturation: ``--saturate`` s of answer saves, then of a bare Django JSON view (the
     same server and middleware): their throughput ratio;
   - hand-in: ``--submitting`` of the candidates submit at random moments of the last
     20 minutes of the exam, compressed by ``--time-factor``; the others never do and
     are closed by the deadline sweep (run here, in batches, as Celery beat would);
   - storm: a second session's attempts for every candidate (copied, with their
     answers), all submitted at the same instant: how long until all are scored.
4. Prints latencies (p50/p95), errors, starts within 60 s, throughputs and ratio, the CPU
   time per request type measured in the server, the server's resident memory and the
   database size, and the load average (the machine is shared: say so with the figures).

Goals (issue 12): 0 errors; all started within 60 s; start p95 <= 1 s; save p95 <= 100 ms;
submit p95 <= 500 ms; save/bare throughput >= 0.5; storm: all scored within 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--answers", type=int, default=4, help="answers saved per candidate in the paced phase")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between a candidate's saves")
    parser.add_argument("--compress", type=float, default=1.0, help="divide the interval by this")
    parser.add_argument("--arrival", type=float, default=60.0, help="seconds over which candidates start")
    parser.add_argument("--time-factor", type=float, default=10.0, help="compress the 20-minute hand-in by this")
    parser.add_argument("--submitting", type=float, default=0.9, help="share of candidates who hand in themselves")
    parser.add_argument("--saturate", type=float, default=10.0, help="seconds of each throughput phase")
    parser.add_argument("--connections", type=int, default=64, help="client connections to the server")
    parser.add_argument(
        "--server",
        choices=("granian", "gunicorn"),
        default="granian",
        help="granian as config/server.py runs it, or gunicorn",
    )
    parser.add_argument("--worker-class", default="gthread", help="gunicorn's worker class")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (one per core)")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--no-storm", action="store_true", help="skip the storm phase")
    parser.add_argument("--no-draw-ahead", action="store_true", help="draw papers at start, not before")
    parser.add_argument("--port", type=int, default=8201)
    parser.add_argument("--database", default="kz_exam_bench")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/3"))
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database (same --candidates)")
    return parser.parse_args()


ARGS = parse_args()
DATABASE_URL = f"{ARGS.pg}/{ARGS.database}"
SERVER_ENV = os.environ | {
    "DJANGO_SETTINGS_MODULE": "bench.exam_day_settings",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": ARGS.redis,
    "CELERY_BROKER_URL": "",
    "DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "FIELD_ENCRYPTION_KEY": "Y2FuZGlkYXRlcy1vbi1leGFtLWRheS1iZW5jaC0wMDA=",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SIGNING_KEY": "",
    "CONN_MAX_AGE": "600",
    "LOG_LEVEL": "WARNING",
    # TLS ends at the load balancer in production; here the app is reached over plain HTTP
    # on loopback, so it must not redirect to HTTPS.
    "SECURE_SSL_REDIRECT": "false",
}
os.environ.update(SERVER_ENV)

import django

django.setup()

import aiohttp
import psycopg
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from config import server as config_server

# --- database -----------------------------------------------------------------------------


def recreate_database() -> None:
    connection.close()
    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ARGS.database}"')
    call_command("migrate", verbosity=0)


@dataclass
class Seeded:
    session_id: int
    #: (registration id, session key) per candidate
    candidates: list[tuple[int, str]]


def seed(n: int) -> Seeded:
    import datetime as dt
    from decimal import Decimal

    from accounts.models import Organisation, User
    from exams.admission.models import ExamKind, ExamSession, Registration
    from exams.bank.models import Question, QuestionBank, QuestionKind
    from exams.catalogue.models import OperationCategory, OperationType
    from exams.papers.models import Blueprint, BlueprintRule

    category = OperationCategory.objects.create(code="01", name="电工作业")
    operation_type = OperationType.objects.create(code="0102", name="低压电工作业", category=category)
    authority = Organisation.objects.create(kind=Organisation.Kind.AUTHORITY, name="应急管理局", code="bench-aj")
    site = Organisation.objects.create(kind=Organisation.Kind.EXAM_SITE, name="考点", code="bench-site")
    bank = QuestionBank.objects.create(slug="bench", name="低压电工题库", level=QuestionBank.Level.PROVINCIAL)
    rows = []
    for i in range(300):
        rows.append(Question(bank=bank, kind=QuestionKind.TRUE_FALSE, stem=f"判断题{i}：" + "安全" * 20, answer=["T"]))
    for kind, count, key in ((QuestionKind.SINGLE, 150, ["B"]), (QuestionKind.MULTIPLE, 60, ["A", "C"])):
        for i in range(count):
            options = [{"key": k, "text": f"选项{k}：" + "说明" * 8} for k in "ABCD"]
            rows.append(Question(bank=bank, kind=kind, stem=f"{kind}{i}：" + "规程" * 20, options=options, answer=key))
    questions = Question.objects.bulk_create(rows)
    Question.operation_types.through.objects.bulk_create(
        [Question.operation_types.through(question_id=q.pk, operationtype_id=operation_type.pk) for q in questions]
    )
    blueprint = Blueprint.objects.create(name="低压电工理论考试", bank=bank, operation_type=operation_type)
    for kind, count in ((QuestionKind.TRUE_FALSE, 60), (QuestionKind.SINGLE, 30), (QuestionKind.MULTIPLE, 10)):
        BlueprintRule.objects.create(blueprint=blueprint, kind=kind, count=count, points=Decimal(1))
    now = timezone.now()
    session = ExamSession.objects.create(
        kind=ExamKind.THEORY,
        name="压测场次",
        authority=authority,
        site=site,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        capacity=n,
        blueprint=blueprint,
    )
    session.operation_types.add(operation_type)
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"cand{i:05d}", real_name=f"考生{i}", password=password) for i in range(n)], batch_size=2000
    )
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                session=session,
                candidate=user,
                operation_type=operation_type,
                status=Registration.Status.APPROVED,
                checked_in_at=now,
            )
            for user in users
        ],
        batch_size=2000,
    )
    store = SessionStore()
    sessions = []
    expire = now + dt.timedelta(days=1)
    for user in users:
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": "accounts.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=secrets.token_hex(16), session_data=store.encode(data), expire_date=expire))
    Session.objects.bulk_create(sessions, batch_size=2000)
    if not ARGS.no_draw_ahead:
        from exams.theory.services import draw_papers_ahead

        drawing = time.perf_counter()
        drawn = draw_papers_ahead(limit=n)
        print(f"papers drawn ahead: {drawn} in {time.perf_counter() - drawing:.1f} s", flush=True)
    return Seeded(
        session_id=session.pk,
        candidates=[(reg.pk, s.session_key) for reg, s in zip(registrations, sessions, strict=True)],
    )


def load_seeded() -> Seeded:
    from exams.admission.models import ExamSession, Registration
    from exams.theory.models import Attempt, AttemptAnswer

    session = ExamSession.objects.get(name="压测场次")
    AttemptAnswer.objects.all().delete()
    from accounts.models import AuditEvent

    AuditEvent.objects.filter(object_type="exams.attempt").delete()
    Attempt.objects.all().delete()
    registrations = list(Registration.objects.filter(session=session).order_by("pk").values_list("pk", "candidate_id"))
    store = SessionStore()
    keys: dict[int, str] = {}
    for row in Session.objects.all().iterator():
        uid = store.decode(row.session_data).get("_auth_user_id")
        if uid:
            keys[int(uid)] = row.session_key
    return Seeded(session_id=session.pk, candidates=[(reg, keys[uid]) for reg, uid in registrations])


# --- server -------------------------------------------------------------------------------


def server_command() -> list[str]:
    if ARGS.server == "granian":
        return config_server.command("127.0.0.1", ARGS.port, workers=ARGS.workers, threads=ARGS.threads)
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{ARGS.port}",
        "--worker-class",
        ARGS.worker_class,
        "--workers",
        str(ARGS.workers),
        "--threads",
        str(ARGS.threads),
        "--backlog",
        "4096",
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]


def start_server() -> subprocess.Popen:
    process = subprocess.Popen(
        server_command(),
        cwd=ROOT,
        env=SERVER_ENV,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", ARGS.port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit(f"{ARGS.server} did not start")


# --- load ---------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: dict[str, list[str]] = field(default_factory=dict)

    def ok(self, name: str, seconds: float) -> None:
        self.latencies.setdefault(name, []).append(seconds)

    def error(self, name: str, what: str) -> None:
        self.errors[name] = self.errors.get(name, 0) + 1
        samples = self.samples.setdefault(name, [])
        if len(samples) < 3:
            samples.append(what)


STATS = Stats()
BASE = f"http://127.0.0.1:{ARGS.port}"


def headers(session_key: str, csrf: str) -> dict[str, str]:
    return {
        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Content-Type": "application/json",
    }


async def call(http: aiohttp.ClientSession, name: str, method: str, path: str, hdrs: dict, json=None):
    started = time.perf_counter()
    try:
        async with http.request(method, BASE + path, headers=hdrs, json=json, allow_redirects=False) as response:
            body = await response.json(content_type=None)
            elapsed = time.perf_counter() - started
            if response.status == 200:
                STATS.ok(name, elapsed)
                return body
            STATS.error(name, f"{response.status} {str(body)[:120]}")
    except (TimeoutError, aiohttp.ClientError) as exc:
        STATS.error(name, f"{type(exc).__name__}: {exc}")
    return None


@dataclass
class Candidate:
    registration_id: int
    hdrs: dict
    attempt: dict | None = None
    started_at: float | None = None

    def token_headers(self) -> dict:
        """What the exam page sends with a save or the hand-in: the attempt's token only."""
        return {"X-Attempt-Token": self.attempt["token"], "Content-Type": "application/json"}


async def run_start(http, candidate: Candidate, t0: float, delay: float) -> None:
    await asyncio.sleep(delay)
    body = await call(
        http, "start", "POST", f"/api/v1/registrations/{candidate.registration_id}/attempts", candidate.hdrs
    )
    if body is not None:
        candidate.attempt = {
            "id": body["id"],
            "token": body["save_token"],
            "questions": [(q["id"], q["kind"], q["options"]) for q in body["questions"]],
        }
        candidate.started_at = time.perf_counter() - t0


def pick_answer(rng: random.Random, kind: str, options: list[dict]) -> list[str]:
    keys = [option["key"] for option in options]
    if kind == "multiple":
        return sorted(rng.sample(keys, 2))
    return [rng.choice(keys)]


def save_call(http, name: str, candidate: Candidate, rng: random.Random, index: int | None = None):
    questions = candidate.attempt["questions"]
    qid, kind, options = questions[index % len(questions)] if index is not None else rng.choice(questions)
    return call(
        http,
        name,
        "PUT",
        f"/api/v1/attempts/{candidate.attempt['id']}/answers/{qid}",
        candidate.token_headers(),
        {"answer": pick_answer(rng, kind, options)},
    )


async def paced_answers(http, candidate: Candidate, rng: random.Random, interval: float) -> None:
    if candidate.attempt is None:
        return
    await asyncio.sleep(rng.uniform(0, interval))
    for index in range(ARGS.answers):
        await save_call(http, "save", candidate, rng, index)
        if index < ARGS.answers - 1:
            await asyncio.sleep(interval * rng.uniform(0.8, 1.2))


async def hand_in(http, candidate: Candidate, name: str, delay: float) -> None:
    await asyncio.sleep(delay)
    await call(http, name, "POST", f"/api/v1/attempts/{candidate.attempt['id']}/submit", candidate.token_headers())


async def saturate(http, name: str, request_for, seconds: float, concurrency: int) -> float:
    """Closed loop of ``concurrency`` clients for ``seconds``: successful requests per second."""
    stop_at = time.perf_counter() + seconds
    done = 0

    async def loop(worker: int) -> None:
        nonlocal done
        rng = random.Random(worker)
        while time.perf_counter() < stop_at:
            if await request_for(rng) is not None:
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(concurrency)))
    return done / (time.perf_counter() - started)


def pct(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000 if ordered else float("nan")


# --- measured on the server ---------------------------------------------------------------

REDIS = None


def cpu_totals() -> dict[str, float]:
    """The CPU seconds and request counts per type, as the server has flushed them."""
    import redis

    global REDIS
    REDIS = REDIS or redis.Redis.from_url(ARGS.redis)
    time.sleep(1.5)  # the server flushes once a second
    return {key.decode(): float(value) for key, value in REDIS.hgetall("bench:cpu").items()}


def server_rss(server: subprocess.Popen) -> tuple[float, int]:
    """(MiB resident in the server's processes, number of processes)."""
    total, count = 0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != server.pid:
                continue
            status = (entry / "status").read_text()
        except (OSError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
                count += 1
    return total / 1024, count


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) used so far by the server's processes: all the
    server's work, its HTTP parsing and worker switching included."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != server.pid:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ProcessLookupError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def database_sizes() -> tuple[float, float]:
    """(MiB of the whole database, MiB of attempts + answers with their indexes)."""
    with psycopg.connect(DATABASE_URL) as conn:
        whole = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        exams = conn.execute(
            "SELECT pg_total_relation_size('exams_attempt') + pg_total_relation_size('exams_attemptanswer')"
        ).fetchone()[0]
    return whole / 2**20, exams / 2**20


# --- the sweep and the storm (in-process, on the same database) ------------------------------


def run_sweep(expire_ids: list[int]) -> tuple[int, float]:
    """Let the deadline pass for the attempts never handed in, then sweep as beat would."""
    import datetime as dt

    from exams.theory.models import Attempt
    from exams.theory.services import submit_expired_attempts

    past = timezone.now() - dt.timedelta(seconds=1)
    Attempt.objects.filter(pk__in=expire_ids, submitted_at__isnull=True).update(deadline=past)
    started = time.perf_counter()
    swept = 0
    while True:
        done = submit_expired_attempts(limit=1000)
        swept += done
        if not done:
            break
    connection.close()
    return swept, time.perf_counter() - started


def storm_setup(seeded: Seeded) -> None:
    """A second session for everyone, its attempts open and answered (copied from the first)."""
    import datetime as dt

    from exams.admission.models import ExamSession, Registration
    from exams.theory.models import Attempt

    first = ExamSession.objects.get(pk=seeded.session_id)
    now = timezone.now()
    storm = ExamSession.objects.create(
        kind=first.kind,
        name="压测场次（交卷高峰）",
        authority_id=first.authority_id,
        site_id=first.site_id,
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(hours=3),
        capacity=first.capacity,
        blueprint_id=first.blueprint_id,
    )
    storm.operation_types.set(first.operation_types.all())
    old = list(Attempt.objects.filter(registration__session=first).values("pk", "candidate_id", "paper"))
    registrations = Registration.objects.bulk_create(
        [
            Registration(
                session=storm,
                candidate_id=row["candidate_id"],
                operation_type_id=first.blueprint.operation_type_id,
                status=Registration.Status.APPROVED,
                checked_in_at=now,
            )
            for row in old
        ],
        batch_size=2000,
    )
    new = Attempt.objects.bulk_create(
        [
            Attempt(
                registration=reg,
                candidate_id=row["candidate_id"],
                started_at=now,
                deadline=now + dt.timedelta(hours=2),
                paper=row["paper"],
            )
            for reg, row in zip(registrations, old, strict=True)
        ],
        batch_size=2000,
    )
    pairs = [(row["pk"], attempt.pk) for row, attempt in zip(old, new, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE storm_map (old_id bigint, new_id bigint)")
        cursor.executemany("INSERT INTO storm_map VALUES (%s, %s)", pairs)
        cursor.execute(
            "INSERT INTO exams_attemptanswer (attempt_id, question_id, answer, saved_at) "
            "SELECT m.new_id, a.question_id, a.answer, a.saved_at FROM exams_attemptanswer a "
            "JOIN storm_map m ON m.old_id = a.attempt_id"
        )
    connection.close()
    return [attempt.pk for attempt in new]


# --- the day --------------------------------------------------------------------------------


async def simulate(seeded: Seeded, server: subprocess.Popen) -> dict:
    connector = aiohttp.TCPConnector(limit=ARGS.connections, ttl_dns_cache=None)
    # No total limit: with N >> connections a request first waits for a free connection
    # (counted in its latency, as a candidate would wait); the server must answer in 120 s.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60, sock_read=120)
    candidates = [
        Candidate(registration_id=reg, hdrs=headers(key, secrets.token_hex(16))) for reg, key in seeded.candidates
    ]
    result: dict = {}
    cpu: dict[str, dict[str, float]] = {}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        # warm-up: a few bare requests so that every worker has imported everything
        for _ in range(ARGS.workers * ARGS.threads):
            await call(http, "warmup", "GET", "/bench/bare", {})
        STATS.latencies.pop("warmup", None)
        rng = random.Random(7)

        print(f"start: {len(candidates)} candidates arriving over {ARGS.arrival:.0f} s …", flush=True)
        before = cpu_totals()
        t0 = time.perf_counter()
        await asyncio.gather(*(run_start(http, c, t0, rng.uniform(0, ARGS.arrival)) for c in candidates))
        result["start_wall"] = time.perf_counter() - t0
        started = [c for c in candidates if c.attempt is not None]
        result["started"] = len(started)
        result["within_60"] = sum(1 for c in started if c.started_at <= 60)

        interval = ARGS.interval / ARGS.compress
        print(f"answers: {ARGS.answers} per candidate every {interval:.1f} s …", flush=True)
        t1 = time.perf_counter()
        await asyncio.gather(*(paced_answers(http, c, random.Random(i), interval) for i, c in enumerate(started)))
        result["paced_wall"] = time.perf_counter() - t1
        result["rss"] = server_rss(server)
        after = cpu_totals()
        cpu["paced"] = {k: after.get(k, 0) - before.get(k, 0) for k in after}

        print(f"throughput: {ARGS.saturate:.0f} s of saves, {ARGS.saturate:.0f} s of the bare view …", flush=True)
        before = after
        process_cpu = server_cpu(server)
        result["save_rps"] = await saturate(
            http,
            "save_max",
            lambda r: save_call(http, "save_max", r.choice(started), r),
            ARGS.saturate,
            ARGS.connections,
        )
        result["save_process_cpu"] = (server_cpu(server) - process_cpu) / max(
            1, len(STATS.latencies.get("save_max", []))
        )
        process_cpu = server_cpu(server)
        result["bare_rps"] = await saturate(
            http, "bare", lambda r: call(http, "bare", "GET", "/bench/bare", {}), ARGS.saturate, ARGS.connections
        )
        result["bare_process_cpu"] = (server_cpu(server) - process_cpu) / max(1, len(STATS.latencies.get("bare", [])))
        after = cpu_totals()
        cpu["saturated"] = {k: after.get(k, 0) - before.get(k, 0) for k in after}

        window = 20 * 60 / ARGS.time_factor
        handing_in: list[Candidate] = []
        staying: list[Candidate] = []
        for c in started:
            (handing_in if rng.random() < ARGS.submitting else staying).append(c)
        print(f"hand-in: {len(handing_in)} over {window:.0f} s, {len(staying)} left to the sweep …", flush=True)
        before = cpu_totals()
        t2 = time.perf_counter()
        await asyncio.gather(*(hand_in(http, c, "submit", rng.uniform(0, window)) for c in handing_in))
        result["submit_wall"] = time.perf_counter() - t2
        after = cpu_totals()
        cpu["submit"] = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        result["swept"], result["sweep_wall"] = await asyncio.to_thread(run_sweep, [c.attempt["id"] for c in staying])

        if not ARGS.no_storm:
            print("storm: a second session, every candidate hands in at the same instant …", flush=True)
            storm_ids = await asyncio.to_thread(storm_setup, seeded)
            from exams.theory.models import Attempt
            from exams.theory.save_tokens import save_token

            tokens = {
                pk: save_token(Attempt(pk=pk, candidate_id=cid))
                for pk, cid in await asyncio.to_thread(
                    lambda: list(Attempt.objects.filter(pk__in=storm_ids).values_list("pk", "candidate_id"))
                )
            }
            storm = [
                Candidate(registration_id=0, hdrs={}, attempt={"id": pk, "token": token, "questions": []})
                for pk, token in tokens.items()
            ]
            t3 = time.perf_counter()
            await asyncio.gather(*(hand_in(http, c, "storm", 0) for c in storm))
            result["storm_wall"] = time.perf_counter() - t3
            result["storm_n"] = len(storm)
    result["cpu"] = cpu
    result["db"] = await asyncio.to_thread(database_sizes)
    return result


def main() -> None:
    n = ARGS.candidates
    kind = ARGS.worker_class if ARGS.server == "gunicorn" else "WSGI"
    print(f"exam day: {n} candidates, {ARGS.server} {ARGS.workers}×{ARGS.threads} {kind}, db {ARGS.database}")
    print(
        "load average before: {:.2f} {:.2f} {:.2f} (2 cores; other work on the machine skews the figures)".format(
            *os.getloadavg()
        )
    )
    started = time.perf_counter()
    if ARGS.reuse:
        seeded = load_seeded()
    else:
        recreate_database()
        seeded = seed(n)
    cache.clear()
    connection.close()
    print(f"database ready in {time.perf_counter() - started:.1f} s")
    server = start_server()
    try:
        result = asyncio.run(simulate(seeded, server))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    latencies = STATS.latencies
    errors = sum(STATS.errors.values())
    saves = latencies.get("save", [])

    def p50_p95(values: list[float]) -> str:
        return f"{pct(values, 0.5):.0f} / {pct(values, 0.95):.0f} ms"

    def cpu_ms(phase: str, kind: str) -> str:
        totals = result["cpu"].get(phase, {})
        count = totals.get(f"{kind}:n", 0)
        return f"{1000 * totals.get(f'{kind}:cpu', 0) / count:.1f} ms" if count else "–"

    ratio = result["save_rps"] / result["bare_rps"] if result["bare_rps"] else float("nan")
    rss, processes = result["rss"]
    whole_db, exam_tables = result["db"]
    rows = [
        (
            "candidates started",
            f"{result['started']} / {n} (arrivals over {ARGS.arrival:.0f} s, all in {result['start_wall']:.1f} s)",
        ),
        ("started within 60 s", f"{result['within_60']}"),
        (
            "start p50 / p95 / max",
            f"{p50_p95(latencies.get('start', []))} / {1000 * max(latencies.get('start', [0])):.0f} ms",
        ),
        ("save p50 / p95", f"{p50_p95(saves)} ({len(saves)} paced saves in {result['paced_wall']:.0f} s)"),
        ("submit p50 / p95", f"{p50_p95(latencies.get('submit', []))} (hand-in over {result['submit_wall']:.0f} s)"),
        ("deadline sweep", f"{result['swept']} attempts in {result['sweep_wall']:.1f} s"),
        (
            "save throughput",
            f"{result['save_rps']:.0f} req/s saturated, p95 {pct(latencies.get('save_max', []), 0.95):.0f} ms",
        ),
        (
            "bare JSON view",
            f"{result['bare_rps']:.0f} req/s saturated, p95 {pct(latencies.get('bare', []), 0.95):.0f} ms",
        ),
        ("save / bare ratio", f"{ratio:.2f}"),
        (
            "server CPU / request",
            f"start {cpu_ms('paced', 'start')}, save {cpu_ms('paced', 'save')}, submit {cpu_ms('submit', 'submit')}",
        ),
        (
            "  when saturated",
            f"save {cpu_ms('saturated', 'save')}, bare view {cpu_ms('saturated', 'bare')} in Django; "
            f"whole server {1000 * result['save_process_cpu']:.1f} / {1000 * result['bare_process_cpu']:.1f} ms",
        ),
        ("server memory", f"{rss:.0f} MiB resident in {processes} {ARGS.server} processes"),
        ("database size", f"{whole_db:.0f} MiB (attempts and answers {exam_tables:.1f} MiB)"),
    ]
    if "storm_wall" in result:
        rows.append(
            (
                "storm",
                f"{result['storm_n']} handed in at once: all scored in {result['storm_wall']:.1f} s, "
                f"p95 {pct(latencies.get('storm', []), 0.95):.0f} ms",
            )
        )
    rows.append(("errors", f"{errors}"))
    print()
    for label, value in rows:
        print(f"{label:<22}{value}")
    for name, count in STATS.errors.items():
        print(f"  {name}: {count}, e.g. {STATS.samples[name]}")
    print(f"(load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())})")


if __name__ == "__main__":
    main()
