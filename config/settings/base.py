"""Settings for every mode, read from the environment.

The embedded default needs no service: SQLite, local media, an in-memory cache and
Celery tasks run eagerly. Production sets DATABASE_URL, REDIS_URL, CELERY_BROKER_URL and
friends (see .env.example); nothing else changes.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE as CSP_NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DEBUG is off.")
    SECRET_KEY = "embedded-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver" if DEBUG else "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    # Project apps first so their templates override the libraries'.
    "accounts",
    "cms",
    "courses",
    "exams",
    "certificates",
    "employers",
    "campaigns",
    "assessments",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # allauth
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.headless",
    "allauth.usersessions",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answer saves that carry their attempt's token are answered here, before sessions and auth.
    "exams.theory.save_tokens.AttemptTokenSaveMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.PerPathCSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.RequireMFAMiddleware",
    "accounts.middleware.RateLimitedMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a write is in flight; the timeout rides out
    # short lock waits instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif os.environ.get("DATABASE_PREPARED_STATEMENTS", "true").lower() in ("1", "true", "yes"):
    # The exam day's hot statements (accounts.db.planned_cursor) are prepared once per
    # connection after 5 runs, so PostgreSQL does not plan them again; Django's own queries
    # are never prepared. Set DATABASE_PREPARED_STATEMENTS=false behind a pooler that cannot
    # keep prepared statements (PgBouncer before 1.21 in transaction mode).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kz",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# With Redis, sessions are read from the cache (written through to the database), so an
# answer save does not read the session table on every request.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"  # never used while eager; keeps Celery off amqp://localhost
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    # Attempts past their deadline are also submitted on the candidate's next request;
    # the sweep catches those whose phone never came back.
    "exams-sweep-expired-attempts": {"task": "exams.sweep_expired_attempts", "schedule": 60.0},
    # Papers are drawn before the exam day, so that a start only copies one.
    "exams-draw-papers-ahead": {"task": "exams.draw_papers_ahead", "schedule": 600.0},
    # Reminders for reviews whose 60-day window opened, daily; lapses recorded nightly.
    "certificates-send-review-reminders": {
        "task": "certificates.send_review_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "certificates-record-lapses": {"task": "certificates.record_lapses", "schedule": crontab(hour=1, minute=30)},
    # The yearly refresher of principal leaders and safety managers: reminders and misses.
    "certificates-send-refresher-notices": {
        "task": "certificates.send_refresher_notices",
        "schedule": crontab(hour=9, minute=10),
    },
    # Employers' weekly digest of what falls due: Monday morning, Tuesday and Wednesday
    # only if Monday's did not go (sent once per employer and week).
    "employers-send-weekly-digests": {
        "task": "employers.send_weekly_digests",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon-wed"),
    },
    # Large roster checks are kept 30 days (certificates.roster).
    "certificates-purge-roster-checks": {
        "task": "certificates.purge_roster_checks",
        "schedule": crontab(hour=2, minute=50),
    },
    # Contractors' gate checks are kept 30 days.
    "employers-purge-gate-checks": {"task": "employers.purge_gate_checks", "schedule": crontab(hour=2, minute=45)},
    # Sign-ups whose phone was never verified (accounts.services.UNVERIFIED_SIGNUP_TTL).
    "accounts-expire-unverified-signups": {
        "task": "accounts.expire_unverified_signups",
        "schedule": crontab(hour=3, minute=10),
    },
    # Question-file previews nobody confirmed or discarded: their kept files go after a day.
    "exams-discard-stale-question-imports": {
        "task": "exams.discard_stale_question_imports",
        "schedule": crontab(hour=2, minute=15),
    },
    # Health certificates held for a form that was left, after a day.
    "exams-discard-stale-held-uploads": {
        "task": "exams.discard_stale_held_uploads",
        "schedule": crontab(hour=2, minute=20),
    },
    # Quiz campaigns: write queued submissions and their rollups (a no-op without Redis).
    "campaigns-write-submissions": {
        "task": "campaigns.write_submissions",
        "schedule": 2.0,
        "options": {"expires": 2.0},
    },
}

# --- Auth and allauth -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, reading the user and their roles in one query (accounts/backends.py).
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/me/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "phone*", "email", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupIdentityForm"
ACCOUNT_FORMS = {"signup": "accounts.signup.AtomicSignupForm"}
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
# Behind a load balancer or reverse proxy, which address is the client's (accounts.network;
# README, Production): the number of proxies that append to X-Forwarded-For, or a header
# the last proxy sets (e.g. X-Real-IP). Never both; with neither, REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ALLAUTH_TRUSTED_PROXY_COUNT") or 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("ALLAUTH_TRUSTED_CLIENT_IP_HEADER") or None
# An exam hall logs 200 candidates in from one NAT address within minutes: failed log-ins
# are limited per account (5 in 5 minutes), and each address gets a budget a hall fits in.
LOGIN_RATE_PER_IP = os.environ.get("LOGIN_RATE_PER_IP", "600/m")
LOGIN_FAILED_RATE_PER_IP = os.environ.get("LOGIN_FAILED_RATE_PER_IP", "100/m")
ACCOUNT_RATE_LIMITS = {
    "login": f"{LOGIN_RATE_PER_IP}/ip",
    "login_failed": f"{LOGIN_FAILED_RATE_PER_IP}/ip,5/5m/key",
    "signup": "100/m/ip",
    "verify_phone": "1/30s/key,100/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# accounts.mfa: a set-up secret that survives a reload, phone-friendly code boxes, Chinese errors.
MFA_ADAPTER = "accounts.mfa.MFAAdapter"
MFA_FORMS = {
    "activate_totp": "accounts.mfa.StableActivateTOTPForm",
    "authenticate": "accounts.mfa.PhoneAuthenticateForm",
    "reauthenticate": "accounts.mfa.PhoneReauthenticateForm",
}
MFA_TOTP_ISSUER = "Kaozheng 考证"
# WeChat sign-in (accounts.social): allauth's weixin provider, there only when its keys
# are set. WEIXIN_AUTHORIZE_URL switches from the website QR code (open platform,
# snsapi_login) to the official account's page inside WeChat (snsapi_userinfo).
WEIXIN_APP_ID = os.environ.get("WEIXIN_APP_ID", "")
WEIXIN_APP_SECRET = os.environ.get("WEIXIN_APP_SECRET", "")
WEIXIN_ENABLED = bool(WEIXIN_APP_ID and WEIXIN_APP_SECRET)
SOCIALACCOUNT_ADAPTER = "accounts.social.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "accounts.social.AtomicSocialSignupForm"}
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_PROVIDERS: dict = {}
if WEIXIN_ENABLED:
    INSTALLED_APPS.insert(INSTALLED_APPS.index("allauth.socialaccount") + 1, "allauth.socialaccount.providers.weixin")
    SOCIALACCOUNT_PROVIDERS["weixin"] = {
        "APPS": [{"client_id": WEIXIN_APP_ID, "secret": WEIXIN_APP_SECRET}],
        "AUTHORIZE_URL": os.environ.get("WEIXIN_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/qrconnect"),
        "SCOPE": [os.environ.get("WEIXIN_SCOPE", "snsapi_login")],
    }
HEADLESS_CLIENTS = ("app",)
HEADLESS_ONLY = False

# --- Text messages (accounts.sms) ------------------------------------------------------
# Tencent Cloud SMS once its keys are set, else the console; SMS_BACKEND (a dotted path)
# overrides both.
TENCENT_SMS_SECRET_ID = os.environ.get("TENCENT_SMS_SECRET_ID", "")
TENCENT_SMS_SECRET_KEY = os.environ.get("TENCENT_SMS_SECRET_KEY", "")
TENCENT_SMS_SDK_APP_ID = os.environ.get("TENCENT_SMS_SDK_APP_ID", "")
TENCENT_SMS_REGION = os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou")
# Only to reach the API somewhere else (a proxy); empty means sms.tencentcloudapi.com.
TENCENT_SMS_ENDPOINT = os.environ.get("TENCENT_SMS_ENDPOINT", "")
TENCENT_SMS_PROTOCOL = os.environ.get("TENCENT_SMS_PROTOCOL", "https")
TENCENT_SMS_TIMEOUT = int(os.environ.get("TENCENT_SMS_TIMEOUT", "10"))
SMS_BACKEND = os.environ.get("SMS_BACKEND") or (
    "accounts.tencent_sms.TencentCloudSMSBackend" if TENCENT_SMS_SECRET_ID else "accounts.sms.ConsoleSMSBackend"
)
# The signature (签名) approved with the templates; the console shows it as 【考证】.
SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "考证")
# One approved template id per kind of message (accounts.models.SmsKind).
SMS_KINDS = (
    "verification",
    "account_exists",
    "unknown_account",
    "review_reminder",
    "certificate_notice",
    "invitation",
    "class_invitation",
    "digest",
)
SMS_TEMPLATES = {kind: os.environ.get(f"SMS_TEMPLATE_{kind.upper()}", "") for kind in SMS_KINDS}
# Limits (0 = none): per number and clock hour, per number and day, for the site per day.
SMS_LIMIT_PER_NUMBER_HOUR = int(os.environ.get("SMS_LIMIT_PER_NUMBER_HOUR", "5"))
SMS_LIMIT_PER_NUMBER_DAY = int(os.environ.get("SMS_LIMIT_PER_NUMBER_DAY", "10"))
SMS_LIMIT_PER_DAY = int(os.environ.get("SMS_LIMIT_PER_DAY", "50000"))
# The secret last part of the delivery-report URL given to the SMS service; empty turns
# reports off.
SMS_CALLBACK_TOKEN = os.environ.get("SMS_CALLBACK_TOKEN", "")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Kaozheng <noreply@kaozheng.local>")

# --- Field encryption and signing -----------------------------------------------------
# Fernet key(s) for personal data at rest; the first encrypts, all decrypt (rotation).
# Without one (embedded default, DEBUG only) a key is derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEY")
if not FIELD_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required when DEBUG is off.")
# Ed25519 private key (PEM, or a path to one) that signs certificate credentials.
SIGNING_KEY = os.environ.get("SIGNING_KEY", "")
# Retired signing keys (PEM, or paths joined by ":"), still published in the JWKS.
SIGNING_KEYS_PREVIOUS = os.environ.get("SIGNING_KEYS_PREVIOUS", "")

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- Static and media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = os.environ.get("MEDIA_URL") or "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = os.environ.get("MEDIA_S3_BUCKET", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
#: Private files (health certificates, evidence, certificate PDFs, photos, question files,
#: rosters: accounts.private_media) live apart from the public media, outside MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT") or BASE_DIR / "private-media")
#: How long a signed link to a private file stays valid (S3), in seconds.
PRIVATE_MEDIA_URL_EXPIRY = int(os.environ.get("PRIVATE_MEDIA_URL_EXPIRY") or 120)
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/private-media-is-never-served/"},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("MEDIA_S3_PRIVATE_BUCKET") or AWS_STORAGE_BUCKET_NAME,
            "location": os.environ.get("MEDIA_S3_PRIVATE_PREFIX") or "private",
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": PRIVATE_MEDIA_URL_EXPIRY,
            "file_overwrite": False,
            "custom_domain": None,
        },
    }
    AWS_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("MEDIA_S3_REGION") or None
    AWS_ACCESS_KEY_ID = os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_S3_FILE_OVERWRITE = False
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Wagtail --------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "考证 Kaozheng"
#: No avatars from an external image host in the admin (broken behind the firewall, and a leak).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILADMIN_BASE_URL = SITE_URL
# Every log-in goes through allauth (second factor, failed-login limits): Wagtail's own
# login page redirects there (config.urls; someone signed in without admin access gets a
# 403 there rather than a loop) and its password reset is off.
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Uploads: Wagtail checks an image's format by content against these extensions, its size
# and its pixel count; cms.uploads checks a document's content and size.
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "txt", "mp4", "webm"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.uploads.ValidatedDocumentForm"
WAGTAILDOCS_MAX_UPLOAD_SIZE = int(os.environ.get("WAGTAILDOCS_MAX_UPLOAD_SIZE", 100 * 1024 * 1024))

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    # HTTPS only, on by default in production; /healthz answers the load balancer over HTTP.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Content-Security-Policy (config.csp): own scripts only, inline ones by nonce; the admins
# get what Wagtail needs under their prefixes. Images from data: URIs are the QR codes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", "https:"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", "https://open.weixin.qq.com"],
    }
}

# Rate limits for the public verification endpoints (django-ratelimit syntax).
VERIFY_RATE = os.environ.get("VERIFY_RATE", "30/m")
#: People a user may look up through rosters per hour; a roster's people at most; above
#: ROSTER_SYNC_ROWS people a roster is checked by a task, with its progress on the page.
ROSTER_RATE = os.environ.get("ROSTER_RATE", "2000/h")
ROSTER_MAX_ROWS = int(os.environ.get("ROSTER_MAX_ROWS") or 2000)
ROSTER_SYNC_ROWS = int(os.environ.get("ROSTER_SYNC_ROWS") or 500)
#: Class invitations a trainer may text per 24 hours (courses.classes).
CLASS_INVITATION_SMS_PER_DAY = int(os.environ.get("CLASS_INVITATION_SMS_PER_DAY") or 200)
RATELIMIT_VIEW = "certificates.views.rate_limited"
# The client's address as allauth reads it (the trusted-proxy settings above), so that
# a client cannot choose its own and a request without the header is no error.
RATELIMIT_IP_META_KEY = "accounts.network.client_ip"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

# --- Kaozheng ---------------------------------------------------------------------------
# What happens when a candidate has passed both parts. Exams call these dotted paths
# (inside the transaction that records the final result) so that the exams app never
# imports the certificates app.
KAOZHENG_ON_QUALIFIED = ["certificates.services.issue_certificate_for_qualification"]
# A passed theory exam: kinds examined by theory alone qualify, review exams reach the review.
KAOZHENG_ON_THEORY_PASSED = ["certificates.services.on_theory_passed"]
# Path to a CJK font (OTF/TTF/TTC) to embed in PDFs; found through fontconfig if unset.
PDF_CJK_FONT = os.environ.get("PDF_CJK_FONT", "")
# Women's retirement schedule for the age rule: 50 (workers, the default for
# special-operations work) or 55 (managerial and technical posts). See exams/admission/eligibility.py.
KAOZHENG_FEMALE_RETIREMENT_BASE = int(os.environ.get("KAOZHENG_FEMALE_RETIREMENT_BASE", "50"))
# Lesson pages send a heartbeat this often while the learner studies.
COURSES_HEARTBEAT_SECONDS = int(os.environ.get("COURSES_HEARTBEAT_SECONDS", 30))

# Public quiz campaigns (campaigns/). Submissions go to a Redis stream when there is one
# (CAMPAIGN_QUEUE_URL, default REDIS_URL; give it a database of its own in production, as
# clearing the cache flushes the cache's database) and are written in batches; else at once.
CAMPAIGN_QUEUE_URL = os.environ.get("CAMPAIGN_QUEUE_URL", REDIS_URL)
CAMPAIGN_BATCH_SIZE = int(os.environ.get("CAMPAIGN_BATCH_SIZE", "500"))
CAMPAIGN_DRAIN_SECONDS = float(os.environ.get("CAMPAIGN_DRAIN_SECONDS", "20"))
# Entries a killed writer had read are claimed again after this long.
CAMPAIGN_RECLAIM_SECONDS = float(os.environ.get("CAMPAIGN_RECLAIM_SECONDS", "30"))
CAMPAIGN_GRACE_SECONDS = int(os.environ.get("CAMPAIGN_GRACE_SECONDS", "120"))
CAMPAIGN_DEDUPE_SECONDS = int(os.environ.get("CAMPAIGN_DEDUPE_SECONDS", str(3 * 86400)))
# Limits (0 = none). A firm behind one address sends all its staff at once: above the
# challenge rate an address is asked a light question, above the hard rate refused.
CAMPAIGN_IP_PAPERS_PER_MINUTE = int(os.environ.get("CAMPAIGN_IP_PAPERS_PER_MINUTE", "600"))
CAMPAIGN_IP_SUBMITS_PER_MINUTE = int(os.environ.get("CAMPAIGN_IP_SUBMITS_PER_MINUTE", "600"))
CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE = int(os.environ.get("CAMPAIGN_CHALLENGE_AFTER_PER_MINUTE", "30"))
CAMPAIGN_DEVICE_PAPERS_PER_HOUR = int(os.environ.get("CAMPAIGN_DEVICE_PAPERS_PER_HOUR", "30"))
CAMPAIGN_IP_SMS_PER_HOUR = int(os.environ.get("CAMPAIGN_IP_SMS_PER_HOUR", "10"))
