"""Settings shared by every deployable, read from environment variables only.

Each deployable's ``settings.py`` star-imports this module and then names its platforms:
``PLATFORMS = ["trading"]`` plus ``INSTALLED_APPS``, ``DATABASES`` and ``HUEY`` built by the
helpers below. Nothing in ``kernel``, ``platform`` or ``contexts`` imports this module; they
read ``django.conf.settings``.

Environment variables (all optional on the embedded default):

- ``ZHENGWU_VAR_DIR``       where SQLite files, keys, uploads and the task queue live (./var)
- ``ZHENGWU_DATABASE_URL``  e.g. ``postgres://zhengwu@db/trading``; default SQLite in VAR_DIR
- ``ZHENGWU_TASKS_URL``     ``redis://host:6379/0`` in production; default SQLite in VAR_DIR
- ``ZHENGWU_SECRET_KEY``    required when ``ZHENGWU_DEBUG`` is off
- ``ZHENGWU_DEBUG``         ``1`` for development
- ``ZHENGWU_ALLOWED_HOSTS`` comma separated
- ``ZHENGWU_SIGNING_KEY``   base64 Ed25519 private key of this deployable (exchange, tree heads)
- ``ZHENGWU_AGREEMENT_KEY`` base64 X25519 private key of this deployable (custody of opening-key shares)
- ``ZHENGWU_SUPERVISION_CUSTODY_KEY`` (trading) base64 X25519 public key of the supervision deployable
- ``ZHENGWU_PEERS``         ``name=url|pubkey,...``: the other deployables and their public keys
- ``ZHENGWU_CRYPTO_SUITE``  ``intl`` (default) or ``gm``
- ``ZHENGWU_OPERATOR_USCC``  the trading platform operator's USCC (for unified deal codes)
- ``ZHENGWU_TRUSTED_PROXIES`` comma-separated proxy IPs whose X-Forwarded-For is believed
- ``ZHENGWU_AUDIT_PAST_KEYS`` base64 public keys (comma separated) of retired signing keys whose
  audit tree heads stay valid after a key rotation
- ``ZHENGWU_PUBLIC_URL``    the public platform's address as people reach it (links in the open data)
- ``ZHENGWU_OCDS_PREFIX``   the OCDS ocid prefix (default ``ocds-213czf``, OCP's documentation prefix:
  register the platform's own with the Open Contracting Partnership before go-live)
- ``ZHENGWU_OCDS_PUBLISHER`` the publisher named in the open data's packages
- ``ZHENGWU_OCDS_LICENSE``  the open data's licence URL (default CC BY 4.0)
- ``ZHENGWU_OCDS_POLICY_URL`` the publication policy's URL (default: the open-data page)

The upward push (public platform → the provincial/national platform; 《公共资源交易平台系统数据规范》):

- ``ZHENGWU_UPWARD_URL``    the higher-level platform's upload endpoint (full URL); unset = not
  configured: records wait, pending, until it is set (then ``zhengwu upward push``)
- ``ZHENGWU_UPWARD_SYSTEM_NO`` the 4-digit system number the higher level assigned (DATA_KEY prefix; 0001)
- ``ZHENGWU_UPWARD_PLATFORM_CODE`` PLATFORM_CODE, the trading system operator's 18-character USCC
  (default ``ZHENGWU_OPERATOR_USCC``)
- ``ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE`` PUB_SERVICE_PLAT_CODE, the public service platform
  operator's 18-character USCC (default ``ZHENGWU_OPERATOR_USCC``); also names this platform to the higher level
- ``ZHENGWU_UPWARD_TRADE_PLAT`` / ``ZHENGWU_UPWARD_PUB_SERVICE_PLAT`` the 11-character 交易平台 /
  公共服务平台 标识码 (工程建设 datasets)
- ``ZHENGWU_UPWARD_TRADE_SYSTEM_NO`` TRADE_SYSTEM_NO, the 12-character 交易系统编号
- ``ZHENGWU_UPWARD_MEDIA``  NOTICE_MEDIA: the name of the medium notices appear in
- ``ZHENGWU_UPWARD_SOURCES`` receiving side: ``code=public_key_b64,...``, the lower-level platforms
  (by their PUB_SERVICE_PLAT_CODE) allowed to push here and their Ed25519 public keys
- ``ZHENGWU_DEMO_APPRAISAL_QUARTERS`` ``0`` = the demo leaves out the appraisal's two simulated
  quarters (a minute of work: the test suite leaves them out, except the test that runs them)
- ``ZHENGWU_DEMO_CENTER_RECORDS`` ``0`` = the demo leaves out the service centre's library catalogue
  with its loans and the legal-aid desk's consultations and cases (the test suite leaves them out,
  except the tests of the centre's demo and pages)
- ``ZHENGWU_APPRAISAL_CHANNELS`` ``sms=dotted.Class,email=dotted.Class``: the appraisal's invitation
  gateways (plug-ins); unset = the local channel, which keeps messages in the database
- ``ZHENGWU_APPRAISAL_TICKET_WORKDAYS`` working days a unit has to rectify a feedback ticket (15, the
  Sichuan rule; the national 好差评 text is unverified on this point, others use 5 or 7)
- ``ZHENGWU_APPRAISAL_ESCALATE_AFTER_WORKDAYS`` working days past its deadline after which an open
  ticket goes to the city's supervision office and leaders (5); past the deadline at all, the
  unit's head is notified
- ``ZHENGWU_APPRAISAL_ACCOUNTABILITY`` the accountability rules as a JSON list of objects
  (``code``, ``title``, ``outcome``, ``min_last``, ``window_rounds`` — null for the calendar year —,
  ``requires_harm_flag``, ``require_current_last``); unset = Kunming's two rules (last twice in a
  year → 通报批评、约谈; last twice and a harm flag → 移交纪检监察机关)
- ``ZHENGWU_APPRAISAL_HARM_FLAG_ROLES`` comma-separated roles of the officials who may find that a
  unit seriously harmed key investment projects (``city_leader``); never the evaluator
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

from zhengwu.deploy.platforms import PLATFORM_META, contexts_for


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


VAR_DIR = Path(os.environ.get("ZHENGWU_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = _env_bool("ZHENGWU_DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("ZHENGWU_SECRET_KEY")
    if key:
        return key
    # The embedded default keeps a generated key on disk so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ZHENGWU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("ZHENGWU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",
]
PLATFORM_APPS = [
    "zhengwu.platform.web",
    "zhengwu.platform.api",
    "zhengwu.platform.audit",
    "zhengwu.platform.exchange",
    "zhengwu.platform.workdays",
]


def apps_for(platforms: list[str]) -> list[str]:
    """INSTALLED_APPS of a deployable serving ``platforms``."""
    contexts = ["zhengwu.contexts.identity"] + [f"zhengwu.contexts.{c}" for c in contexts_for(platforms)]
    return DJANGO_APPS + PLATFORM_APPS + contexts + ["zhengwu.deploy.ops"]


def databases_for(name: str) -> dict[str, Any]:
    url = os.environ.get("ZHENGWU_DATABASE_URL") or f"sqlite:///{VAR_DIR / (name + '.sqlite3')}"
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers go on while one writer writes; a busy timeout waits for the lock
        # instead of failing at once when the worker and the web process write together.
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    test_name = os.environ.get("ZHENGWU_TEST_DATABASE_NAME")
    if test_name:
        config["TEST"] = {"NAME": test_name}
    return {"default": config}


# Task workers log warnings and errors only, unless ZHENGWU_TASKS_VERBOSE=1 (every task run).
_CONSUMER_VERBOSE: bool | None = None if _env_bool("ZHENGWU_TASKS_VERBOSE", False) else False


def huey_for(name: str) -> dict[str, Any]:
    url = os.environ.get("ZHENGWU_TASKS_URL", "")
    immediate = _env_bool("ZHENGWU_TASKS_IMMEDIATE", False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "name": f"zhengwu-{name}",
            "huey_class": "huey.RedisHuey",
            "url": url,
            "immediate": immediate,
            "consumer": {"workers": 2, "worker_type": "thread", "verbose": _CONSUMER_VERBOSE},
        }
    # No server needed on the embedded default: the queue is a SQLite file.
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else str(VAR_DIR / f"tasks-{name}.sqlite3")
    return {
        "name": f"zhengwu-{name}",
        "huey_class": "huey.SqliteHuey",
        "filename": path,
        "immediate": immediate,
        "consumer": {"workers": 2, "worker_type": "thread", "verbose": _CONSUMER_VERBOSE},
    }


MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # API tokens (Authorization: Bearer) replace the session on /api/ requests that carry one.
    "zhengwu.contexts.identity.middleware.ApiTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zhengwu.platform.web.middleware.PlatformMiddleware",
    "zhengwu.platform.api.middleware.ApiErrorShapeMiddleware",
]
CSRF_FAILURE_VIEW = "zhengwu.platform.web.views.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengwu.platform.web.context_processors.platform",
            ],
        },
    },
]

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the app directories (WHITENOISE_USE_FINDERS) and warns if this is absent.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "files"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = _env_bool("ZHENGWU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

ZHENGWU_PLATFORM_META = PLATFORM_META
ZHENGWU_CRYPTO_SUITE = os.environ.get("ZHENGWU_CRYPTO_SUITE", "intl")
ZHENGWU_SIGNING_KEY = os.environ.get("ZHENGWU_SIGNING_KEY", "")
ZHENGWU_AGREEMENT_KEY = os.environ.get("ZHENGWU_AGREEMENT_KEY", "")
ZHENGWU_SUPERVISION_CUSTODY_KEY = os.environ.get("ZHENGWU_SUPERVISION_CUSTODY_KEY", "")
ZHENGWU_PEERS = os.environ.get("ZHENGWU_PEERS", "")
ZHENGWU_AUDIT_PAST_KEYS = os.environ.get("ZHENGWU_AUDIT_PAST_KEYS", "")
# The trading platform operator's USCC: part of every section's 40-character unified deal code
# (统一交易标识码). Sections get no deal code until it is set.
ZHENGWU_OPERATOR_USCC = os.environ.get("ZHENGWU_OPERATOR_USCC", "")
# Open data (OCDS). The ocid prefix is issued by the Open Contracting Partnership only; the default
# is OCP's documentation prefix and must be replaced by the registered one before go-live.
ZHENGWU_PUBLIC_URL = os.environ.get("ZHENGWU_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
ZHENGWU_OCDS_PREFIX = os.environ.get("ZHENGWU_OCDS_PREFIX", "ocds-213czf")
ZHENGWU_OCDS_PUBLISHER = os.environ.get("ZHENGWU_OCDS_PUBLISHER", "昆明市公共资源交易中心")
ZHENGWU_OCDS_LICENSE = os.environ.get("ZHENGWU_OCDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/")
ZHENGWU_OCDS_POLICY_URL = os.environ.get("ZHENGWU_OCDS_POLICY_URL", "")
# The upward push: see the module's docstring. Platform codes default to the operator's USCC.
ZHENGWU_UPWARD_URL = os.environ.get("ZHENGWU_UPWARD_URL", "").strip()
ZHENGWU_UPWARD_SYSTEM_NO = os.environ.get("ZHENGWU_UPWARD_SYSTEM_NO", "0001").strip()
ZHENGWU_UPWARD_PLATFORM_CODE = os.environ.get("ZHENGWU_UPWARD_PLATFORM_CODE", ZHENGWU_OPERATOR_USCC).strip()
ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE = os.environ.get(
    "ZHENGWU_UPWARD_PUB_SERVICE_PLAT_CODE", ZHENGWU_OPERATOR_USCC
).strip()
ZHENGWU_UPWARD_TRADE_PLAT = os.environ.get("ZHENGWU_UPWARD_TRADE_PLAT", "").strip()
ZHENGWU_UPWARD_PUB_SERVICE_PLAT = os.environ.get("ZHENGWU_UPWARD_PUB_SERVICE_PLAT", "").strip()
ZHENGWU_UPWARD_TRADE_SYSTEM_NO = os.environ.get("ZHENGWU_UPWARD_TRADE_SYSTEM_NO", "").strip()
ZHENGWU_UPWARD_MEDIA = os.environ.get("ZHENGWU_UPWARD_MEDIA", "公共资源交易服务平台").strip()
ZHENGWU_UPWARD_SOURCES = os.environ.get("ZHENGWU_UPWARD_SOURCES", "")
ZHENGWU_DEMO_APPRAISAL_QUARTERS = _env_bool("ZHENGWU_DEMO_APPRAISAL_QUARTERS", True)
ZHENGWU_DEMO_CENTER_RECORDS = _env_bool("ZHENGWU_DEMO_CENTER_RECORDS", True)
ZHENGWU_APPRAISAL_CHANNELS = dict(
    pair.strip().split("=", 1) for pair in os.environ.get("ZHENGWU_APPRAISAL_CHANNELS", "").split(",") if "=" in pair
)
# Reverse proxies whose X-Forwarded-For is believed (login throttling counts per client IP).
ZHENGWU_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("ZHENGWU_TRUSTED_PROXIES", "").split(",") if p.strip()]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHENGWU_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The task worker installs its own handler on "huey"; do not print its lines twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}

# Which platforms receive which events (the exchange's routing table). A deployable sends an
# event to every listed platform it does not serve itself; the standalone deployable delivers
# to its own inbox for each, through the in-process transport.
ZHENGWU_EXCHANGE_ROUTES: dict[str, list[str]] = {
    "identity.market_subject.changed": ["public", "supervision"],
    "tendering.notice.published": ["public", "supervision"],
    "tendering.section.status_changed": ["supervision"],
    # A failed section (流标), announced on the public site.
    "tendering.section.failed": ["public"],
    "bidding.bids.frozen": ["public", "supervision"],
    "bidding.opening.recorded": ["public", "supervision"],
    "bidding.custody_share.issued": ["supervision"],
    "supervision.custody_share.released": ["trading"],
    # The commitment of an expert draw, published before the draw (never the pool or a name).
    "experts.draw.committed": ["public"],
    # After the evaluation: the candidates (with the committee and the draw record), the award,
    # the contract; the written report goes to the supervising department only.
    "evaluation.candidates.published": ["public", "supervision"],
    "evaluation.award.decided": ["public", "supervision"],
    "evaluation.contract.registered": ["public", "supervision"],
    "evaluation.written_report.submitted": ["supervision"],
    # Every platform's signed audit tree heads, published on the public platform.
    "audit.tree_head.sealed": ["public"],
    # The service centre's public information: the hall, the published duty roster, the library's
    # catalogue with availability (snapshots; nothing personal).
    "center.hall.changed": ["public"],
    "center.roster.published": ["public"],
    "center.library.title_changed": ["public"],
    # The records of the national datasets, for the higher-level platform (the upward push).
    "disclosure.upward.record": ["upward"],
}
# Destinations that are not a deployable's inbox, with the transport that speaks their protocol.
ZHENGWU_EXCHANGE_TRANSPORTS: dict[str, str] = {
    "upward": "zhengwu.contexts.disclosure.upward.transport.upward_transport_build",
}

# The legal-aid desk: the province's economic-difficulty standard (《法律援助法》第三十四条, in fen per
# person and month; the default 1,990 元 is Yunnan's first-tier minimum wage — unverified, set the
# figure the 司法局 publishes) and the review period of 第四十三条 (7 working days by default, as the
# 司法部 procedure rules and local practice read it; "0" for calendar days, as the law's 七日 may).
ZHENGWU_LEGAL_AID_STANDARD_FEN = int(os.environ.get("ZHENGWU_LEGAL_AID_STANDARD_FEN", "199000"))
ZHENGWU_LEGAL_AID_REVIEW_DAYS = int(os.environ.get("ZHENGWU_LEGAL_AID_REVIEW_DAYS", "7"))
ZHENGWU_LEGAL_AID_REVIEW_WORKING_DAYS = os.environ.get("ZHENGWU_LEGAL_AID_REVIEW_WORKING_DAYS", "1") != "0"

# The appraisal's feedback tickets, accountability rules and harm-flag officials (see the docstring).
ZHENGWU_APPRAISAL_TICKET_WORKDAYS = int(os.environ.get("ZHENGWU_APPRAISAL_TICKET_WORKDAYS", "15"))
ZHENGWU_APPRAISAL_ESCALATE_AFTER_WORKDAYS = int(os.environ.get("ZHENGWU_APPRAISAL_ESCALATE_AFTER_WORKDAYS", "5"))
# Empty = the two Kunming rules of appraisal/accountability.py (DEFAULT_RULES).
ZHENGWU_APPRAISAL_ACCOUNTABILITY: list[dict[str, Any]] = json.loads(
    os.environ.get("ZHENGWU_APPRAISAL_ACCOUNTABILITY", "").strip() or "[]"
)
ZHENGWU_APPRAISAL_HARM_FLAG_ROLES = [
    r.strip() for r in os.environ.get("ZHENGWU_APPRAISAL_HARM_FLAG_ROLES", "city_leader").split(",") if r.strip()
]
