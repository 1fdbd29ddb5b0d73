"""Fixtures every test folder shares: the course tree, racing callers, logged-in clients,
TOTP codes and the browser.

Tests with a service-backed marker are skipped with a reason unless the service is
configured; in CI (CI=true) nothing is skipped: a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from accounts.sms import LocmemSMSBackend
from tests.factories import PASSWORD, UserFactory, build_course_tree, with_totp

_SERVICE_MARKERS = {
    "postgres": (
        lambda: os.environ.get("DATABASE_URL", "").startswith("postgres"),
        "DATABASE_URL (PostgreSQL) not set",
    ),
    "redis": (lambda: bool(os.environ.get("REDIS_URL")), "REDIS_URL not set"),
    "celery_worker": (lambda: bool(os.environ.get("CELERY_BROKER_URL")), "CELERY_BROKER_URL not set"),
    "browser": (lambda: bool(shutil.which(os.environ.get("CHROMIUM", "chromium"))), "chromium not installed"),
    "multiserver": (
        lambda: _can_make_network_namespaces(),
        "needs root, `ip netns` (iproute2), haproxy and socat (scripts/system-deps.sh --with-browser)",
    ),
}


def _can_make_network_namespaces() -> bool:
    """Root with iproute2's `ip netns`, HAProxy and socat: what the several-app-servers test runs on."""
    if os.geteuid() != 0 or not all(shutil.which(tool) for tool in ("ip", "haproxy", "socat")):
        return False
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, timeout=10, check=False)  # noqa: S607
    return listed.returncode == 0


def pytest_collection_modifyitems(config, items):
    in_ci = os.environ.get("CI", "").lower() == "true"
    for item in items:
        for name, (available, reason) in _SERVICE_MARKERS.items():
            if item.get_closest_marker(name) and not available():
                if in_ci:
                    continue  # in CI nothing is skipped: the test runs and fails loudly
                item.add_marker(pytest.mark.skip(reason=f"{reason}; runs in CI"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The private storage was built when the models were defined: point it at this test's folder.
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    storages = _private_storages()
    saved = [storage._location for storage in storages]
    for storage in storages:
        _relocate(storage, settings.PRIVATE_MEDIA_ROOT)
    yield
    for storage, location in zip(storages, saved, strict=True):
        _relocate(storage, location)


def _private_storages() -> list:
    from django.apps import apps
    from django.core.files.storage import FileSystemStorage

    found: dict[int, FileSystemStorage] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            storage = getattr(field, "storage", None)
            if isinstance(storage, FileSystemStorage) and getattr(field, "_storage_callable", None) is not None:
                found[id(storage)] = storage
    return list(found.values())


def _relocate(storage, location) -> None:
    storage._location = location
    for cached in ("base_location", "location"):
        storage.__dict__.pop(cached, None)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from exams.theory.answer_sheets import forget_local_copies

    cache.clear()
    forget_local_copies()
    yield
    cache.clear()
    forget_local_copies()


@pytest.fixture(autouse=True)
def _force_login_completes_every_step(monkeypatch):
    """In tests ``force_login`` stands for a completed log-in: one that passed the second
    factor when the user has one (accounts.middleware asks the session for that). A test of
    a password-only session logs in with ``client.login(username=..., password=...)``."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is not None:
            session = self.session
            record_authentication(SimpleNamespace(session=session), user, "mfa", id=totp.pk, type=totp.type)
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def sms_outbox(settings):
    """The in-memory SMS outbox, emptied around the test."""
    settings.SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox.clear()
    yield LocmemSMSBackend.outbox
    LocmemSMSBackend.outbox.clear()


@pytest.fixture
def tree(db):
    """Root → HomePage (the default site's root) → course index → course → two lessons."""
    return build_course_tree()


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def race():
    """Run callables at the same moment and return what each returned or raised, in order.

    Each runs in its own thread, so with its own database connection (closed when it is
    done), released together by a barrier: only a real database with
    ``django_db(transaction=True)`` shows how their locks and constraints settle it.
    """

    def run(*calls: Callable[[], object]) -> list[object]:
        barrier = threading.Barrier(len(calls))
        outcomes: list[object] = [None] * len(calls)

        def run_one(index: int, call: Callable[[], object]) -> None:
            try:
                barrier.wait(timeout=10)
                outcomes[index] = call()
            except Exception as exc:  # noqa: BLE001 - the test inspects what each caller got
                outcomes[index] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run_one, args=(index, call)) for index, call in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        stuck = sum(thread.is_alive() for thread in threads)
        assert not stuck, f"{stuck} of {len(threads)} racing callers did not finish within 60 s"
        return outcomes

    return run


@pytest.fixture
def database_url(django_db_setup) -> str:
    """The test database as a DATABASE_URL, for a process the test starts (a server, a worker)."""
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def client_for(db):
    """A new test client logged in as the user, for tests that need more than one.

    ``mfa=True`` first gives the user a TOTP authenticator: without one, regulators,
    administrators and superusers are sent to set it up (accounts.middleware).
    """

    def log_in(user, *, mfa: bool = False) -> Client:
        if mfa:
            with_totp(user)
        client = Client()
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def admin_client(client_for):
    """A client logged in as a superuser ("root"), with the TOTP the MFA middleware asks of one."""
    return client_for(UserFactory(username="root", is_superuser=True, is_staff=True), mfa=True)


@pytest.fixture
def totp_code():
    """The code an authenticator app shows now for a TOTP secret."""

    def code(secret: str) -> str:
        counters = list(yield_hotp_counters_from_time())
        return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))

    return code


# --- the browser: headless Chromium at phone size (tests marked "browser") -------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser(monkeypatch):
    """The system's Chromium ($CHROMIUM, else chromium on the PATH) driven by Playwright."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are ordinary synchronous queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which(os.environ.get("CHROMIUM", "chromium")) or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _poll_expression(page, expression: str, *, timeout: float = 15_000, **_ignored) -> object:
    """Playwright's wait_for_function polls by evaluating a string inside the page, which
    the site's Content-Security-Policy (no 'unsafe-eval') refuses; this polls from here,
    through the debugging protocol, which the policy does not govern."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(100)


@pytest.fixture
def phone(browser, live_server):
    """Opens a page in a new phone (360×800, touch, Chinese); ``page.base`` is the live server's URL."""

    def open_page():
        context = browser.new_context(
            viewport={"width": 360, "height": 800},
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
            device_scale_factor=1,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base = live_server.url
        page.wait_for_function = partial(_poll_expression, page)
        return page

    return open_page


@pytest.fixture
def log_in(totp_code):
    """Logs a user in on a page through allauth's own form, with the factories' and seed_demo's
    password; ``totp=True`` then enters the current code of the user's TOTP authenticator."""

    def submit(page, username: str, *, totp: bool = False) -> None:
        page.goto(f"{page.base}/accounts/login/")
        page.fill("input[name=login]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        if totp:
            authenticator = Authenticator.objects.get(user__username=username, type=Authenticator.Type.TOTP)
            page.fill("input[name=code]", totp_code(decrypt(authenticator.data["secret"])))
            page.click("main form button[type=submit]")
            page.wait_for_load_state()
        assert "/accounts/login" not in page.url, page.inner_text("body")[:500]
        assert "/accounts/2fa/authenticate" not in page.url, page.inner_text("body")[:500]

    return submit


@pytest.fixture
def screenshot_dir() -> Path:
    """$SCREENSHOT_DIR (CI keeps it), else a new temporary folder; named in the test output."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="kaozheng-journey-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"journey screenshots: {folder}")
    return folder


@pytest.fixture
def demo(settings):
    """The demo data (seed_demo): its people, courses, sessions and registrations."""
    settings.DEBUG = True  # seed_demo refuses to run without it
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
