"""Test settings: fast by default; service-backed tests read the environment."""

import os
import tempfile

os.environ.setdefault("DEBUG", "true")
# WeChat sign-in is on in tests (fake keys; no request leaves: tests/accounts/test_weixin.py).
os.environ.setdefault("WEIXIN_APP_ID", "wx0123456789abcdef")
os.environ.setdefault("WEIXIN_APP_SECRET", "test-weixin-secret")

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "accounts.sms.LocmemSMSBackend"
# Eager even when a broker is configured: only tests marked celery_worker talk to one.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="kaozheng-test-media-")
PRIVATE_MEDIA_ROOT = os.environ.get("PRIVATE_MEDIA_ROOT") or tempfile.mkdtemp(prefix="kaozheng-test-private-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": PRIVATE_MEDIA_ROOT}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "zh-hans"

# Django's test runner turns DEBUG off, where an empty SIGNING_KEY is refused: a fixed,
# test-only Ed25519 key (never used outside the tests).
SIGNING_KEY = os.environ.get("SIGNING_KEY") or (
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGthb3poZW5nLXRlc3Qtc2lnbmluZy1rZXktMDAwMDAw\n"
    "-----END PRIVATE KEY-----\n"
)

# Quiz submissions are written at once in tests, even with Redis configured; the tests of
# the queue (and the worker they start) turn the stream on.
CAMPAIGN_QUEUE_URL = os.environ.get("CAMPAIGN_QUEUE_URL", "")
