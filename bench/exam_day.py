"""Benchmark: exam day. N candidates start a theory exam at once, save answers, submit.

Run (small, to validate):   .venv/bin/python bench/exam_day.py --candidates 200
Run (full size, quiet box): .venv/bin/python bench/exam_day.py --candidates 10000 --answers 4

What it does, on one machine:
1. (Re)creates the PostgreSQL database ``kz_exam_bench``, migrates it and seeds one
   theory session: a 510-question bank, a 100-point blueprint (60 true/false, 30 single,
   10 multiple choice), N approved candidates with logged-in sessions.
2. Starts the app under gunicorn (gthread workers, DEBUG off) on PostgreSQL + Redis
   (cache and sessions in Redis DB 3 by default).
3. Simulates the candidates with one asyncio/aiohttp client:
   - a synchronized start: every candidate POSTs /registrations/{id}/attempts at T0;
   - one answer saved per candidate every ``--interval`` seconds (30 s, divided by
     ``--compress`` to shorten a run), ``--answers`` times, starting at random offsets;
   - a saturation phase of answer saves and of a bare Django JSON view (the same
     server and middleware), each for ``--saturate`` seconds: their throughput ratio;
   - the final submit of every candidate at once.
4. Prints start / save / submit p50 and p95, errors, how many candidates had started
   within 60 s of T0, the throughputs and their ratio, and stops the server.

Goals (issue 3): 10,000 started within 60 s, 0 errors, save p95 <= 100 ms, start p95
<= 1 s, submit p95 <= 500 ms, save/bare throughput >= 0.15.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import signal
import socket
import statistics
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
    parser.add_argument("--saturate", type=float, default=10.0, help="seconds of each throughput phase")
    parser.add_argument("--connections", type=int, default=64, help="client connections to the server")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
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
                session=session, candidate=user, operation_type=operation_type, status=Registration.Status.APPROVED
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
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=secrets.token_hex(16), session_data=store.encode(data), expire_date=expire))
    Session.objects.bulk_create(sessions, batch_size=2000)
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


def start_server() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{ARGS.port}",
            "--worker-class",
            "gthread",
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
        ],
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
    raise SystemExit("gunicorn did not start")


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
        async with http.request(method, BASE + path, headers=hdrs, json=json) as response:
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


async def run_start(http, candidate: Candidate, t0: float) -> None:
    body = await call(
        http, "start", "POST", f"/api/v1/registrations/{candidate.registration_id}/attempts", candidate.hdrs
    )
    if body is not None:
        candidate.attempt = {
            "id": body["id"],
            "questions": [(q["id"], q["kind"], q["options"]) for q in body["questions"]],
        }
        candidate.started_at = time.perf_counter() - t0


def pick_answer(rng: random.Random, kind: str, options: list[dict]) -> list[str]:
    keys = [option["key"] for option in options]
    if kind == "multiple":
        return sorted(rng.sample(keys, 2))
    return [rng.choice(keys)]


async def paced_answers(http, candidate: Candidate, rng: random.Random, interval: float) -> None:
    if candidate.attempt is None:
        return
    await asyncio.sleep(rng.uniform(0, interval))
    questions = candidate.attempt["questions"]
    for index in range(ARGS.answers):
        qid, kind, options = questions[index % len(questions)]
        await call(
            http,
            "save",
            "PUT",
            f"/api/v1/attempts/{candidate.attempt['id']}/answers/{qid}",
            candidate.hdrs,
            {"answer": pick_answer(rng, kind, options)},
        )
        if index < ARGS.answers - 1:
            await asyncio.sleep(interval)


async def saturate(http, name: str, request_for, seconds: float, concurrency: int) -> float:
    """Closed loop of ``concurrency`` clients for ``seconds``: successful requests per second."""
    stop_at = time.perf_counter() + seconds
    done = 0

    async def loop(worker: int) -> None:
        nonlocal done
        rng = random.Random(worker)
        while time.perf_counter() < stop_at:
            method, path, hdrs, body = request_for(rng)
            if await call(http, name, method, path, hdrs, body) is not None:
                done += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop(i) for i in range(concurrency)))
    return done / (time.perf_counter() - started)


def pct(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000 if ordered else float("nan")


async def simulate(seeded: Seeded) -> dict:
    connector = aiohttp.TCPConnector(limit=ARGS.connections, ttl_dns_cache=None)
    # No total limit: with N >> connections a request first waits for a free connection
    # (counted in its latency, as a candidate would wait); the server must answer in 120 s.
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60, sock_read=120)
    candidates = [
        Candidate(registration_id=reg, hdrs=headers(key, secrets.token_hex(16))) for reg, key in seeded.candidates
    ]
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        # warm-up: a few bare requests so that every worker has imported everything
        for _ in range(ARGS.workers * ARGS.threads):
            await call(http, "warmup", "GET", "/bench/bare", {})
        STATS.latencies.pop("warmup", None)

        print(f"start: {len(candidates)} candidates at once …", flush=True)
        t0 = time.perf_counter()
        await asyncio.gather(*(run_start(http, c, t0) for c in candidates))
        start_wall = time.perf_counter() - t0
        started = [c for c in candidates if c.attempt is not None]
        within_60 = sum(1 for c in started if c.started_at <= 60)

        interval = ARGS.interval / ARGS.compress
        print(f"answers: {ARGS.answers} per candidate every {interval:.1f} s …", flush=True)
        t1 = time.perf_counter()
        await asyncio.gather(*(paced_answers(http, c, random.Random(i), interval) for i, c in enumerate(started)))
        paced_wall = time.perf_counter() - t1

        print(f"throughput: {ARGS.saturate:.0f} s of saves, {ARGS.saturate:.0f} s of the bare view …", flush=True)
        save_latencies = list(STATS.latencies.get("save", []))

        def save_request(rng: random.Random):
            candidate = rng.choice(started)
            qid, kind, options = rng.choice(candidate.attempt["questions"])
            return (
                "PUT",
                f"/api/v1/attempts/{candidate.attempt['id']}/answers/{qid}",
                candidate.hdrs,
                {"answer": pick_answer(rng, kind, options)},
            )

        save_rps = await saturate(http, "save_max", save_request, ARGS.saturate, ARGS.connections)
        bare_rps = await saturate(
            http, "bare", lambda rng: ("GET", "/bench/bare", {}, None), ARGS.saturate, ARGS.connections
        )

        print("submit: every candidate at once …", flush=True)
        t2 = time.perf_counter()
        await asyncio.gather(
            *(call(http, "submit", "POST", f"/api/v1/attempts/{c.attempt['id']}/submit", c.hdrs) for c in started)
        )
        submit_wall = time.perf_counter() - t2
    return {
        "started": len(started),
        "within_60": within_60,
        "start_wall": start_wall,
        "paced_wall": paced_wall,
        "submit_wall": submit_wall,
        "save_latencies": save_latencies,
        "save_rps": save_rps,
        "bare_rps": bare_rps,
    }


def main() -> None:
    n = ARGS.candidates
    print(f"exam day: {n} candidates, gunicorn {ARGS.workers}×{ARGS.threads} gthread, db {ARGS.database}")
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
        result = asyncio.run(simulate(seeded))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    latencies = STATS.latencies
    errors = sum(STATS.errors.values())
    saves = result["save_latencies"]

    def p50_p95(values: list[float]) -> str:
        return f"{pct(values, 0.5):.0f} / {pct(values, 0.95):.0f} ms"

    ratio = result["save_rps"] / result["bare_rps"] if result["bare_rps"] else float("nan")
    rows = [
        ("candidates started", f"{result['started']} / {n} (all starts took {result['start_wall']:.1f} s)"),
        ("started within 60 s", f"{result['within_60']}"),
        ("start p50 / p95", p50_p95(latencies.get("start", []))),
        ("save p50 / p95", f"{p50_p95(saves)} ({len(saves)} paced saves in {result['paced_wall']:.0f} s)"),
        ("submit p50 / p95", f"{p50_p95(latencies.get('submit', []))} (all in {result['submit_wall']:.1f} s)"),
        (
            "save throughput",
            f"{result['save_rps']:.0f} req/s saturated, p95 {pct(latencies.get('save_max', []), 0.95):.0f} ms",
        ),
        (
            "bare JSON view",
            f"{result['bare_rps']:.0f} req/s saturated, p95 {pct(latencies.get('bare', []), 0.95):.0f} ms",
        ),
        ("save / bare ratio", f"{ratio:.2f}"),
        ("errors", f"{errors}"),
    ]
    print()
    for label, value in rows:
        print(f"{label:<22}{value}")
    for name, count in STATS.errors.items():
        print(f"  {name}: {count}, e.g. {STATS.samples[name]}")
    stdev = statistics.pstdev(saves) * 1000 if len(saves) > 1 else 0.0
    print(f"(paced save latency stdev {stdev:.0f} ms; load average after: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
