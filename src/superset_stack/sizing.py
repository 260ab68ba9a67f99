"""Pure sizing rules: what AWS accepts and what fits.

Nothing here talks to AWS or Pulumi. Every figure carries its source; estimates say so.
Sources: ../shared/reference/performance.md sections 1-5 (AWS docs and local measurements).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# --- Fargate -------------------------------------------------------------------------------------

# Valid task CPU units -> (lowest MiB, highest MiB, step MiB). AWS ECS "task-cpu-memory-error".
_FARGATE_RANGES: dict[int, tuple[int, int, int]] = {
    256: (512, 2048, 0),  # 512 MiB, 1 GB, 2 GB only (listed below)
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}

FARGATE_CPU_MEMORY_MIB: dict[int, tuple[int, ...]] = {
    cpu: ((512, 1024, 2048) if step == 0 else tuple(range(low, high + 1, step)))
    for cpu, (low, high, step) in _FARGATE_RANGES.items()
}


def fargate_size_error(cpu: int, memory_mib: int) -> str | None:
    """Why AWS would reject this task size, or None when Fargate accepts it."""
    if cpu not in FARGATE_CPU_MEMORY_MIB:
        allowed_cpu = ", ".join(str(c) for c in FARGATE_CPU_MEMORY_MIB)
        return f"cpu {cpu} is not a Fargate size; allowed: {allowed_cpu}"
    allowed = FARGATE_CPU_MEMORY_MIB[cpu]
    if memory_mib not in allowed:
        low, high = allowed[0], allowed[-1]
        step = allowed[1] - allowed[0] if cpu != 256 else None
        hint = f"{low}-{high} MiB in steps of {step}" if step else ", ".join(map(str, allowed)) + " MiB"
        return f"memory {memory_mib} MiB does not pair with cpu {cpu}; allowed: {hint}"
    return None


# --- gunicorn ------------------------------------------------------------------------------------

# Measured RSS of one Superset 6.1 gunicorn worker after serving requests: 310-340 MiB; the master
# is about 27 MiB (performance.md section 1.2, [M]). The headroom covers the master, the awslogs
# buffers and the occasional large response.
GUNICORN_WORKER_RSS_MIB = 340
GUNICORN_MASTER_AND_HEADROOM_MIB = 256


def gunicorn_memory_mib(workers: int) -> int:
    """Memory a web task needs for `workers` gunicorn worker processes."""
    return workers * GUNICORN_WORKER_RSS_MIB + GUNICORN_MASTER_AND_HEADROOM_MIB


# --- the Celery worker with its browser ------------------------------------------------------------

# Measured on the twin (tests/e2e/test_reports.py writes artifacts/report-memory.json): PSS of the
# worker's process tree sampled every 0.5 s while PNG chart and dashboard reports, a CSV report and
# two alerts ran at Celery concurrency 2, on 2026-11-30 (Superset 6.1.0, Debian's Chromium 156):
# peak 1,167 and 1,276 MiB in two runs, of which Celery's main process 121 MiB, its two pool
# processes 262, two chromedriver 20 and two Chromium browsers at once 764 and 866 (RSS, which
# counts shared pages in every process, 2.9-3.0 GiB). Rounded up per piece:
CELERY_MAIN_MIB = 130
CELERY_CHILD_MIB = 140
REPORT_BROWSER_MIB = 450  # one Chromium (at most 433 measured) and its chromedriver (10)
WORKER_HEADROOM_MIB = 256


def worker_memory_needed_mib(concurrency: int) -> int:
    """Memory a worker task needs when each of its `concurrency` Celery processes takes a
    screenshot at once: the main process, per process its own memory and a browser, and headroom."""
    return CELERY_MAIN_MIB + concurrency * (CELERY_CHILD_MIB + REPORT_BROWSER_MIB) + WORKER_HEADROOM_MIB


@dataclass(frozen=True)
class PoolSettings:
    """SQLAlchemy pool for the metadata database, per process."""

    pool_size: int
    max_overflow: int

    @property
    def max_connections(self) -> int:
        return self.pool_size + self.max_overflow


def pool_settings(threads: int) -> PoolSettings:
    """Pool sizes for a gunicorn worker with `threads` request threads.

    One in-flight request holds one metadata connection (measured: 8 threads under 8-way load
    held 8 connections, performance.md section 2), so the pool matches the thread count. A small
    overflow absorbs a request that briefly needs a second connection instead of failing it.
    The runtime config and the connection budget both reach it through `process_pool_settings`.
    """
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    return PoolSettings(pool_size=threads, max_overflow=max(1, threads // 4))


# Processes that serve one request or task at a time: each prefork child of a Celery worker (and
# the worker's main process, which only hands out tasks), beat and the bootstrap.
SINGLE_THREADED_PROCESSES: tuple[str, ...] = ("worker", "beat", "bootstrap", "verify")


def process_pool_settings(process: str, threads: int) -> PoolSettings:
    """Pool sizes for a process of the runtime (the entrypoint's role).

    gunicorn workers (web, and any process the entrypoint did not start) serve `threads` requests
    at once; a Celery prefork child runs one task at a time, so its pool is one connection plus the
    small overflow, whatever the web thread count; beat and the bootstrap are single-threaded too.
    """
    return pool_settings(1 if process in SINGLE_THREADED_PROCESSES else threads)


# --- RDS PostgreSQL ------------------------------------------------------------------------------

# Instance class -> memory GiB (AWS instance class tables).
DB_INSTANCE_MEMORY_GIB: dict[str, int] = {
    "db.t3.micro": 1, "db.t3.small": 2, "db.t3.medium": 4, "db.t3.large": 8,
    "db.t4g.micro": 1, "db.t4g.small": 2, "db.t4g.medium": 4, "db.t4g.large": 8,
    "db.m6g.large": 8, "db.m6g.xlarge": 16, "db.m6g.2xlarge": 32, "db.m6g.4xlarge": 64,
    "db.m7g.large": 8, "db.m7g.xlarge": 16, "db.m7g.2xlarge": 32, "db.m7g.4xlarge": 64,
    "db.m6i.large": 8, "db.m6i.xlarge": 16, "db.m6i.2xlarge": 32,
    "db.r6g.large": 16, "db.r6g.xlarge": 32, "db.r6g.2xlarge": 64,
    "db.r7g.large": 16, "db.r7g.xlarge": 32, "db.r7g.2xlarge": 64,
}  # fmt: skip

# The default parameter group sets max_connections = LEAST(DBInstanceClassMemory/9531392, 5000),
# where DBInstanceClassMemory is the class memory minus what the OS and RDS reserve. The reserved
# part is not published; these are the values observed on real instances (performance.md
# section 3, [S]). Larger classes use the formula with the 16 GiB ratio (an estimate).
_OBSERVED_MAX_CONNECTIONS: dict[int, int] = {1: 85, 2: 198, 4: 413, 8: 856, 16: 1700}
_BYTES_PER_CONNECTION = 9531392
_MAX_CONNECTIONS_CAP = 5000
_OBSERVED_MEMORY_RATIO_16GIB = 0.943
# superuser_reserved_connections (3) + rds.rds_superuser_reserved_connections (2) [V].
RDS_RESERVED_CONNECTIONS = 5


def rds_max_connections(instance_class: str) -> int:
    """max_connections of the default PostgreSQL parameter group on this class."""
    if instance_class not in DB_INSTANCE_MEMORY_GIB:
        raise KeyError(instance_class)
    gib = DB_INSTANCE_MEMORY_GIB[instance_class]
    if gib in _OBSERVED_MAX_CONNECTIONS:
        return _OBSERVED_MAX_CONNECTIONS[gib]
    usable_bytes = gib * 2**30 * _OBSERVED_MEMORY_RATIO_16GIB
    return min(math.floor(usable_bytes / _BYTES_PER_CONNECTION), _MAX_CONNECTIONS_CAP)


def rds_usable_connections(instance_class: str) -> int:
    """Connections an application (non-superuser) role can open."""
    return rds_max_connections(instance_class) - RDS_RESERVED_CONNECTIONS


# --- ElastiCache ---------------------------------------------------------------------------------

# Node type -> memory GiB (ElastiCache supported node types).
CACHE_NODE_MEMORY_GIB: dict[str, float] = {
    "cache.t3.micro": 0.5, "cache.t3.small": 1.37, "cache.t3.medium": 3.09,
    "cache.t4g.micro": 0.5, "cache.t4g.small": 1.37, "cache.t4g.medium": 3.09,
    "cache.m6g.large": 6.38, "cache.m6g.xlarge": 12.93,
    "cache.m7g.large": 6.38, "cache.m7g.xlarge": 12.93,
    "cache.r6g.large": 13.07, "cache.r7g.large": 13.07,
}  # fmt: skip


# --- CloudWatch Logs -----------------------------------------------------------------------------

# Values the PutRetentionPolicy API accepts (0 is Pulumi's "never expire").
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
    3653,
)  # fmt: skip


# --- connection budget ---------------------------------------------------------------------------

# Connections outside the services: the one-off migration task (Alembic plus `superset init`) and a
# couple of operator sessions (psql, monitoring).
MIGRATION_CONNECTIONS = 2
OPERATOR_CONNECTIONS = 3
# Per Celery worker task, besides its prefork children: the main process (building the app opens a
# connection: Flask-AppBuilder inspects the metadata tables, and the pool keeps it) and the container
# health check, `celery inspect ping`, which imports the Celery app and so builds a whole Superset app
# in a new process, opening one more. One check runs at a time: its timeout (30 s) is below its
# interval (60 s).
WORKER_MAIN_PROCESS_CONNECTIONS = 1
WORKER_HEALTH_CHECK_CONNECTIONS = 1
# Share of usable connections at which the connections alarm fires: a warning well before the limit.
DEFAULT_BUDGET_SHARE = 0.8


@dataclass(frozen=True)
class BudgetLine:
    """One part of a moment's connections (web, worker, beat, migration, operators) and how they add up."""

    part: str
    what: str
    connections: int


@dataclass(frozen=True)
class ConnectionBudget:
    """Metadata-database connections in steady state and at the worst moment, against what the
    instance class lets the application open.

    The worst moment (`peak`) is a deployment while web and worker run at their ceilings: ECS may run
    up to each service's deployment maximum percent of its tasks at once, old and new, with the
    migration task, beat and the operators' sessions on top. The stack fits when that peak does.
    """

    instance_class: str
    steady: tuple[BudgetLine, ...]
    peak: tuple[BudgetLine, ...]
    max_connections: int
    usable: int  # max_connections minus the reserved superuser slots
    limit: int  # the connections alarm threshold: usable x share

    @property
    def steady_total(self) -> int:
        return sum(line.connections for line in self.steady)

    @property
    def peak_total(self) -> int:
        return sum(line.connections for line in self.peak)

    @property
    def fits(self) -> bool:
        return self.peak_total <= self.usable

    @property
    def application_limit(self) -> int:
        """The app role's connection limit: what the class leaves it (application_connection_limit).
        When the stack fits, web, worker and beat stay within it even at the worst moment."""
        return application_connection_limit(self.usable)

    def explain(self) -> str:
        """Both moments with every term, and what the class allows."""
        return (
            f"steady {_sum(self.steady)}; worst moment (web and worker mid-rollout at their ceilings) "
            f"{_sum(self.peak)}; {self.instance_class} allows {self.usable} to the application "
            f"({self.max_connections} max_connections - {RDS_RESERVED_CONNECTIONS} reserved)"
        )


def application_connection_limit(usable: int) -> int:
    """Connections the app role (web, worker, beat) may hold on a server that lets non-superusers
    open `usable`: all but the migration's and the operators', which log in as the master user.
    A guard that keeps their slots free whatever the app does, not the app's own sizing."""
    return usable - MIGRATION_CONNECTIONS - OPERATOR_CONNECTIONS


def _sum(lines: tuple[BudgetLine, ...]) -> str:
    terms = " + ".join(f"{line.connections} ({line.what})" for line in lines)
    return f"{terms} = {sum(line.connections for line in lines)}"


def rollout_tasks(tasks: int, maximum_percent: int) -> int:
    """Tasks ECS may run at once while it replaces `tasks` (maximumPercent rounds down)."""
    return tasks * maximum_percent // 100


def connection_budget(
    *,
    instance_class: str,
    web_max_tasks: int,
    gunicorn_workers: int,
    gunicorn_threads: int,
    worker_tasks: int,
    celery_concurrency: int,
    web_deployment_maximum_percent: int = 200,
    worker_deployment_maximum_percent: int = 200,
    beat_tasks: int = 1,
    share: float = DEFAULT_BUDGET_SHARE,
) -> ConnectionBudget:
    """Connections when every service runs at its ceiling (steady), and when web and worker are
    both mid-rollout there (peak).

    Web: each gunicorn worker process has its own pool. Worker: each prefork child has its own pool
    and runs one task at a time, plus the main process and the health check. Both pools come from
    `process_pool_settings`, as in the runtime. Beat runs exactly one task and is never rolled out
    beside itself (0/100).
    """
    max_connections = rds_max_connections(instance_class)
    usable = max_connections - RDS_RESERVED_CONNECTIONS
    web_pool = process_pool_settings("web", gunicorn_threads)
    child = process_pool_settings("worker", gunicorn_threads)

    def moment(web_tasks: int, workers: int, *, migration: bool) -> tuple[BudgetLine, ...]:
        per_worker = (
            celery_concurrency * child.max_connections
            + WORKER_MAIN_PROCESS_CONNECTIONS
            + WORKER_HEALTH_CHECK_CONNECTIONS
        )
        lines = [
            BudgetLine(
                "web",
                f"web {web_tasks} tasks x {gunicorn_workers} workers x pool "
                f"{web_pool.pool_size}+{web_pool.max_overflow}",
                web_tasks * gunicorn_workers * web_pool.max_connections,
            ),
            BudgetLine(
                "worker",
                f"worker {workers} tasks x ({celery_concurrency} children x pool "
                f"{child.pool_size}+{child.max_overflow} + main process + health check)",
                workers * per_worker,
            ),
            BudgetLine("beat", f"beat {beat_tasks}", beat_tasks),
        ]
        if migration:
            lines.append(BudgetLine("migration", "migration task", MIGRATION_CONNECTIONS))
        lines.append(BudgetLine("operators", "operators", OPERATOR_CONNECTIONS))
        return tuple(lines)

    return ConnectionBudget(
        instance_class=instance_class,
        steady=moment(web_max_tasks, worker_tasks, migration=False),
        peak=moment(
            rollout_tasks(web_max_tasks, web_deployment_maximum_percent),
            rollout_tasks(worker_tasks, worker_deployment_maximum_percent),
            migration=True,
        ),
        max_connections=max_connections,
        usable=usable,
        limit=math.floor(usable * share),
    )


# --- rolling deployments -------------------------------------------------------------------------

# Deployment maximum percents a service may use: 200 starts the new tasks beside the old ones
# (capacity never drops, connections double); 100 replaces tasks in place.
DEPLOYMENT_MAXIMUM_PERCENT_RANGE = (100, 200)


def deployment_minimum_healthy_percent(maximum_percent: int, tasks: int, *, may_stop_all: bool) -> int:
    """The minimumHealthyPercent paired with `maximum_percent`.

    Above 100 nothing old stops before its replacement is healthy (100). At 100 there is no room for
    a new task, so ECS must stop some first: half (50) when `tasks` leaves one running, otherwise all
    (0) if the service `may_stop_all` (a worker: queued tasks wait in Redis), else still 50.
    """
    if maximum_percent > 100:
        return 100
    return 50 if tasks >= 2 or not may_stop_all else 0


def rollout_progresses(tasks: int, maximum_percent: int, minimum_healthy_percent: int) -> bool:
    """Whether ECS can replace at least one of `tasks` at a time: it may run floor(tasks x maximum)
    tasks and must keep ceil(tasks x minimum) healthy. For the pairs above, more tasks never make
    it worse, so checking the smallest count is enough."""
    most = tasks * maximum_percent // 100
    least = -(-tasks * minimum_healthy_percent // 100)
    return most - least >= 1


# --- timeout chain (security.md section 6.4, 6.5) ------------------------------------------------

# gunicorn's --graceful-timeout: how long a stopping worker may finish in-flight requests.
GUNICORN_GRACEFUL_TIMEOUT_SECONDS = 30
# ECS stopTimeout: graceful timeout plus margin; Fargate allows at most 120.
CONTAINER_STOP_TIMEOUT_SECONDS = GUNICORN_GRACEFUL_TIMEOUT_SECONDS + 10
# The Celery worker's: on SIGTERM (deploy, scale-in, Spot interruption) its warm shutdown lets the
# running tasks finish; a task killed after this is re-run only after the broker's visibility
# timeout (docs/failure-behaviour.md). Fargate's maximum, which is also Spot's two-minute notice.
WORKER_STOP_TIMEOUT_SECONDS = 120
ALB_IDLE_TIMEOUT_RANGE = (1, 4000)


def timeout_chain_errors(
    *, gunicorn_timeout: int, alb_idle_timeout: int, gunicorn_keepalive: int
) -> list[tuple[str, str]]:
    """(setting, why) for each break in the chain gunicorn <= Superset < ALB idle < gunicorn keep-alive.

    The runtime sets SUPERSET_WEBSERVER_TIMEOUT to the gunicorn timeout, so gunicorn and Superset
    time out together; the load balancer must wait longer, and gunicorn must keep idle connections
    open longer than the load balancer does.
    """
    errors = []
    low, high = ALB_IDLE_TIMEOUT_RANGE
    if not low <= alb_idle_timeout <= high:
        errors.append(("albIdleTimeoutSeconds", f"must be {low}-{high}, got {alb_idle_timeout}"))
    if not gunicorn_timeout < alb_idle_timeout:
        errors.append(
            (
                "albIdleTimeoutSeconds",
                f"{alb_idle_timeout} must exceed gunicornTimeoutSeconds {gunicorn_timeout}: "
                "otherwise the load balancer answers 504 while the worker is still working",
            )
        )
    if not alb_idle_timeout < gunicorn_keepalive:
        errors.append(
            (
                "gunicornKeepaliveSeconds",
                f"{gunicorn_keepalive} must exceed albIdleTimeoutSeconds {alb_idle_timeout}: "
                "otherwise gunicorn closes connections the load balancer still reuses (intermittent 502s)",
            )
        )
    return errors


def deregistration_delay_seconds(gunicorn_timeout: int) -> int:
    """Target-group draining: long enough for the slowest request to finish, not AWS's 300 s."""
    return gunicorn_timeout + 10
