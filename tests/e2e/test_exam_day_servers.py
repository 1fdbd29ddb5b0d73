"""The exam across several app servers: two granian servers (config.server), each in a network namespace
of its own, behind HAProxy in a third, sharing PostgreSQL and Redis; one server is killed
(SIGKILL, the whole process group) mid-exam.

The namespaces share a private /24 that exists only inside them (a bridge in the load
balancer's namespace, one veth per app server and one to the host). PostgreSQL and Redis
listen on the host's 127.0.0.1 only, so a socat forwarder on the host end of the veth
carries the app servers' connections to them. Requests come from this process to the load
balancer, as the exam page sends them (a save is retried until acknowledged, a hand-in
until it lands); they are bounded in number and time, and nothing leaves the namespaces
and the loopback. Everything is removed afterwards, also when the test fails.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from django.db import connections
from django.test import Client
from django.utils import timezone

from certificates.models import Certificate
from config.server import command as server_command
from exams.admission.models import Registration
from exams.theory.models import Attempt, AttemptAnswer
from exams.theory.services import submit_expired_attempts
from tests.factories import UserFactory, answer_key, make_management_theory, management_subject, wrong_answer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.multiserver,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
APP_PORT = 8000
LB_PORT = 8080
#: How long a candidate's page keeps retrying one request before the test gives up on it.
RETRY_FOR = 60.0
#: The page retries after 5 s; here a little sooner, to keep the test short.
RETRY_EVERY = 0.5


def _session() -> requests.Session:
    """HTTP straight to the namespaces: never through a proxy the environment may name."""
    http = requests.Session()
    http.trust_env = False
    return http


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)  # noqa: S607


def _wait_for_port(host: str, port: int, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {host}:{port} after {seconds:.0f} s")


def _free_subnet() -> str:
    """A 10.213.x.0/24 that no interface of the host uses: the first three octets."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout  # noqa: S607
    for third in range(20 + os.getpid() % 200, 20 + os.getpid() % 200 + 200):
        prefix = f"10.213.{third % 250}"
        if f" {prefix}." not in used:
            return prefix
    raise RuntimeError("no free 10.213.x.0/24")


@dataclass
class Cluster:
    """Two app servers behind a load balancer, each in its own network namespace."""

    prefix: str
    tag: str
    workdir: Path
    namespaces: list[str] = field(default_factory=list)
    host_veth: str = ""
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def lb_ns(self) -> str:
        return f"kz-lb-{self.tag}"

    def app_ns(self, number: int) -> str:
        return f"kz-app{number}-{self.tag}"

    @property
    def host_address(self) -> str:
        return f"{self.prefix}.2"

    @property
    def lb_address(self) -> str:
        return f"{self.prefix}.1"

    def app_address(self, number: int) -> str:
        return f"{self.prefix}.{10 + number}"

    @property
    def url(self) -> str:
        return f"http://{self.lb_address}:{LB_PORT}"

    # --- the network ---------------------------------------------------------------------

    def build_network(self) -> None:
        """A bridge in the load balancer's namespace; app servers and the host plug into it."""
        for ns in (self.lb_ns, self.app_ns(1), self.app_ns(2)):
            _ip("netns", "add", ns)
            self.namespaces.append(ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        _ip("-n", self.lb_ns, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.lb_ns, "addr", "add", f"{self.lb_address}/24", "dev", "br0")
        _ip("-n", self.lb_ns, "link", "set", "br0", "up")
        for number in (1, 2):
            inside, port = f"kz{number}a{self.tag}", f"kz{number}b{self.tag}"
            _ip("link", "add", inside, "type", "veth", "peer", "name", port)
            _ip("link", "set", inside, "netns", self.app_ns(number))
            _ip("link", "set", port, "netns", self.lb_ns)
            _ip("-n", self.app_ns(number), "addr", "add", f"{self.app_address(number)}/24", "dev", inside)
            _ip("-n", self.app_ns(number), "link", "set", inside, "up")
            _ip("-n", self.lb_ns, "link", "set", port, "master", "br0", "up")
        self.host_veth, port = f"kzha{self.tag}", f"kzhb{self.tag}"
        _ip("link", "add", self.host_veth, "type", "veth", "peer", "name", port)
        _ip("link", "set", port, "netns", self.lb_ns)
        _ip("-n", self.lb_ns, "link", "set", port, "master", "br0", "up")
        _ip("addr", "add", f"{self.host_address}/24", "dev", self.host_veth)
        _ip("link", "set", self.host_veth, "up")

    def forward(self, port: int) -> None:
        """The host service on 127.0.0.1:port, reachable from the namespaces at host_address:port."""
        self._spawn(
            f"forward-{port}",
            [
                "socat",
                f"TCP-LISTEN:{port},bind={self.host_address},reuseaddr,fork",
                f"TCP:127.0.0.1:{port}",
            ],
        )
        _wait_for_port(self.host_address, port)

    # --- the servers -----------------------------------------------------------------------

    def start_app(self, number: int, env: dict[str, str]) -> None:
        name = f"app{number}"
        self._spawn(
            name,
            [
                "ip",
                "netns",
                "exec",
                self.app_ns(number),
                *server_command(self.app_address(number), APP_PORT, workers=2, threads=4),
            ],
            env=env,
        )

    def wait_for_app(self, number: int) -> None:
        deadline = time.monotonic() + 120
        url = f"http://{self.app_address(number)}:{APP_PORT}/healthz"
        http = _session()
        while time.monotonic() < deadline:
            try:
                if http.get(url, timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"app server {number} did not answer /healthz: see {self.workdir}")

    def start_balancer(self) -> None:
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            f"""
global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    # A connection refused by a dead server is tried again, on the other server.
    retries 3
    option redispatch 1

frontend exam
    bind {self.lb_address}:{LB_PORT}
    option forwardfor
    default_backend apps

backend apps
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host localhost
    http-check expect status 200
    default-server inter 300ms fall 2 rise 2
    http-response set-header X-Served-By %s
    server app1 {self.app_address(1)}:{APP_PORT} check
    server app2 {self.app_address(2)}:{APP_PORT} check
"""
        )
        self._spawn("haproxy", ["ip", "netns", "exec", self.lb_ns, "haproxy", "-db", "-f", str(config)])
        deadline = time.monotonic() + 30
        http = _session()
        while time.monotonic() < deadline:
            try:
                served = {http.get(f"{self.url}/healthz", timeout=5).headers.get("X-Served-By") for _ in range(4)}
                if served == {"app1", "app2"}:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the load balancer does not reach both app servers: see {self.workdir}")

    def kill(self, name: str) -> None:
        """SIGKILL the process group: the server's main process and every worker at once."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.workdir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - fixed commands, no shell
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

    # --- clean-up ---------------------------------------------------------------------------

    def tear_down(self) -> None:
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)
        self.processes.clear()
        for ns in self.namespaces:  # the veths and the bridge go with their namespaces
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20, check=False)  # noqa: S607
        if self.host_veth:
            subprocess.run(  # noqa: S603
                ["ip", "link", "del", self.host_veth],  # noqa: S607
                capture_output=True,
                timeout=20,
                check=False,
            )


def _through(url: str, host: str) -> str:
    """The service URL with its host replaced (the app servers reach the host's services there)."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    address = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{netloc[0]}@{address}" if len(netloc) == 2 else address))


@pytest.fixture
def cluster(database_url, settings, tmp_path) -> Iterator[Cluster]:
    redis_url = os.environ["REDIS_URL"]
    db_port = urllib.parse.urlsplit(database_url).port or 5432
    redis_port = urllib.parse.urlsplit(redis_url).port or 6379
    cluster = Cluster(prefix=_free_subnet(), tag=f"{os.getpid() % 100000:05d}", workdir=tmp_path)
    try:
        cluster.build_network()
        cluster.forward(db_port)
        cluster.forward(redis_port)
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DEBUG": "true",
            "DATABASE_URL": _through(database_url, cluster.host_address),
            "REDIS_URL": _through(redis_url, cluster.host_address),
            "CELERY_BROKER_URL": "",
            "CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": f"{cluster.lb_address},localhost,{cluster.app_address(1)},{cluster.app_address(2)}",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        for number in (1, 2):
            cluster.start_app(number, env)
        for number in (1, 2):
            cluster.wait_for_app(number)
        cluster.start_balancer()
        yield cluster
    finally:
        cluster.tear_down()


# --- a candidate, as the exam page talks to the server -----------------------------------------


@dataclass
class Sitting:
    """One candidate's exam through the load balancer."""

    registration: Registration
    right: bool
    hands_in: bool
    base: str
    http: requests.Session = field(default_factory=_session)
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))
    attempt_id: int = 0
    #: question id -> the answer the server acknowledged (2xx)
    acknowledged: dict[int, list[str]] = field(default_factory=dict)
    #: (sent at, the server that answered) of every request answered with 2xx
    served: list[tuple[float, str]] = field(default_factory=list)
    #: statuses of the replies that were no 2xx (the load balancer's 502 for a request in flight at the kill)
    refused: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def log_in(self) -> None:
        client = Client()
        client.force_login(self.registration.candidate)
        self.http.cookies.set("sessionid", client.cookies["sessionid"].value)
        self.http.cookies.set("csrftoken", self.csrf)

    def send(self, method: str, path: str, *, until_ok: bool, **kwargs) -> requests.Response | None:
        """Send, and as the page does, send again after a failure (5xx, no answer at all)."""
        deadline = time.monotonic() + RETRY_FOR
        while True:
            sent_at = time.monotonic()
            try:
                response = self.http.request(method, self.base + path, timeout=30, **kwargs)
            except requests.RequestException as exc:
                outcome = type(exc).__name__
            else:
                if response.ok:
                    self.served.append((sent_at, response.headers.get("X-Served-By", "?")))
                else:
                    self.refused.append(response.status_code)
                if response.ok or (not until_ok and response.status_code < 500):
                    return response
                outcome = str(response.status_code)
            if time.monotonic() > deadline:
                self.failures.append(f"{method} {path}: {outcome}")
                return None
            time.sleep(RETRY_EVERY)

    def sit(self, *, saved: threading.Semaphore) -> None:
        try:
            self._sit(saved)
        except Exception as exc:  # noqa: BLE001 - the test reads every candidate's failures
            self.failures.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    def _sit(self, saved: threading.Semaphore) -> None:
        response = self.send(
            "POST",
            f"/exams/registrations/{self.registration.pk}/start",
            until_ok=True,
            data={"csrfmiddlewaretoken": self.csrf},
        )
        if response is None:
            return
        match = re.search(r"/exams/attempts/(\d+)/", response.url)
        assert match, response.url
        self.attempt_id = int(match[1])
        attempt = Attempt.objects.get(pk=self.attempt_id)
        keys = answer_key(attempt)
        wrong = {q["id"]: wrong_answer(q) for q in attempt.paper["questions"]}
        fieldsets = re.findall(r'data-question="(\d+)" data-save-url="([^"]+)"', response.text)
        assert len(fieldsets) == len(keys) == 10
        for question, save_url in fieldsets:
            qid = int(question)
            answer = keys[qid] if self.right else wrong[qid]
            time.sleep(0.05)
            saved_response = self.send(
                "PUT",
                html.unescape(save_url),
                until_ok=False,
                json={"answer": answer},
                headers={"X-CSRFToken": self.csrf},
            )
            if saved_response is not None and saved_response.ok:
                self.acknowledged[qid] = answer
                saved.release()
            elif saved_response is not None:
                self.failures.append(f"save {qid}: {saved_response.status_code} {saved_response.text[:200]}")
        if self.hands_in:
            # 交卷: the form, with every answer on the page, posted again until it lands.
            form = [("csrfmiddlewaretoken", self.csrf), ("action", "submit")]
            form += [(f"q_{qid}", key) for qid, answer in self.acknowledged.items() for key in answer]
            done = self.send("POST", f"/exams/attempts/{self.attempt_id}/", until_ok=True, data=form)
            if done is not None and not done.url.endswith(f"/exams/attempts/{self.attempt_id}/result"):
                self.failures.append(f"hand-in ended on {done.url}")


def test_two_app_servers_one_killed_mid_exam_lose_nothing_and_certify_once(cluster):
    # given: a three-post computer exam (a pass is certified at once) for twelve candidates:
    # eight answer right and hand in, two answer right and never hand in (the deadline
    # sweep closes their papers), two answer wrong and hand in
    subject = management_subject(post="safety_manager", industry_code="WHP")
    theory = make_management_theory(subject=subject)
    registrations = [theory.registration] + [
        Registration.objects.create(
            session=theory.session,
            candidate=UserFactory(),
            operation_type=None,
            subject=subject,
            status=Registration.Status.APPROVED,
            checked_in_at=timezone.now(),
        )
        for _ in range(11)
    ]
    roles = [(True, True)] * 8 + [(True, False)] * 2 + [(False, True)] * 2
    sittings = [
        Sitting(registration=registration, right=right, hands_in=hands_in, base=cluster.url)
        for registration, (right, hands_in) in zip(registrations, roles, strict=True)
    ]
    for sitting in sittings:
        sitting.log_in()
    saved = threading.Semaphore(0)

    # when: they sit the exam through the load balancer, and once about a third of the
    # answers are acknowledged, app server 1 is killed (master and workers, SIGKILL)
    threads = [threading.Thread(target=sitting.sit, kwargs={"saved": saved}) for sitting in sittings]
    for thread in threads:
        thread.start()
    for _ in range(40):
        assert saved.acquire(timeout=60), "the candidates' answers stopped arriving before the kill"
    killed_at = time.monotonic()
    cluster.kill("app1")
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a candidate was still sitting after 3 minutes"

    # then: every candidate finished through the load balancer, without a lasting error
    assert [sitting.failures for sitting in sittings] == [[] for _ in sittings]
    before = [server for sitting in sittings for sent_at, server in sitting.served if sent_at < killed_at]
    after = [server for sitting in sittings for sent_at, server in sitting.served if sent_at > killed_at + 0.1]
    assert {"app1", "app2"} <= set(before), "both servers took requests before the kill"
    assert after and set(after) == {"app2"}, "after the kill, the other server answered every request"
    assert set(sum((sitting.refused for sitting in sittings), [])) <= {502, 503}

    # and: every answer a server acknowledged is in the database, as acknowledged
    for sitting in sittings:
        stored = dict(AttemptAnswer.objects.filter(attempt_id=sitting.attempt_id).values_list("question_id", "answer"))
        assert len(sitting.acknowledged) == 10
        assert stored == sitting.acknowledged

    # when: the deadline passes for the two who never handed in, and the sweep runs (twice)
    stayed = [sitting.attempt_id for sitting in sittings if not sitting.hands_in]
    assert not Attempt.objects.filter(pk__in=stayed, submitted_at__isnull=False).exists()
    Attempt.objects.filter(pk__in=stayed).update(deadline=timezone.now() - dt.timedelta(seconds=1))
    assert submit_expired_attempts() == 2
    assert submit_expired_attempts() == 0

    # then: every paper is scored once; each passing candidate holds exactly one certificate
    for sitting in sittings:
        attempt = Attempt.objects.get(pk=sitting.attempt_id)
        assert attempt.submitted_at is not None
        assert attempt.auto_submitted is not sitting.hands_in
        assert attempt.passed is sitting.right
        certificates = Certificate.objects.filter(holder=sitting.registration.candidate)
        assert certificates.count() == (1 if sitting.right else 0)
        if sitting.right:
            assert certificates.get().theory_attempt_id == attempt.pk
    assert Certificate.objects.count() == 10
    assert Attempt.objects.filter(registration__session=theory.session).count() == 12
