"""Crash tests on PostgreSQL: the app under its server (config.server) is killed (SIGKILL) mid-exam and
restarted; a sweep process is killed mid-sweep. Nothing the server acknowledged is lost.

The server runs on a free loopback port against the test database; requests are plain
HTTP from this process, bounded in number and time.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import AuditEvent
from config.server import command as server_command
from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import save_answer, start_attempt
from tests.factories import make_theory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(database_url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DEBUG": "true",
        "CONN_MAX_AGE": "0",
    }


class Server:
    """The app server in its own process group, so that one SIGKILL takes it and its workers."""

    def __init__(self, port: int, env: dict[str, str]):
        self.port = port
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            server_command("127.0.0.1", self.port, workers=2, threads=4),
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Ready when a worker answers (the port opens before the workers have booted).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", "/api/v1/registrations")
                if conn.getresponse().status == 401:
                    return
            except OSError:
                time.sleep(0.3)
            finally:
                conn.close()
        raise RuntimeError("the app server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def server(database_url):
    server = Server(_free_port(), _server_env(database_url))
    yield server
    server.kill()


class Candidate:
    """Talks to the server as a browser would: session cookie and CSRF token."""

    def __init__(self, user, port: int):
        client = Client()
        client.force_login(user)
        self.session = client.cookies["sessionid"].value
        self.csrf = secrets.token_hex(16)
        self.port = port

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(
                method,
                path,
                body=json.dumps(body) if body is not None else None,
                headers={
                    "Content-Type": "application/json",
                    "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
                    "X-CSRFToken": self.csrf,
                },
            )
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()


def test_killing_the_server_mid_exam_loses_no_acknowledged_answer(server):
    # given: a candidate answering through the running server
    theory = make_theory(tf=30, single=30)
    server.start()
    candidate = Candidate(theory.candidate, server.port)
    status, paper = candidate.request("POST", f"/api/v1/registrations/{theory.registration.pk}/attempts")
    assert status == 200
    questions = paper["questions"]
    #: question id -> every answer sent for it, in order, with whether it was acknowledged
    sent: dict[int, list[tuple[list[str], bool]]] = {}
    stop = threading.Event()

    def answer_loop(parity: int) -> None:
        mine = questions[parity::2]  # each "device" answers its own questions, one at a time
        for round_ in range(300):
            if stop.is_set():
                return
            question = mine[round_ % len(mine)]
            keys = [question["options"][round_ % len(question["options"])]["key"]]
            try:
                status, _body = candidate.request(
                    "PUT", f"/api/v1/attempts/{paper['id']}/answers/{question['id']}", {"answer": keys}
                )
            except OSError:
                status = 0  # the server died under this request: not acknowledged
            sent.setdefault(question["id"], []).append((keys, status == 200))
            time.sleep(0.01)

    # when: answers stream in from two "devices" and the server is killed, then restarted
    threads = [threading.Thread(target=answer_loop, args=(parity,)) for parity in (0, 1)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    server.kill()
    time.sleep(0.5)
    server.start()
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    # then: for every question, the database holds its last acknowledged answer, or one
    # sent after it whose reply was lost with the server (committed, never acknowledged)
    acknowledged = {qid for qid, history in sent.items() if any(ok for _keys, ok in history)}
    assert acknowledged
    assert any(not ok for history in sent.values() for _keys, ok in history), "the kill hit no request"
    stored = dict(AttemptAnswer.objects.filter(attempt_id=paper["id"]).values_list("question_id", "answer"))
    for qid in acknowledged:
        history = sent[qid]
        last_ok = max(index for index, (_keys, ok) in enumerate(history) if ok)
        assert stored[qid] in [keys for keys, _ok in history[last_ok:]]
    status, resumed = candidate.request("GET", f"/api/v1/attempts/{paper['id']}")
    assert status == 200
    assert {q["id"]: q["answer"] for q in resumed["questions"] if q["answer"]} == stored


_SLOW_SWEEP = """
import time, django
django.setup()
from exams.theory import services
original = services._score_and_close_expired
def slow(*args, **kwargs):
    original(*args, **kwargs)
    print("closed", flush=True)
    time.sleep(0.3)
services._score_and_close_expired = slow
from django.utils import timezone
services.submit_expired_attempts(now=timezone.now(), chunk=1)
"""


def test_a_sweep_killed_midway_loses_nothing_and_the_next_sweep_finishes(database_url):
    # given: 6 expired attempts, each with one right answer saved
    attempts = []
    for _ in range(6):
        theory = make_theory()
        attempt = start_attempt(registration=theory.registration)
        question = attempt.paper["questions"][0]
        save_answer(attempt=attempt, question_id=question["id"], answer=question["answer"])
        attempts.append(attempt)
    Attempt.objects.update(deadline=Attempt.objects.first().started_at)

    # when: a sweep process is killed while closing its second attempt
    process = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SWEEP],
        cwd=ROOT,
        env=_server_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    closed = 0
    while closed < 2:
        line = process.stdout.readline()
        assert line, "the sweep ended before closing two attempts"
        closed += line.startswith("closed")
    process.kill()
    process.wait(timeout=10)

    # then: what it committed is fully closed (score and audit); the attempt it was closing
    # when killed (inside its transaction) and the rest are still open
    submitted = Attempt.objects.filter(submitted_at__isnull=False)
    assert 1 <= submitted.count() < 6
    assert all(attempt.score == 10 and attempt.auto_submitted for attempt in submitted)
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == submitted.count()

    # when: the next sweep runs
    from exams.theory.services import submit_expired_attempts

    submit_expired_attempts()

    # then: every attempt is submitted exactly once, with its saved answer scored
    assert Attempt.objects.filter(submitted_at__isnull=True).count() == 0
    assert {attempt.score for attempt in Attempt.objects.all()} == {10}
    assert AuditEvent.objects.filter(action="exams.attempt.submitted").count() == 6
