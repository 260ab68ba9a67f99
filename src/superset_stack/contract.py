"""The container environment contract: the only way configuration reaches a Superset process.

ECS task definitions set exactly these names (secrets through `secrets` valueFrom, never plain
environment); the local twin sets the same names; runtime/superset_config.py and the entrypoint
read them only through `parse`. Every name is defined here once.

Only the standard library is imported: this module runs inside the Superset image.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote, urlencode, urlsplit

Kind = Literal["env", "secret"]
ENVIRONMENTS = ("dev", "staging", "prod", "local")
# What the entrypoint runs; it tells the process which one it is (SUPERSET_PROCESS).
PROCESSES = ("web", "worker", "beat", "bootstrap", "verify")
SSL_MODES = ("disable", "require", "verify-ca", "verify-full")
# How the worker speaks to the SMTP relay: STARTTLS on a plain port (587), implicit TLS (465), or
# plain text, which only the local twin may use.
SMTP_SECURITY = ("starttls", "tls", "none")
# Warehouse connections (warehouseConnections): at most this many, each credential in its own
# variable WAREHOUSE_CREDENTIAL_<index>, so one ECS `secrets` valueFrom injects each.
MAX_WAREHOUSE_CONNECTIONS = 20


def warehouse_credential(index: int) -> str:
    """The variable the credential of warehouse connection `index` (0-based) arrives in."""
    return f"WAREHOUSE_CREDENTIAL_{index}"


# How a process logs in to the metadata database.
DATABASE_AUTH_METHODS = ("password", "iam")
# The metadata role the app logs in as, on AWS and in the twin; the master user only creates it.
APP_DATABASE_USER = "superset_app"
# A PostgreSQL role name the bootstrap can create without quoting surprises.
_ROLE_NAME = re.compile(r"(?!pg_)[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Variable:
    name: str
    kind: Kind
    description: str
    default: str | None = None  # None: required

    @property
    def required(self) -> bool:
        return self.default is None


# --- sign-in (runtime/auth.py): only set when AUTH_TYPE is oidc or ldap; secrets only for web ---
AUTH_TYPES = ("database", "oidc", "ldap")
AUTH_VARIABLES: tuple[Variable, ...] = (
    Variable("AUTH_TYPE", "env", "how people sign in: database, oidc or ldap", "database"),
    Variable("AUTH_ROLES_MAPPING", "env", "oidc/ldap: JSON, identity-provider group -> roles", "{}"),
    Variable("AUTH_ROLES_SYNC_AT_LOGIN", "env", "oidc/ldap: roles follow the groups at sign-in", "true"),
    Variable("AUTH_DEFAULT_ROLE", "env", "oidc/ldap: role of a user in no group; empty: refused", ""),
    Variable("OIDC_ISSUER", "env", "oidc: the issuer URL (https; discovery from its .well-known)", ""),
    Variable("OIDC_CLIENT_ID", "env", "oidc: the client ID", ""),
    Variable("OIDC_CLIENT_SECRET", "secret", "oidc: the client secret (web only)", ""),
    Variable("OIDC_SCOPES", "env", "oidc: scopes, space-separated", "openid email profile"),
    Variable("OIDC_GROUPS_CLAIM", "env", "oidc: the claim listing the user's groups", "groups"),
    Variable("OIDC_USERNAME_CLAIM", "env", "oidc: the claim that names the Superset user", "sub"),
    Variable("OIDC_PROVIDER_NAME", "env", "oidc: the provider's name (sign-in button, redirect URI)", "sso"),
    Variable("LDAP_SERVER_URL", "env", "ldap: ldaps://host[:port], or ldap://host[:port] with StartTLS", ""),
    Variable("LDAP_START_TLS", "env", "ldap: true to upgrade ldap:// with StartTLS before binding", "false"),
    Variable("LDAP_BIND_DN", "env", "ldap: the service account that searches for users", ""),
    Variable("LDAP_BIND_PASSWORD", "secret", "ldap: that account's password (web only)", ""),
    Variable("LDAP_USER_SEARCH_BASE", "env", "ldap: where users are searched", ""),
    Variable("LDAP_USER_SEARCH_FILTER", "env", "ldap: a filter users must also match", ""),
    Variable("LDAP_UID_FIELD", "env", "ldap: the attribute people sign in with", "uid"),
    Variable("LDAP_GROUP_FIELD", "env", "ldap: the user attribute listing their groups' DNs", "memberOf"),
    Variable("LDAP_GROUP_SEARCH_BASE", "env", "ldap: where groups are searched, or empty", ""),
    Variable("LDAP_GROUP_SEARCH_FILTER", "env", "ldap: group filter ({dn}, {uid})", "(member={dn})"),
    Variable("LDAP_CA_FILE", "env", "ldap: CA bundle (PEM) of the directory; empty: system", ""),
)  # fmt: skip


VARIABLES: tuple[Variable, ...] = (
    Variable("SUPERSET_ENV", "env", "dev, staging, prod or local"),
    Variable("SUPERSET_PUBLIC_URL", "env", "external URL users open (https except locally)"),
    Variable("DATABASE_HOST", "env", "metadata database host"),
    Variable("DATABASE_PORT", "env", "metadata database port"),
    Variable("DATABASE_DB", "env", "metadata database name"),
    Variable(
        "DATABASE_USER",
        "env",
        "the role this process logs in as: the app role (web, worker, beat), the master user (bootstrap)",
    ),
    Variable(
        "DATABASE_AUTH",
        "env",
        "how it logs in: iam (a new token per connection: web, worker, beat on AWS) or password",
    ),
    Variable("DATABASE_PASSWORD", "secret", "its password; with DATABASE_AUTH=password only", ""),
    Variable("DATABASE_REGION", "env", "AWS region IAM tokens are signed for (DATABASE_AUTH=iam)", ""),
    Variable(
        "DATABASE_APP_USER",
        "env",
        "bootstrap: the role that owns Superset's objects and that web, worker and beat log in as; "
        "created and converged with the master credentials, and Superset's commands run as it",
        "",
    ),
    Variable(
        "DATABASE_APP_PASSWORD",
        "secret",
        "bootstrap: the password it gives the app role (the twin); empty: the role logs in by IAM only",
        "",
    ),
    Variable(
        "DATABASE_APP_CONNECTION_LIMIT",
        "env",
        "bootstrap: connections the app role may hold at once (its share of the connection budget); "
        "-1: no limit",
        "-1",
    ),
    Variable("DATABASE_SSLMODE", "env", "libpq sslmode: verify-full on AWS, disable locally"),
    Variable("DATABASE_SSLROOTCERT", "env", "CA bundle for verify-ca / verify-full", ""),
    Variable("REDIS_HOST", "env", "cache, Celery broker and results host"),
    Variable("REDIS_PORT", "env", "Redis port"),
    Variable("REDIS_TLS", "env", "true when Redis requires TLS (ElastiCache), false locally"),
    Variable("REDIS_AUTH_TOKEN", "secret", "Redis AUTH token; empty locally", ""),
    Variable(
        "REDIS_CA_FILE",
        "env",
        "CA bundle (PEM) that signs the Redis certificate; empty: the system's CA bundle (ElastiCache)",
        "",
    ),
    Variable(
        "SUPERSET_SECRET_KEY", "secret", "signs sessions, encrypts stored credentials; same on every task"
    ),
    Variable(
        "SUPERSET_PREVIOUS_SECRET_KEY", "secret", "the key being rotated away from, during rotation", ""
    ),
    Variable("SERVER_WORKER_AMOUNT", "env", "gunicorn worker processes; pool sizes derive from it"),
    Variable("SERVER_THREADS_AMOUNT", "env", "gunicorn threads per worker; pool sizes derive from it"),
    Variable(
        "GUNICORN_TIMEOUT", "env", "gunicorn worker timeout in seconds (= SUPERSET_WEBSERVER_TIMEOUT)", "60"
    ),
    Variable(
        "GUNICORN_KEEPALIVE",
        "env",
        "gunicorn keep-alive seconds (above the load balancer idle timeout)",
        "75",
    ),
    Variable("SUPERSET_BIND_ADDRESS", "env", "address gunicorn binds", "0.0.0.0"),
    Variable("SUPERSET_PORT", "env", "port gunicorn binds", "8088"),
    Variable("CELERY_CONCURRENCY", "env", "Celery prefork processes per worker", "2"),
    Variable(
        "SUPERSET_PROCESS",
        "env",
        "web, worker, beat or bootstrap: set by the entrypoint for the process it starts (pool sizes "
        "derive from it); empty for anything else",
        "",
    ),
    Variable(
        "SUPERSET_HOME",
        "env",
        "writable folder for Superset's local files (beat schedule)",
        "/app/superset_home",
    ),
    Variable("RESULTS_S3_BUCKET", "env", "bucket for SQL Lab async results; empty keeps them in Redis", ""),
    Variable("RESULTS_S3_PREFIX", "env", "key prefix of SQL Lab results in that bucket", "sqllab-results/"),
    # --- alerts, reports, thumbnails (runtime/reports.py) ---
    Variable(
        "SUPERSET_INTERNAL_URL",
        "env",
        "plain-http URL the worker's browser and the cache warm-up open Superset at, inside the network "
        "(the web service's Cloud Map name on ECS); requests on its host count as https. Empty: this "
        "task's own gunicorn on loopback",
        "",
    ),
    Variable("SMTP_HOST", "env", "SMTP relay of alert and report e-mail; empty: no e-mail", ""),
    Variable("SMTP_PORT", "env", "SMTP port of the relay", "587"),
    Variable("SMTP_SECURITY", "env", "starttls, tls (implicit) or none (plain: local only)", "starttls"),
    Variable("SMTP_USER", "env", "SMTP user name; empty: no login", ""),
    Variable("SMTP_PASSWORD", "secret", "SMTP password (only the tasks that send mail)", ""),
    Variable("SMTP_MAIL_FROM", "env", "From address of alert and report e-mail", "superset@superset.invalid"),
    Variable("SLACK_API_TOKEN", "secret", "Slack bot token for Slack notifications; empty: no Slack", ""),
    Variable(
        "SUPERSET_THUMBNAILS", "env", "true: chart and dashboard thumbnails (taken by the worker)", "false"
    ),
    Variable(
        "CACHE_WARMUP_CRON",
        "env",
        "5-field cron (UTC) of the dashboard cache warm-up on beat; empty: no warm-up",
        "",
    ),
    Variable(
        "CACHE_WARMUP_TOP_DASHBOARDS", "env", "how many of the most viewed dashboards the warm-up loads", "10"
    ),
    Variable("SUPERSET_ADMIN_USERNAME", "env", "bootstrap admin user name", "admin"),
    Variable("SUPERSET_ADMIN_EMAIL", "env", "bootstrap admin e-mail", "admin@superset.invalid"),
    Variable(
        "SUPERSET_ADMIN_PASSWORD", "secret", "bootstrap admin password (bootstrap only; empty elsewhere)", ""
    ),
    Variable(
        "WAREHOUSE_CONNECTIONS",
        "env",
        "the declared warehouse connections the bootstrap creates or updates, JSON without secrets "
        "(bootstrap only; empty: none)",
        "",
    ),
    *(
        Variable(
            warehouse_credential(index),
            "secret",
            f"password or key of warehouse connection {index} (bootstrap only)",
            "",
        )
        for index in range(MAX_WAREHOUSE_CONNECTIONS)
    ),
    *AUTH_VARIABLES,
)

BY_NAME: dict[str, Variable] = {variable.name: variable for variable in VARIABLES}


# One logical Redis database per use (ElastiCache without cluster mode has 16), so each can be
# inspected, sized and flushed on its own; keys also carry an instance-scoped prefix.
REDIS_DATABASES: dict[str, int] = {
    "celery_broker": 0,
    "celery_results": 1,
    "metadata_cache": 2,
    "data_cache": 3,
    "filter_state": 4,
    "explore_form_data": 5,
    "thumbnails": 6,
    "rate_limits": 7,
    "sqllab_results": 8,
}


def names(kind: Kind | None = None) -> tuple[str, ...]:
    return tuple(v.name for v in VARIABLES if kind is None or v.kind == kind)


class ContractError(ValueError):
    """The environment breaks the contract; the message names every variable at fault."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("Superset environment contract broken:\n  - " + "\n  - ".join(problems))


@dataclass(frozen=True)
class AuthRuntime:
    """How people sign in (the AUTH_, OIDC_ and LDAP_ variables), parsed and checked."""

    type: str
    roles_mapping: dict[str, list[str]]
    roles_sync_at_login: bool
    default_role: str
    oidc_issuer: str
    oidc_client_id: str
    oidc_client_secret: str
    oidc_scopes: tuple[str, ...]
    oidc_groups_claim: str
    oidc_username_claim: str
    oidc_provider_name: str
    ldap_server_url: str
    ldap_start_tls: bool
    ldap_bind_dn: str
    ldap_bind_password: str
    ldap_user_search_base: str
    ldap_user_search_filter: str
    ldap_uid_field: str
    ldap_group_field: str
    ldap_group_search_base: str
    ldap_group_search_filter: str
    ldap_ca_file: str

    @property
    def sso(self) -> bool:
        """Single sign-on (oidc or ldap): users come from the identity provider."""
        return self.type in ("oidc", "ldap")


@dataclass(frozen=True)
class Runtime:
    """The contract's values, parsed and checked."""

    environment: str
    public_url: str
    database_host: str
    database_port: int
    database_db: str
    database_user: str
    database_auth: str
    database_password: str
    database_region: str
    database_app_user: str
    database_app_password: str
    database_app_connection_limit: int
    database_sslmode: str
    database_sslrootcert: str
    redis_host: str
    redis_port: int
    redis_tls: bool
    redis_auth_token: str
    redis_ca_file: str
    secret_key: str
    previous_secret_key: str
    server_worker_amount: int
    server_threads_amount: int
    gunicorn_timeout: int
    gunicorn_keepalive: int
    bind_address: str
    port: int
    celery_concurrency: int
    process: str
    superset_home: str
    results_s3_bucket: str
    results_s3_prefix: str
    admin_username: str
    admin_email: str
    admin_password: str
    internal_url: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password: str
    smtp_mail_from: str
    slack_api_token: str
    thumbnails: bool
    cache_warmup_cron: str
    cache_warmup_top_dashboards: int
    auth: AuthRuntime
    warehouse_connections: str = ""
    warehouse_credentials: Mapping[str, str] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.environment == "local"

    @property
    def database_session_role(self) -> str:
        """The role the bootstrap's Superset commands act as (SET ROLE), so that what migrations
        create belongs to the app role although the bootstrap logs in as the master user; empty
        for every other process (web, worker and beat log in as the app role; verify only reads)."""
        if self.process == "bootstrap" and self.database_app_user not in ("", self.database_user):
            return self.database_app_user
        return ""

    @property
    def database_uri(self) -> str:
        """SQLAlchemy URI for the metadata database: user and password URL-encoded (no password
        with IAM: a token is added per connection), and in its query what every engine built from
        it must keep: the TLS mode and CA, and the session role (Alembic's engine reads only this)."""
        credentials = quote(self.database_user, safe="")
        if self.database_auth == "password":
            credentials += f":{quote(self.database_password, safe='')}"
        query = {"sslmode": self.database_sslmode}
        if self.database_sslrootcert:
            query["sslrootcert"] = self.database_sslrootcert
        if self.database_session_role:
            query["options"] = f"-c role={self.database_session_role}"
        return (
            f"postgresql+psycopg2://{credentials}@{self.database_host}:{self.database_port}/"
            f"{quote(self.database_db, safe='')}?{urlencode(query, safe='/', quote_via=quote)}"
        )

    def redis_url(self, db: int, **options: str) -> str:
        """redis:// or rediss:// URL of one logical database, with the AUTH token when set.

        With TLS the query makes every client (redis-py, so Flask-Caching and Flask-Limiter, and
        kombu and Celery's result backend, which read the same names) verify the certificate chain
        and the host name, against REDIS_CA_FILE when set; `options` (client timeouts) follow.
        """
        scheme = "rediss" if self.redis_tls else "redis"
        auth = f":{quote(self.redis_auth_token, safe='')}@" if self.redis_auth_token else ""
        query: dict[str, str] = {}
        if self.redis_tls:
            # redis-py 5 checks no host name unless asked; Celery refuses rediss:// without cert_reqs.
            query = {"ssl_cert_reqs": "required", "ssl_check_hostname": "true"}
            if self.redis_ca_file:
                query["ssl_ca_certs"] = self.redis_ca_file
        query.update(options)
        suffix = f"?{urlencode(query, safe='/', quote_via=quote)}" if query else ""
        return f"{scheme}://{auth}{self.redis_host}:{self.redis_port}/{db}{suffix}"


def _integer(environ: Mapping[str, str], name: str, low: int, high: int, problems: list[str]) -> int:
    raw = _text(environ, name)
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}: expected an integer {low}-{high}, got {raw!r}")
        return low
    if not low <= value <= high:
        problems.append(f"{name}: must be {low}-{high}, got {value}")
    return value


def _text(environ: Mapping[str, str], name: str) -> str:
    variable = BY_NAME[name]
    value = environ.get(name)
    if value is None or (value == "" and variable.required):
        return variable.default if variable.default is not None else ""
    return value


def _database_auth_problems(
    environ: Mapping[str, str], auth: str, sslmode: str, environment: str
) -> list[str]:
    """What DATABASE_AUTH needs: a password, or (IAM) no password, a region and verify-full; and
    an app role name the bootstrap can create."""
    problems: list[str] = []
    password = _text(environ, "DATABASE_PASSWORD")
    if auth == "password" and not password:
        problems.append("DATABASE_PASSWORD: required with DATABASE_AUTH=password")
    if auth == "iam":
        if password:
            problems.append(
                "DATABASE_PASSWORD: must be empty with DATABASE_AUTH=iam (each connection gets a token)"
            )
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d+", _text(environ, "DATABASE_REGION")):
            problems.append(
                f"DATABASE_REGION: an AWS region is required with DATABASE_AUTH=iam (tokens are signed "
                f"for it), got {_text(environ, 'DATABASE_REGION')!r}"
            )
        refused_already = environment != "local" and sslmode not in ("verify-ca", "verify-full")
        if sslmode != "verify-full" and not refused_already:
            problems.append(
                f"DATABASE_SSLMODE: must be verify-full with DATABASE_AUTH=iam (a token is a password "
                f"for 15 minutes), got {sslmode!r}"
            )
    app_user = _text(environ, "DATABASE_APP_USER")
    if app_user and not _ROLE_NAME.fullmatch(app_user):
        problems.append(
            f"DATABASE_APP_USER: expected a PostgreSQL role name (a-z, 0-9, _; not pg_; at most 63), "
            f"got {app_user!r}"
        )
    return problems


def _transport_problems(
    environ: Mapping[str, str], environment: str, public_url: str, sslmode: str, tls_text: str
) -> list[str]:
    """The public URL well-formed; outside local https, verified TLS to PostgreSQL, TLS and a token
    to Redis; a CA bundle whenever the database's certificate is verified."""
    problems: list[str] = []
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"SUPERSET_PUBLIC_URL: expected an absolute http(s) URL, got {public_url!r}")
    elif environment != "local" and parts.scheme != "https":
        problems.append(f"SUPERSET_PUBLIC_URL: must be https outside local, got {public_url!r}")
    if environment != "local":
        if sslmode not in ("verify-ca", "verify-full"):
            problems.append(
                f"DATABASE_SSLMODE: must verify the server certificate outside local "
                f"(verify-full), got {sslmode!r}"
            )
        if tls_text == "false":
            problems.append("REDIS_TLS: must be true outside local")
        if not _text(environ, "REDIS_AUTH_TOKEN"):
            problems.append("REDIS_AUTH_TOKEN: required outside local")
    if sslmode in ("verify-ca", "verify-full") and not _text(environ, "DATABASE_SSLROOTCERT"):
        problems.append(f"DATABASE_SSLROOTCERT: required with DATABASE_SSLMODE={sslmode}")
    return problems


def _report_problems(environment: str, smtp_security: str, internal_url: str, warmup: str) -> list[str]:
    """Mail in clear only on loopback (the twin); the internal URL and the warm-up's schedule
    well-formed."""
    problems: list[str] = []
    if environment != "local" and smtp_security == "none":
        problems.append("SMTP_SECURITY: must be starttls or tls outside local (the password and the mail "
                        "would cross the network in clear), got 'none'")  # fmt: skip
    if internal_url and (urlsplit(internal_url).scheme != "http" or not urlsplit(internal_url).netloc):
        problems.append(f"SUPERSET_INTERNAL_URL: expected an absolute http URL, got {internal_url!r}")
    if warmup and len(warmup.split()) != 5:
        problems.append(
            f"CACHE_WARMUP_CRON: expected 5 cron fields (minute hour day month weekday), got {warmup!r}"
        )
    return problems


def parse(environ: Mapping[str, str]) -> Runtime:
    """Read the contract from an environment; raise ContractError naming every bad variable."""
    problems: list[str] = []
    for variable in VARIABLES:
        if variable.required and not environ.get(variable.name):
            problems.append(f"{variable.name}: required ({variable.description}) but not set")
    if problems:
        raise ContractError(problems)

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = _text(environ, name)
        if value not in allowed:
            problems.append(f"{name}: got {value!r}; allowed: {', '.join(allowed)}")
        return value

    environment = choice("SUPERSET_ENV", ENVIRONMENTS)
    sslmode = choice("DATABASE_SSLMODE", SSL_MODES)
    auth = choice("DATABASE_AUTH", DATABASE_AUTH_METHODS)
    process = choice("SUPERSET_PROCESS", ("", *PROCESSES))
    tls_text = choice("REDIS_TLS", ("true", "false"))
    tls = tls_text == "true"
    public_url = _text(environ, "SUPERSET_PUBLIC_URL")
    problems += _transport_problems(environ, environment, public_url, sslmode, tls_text)
    problems += _database_auth_problems(environ, auth, sslmode, environment)
    secret_key = _text(environ, "SUPERSET_SECRET_KEY")
    if len(secret_key) < 32:
        problems.append(f"SUPERSET_SECRET_KEY: must be at least 32 characters, got {len(secret_key)}")
    smtp_security = choice("SMTP_SECURITY", SMTP_SECURITY)
    thumbnails = choice("SUPERSET_THUMBNAILS", ("true", "false")) == "true"
    internal_url, warmup = _text(environ, "SUPERSET_INTERNAL_URL"), _text(environ, "CACHE_WARMUP_CRON")
    problems += _report_problems(environment, smtp_security, internal_url, warmup)
    prefix = _text(environ, "RESULTS_S3_PREFIX")
    if _text(environ, "RESULTS_S3_BUCKET") and not re.fullmatch(r"[A-Za-z0-9!_.*'()/-]+/", prefix):
        problems.append(f"RESULTS_S3_PREFIX: expected a key prefix ending in '/', got {prefix!r}")

    runtime = Runtime(
        environment=environment,
        public_url=public_url.rstrip("/"),
        database_host=_text(environ, "DATABASE_HOST"),
        database_port=_integer(environ, "DATABASE_PORT", 1, 65535, problems),
        database_db=_text(environ, "DATABASE_DB"),
        database_user=_text(environ, "DATABASE_USER"),
        database_auth=auth,
        database_password=_text(environ, "DATABASE_PASSWORD"),
        database_region=_text(environ, "DATABASE_REGION"),
        database_app_user=_text(environ, "DATABASE_APP_USER"),
        database_app_password=_text(environ, "DATABASE_APP_PASSWORD"),
        database_app_connection_limit=_integer(
            environ, "DATABASE_APP_CONNECTION_LIMIT", -1, 100_000, problems
        ),
        database_sslmode=sslmode,
        database_sslrootcert=_text(environ, "DATABASE_SSLROOTCERT"),
        redis_host=_text(environ, "REDIS_HOST"),
        redis_port=_integer(environ, "REDIS_PORT", 1, 65535, problems),
        redis_tls=tls,
        redis_auth_token=_text(environ, "REDIS_AUTH_TOKEN"),
        redis_ca_file=_text(environ, "REDIS_CA_FILE"),
        secret_key=secret_key,
        previous_secret_key=_text(environ, "SUPERSET_PREVIOUS_SECRET_KEY"),
        server_worker_amount=_integer(environ, "SERVER_WORKER_AMOUNT", 1, 64, problems),
        server_threads_amount=_integer(environ, "SERVER_THREADS_AMOUNT", 1, 64, problems),
        gunicorn_timeout=_integer(environ, "GUNICORN_TIMEOUT", 5, 3600, problems),
        gunicorn_keepalive=_integer(environ, "GUNICORN_KEEPALIVE", 1, 4000, problems),
        bind_address=_text(environ, "SUPERSET_BIND_ADDRESS"),
        port=_integer(environ, "SUPERSET_PORT", 1, 65535, problems),
        celery_concurrency=_integer(environ, "CELERY_CONCURRENCY", 1, 64, problems),
        process=process,
        superset_home=_text(environ, "SUPERSET_HOME"),
        results_s3_bucket=_text(environ, "RESULTS_S3_BUCKET"),
        results_s3_prefix=prefix,
        admin_username=_text(environ, "SUPERSET_ADMIN_USERNAME"),
        admin_email=_text(environ, "SUPERSET_ADMIN_EMAIL"),
        admin_password=_text(environ, "SUPERSET_ADMIN_PASSWORD"),
        internal_url=internal_url.rstrip("/"),
        smtp_host=_text(environ, "SMTP_HOST"),
        smtp_port=_integer(environ, "SMTP_PORT", 1, 65535, problems),
        smtp_security=smtp_security,
        smtp_user=_text(environ, "SMTP_USER"),
        smtp_password=_text(environ, "SMTP_PASSWORD"),
        smtp_mail_from=_text(environ, "SMTP_MAIL_FROM"),
        slack_api_token=_text(environ, "SLACK_API_TOKEN"),
        thumbnails=thumbnails,
        cache_warmup_cron=warmup,
        cache_warmup_top_dashboards=_integer(environ, "CACHE_WARMUP_TOP_DASHBOARDS", 1, 1000, problems),
        auth=_auth(environ, process, problems),
        warehouse_connections=_text(environ, "WAREHOUSE_CONNECTIONS"),
        warehouse_credentials={
            name: environ[name]
            for name in map(warehouse_credential, range(MAX_WAREHOUSE_CONNECTIONS))
            if environ.get(name)
        },
    )
    if problems:
        raise ContractError(problems)
    return runtime


def _flag(environ: Mapping[str, str], name: str, problems: list[str]) -> bool:
    value = _text(environ, name)
    if value not in ("true", "false"):
        problems.append(f"{name}: got {value!r}; allowed: true, false")
    return value == "true"


def _roles_mapping(environ: Mapping[str, str], problems: list[str]) -> dict[str, list[str]]:
    """AUTH_ROLES_MAPPING: a JSON object of group -> list of role names."""
    raw = _text(environ, "AUTH_ROLES_MAPPING")
    try:
        mapping = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
        isinstance(roles, list) and all(isinstance(role, str) for role in roles) for roles in mapping.values()
    ):
        problems.append(
            f"AUTH_ROLES_MAPPING: expected a JSON object of group -> list of roles, got {raw[:60]!r}"
        )
        return {}
    return mapping


def _auth(environ: Mapping[str, str], process: str, problems: list[str]) -> AuthRuntime:
    """The sign-in variables; with oidc or ldap, what that type needs (its secret only in web, the
    one process that signs people in)."""
    values = {variable.name: _text(environ, variable.name) for variable in AUTH_VARIABLES}
    kind = values["AUTH_TYPE"]
    if kind not in AUTH_TYPES:
        problems.append(f"AUTH_TYPE: got {kind!r}; allowed: {', '.join(AUTH_TYPES)}")
    auth = AuthRuntime(
        type=kind,
        roles_mapping=_roles_mapping(environ, problems),
        roles_sync_at_login=_flag(environ, "AUTH_ROLES_SYNC_AT_LOGIN", problems),
        default_role=values["AUTH_DEFAULT_ROLE"],
        oidc_issuer=values["OIDC_ISSUER"],
        oidc_client_id=values["OIDC_CLIENT_ID"],
        oidc_client_secret=values["OIDC_CLIENT_SECRET"],
        oidc_scopes=tuple(values["OIDC_SCOPES"].split()),
        oidc_groups_claim=values["OIDC_GROUPS_CLAIM"],
        oidc_username_claim=values["OIDC_USERNAME_CLAIM"],
        oidc_provider_name=values["OIDC_PROVIDER_NAME"],
        ldap_server_url=values["LDAP_SERVER_URL"],
        ldap_start_tls=_flag(environ, "LDAP_START_TLS", problems),
        ldap_bind_dn=values["LDAP_BIND_DN"],
        ldap_bind_password=values["LDAP_BIND_PASSWORD"],
        ldap_user_search_base=values["LDAP_USER_SEARCH_BASE"],
        ldap_user_search_filter=values["LDAP_USER_SEARCH_FILTER"],
        ldap_uid_field=values["LDAP_UID_FIELD"],
        ldap_group_field=values["LDAP_GROUP_FIELD"],
        ldap_group_search_base=values["LDAP_GROUP_SEARCH_BASE"],
        ldap_group_search_filter=values["LDAP_GROUP_SEARCH_FILTER"],
        ldap_ca_file=values["LDAP_CA_FILE"],
    )
    if kind == "oidc":
        problems += _oidc_problems(auth, signs_in=process == "web")
    elif kind == "ldap":
        problems += _ldap_problems(auth, signs_in=process == "web")
    if auth.sso and not auth.roles_mapping and not auth.default_role:
        problems.append("AUTH_ROLES_MAPPING: empty and AUTH_DEFAULT_ROLE empty: nobody could sign in")
    return auth


def _oidc_problems(auth: AuthRuntime, *, signs_in: bool) -> list[str]:
    found = []
    issuer = urlsplit(auth.oidc_issuer)
    if issuer.scheme != "https" or not issuer.netloc:
        found.append(f"OIDC_ISSUER: expected an https URL, got {auth.oidc_issuer!r}")
    if not auth.oidc_client_id:
        found.append("OIDC_CLIENT_ID: required with AUTH_TYPE=oidc")
    if signs_in and not auth.oidc_client_secret:
        found.append("OIDC_CLIENT_SECRET: required by web with AUTH_TYPE=oidc")
    if "openid" not in auth.oidc_scopes:
        found.append(f"OIDC_SCOPES: must include openid, got {' '.join(auth.oidc_scopes)!r}")
    return found


def _ldap_problems(auth: AuthRuntime, *, signs_in: bool) -> list[str]:
    found = []
    scheme = urlsplit(auth.ldap_server_url).scheme
    if scheme not in ("ldaps", "ldap") or (scheme == "ldap") != auth.ldap_start_tls:
        found.append(
            f"LDAP_SERVER_URL: expected ldaps://, or ldap:// with LDAP_START_TLS=true, got "
            f"{auth.ldap_server_url!r} with LDAP_START_TLS={str(auth.ldap_start_tls).lower()}"
        )
    for name, value in (
        ("LDAP_BIND_DN", auth.ldap_bind_dn),
        ("LDAP_USER_SEARCH_BASE", auth.ldap_user_search_base),
    ):
        if not value:
            found.append(f"{name}: required with AUTH_TYPE=ldap")
    if signs_in and not auth.ldap_bind_password:
        found.append("LDAP_BIND_PASSWORD: required by web with AUTH_TYPE=ldap")
    return found
