"""Benchmark: weight and Lighthouse scores of the lesson, course and learner's home pages,
the theory exam page (offline-capable), a practice question, /verify/, the public quiz
campaign's landing and paper pages (``/quiz/<slug>/``) and the regulator's statistics (a
staff page: total goal ≤ 300 KB instead of 100 KB).

Run: .venv/bin/python bench/page_weight.py [--port 8401] [--runs 1] [--no-lighthouse]
     [--only practice,verify] [--reports DIR]

It builds a throw-away SQLite database with the demo data, collects the static files,
starts gunicorn (DEBUG off, WhiteNoise serving compressed static files) on the port,
signs the demo ``worker`` in, and for each page prints:

- first render: the HTML and the render-blocking CSS, gzip-compressed (the HTML as a
  reverse proxy would compress it; the CSS as WhiteNoise sends it). Goal ≤ 14 KB.
- total: every request Lighthouse saw (transfer sizes), lesson media (images and
  documents, served from their own origin on port+1 as object storage would) left out.
  Goal ≤ 100 KB.
- Lighthouse mobile performance and accessibility scores (goal ≥ 95 each), with FCP,
  LCP, TBT and CLS. Lighthouse is pinned in bench/package.json and package-lock.json
  (a version that runs on Node 18/20) and installed with ``npm ci`` into bench/node_modules
  on first use (or ``make bench-tools``); Chromium is $CHROME_PATH (default /usr/bin/chromium,
  from ``make system-deps-test``).

Exits 1 when a goal is missed, so it can gate CI.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
FIRST_RENDER_GOAL = 14 * 1024
TOTAL_GOAL = 100 * 1024
#: Staff pages may be heavier than learner and public pages.
STAFF_TOTAL_GOAL = 300 * 1024
STAFF_PAGES = {"statistics"}
#: seed_demo's public quiz campaign (campaign landing and paper pages).
CAMPAIGN = "anquan-demo"
SCORE_GOAL = 95
MEDIA_PREFIXES = ("/media/", "/documents/")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --no-first-run --disable-dev-shm-usage"
)


def environment(workdir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789abcdef",  # noqa: S106 - throw-away bench server
        FIELD_ENCRYPTION_KEY="Jm7b6jsrUE2t7p7DQUlhbXYSFQGJs8h5NeMsd6X1F0I=",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS (TLS is the proxy's in production).
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        MEDIA_ROOT=str(workdir / "media"),
        # Media from its own origin, as from object storage or a CDN in production.
        MEDIA_URL=f"http://127.0.0.1:{port + 1}/",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str, debug: bool) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, "DEBUG": "true" if debug else "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


PREPARE = """
import time

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY, _AUTHENTICATION_METHODS_USER_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from accounts.models import User
from courses.models import CoursePage, LessonPage


def signed_in(user, *, mfa=False):
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if mfa:  # as if the TOTP step of the log-in had been passed in this session
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        now = time.time()
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": now, "username": user.username},
            {"method": "mfa", "at": now, "id": totp.pk, "type": "totp"},
        ]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.create()
    return session.session_key


worker = User.objects.get(username="worker")
regulator = User.objects.get(username="regulator")
TOTP.activate(regulator, generate_totp_secret())
course = CoursePage.objects.live().get(slug="low-voltage-initial")
lesson = LessonPage.objects.live().child_of(course).order_by("path").first()
print("BENCH", signed_in(worker), course.url, lesson.url, signed_in(regulator, mfa=True))
"""

#: Started only when the exam page's turn comes: while a formal attempt is open, practice
#: sends the worker back to the exam, so the pages before it are measured without one.
START_EXAM = """
from accounts.models import User
from exams.admission.models import ExamKind, Registration
from exams.theory.services import start_attempt

worker = User.objects.get(username="worker")
attempt = start_attempt(registration=Registration.objects.get(candidate=worker, session__kind=ExamKind.THEORY))
print("BENCH", f"/exams/attempts/{attempt.pk}/")
"""


def bench_line(env: dict[str, str], script: str) -> list[str]:
    line = next(x for x in manage(env, "shell", "-c", script, debug=False).splitlines() if x.startswith("BENCH "))
    return line.split()[1:]


def lighthouse_binary() -> Path:
    """bench/node_modules/.bin/lighthouse, installed from the lock file when missing."""
    binary = BENCH / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        print("installing lighthouse from bench/package-lock.json (npm ci) …", flush=True)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefix", str(BENCH)],  # noqa: S607 - npm from the PATH
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return binary


def fetch(url: str, cookie: str, *, gzip_ok: bool = False) -> tuple[bytes, int]:
    """The body (decoded) and the bytes on the wire."""
    headers = {"Cookie": cookie, "User-Agent": "kaozheng-bench"}
    if gzip_ok:
        headers["Accept-Encoding"] = "gzip"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server on 127.0.0.1
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        raw = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            return gzip.decompress(raw), len(raw)
        return raw, len(raw)


def first_render(base: str, path: str, cookie: str) -> dict[str, int]:
    html, _wire = fetch(base + path, cookie)
    html_gzip = len(gzip.compress(html, compresslevel=6))
    css_gzip = 0
    for href in re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html):
        _css, wire = fetch(base + href.decode(), cookie, gzip_ok=True)
        css_gzip += wire
    return {"html": len(html), "html_gzip": html_gzip, "css_gzip": css_gzip, "first": html_gzip + css_gzip}


class LighthouseFailed(Exception):
    pass


def run_lighthouse(binary: Path, url: str, cookie: str, outdir: Path, name: str, media_origin: str) -> dict:
    report = outdir / f"{name}.json"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    command = [
        str(binary),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        f"--chrome-flags={CHROME_FLAGS}",
        *([f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []),
        "--max-wait-for-load=45000",
    ]
    for attempt in (1, 2):  # Chromium on a busy machine now and then fails to start: once more
        result = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
        if result.returncode == 0:
            break
        if attempt == 2:
            raise LighthouseFailed(result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"])
    data = json.loads(report.read_text(encoding="utf-8"))
    audits = data["audits"]
    requests = audits["network-requests"]["details"]["items"]
    total = sum(
        int(item.get("transferSize") or 0)
        for item in requests
        if not item["url"].startswith(media_origin)
        and not any(urllib.parse.urlparse(item["url"]).path.startswith(p) for p in MEDIA_PREFIXES)
    )
    media = sum(int(item.get("transferSize") or 0) for item in requests if item["url"].startswith(media_origin))
    return {
        "final": data.get("finalDisplayedUrl") or data.get("finalUrl") or url,
        "performance": round((data["categories"]["performance"]["score"] or 0) * 100),
        "accessibility": round((data["categories"]["accessibility"]["score"] or 0) * 100),
        "total": total,
        "media": media,
        "requests": len(requests),
        "fcp": audits["first-contentful-paint"]["displayValue"],
        "lcp": audits["largest-contentful-paint"]["displayValue"],
        "tbt": audits["total-blocking-time"]["displayValue"],
        "cls": audits["cumulative-layout-shift"]["displayValue"],
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def campaign_cookie(base: str, slug: str) -> str:
    """Join the public campaign anonymously, as a visitor from the share link does, and
    return the cookies that open its paper (the join's redirect is not followed: every
    paper opened counts against the day's attempts)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    landing = f"{base}/quiz/{slug}/"
    html = opener.open(landing, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if token is None:
        sys.exit(f"no join form on {landing}")
    form = {"csrfmiddlewaretoken": token.group(1), "nickname": "测速", "district": "", "firm": ""}
    body = urllib.parse.urlencode(form)
    request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
        f"{base}/quiz/{slug}/join/", data=body.encode(), headers={"Referer": landing}
    )
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer at {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8401)))
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page; the median score is kept")
    parser.add_argument("--no-lighthouse", action="store_true", help="only the byte counts")
    parser.add_argument("--only", default="", help="comma-separated page names; all by default")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's JSON reports in this folder")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kaozheng-page-weight-"))
    env = environment(workdir, args.port)
    started = time.monotonic()
    print("preparing: migrate, seed_demo, collectstatic …", flush=True)
    manage(env, "migrate", "--noinput", debug=True)
    manage(env, "seed_demo", debug=True)
    manage(env, "collectstatic", "--noinput", "-v0", debug=False)
    session_key, course_path, lesson_path, regulator_key = bench_line(env, PREPARE)
    cookie = f"sessionid={session_key}"
    pages = {
        "lesson": lesson_path,
        "course": course_path,
        "home (/me/)": "/me/",
        "site home (/)": "/",
        "practice": "/exams/practice/0102/question?mode=sequential",
        "verify": "/verify/",
        "statistics": "/authority/statistics/?start=2020-01-01",
        "quiz landing": f"/quiz/{CAMPAIGN}/",
        "quiz paper": f"/quiz/{CAMPAIGN}/paper/",
        "exam": "",  # the attempt is started when its turn comes (START_EXAM)
    }
    cookies = {"statistics": f"sessionid={regulator_key}", "quiz landing": ""}

    base = f"http://127.0.0.1:{args.port}"
    media_origin = f"http://127.0.0.1:{args.port + 1}/"
    (workdir / "media").mkdir(exist_ok=True)
    media_server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(args.port + 1),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(workdir / "media"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**env, "DEBUG": "false"},
    )
    failures: list[str] = []
    try:
        wait_for(f"{base}/healthz")
        cookies["quiz paper"] = campaign_cookie(base, CAMPAIGN)
        binary = None if args.no_lighthouse else lighthouse_binary()
        header = f"{'page':<15} {'HTML':>7} {'HTML gz':>8} {'CSS gz':>7} {'1st render':>10}"
        if binary:
            header += f" {'total':>8} {'media':>7} {'reqs':>4} {'perf':>4} {'a11y':>4}  FCP / LCP / TBT / CLS"
        print(header)
        only = {name.strip() for name in args.only.split(",") if name.strip()}
        for name, path in pages.items():
            if only and name not in only:
                continue
            if name == "exam":
                [path] = bench_line(env, START_EXAM)
            page_cookie = cookies.get(name, cookie)
            total_goal = STAFF_TOTAL_GOAL if name in STAFF_PAGES else TOTAL_GOAL
            weight = first_render(base, path, page_cookie)
            row = (
                f"{name:<15} {weight['html']:>7} {weight['html_gzip']:>8} {weight['css_gzip']:>7} {weight['first']:>10}"
            )
            if weight["first"] > FIRST_RENDER_GOAL and name not in STAFF_PAGES:
                failures.append(f"{name}: first render {weight['first']} B > {FIRST_RENDER_GOAL} B")
            if binary:
                slug = re.sub(r"\W", "", name)
                try:
                    runs = [
                        run_lighthouse(binary, base + path, page_cookie, workdir, f"{slug}-{n}", media_origin)
                        for n in range(args.runs)
                    ]
                except LighthouseFailed as exc:
                    failures.append(f"{name}: Lighthouse failed twice: {exc.args[0]}")
                    print(row, " Lighthouse failed", flush=True)
                    continue
                runs.sort(key=lambda r: r["performance"])
                result = runs[len(runs) // 2]
                row += (
                    f" {result['total']:>8} {result['media']:>7} {result['requests']:>4} {result['performance']:>4} "
                    f"{result['accessibility']:>4}  "
                    f"{result['fcp']} / {result['lcp']} / {result['tbt']} / {result['cls']}"
                )
                landed = urllib.parse.urlparse(result["final"]).path
                if landed != urllib.parse.urlparse(path).path:
                    failures.append(f"{name}: measured {landed}, not {path} (redirected)")
                if result["total"] > total_goal:
                    failures.append(f"{name}: total {result['total']} B > {total_goal} B")
                for score in ("performance", "accessibility"):
                    if result[score] < SCORE_GOAL:
                        failures.append(f"{name}: {score} {result[score]} < {SCORE_GOAL}")
            print(row, flush=True)
    finally:
        for process in (server, media_server):
            process.terminate()
            process.wait(timeout=10)
        if args.reports:
            args.reports.mkdir(parents=True, exist_ok=True)
            for report in workdir.glob("*.json"):
                shutil.copy(report, args.reports / report.name)
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"bytes are sizes on the wire; goals: 1st render ≤ {FIRST_RENDER_GOAL} B, "
        f"total ≤ {TOTAL_GOAL} B (staff pages {STAFF_TOTAL_GOAL} B), scores ≥ {SCORE_GOAL}"
    )
    print(f"took {time.monotonic() - started:.0f} s")
    for failure in failures:
        print(f"MISSED {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
