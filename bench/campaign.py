"""Benchmark: a public quiz campaign at scale (issue 16). Prints figures, asserts nothing.

Run (small, to validate):   .venv/bin/python bench/campaign.py --rate 200 --seconds 10 --bulk 200000
Run (the goals):            .venv/bin/python bench/campaign.py --rate 1000 --seconds 60 --bulk 10000000

What it does, on this one machine (PostgreSQL + Redis + the app + the load generator):
1. (Re)creates the PostgreSQL database ``kz_i16_bench``, migrates it and seeds a campaign
   over a 300-question bank, 16 districts, 200 firms and a regulator with a session.
2. Starts the app under gunicorn (gthread, DEBUG off) with the cache and the submission
   stream in Redis, and one writer process draining the stream (what the beat-driven
   ``campaigns.write_submissions`` task does).
3. Paper page: GET /quiz/<slug>/paper/ (HTML) and GET /api/v1/campaigns/<slug>/paper for
   ``--paper-seconds`` each at ``--connections``: p50 / p95 and throughput; and the
   compressed size of the landing page, the paper page and the stylesheet.
4. Submissions: POST /api/v1/campaigns/<slug>/submissions open-loop at ``--rate`` per
   second for ``--seconds`` (each paper 10 answers; papers are signed by the bench with the
   server's key, as GET …/paper would sign them), then every 20th submission again with its
   Idempotency-Key. p50 / p95, errors, achieved rate, the writer's catch-up time after the
   burst, and the count in the database against the accepted submissions (lost, doubled).
5. Scale: bulk-generates ``--bulk`` participations (server-side SQL) with their
   participants and rollups, prints bytes per participation (table + indexes, and with
   the rollups), then the dashboard and leaderboard pages' p50 / p95 over that data.
Limits per address are off in the server under test: every request comes from 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=1000, help="submissions per second to offer")
    parser.add_argument("--seconds", type=int, default=60, help="length of the submission burst")
    parser.add_argument("--paper-seconds", type=float, default=10.0)
    parser.add_argument("--bulk", type=int, default=10_000_000, help="participations to bulk-generate (0: skip)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8216)
    parser.add_argument("--database", default="kz_i16_bench")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/10"))
    parser.add_argument("--queue", default=os.environ.get("BENCH_QUEUE", "redis://127.0.0.1:6379/11"))
    parser.add_argument("--reuse", action="store_true", help="keep the database; empty the campaign's rows")
    parser.add_argument(
        "--pages-only", action="store_true", help="keep everything (e.g. the bulk data); measure the pages again"
    )
    parser.add_argument("--writer", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


ARGS = parse_args()
DATABASE_URL = f"{ARGS.pg}/{ARGS.database}"
SERVER_ENV = os.environ | {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": ARGS.redis,
    "CAMPAIGN_QUEUE_URL": ARGS.queue,
    "CSRF_COOKIE_SECURE": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CELERY_BROKER_URL": "",
    "DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "q" * 40,
    "FIELD_ENCRYPTION_KEY": "Y2FtcGFpZ25zLWF0LXNjYWxlLWJlbmNoLTAwMDAwMDA=",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SIGNING_KEY": "",
    "CONN_MAX_AGE": "600",
    "LOG_LEVEL": "WARNING",
    "CAMPAIGN_IP_PAPERS_PER_MINUTE": "0",
    "CAMPAIGN_IP_SUBMITS_PER_MINUTE": "0",
    "CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE": "0",
    "CAMPAIGN_DEVICE_PAPERS_PER_HOUR": "0",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

import aiohttp  # noqa: E402
import psycopg  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from campaigns.rules import read_paper  # noqa: E402

SLUG = "bench-quiz"
BASE = f"http://127.0.0.1:{ARGS.port}"


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def pct(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


def p50_p95(values: list[float]) -> str:
    return f"{pct(values, 0.5):.0f} / {pct(values, 0.95):.0f} ms"


# --- set-up -------------------------------------------------------------------------------


def recreate_database() -> None:
    connection.close()
    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ARGS.database}"')
    call_command("migrate", verbosity=0)


def seed() -> tuple[int, str]:
    """The campaign; returns its id and a regulator's session key."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    from accounts.models import Membership, Organisation, Role, User
    from campaigns.services import CampaignInput, create_campaign, save_districts
    from exams.bank.models import Question, QuestionBank, QuestionKind

    authority = Organisation.objects.create(kind=Organisation.Kind.AUTHORITY, name="沧州市应急管理局", code="cz")
    Organisation.objects.bulk_create(
        Organisation(kind=Organisation.Kind.EMPLOYER, name=f"沧州企业{i:03d}", code=f"f{i}") for i in range(200)
    )
    regulator = User.objects.create(username="bench-regulator", real_name="监管员")
    Membership.objects.create(user=regulator, organisation=authority, role=Role.REGULATOR)
    bank = QuestionBank.objects.create(slug="bench", name="安全知识题库", level=QuestionBank.Level.NATIONAL)
    Question.objects.bulk_create(
        Question(
            bank=bank,
            kind=QuestionKind.SINGLE,
            stem=f"第{i}题：发现安全隐患时，正确的做法是？",
            options=[{"key": k, "text": f"做法{k}"} for k in "ABCD"],
            answer=["B"],
            explanation="及时报告并处置。",
        )
        for i in range(300)
    )
    save_districts(rows=[(f"1309{i:02d}", f"区县{i:02d}") for i in range(16)])
    today = timezone.localdate()
    campaign = create_campaign(
        actor=regulator,
        organisation=authority,
        data=CampaignInput(
            slug=SLUG,
            title="安全生产月安全知识网络答题",
            starts_on=today - timezone.timedelta(days=29),
            ends_on=today + timezone.timedelta(days=1),
            banks=[bank],
            paper_size=10,
            attempts_per_day=50,
        ),
    )
    # Multi-factor authentication is for people; the bench's session stands in for a signed-in regulator.
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=regulator, type=Authenticator.Type.TOTP, data={"secret": "bench"})
    session = SessionStore()
    session["_auth_user_id"] = str(regulator.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = regulator.get_session_auth_hash()
    session.create()
    return campaign.pk, session.session_key


def reuse(*, keep: bool = False) -> tuple[int, str]:
    """The seeded database of an earlier run, without its participations unless ``keep``."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    from accounts.models import User
    from campaigns.models import Campaign

    with connection.cursor() as cursor:
        for name in () if keep else ("participation", "participant", "participantday", "daystat", "districtdaystat",
                     "firmdaystat", "questionstat"):  # fmt: skip
            cursor.execute(f"TRUNCATE campaigns_{name}")
    regulator = User.objects.get(username="bench-regulator")
    session = SessionStore()
    session["_auth_user_id"] = str(regulator.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = regulator.get_session_auth_hash()
    session.create()
    return Campaign.objects.get(slug=SLUG).pk, session.session_key


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=SERVER_ENV, start_new_session=True)


def start_server() -> subprocess.Popen:
    process = start(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{ARGS.port}",
         "--worker-class", "gthread", "--workers", str(ARGS.workers), "--threads", str(ARGS.threads),
         "--backlog", "4096", "--keep-alive", "30", "--log-level", "warning"]
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", ARGS.port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def writer_loop() -> None:
    """What the beat-driven task does, without Celery's scheduling in between."""
    from campaigns.services import drain_queue

    while True:
        if not drain_queue(budget_seconds=30):
            time.sleep(0.1)


# --- load ---------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}

    def ok(self, name: str, seconds: float) -> None:
        self.latencies.setdefault(name, []).append(seconds)

    def error(self, name: str, what: str) -> None:
        self.errors.setdefault(name, []).append(what)


STATS = Stats()


async def request(http, name: str, method: str, path: str, **kwargs) -> tuple[int, bytes]:
    started = time.perf_counter()
    try:
        async with http.request(method, BASE + path, **kwargs) as response:
            body = await response.read()
            if response.status == 200:
                STATS.ok(name, time.perf_counter() - started)
            else:
                STATS.error(name, f"{response.status} {body[:120]!r}")
            return response.status, body
    except (TimeoutError, aiohttp.ClientError) as exc:
        STATS.error(name, f"{type(exc).__name__}: {exc}")
        return 0, b""


async def saturate(http, name: str, path: str, seconds: float, **kwargs) -> float:
    deadline = time.perf_counter() + seconds
    count = 0

    async def loop() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await request(http, name, "GET", path, **kwargs)
            count += 1

    await asyncio.gather(*(loop() for _ in range(ARGS.connections)))
    return count / seconds


def signed_papers(snapshot, n: int) -> list[tuple[str, str, list[int]]]:
    """Papers as GET …/paper gives them: (token, device, question ids)."""
    import secrets

    from campaigns.rules import Paper, sign_paper
    from campaigns.services import _secret  # noqa: PLC2701 - the bench signs as the server does

    secret = _secret()
    ids = [q[0] for q in snapshot.questions]
    issued = int(time.time())
    out = []
    for i in range(n):
        chosen = random.sample(ids, 10)
        device = f"bench-{i}"
        token = sign_paper(Paper(snapshot.id, tuple(chosen), issued, device, secrets.randbits(63)), secret=secret)
        out.append((token, device, chosen))
    return out


async def submissions(http, papers, keys) -> tuple[int, float, float]:
    """Open loop: submission i is sent at T0 + i / rate, whatever the earlier ones do."""
    accepted: list[int] = []
    t0 = time.perf_counter()

    async def one(i: int, paper) -> None:
        await asyncio.sleep(max(0.0, t0 + i / ARGS.rate - time.perf_counter()))
        token, device, ids = paper
        body = {"paper_token": token, "nickname": f"人{i % 5000}", "district": None,
                "answers": {str(q): [keys[q] if random.random() < 0.8 else "A"] for q in ids}}  # fmt: skip
        status, _ = await request(
            http, "submit", "POST", f"/api/v1/campaigns/{SLUG}/submissions", json=body,
            headers={"X-Device-Id": device, "Idempotency-Key": f"k{i}"},
        )  # fmt: skip
        if status == 200:
            accepted.append(read_paper(token, secret=SECRET).nonce)

    await asyncio.gather(*(one(i, paper) for i, paper in enumerate(papers)))
    wall = time.perf_counter() - t0
    return accepted, wall, time.perf_counter()


def _secret_of_server() -> bytes:
    from campaigns.services import _secret  # noqa: PLC2701 - the bench signs as the server does

    return _secret()


SECRET = _secret_of_server()


async def resubmit(http, papers, keys) -> int:
    again = 0
    for i, (token, device, ids) in list(enumerate(papers))[::20]:
        body = {"paper_token": token, "nickname": f"人{i % 5000}", "answers": {str(q): [keys[q]] for q in ids}}
        status, _ = await request(
            http, "resubmit", "POST", f"/api/v1/campaigns/{SLUG}/submissions", json=body,
            headers={"X-Device-Id": device, "Idempotency-Key": f"k{i}"},
        )  # fmt: skip
        again += status == 200
    return again


def check_written(campaign_id: int, accepted: list[int]) -> tuple[int, int, int, int, int]:
    """(rows, day rollup, questions shown / 10, keys seen more than once, accepted keys missing)."""
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute("SELECT count(*) FROM campaigns_participation").fetchone()[0]
        rolled = conn.execute(
            "SELECT COALESCE(sum(participations), 0) FROM campaigns_daystat WHERE campaign_id = %s", [campaign_id]
        ).fetchone()[0]
        shown = conn.execute("SELECT COALESCE(sum(shown), 0) FROM campaigns_questionstat").fetchone()[0] // 10
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT key FROM campaigns_participation GROUP BY key HAVING count(*) > 1) d"
        ).fetchone()[0]
        found = conn.execute("SELECT count(*) FROM campaigns_participation WHERE key = ANY(%s)", [accepted]).fetchone()[
            0
        ]
    return rows, rolled, shown, doubled, len(accepted) - found


def count_written(campaign_id: int) -> tuple[int, int]:
    with psycopg.connect(DATABASE_URL) as conn:
        rows = conn.execute("SELECT count(*) FROM campaigns_participation").fetchone()[0]
        rolled = conn.execute(
            "SELECT COALESCE(sum(participations), 0) FROM campaigns_daystat WHERE campaign_id = %s", [campaign_id]
        ).fetchone()[0]
    return rows, rolled


def backlog() -> int:
    from campaigns import queue

    return queue.backlog()


# --- bulk ---------------------------------------------------------------------------------


def bulk_generate(campaign_id: int, n: int) -> None:
    """n participations over 30 days, n/5 people, 16 districts, 200 firms; then the rollups
    recomputed from them (a one-off, as a catch-up after a restore would)."""
    people = max(1, n // 5)
    today = timezone.localdate()
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        firms = [row[0] for row in conn.execute("SELECT id FROM accounts_organisation WHERE kind = 'employer'")]
        districts = [row[0] for row in conn.execute("SELECT id FROM campaigns_district ORDER BY id")]
        questions = [row[0] for row in conn.execute("SELECT id FROM exams_question ORDER BY id")]
        base_key = 1 << 40
        conn.execute(
            """INSERT INTO campaigns_participant (campaign_id, key, kind, nickname, phone_masked, district_id, firm_id,
                   attempts, ranking, best_score, latest_score)
               SELECT %s, %s + g, 1, '参与者' || g, '', %s + (g %% 16), %s + (g %% 200), 0, 0, 0, 0
               FROM generate_series(1, %s) g""",
            [campaign_id, base_key, districts[0], firms[0], people],
        )
        first_person = conn.execute("SELECT min(id) FROM campaigns_participant WHERE key > %s", [base_key]).fetchone()[
            0
        ]
        conn.execute(
            """INSERT INTO campaigns_participation (key, campaign_id, participant_id, day, submitted_at, district_id,
                   firm_id, score, seconds, correct)
               SELECT %s + g, %s, %s + (g %% %s), %s::date - (g %% 30),
                      %s::timestamptz - make_interval(days => (g %% 30)::int, secs => (g %% 86400)::int),
                      %s + ((g %% %s) %% 16), %s + ((g %% %s) %% 200), (g %% 11) * 10, 60 + g %% 500, (g %% 1024)::int
               FROM generate_series(1, %s) g""",
            [base_key, campaign_id, first_person, people, today, timezone.now(), districts[0], people, firms[0],
             people, n],
        )  # fmt: skip
        conn.execute("DELETE FROM campaigns_daystat; DELETE FROM campaigns_districtdaystat;")
        conn.execute("DELETE FROM campaigns_firmdaystat; DELETE FROM campaigns_questionstat;")
        conn.execute("DELETE FROM campaigns_participantday")
        conn.execute(
            """INSERT INTO campaigns_daystat (campaign_id, day, participations, score_sum, new_participants)
               SELECT campaign_id, day, count(*), sum(score), 0 FROM campaigns_participation GROUP BY 1, 2"""
        )
        conn.execute(
            """UPDATE campaigns_daystat SET new_participants = firsts.n FROM (
                 SELECT first_day, count(*) n FROM (SELECT participant_id, min(day) first_day
                   FROM campaigns_participation GROUP BY 1) p GROUP BY 1) firsts
               WHERE campaigns_daystat.day = firsts.first_day"""
        )
        for table, column in (("districtdaystat", "district_id"), ("firmdaystat", "firm_id")):
            conn.execute(
                f"""INSERT INTO campaigns_{table} (campaign_id, day, {column}, participations, score_sum)
                    SELECT campaign_id, day, {column}, count(*), sum(score) FROM campaigns_participation
                    WHERE {column} IS NOT NULL GROUP BY 1, 2, 3"""  # noqa: S608 - fixed names
            )
        conn.execute(
            """INSERT INTO campaigns_questionstat (campaign_id, question_id, shown, correct)
               SELECT %s, q, %s, %s * 7 / 10 FROM unnest(%s::int[]) q""",
            [campaign_id, n * 10 // len(questions), n * 10 // len(questions), questions],
        )
        conn.execute(
            """INSERT INTO campaigns_participantday (campaign_id, participant_id, day, best_score, attempts)
               SELECT campaign_id, participant_id, day, max(score), count(*) FROM campaigns_participation
               GROUP BY 1, 2, 3"""
        )
        conn.execute(
            """UPDATE campaigns_participant p SET attempts = s.n, best_score = s.b, ranking = s.b, latest_score = s.b
               FROM (SELECT participant_id, count(*) n, max(score) b FROM campaigns_participation GROUP BY 1) s
               WHERE p.id = s.participant_id"""
        )
        conn.execute("VACUUM ANALYZE")


def sizes(n: int) -> tuple[float, float]:
    with psycopg.connect(DATABASE_URL) as conn:
        table = conn.execute("SELECT pg_total_relation_size('campaigns_participation')").fetchone()[0]
        everything = sum(
            conn.execute(f"SELECT pg_total_relation_size('campaigns_{name}')").fetchone()[0]  # noqa: S608
            for name in ("participation", "participant", "participantday", "daystat", "districtdaystat",
                         "firmdaystat", "questionstat")
        )  # fmt: skip
    return table / n, everything / n


async def pages(session_key: str, seconds: float) -> None:
    cookies = {"sessionid": session_key}
    async with aiohttp.ClientSession(cookies=cookies, connector=aiohttp.TCPConnector(limit=8)) as http:
        for _ in range(2 * ARGS.workers):  # every worker has loaded the app before the clock runs
            async with http.get(f"{BASE}/quiz/{SLUG}/dashboard/") as response:
                await response.read()
        deadline = time.perf_counter() + seconds
        paths = [
            ("dashboard", f"/quiz/{SLUG}/dashboard/"),
            ("stats api", f"/api/v1/campaigns/{SLUG}/stats"),
            ("leaderboard person", f"/quiz/{SLUG}/leaderboard/"),
            ("leaderboard firm today", f"/quiz/{SLUG}/leaderboard/?by=firm&day=today"),
            ("leaderboard district", f"/quiz/{SLUG}/leaderboard/?by=district"),
        ]
        while time.perf_counter() < deadline:
            for name, path in paths:
                cache.clear()  # measure the page over the rollups, not the 30-second cache
                await request(http, name, "GET", path)


# --- main ---------------------------------------------------------------------------------


async def run(campaign_id: int, snapshot) -> None:
    keys = {qid: value[0][0] for qid, value in snapshot.keys.items()}
    connector = aiohttp.TCPConnector(limit=ARGS.connections)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        # page weight
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as joiner:
            landing = await (await joiner.get(f"{BASE}/quiz/{SLUG}/")).read()
            csrf = next(c.value for c in joiner.cookie_jar if c.key == "csrftoken")
            await joiner.post(f"{BASE}/quiz/{SLUG}/join/", data={"nickname": "甲", "csrfmiddlewaretoken": csrf})
            paper_html = await (await joiner.get(f"{BASE}/quiz/{SLUG}/paper/")).read()
            css = await (await joiner.get(f"{BASE}/static/css/site.css")).read()
            cookies = {c.key: c.value for c in joiner.cookie_jar}
        for name, body in (("landing page", landing), ("paper page", paper_html), ("site.css", css)):
            print(f"{name:<24}{len(body):>7} B, {len(gzip.compress(body)):>6} B gzip")
        print(f"{'first render (paper+css)':<24}{len(gzip.compress(paper_html)) + len(gzip.compress(css)):>22} B gzip")

        async with aiohttp.ClientSession(cookies=cookies, connector=aiohttp.TCPConnector(limit=ARGS.connections)) as c:
            html_rps = await saturate(c, "paper page", f"/quiz/{SLUG}/paper/", ARGS.paper_seconds)
        api_rps = await saturate(http, "paper api", f"/api/v1/campaigns/{SLUG}/paper", ARGS.paper_seconds)
        print(f"{'paper page (HTML)':<24}{p50_p95(STATS.latencies.get('paper page', []))}, {html_rps:.0f} req/s")
        print(f"{'paper (API)':<24}{p50_p95(STATS.latencies.get('paper api', []))}, {api_rps:.0f} req/s")
        print(f"(load average: {load()})")

        total = ARGS.rate * ARGS.seconds
        papers = signed_papers(snapshot, total)
        before = count_written(campaign_id)
        print(f"\nsubmissions: {total} offered at {ARGS.rate}/s for {ARGS.seconds} s ...")
        accepted_keys, wall, ended = await submissions(http, papers, keys)
        accepted = len(accepted_keys)
        print(f"{'submit p50 / p95':<24}{p50_p95(STATS.latencies.get('submit', []))}")
        print(f"{'accepted':<24}{accepted} of {total} in {wall:.1f} s = {accepted / wall:.0f}/s")
        print(f"{'errors':<24}{len(STATS.errors.get('submit', []))} {STATS.errors.get('submit', [])[:3]}")
        print(f"(load average: {load()})")
        while backlog() > 0 and time.perf_counter() - ended < 300:
            await asyncio.sleep(0.2)
        caught_up = time.perf_counter() - ended
        again = await resubmit(http, papers[: 20 * 500], keys)
        while backlog() > 0:
            await asyncio.sleep(0.2)
        rows, rolled, shown, doubled, lost = check_written(campaign_id, accepted_keys)
        print(f"{'writer caught up':<24}{caught_up:.1f} s after the burst (backlog {backlog()})")
        print(f"{'resubmitted (same key)':<24}{again} answered again with the first result")
        print(f"{'written':<24}{rows - before[0]} rows; day rollup {rolled - before[1]}, question rollup {shown}")
        print(f"{'lost / doubled':<24}{lost} of the {accepted} acknowledged missing; {doubled} keys written twice")
        print(f"{'':<24}({rows - before[0] - accepted} more written than acknowledged: the client timed out first)")


def main() -> None:
    if ARGS.writer:
        writer_loop()
        return
    print(f"campaign bench: gunicorn {ARGS.workers}×{ARGS.threads} gthread, db {ARGS.database}, redis {ARGS.redis}")
    print(f"load average before: {load()} (2 cores, shared; other work on the machine skews the figures)")
    started = time.perf_counter()
    if ARGS.pages_only:
        campaign_id, session_key = reuse(keep=True)
    elif ARGS.reuse:
        campaign_id, session_key = reuse()
    else:
        recreate_database()
        campaign_id, session_key = seed()
    cache.clear()
    from campaigns import queue

    queue.client().delete(queue.STREAM)
    queue._client.cache_clear()  # noqa: SLF001
    connection.close()
    print(f"database ready in {time.perf_counter() - started:.1f} s")
    subprocess.run(  # as a deployment does: DEBUG is off, static files come from the manifest
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=SERVER_ENV, check=True
    )
    server = start_server()
    writer = start([sys.executable, str(Path(__file__).resolve()), "--writer", "--database", ARGS.database,
                    "--redis", ARGS.redis, "--pg", ARGS.pg])  # fmt: skip
    try:
        from campaigns.selectors import campaign_snapshot

        if not ARGS.pages_only:
            asyncio.run(run(campaign_id, campaign_snapshot(SLUG)))
        if ARGS.pages_only:
            total = count_written(campaign_id)[0]
            print(f"{total:,} participations; bytes / participation {sizes(total)[0]:.0f} (table + indexes)")
            asyncio.run(pages(session_key, 20.0))
            for name in (
                "dashboard",
                "stats api",
                "leaderboard person",
                "leaderboard firm today",
                "leaderboard district",
            ):
                print(f"{name:<24}{p50_p95(STATS.latencies.get(name, []))} ({len(STATS.errors.get(name, []))} errors)")
        elif ARGS.bulk:
            print(f"\nbulk: generating {ARGS.bulk:,} participations ...")
            t = time.perf_counter()
            bulk_generate(campaign_id, ARGS.bulk)
            total = count_written(campaign_id)[0]
            print(f"{'generated in':<24}{time.perf_counter() - t:.0f} s ({total:,} participations in all)")
            per_row, with_rollups = sizes(total)
            label = "bytes / participation"
            print(f"{label:<24}{per_row:.0f} (table + indexes)")
            print(f"{'':<24}{with_rollups:.0f} with the participants and every rollup")
            asyncio.run(pages(session_key, 20.0))
            for name in (
                "dashboard",
                "stats api",
                "leaderboard person",
                "leaderboard firm today",
                "leaderboard district",
            ):
                print(f"{name:<24}{p50_p95(STATS.latencies.get(name, []))} ({len(STATS.errors.get(name, []))} errors)")
    finally:
        for process in (server, writer):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
