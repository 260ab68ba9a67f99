"""Superset configuration for every process (web, Celery worker, beat, bootstrap), on ECS and locally.

Loaded through SUPERSET_CONFIG_PATH. It reads the environment only through
superset_stack.contract.parse, so a missing or malformed variable stops startup with a message
naming it; nothing else in the environment changes behaviour. Differences between AWS and the
default local twin follow from SUPERSET_ENV=local (plain http, no TLS to the data stores), nothing
else; `local up --like-aws` runs this file with the production values (SUPERSET_ENV=prod).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import timedelta
from typing import Any

import redis
from celery.schedules import crontab
from celery.signals import task_failure, worker_init
from flask_caching.backends.rediscache import RedisCache

from superset_stack import sizing
from superset_stack.contract import REDIS_DATABASES, parse
from superset_stack.runtime import reports, snapshot_cache
from superset_stack.runtime.auth import auth_config
from superset_stack.runtime.celery_teardown import use_fixed_teardown
from superset_stack.runtime.error_events import ErrorEventsConfigurator
from superset_stack.runtime.event_logger import SplitEventLogger
from superset_stack.runtime.login_events import with_login_events
from superset_stack.runtime.security_manager import NoAnonymousSecurityManager
from superset_stack.runtime.sso import SsoSecurityManager
from superset_stack.runtime.worker_lost import fail_lost_sql_lab_query

_runtime = parse(os.environ)
_prefix = f"superset_{_runtime.environment}_"

# --- identity and secrets ---------------------------------------------------------------------
SECRET_KEY = _runtime.secret_key
if _runtime.previous_secret_key:
    # Read by `superset re-encrypt-secrets` during a key rotation (docs/ and runbook).
    PREVIOUS_SECRET_KEY = _runtime.previous_secret_key

# --- metadata database --------------------------------------------------------------------------
# TLS mode, CA and (bootstrap) session role are in the URI's query: Alembic builds its own engine
# from the URI alone.
SQLALCHEMY_DATABASE_URI = _runtime.database_uri
# a gunicorn worker's pool follows its threads; a Celery prefork child's its one task at a time
_pool = sizing.process_pool_settings(_runtime.process, _runtime.server_threads_amount)
_connect_args: dict[str, Any] = {
    "connect_timeout": 10,
    # Detect a dead peer (failover, black-holed socket) in about a minute instead of hours.
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "application_name": f"superset-{_runtime.environment}",
}
SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {
    "pool_pre_ping": True,  # a restarted or failed-over database costs no request an error
    "pool_recycle": 1800,
    "pool_size": _pool.pool_size,
    "max_overflow": _pool.max_overflow,
    "pool_timeout": 30,
    "connect_args": _connect_args,
}
if _runtime.database_auth == "iam":
    # a new IAM token for each new connection of this engine, and of no other (db_auth.py)
    from superset_stack.runtime.db_auth import engine_options

    SQLALCHEMY_ENGINE_OPTIONS |= engine_options(_runtime.database_region)

# --- Redis: one logical database per use, instance-scoped key prefixes --------------------------


# Fail fast when Redis is unreachable instead of holding a request thread (redis-py reads these
# from the URL; Flask-Caching drops client options when it builds the client from a URL).
_CACHE_CLIENT_OPTIONS = {"socket_connect_timeout": "2", "socket_timeout": "2", "health_check_interval": "30"}


def _cache_url(name: str) -> str:
    # With TLS the URL also carries the certificate and host-name checks (contract.redis_url).
    return _runtime.redis_url(REDIS_DATABASES[name], **_CACHE_CLIENT_OPTIONS)


_FAIL_OPEN_CACHE = "superset_stack.runtime.fail_open_cache.FailOpenRedisCache"


def _cache(name: str, timeout: timedelta, *, required: bool = False) -> dict[str, Any]:
    """A Redis cache. An optional one misses during a Redis outage instead of failing requests
    (fail_open_cache.py); a required one (what users saved) fails loudly."""
    return {
        "CACHE_TYPE": "RedisCache" if required else _FAIL_OPEN_CACHE,
        "CACHE_DEFAULT_TIMEOUT": int(timeout.total_seconds()),
        "CACHE_KEY_PREFIX": f"{_prefix}{name}_",
        "CACHE_REDIS_URL": _cache_url(name),
    }


CACHE_DEFAULT_TIMEOUT = int(timedelta(days=1).total_seconds())
CACHE_CONFIG = _cache("metadata_cache", timedelta(days=1))
DATA_CACHE_CONFIG = _cache("data_cache", timedelta(days=1))
FILTER_STATE_CACHE_CONFIG = {
    **_cache("filter_state", timedelta(days=90), required=True),
    "REFRESH_TIMEOUT_ON_RETRIEVAL": True,
}
EXPLORE_FORM_DATA_CACHE_CONFIG = {
    **_cache("explore_form_data", timedelta(days=7), required=True),
    "REFRESH_TIMEOUT_ON_RETRIEVAL": True,
}
THUMBNAIL_CACHE_CONFIG = _cache("thumbnails", timedelta(days=7))

if _runtime.results_s3_bucket:
    from superset_stack.runtime.results_backend import S3ResultsBackend

    RESULTS_BACKEND = S3ResultsBackend(bucket=_runtime.results_s3_bucket, prefix=_runtime.results_s3_prefix)
else:
    RESULTS_BACKEND = RedisCache(
        host=redis.from_url(_cache_url("sqllab_results")),
        key_prefix=f"{_prefix}sqllab_results_",
        default_timeout=int(timedelta(days=1).total_seconds()),
    )
RESULTS_BACKEND_USE_MSGPACK = True

# --- Celery: broker and results on Redis, exactly one beat (enforced by the deployment) --------

BROKER_VISIBILITY_TIMEOUT_SECONDS = int(timedelta(hours=7).total_seconds())
EVENT_LOG_RETENTION_DAYS = 365  # Home's recent activity looks one year back
QUERY_HISTORY_RETENTION_DAYS = 180  # SQL Lab's query history; Superset's suggested period


class CeleryConfig:
    # kombu and Celery's Redis backend read the TLS checks from the URL's query (contract.redis_url)
    broker_url = _runtime.redis_url(REDIS_DATABASES["celery_broker"])
    result_backend = _runtime.redis_url(REDIS_DATABASES["celery_results"])
    broker_connection_retry_on_startup = True
    imports = (
        "superset.sql_lab",
        "superset.tasks.scheduler",
        "superset.tasks.thumbnails",
        "superset.tasks.cache",
    )
    worker_prefetch_multiplier = 1
    # Acknowledged as a task starts (Superset's default). With acks_late a task killed mid-way would
    # run again once the visibility timeout passed: a report mailed twice, hours late. A SQL Lab
    # query whose process dies is marked failed instead (worker_lost.py).
    task_acks_late = False
    # Redis hands an unacknowledged message (one a worker reserved, not yet started) to another
    # worker after this, even while the first still holds it. Above the longest task's time limit
    # (sql_lab.get_sql_results: 6 h 1 min), so no wait behind long queries makes a task run twice.
    broker_transport_options = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS}  # noqa: RUF012
    task_annotations = {"sql_lab.get_sql_results": {"rate_limit": "100/s"}}  # noqa: RUF012
    beat_schedule = {  # noqa: RUF012
        "reports.scheduler": {"task": "reports.scheduler", "schedule": crontab(minute="*", hour="*")},
        # Hourly, so that the pruning also runs where office hours stop beat at night.
        "reports.prune_log": {"task": "reports.prune_log", "schedule": crontab(minute=5)},
        # Superset leaves its event log and SQL Lab history to grow without bound.
        "prune_logs": {
            "task": "prune_logs",
            "schedule": crontab(minute=15),
            "kwargs": {"retention_period_days": EVENT_LOG_RETENTION_DAYS, "max_rows_per_run": 10_000},
        },
        "prune_query": {
            "task": "prune_query",
            "schedule": crontab(minute=25),
            "kwargs": {"retention_period_days": QUERY_HISTORY_RETENTION_DAYS},
        },
        **reports.beat_schedule(_runtime),  # the dashboard cache warm-up, when scheduled
    }


CELERY_CONFIG = CeleryConfig
# A query whose pool process dies (OOM, crash) is marked failed instead of "running" for good.
task_failure.connect(fail_lost_sql_lab_query)
# Superset 6.1.0 logs an ERROR after every Celery task; its fixed receiver (celery_teardown.py).
worker_init.connect(use_fixed_teardown)
FEATURE_FLAGS = reports.feature_flags(_runtime)
# Alerts, reports and thumbnails: the worker's browser, its way to the web tier, e-mail, Slack.
globals().update(reports.settings(_runtime))

# API-call events go to the process log (CloudWatch), the browser's activity to the database:
# no database write per request (event_logger.py).
EVENT_LOGGER = SplitEventLogger()
# Every ERROR and CRITICAL record as one JSON event: what the errors alarm counts (error_events.py).
LOGGING_CONFIGURATOR = ErrorEventsConfigurator()

# --- web tier behind the load balancer ----------------------------------------------------------
SUPERSET_WEBSERVER_TIMEOUT = _runtime.gunicorn_timeout
# The ALB terminates TLS and adds one hop of X-Forwarded-For/Proto/Port; locally there is no proxy
# to trust. It never sets X-Forwarded-Host or -Prefix but passes a client's through: trusting them
# would let any client change the host and path of redirects and generated links.
ENABLE_PROXY_FIX = not _runtime.local
PROXY_FIX_CONFIG = {"x_for": 1, "x_proto": 1, "x_host": 0, "x_port": 1, "x_prefix": 0}

# --- hardening (../shared/reference/security.md section 5) --------------------------------------
SESSION_COOKIE_SECURE = not _runtime.local
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = int(timedelta(hours=8).total_seconds())
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": ["'self'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": not _runtime.local,  # /health is exempt (views/health.py)
    "session_cookie_secure": not _runtime.local,
    "strict_transport_security": not _runtime.local,
    "frame_options": "SAMEORIGIN",
}
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = _runtime.redis_url(REDIS_DATABASES["rate_limits"])
# Measured (docs/failure-behaviour.md): with Redis down, the limiter's storage error turned every
# request into a 500, /health included, so the load balancer would drain every task. Count in
# memory per process until Redis is back instead.
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
AUTH_RATE_LIMITED = True
# One budget per client address for every door that checks a password (the login form and the JWT
# login API, security_manager.py), kept in Redis so it holds across tasks. 10 a minute is twice what
# a person mistyping uses and leaves room for colleagues behind one NAT address, while an attacker
# gets 600 guesses an hour instead of 18,000 ("5 per second"); in prod WAF adds a limit at the edge.
AUTH_RATE_LIMIT = "10 per minute"
AUTH_USER_REGISTRATION = False
PUBLIC_ROLE_LIKE = None
# ... and no per-request database lookup of the (empty) Public role (security_manager.py)
# Every sign-in and refused one as a JSON line in the web log, with the user name (login_events.py).
CUSTOM_SECURITY_MANAGER = with_login_events(NoAnonymousSecurityManager)
# Users with their roles and permissions, and datasets, loaded once per change anywhere in the
# stack instead of on every request; the version token lives beside the metadata cache
# (snapshot_cache.py; datasets: dataset_snapshots.py, installed by _mutate_app)
SNAPSHOT_CACHE: snapshot_cache.SnapshotCache | None = snapshot_cache.configure(
    _cache_url("metadata_cache"), key=f"{_prefix}metadata_version"
)
FAB_API_SWAGGER_UI = False
DEBUG = False
SHOW_STACKTRACE = False
PREVENT_UNSAFE_DB_CONNECTIONS = True
ENABLE_CORS = False
SCARF_ANALYTICS = False

# --- sign-in: the database, OpenID Connect or LDAP (auth.py) -----------------------------------
# AUTH_TYPE and its settings; with oidc or ldap also AUTH_USER_REGISTRATION (replacing the False
# above: users come from the identity provider) and the role mapping.
globals().update(auth_config(_runtime.auth))
if _runtime.auth.sso:
    # NoAnonymousSecurityManager's subclass: roles or refusal, no registration form (sso.py)
    CUSTOM_SECURITY_MANAGER = with_login_events(SsoSecurityManager)


def _derived_secret(purpose: str) -> str:
    """A per-purpose secret derived from SECRET_KEY: never the public defaults, never the key itself."""
    return hmac.new(_runtime.secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def _close_the_version_endpoint(app: Any) -> None:
    """/version answers anyone with the exact build (a gift to scanners); nothing needs it."""
    from flask import abort, request

    def _no_public_version() -> None:
        if request.path.rstrip("/") == "/version":
            abort(404)

    app.before_request(_no_public_version)


def _mutate_app(app: Any) -> None:
    _close_the_version_endpoint(app)
    reports.log_report_executions(app)  # every report and alert run as a JSON event too
    if SNAPSHOT_CACHE is not None:
        # Superset's modules import only once the app exists
        from superset_stack.runtime import dataset_snapshots

        dataset_snapshots.install()


FLASK_APP_MUTATOR = _mutate_app

# Embedding and global async queries are off; their secrets still must not be the public defaults.
GUEST_TOKEN_JWT_SECRET = _derived_secret("guest-token-jwt")
GLOBAL_ASYNC_QUERIES_JWT_SECRET = _derived_secret("global-async-queries-jwt")
