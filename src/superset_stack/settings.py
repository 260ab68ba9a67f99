"""Typed, validated settings: the only reader of configuration.

One registry (`OPTIONS`) lists every stack config key with its type, description and default; a
default is either one value or a per-environment preset (dev / staging / prod). From it come the
loader (Pulumi config or a stack file on disk), the Pulumi.yaml schema check and the README tables.
`Settings.from_values` validates everything before any resource is declared and reports every
problem at once: the key, the value given and what is allowed.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from superset_stack import sizing
from superset_stack.office_hours import OfficeHours
from superset_stack.office_hours import parse as parse_office_hours
from superset_stack.policies.rules import POLICY_NAMES

PROJECT = "superset-stack"
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
CONTAINER_PORT = 8088
POSTGRES_PORT = 5432
REDIS_PORT = 6379
# Autoscaling targets sit this many points below the alarm thresholds, so new tasks start
# before anyone is paged.
CPU_SCALING_HEADROOM_PERCENT = 20
MEMORY_SCALING_HEADROOM_PERCENT = 10
# Optional warehouse drivers, each pinned in runtime/drivers/<name>.lock (psycopg2 is in the runtime lock).
WAREHOUSE_DRIVERS: tuple[str, ...] = ("clickhouse", "redshift", "snowflake", "bigquery")


class NatGateways(StrEnum):
    """How private subnets reach the internet."""

    NONE = "none"  # no NAT: tasks need the VPC endpoints to pull images and read secrets
    SINGLE = "single"  # one NAT gateway in the first AZ: cheap, a single point of failure
    ONE_PER_AZ = "one_per_az"  # one NAT per AZ: survives the loss of an AZ (production)


class SettingsError(ValueError):
    """Configuration that cannot be deployed; `problems` holds one line per mistake."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("invalid settings:\n  - " + "\n  - ".join(self.problems))


# --- the option registry -------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A default that differs per environment."""

    dev: Any
    staging: Any
    prod: Any

    def for_environment(self, environment: str) -> Any:
        return cast(Any, getattr(self, environment))


class _Derived:
    """A default computed from other settings (documented in the option's description)."""

    def __repr__(self) -> str:
        return "derived"


class _Required:
    def __repr__(self) -> str:
        return "required"


DERIVED = _Derived()
REQUIRED = _Required()

ConfigType = Literal["string", "integer", "boolean", "array"]


@dataclass(frozen=True)
class Option:
    key: str
    type: ConfigType
    description: str
    default: Any
    choices: tuple[str, ...] = ()

    @property
    def attribute(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.key).lower()


OPTIONS: tuple[Option, ...] = (
    # identity and governance
    Option("environment", "string", "Environment preset to start from. Defaults to the stack name when "
           "that is dev, staging or prod.", DERIVED, ENVIRONMENTS),
    Option("owner", "string", "Owner cost-allocation tag on every resource (team or person).", REQUIRED),
    Option("costCenter", "string", "CostCenter cost-allocation tag on every resource.", REQUIRED),
    Option("waivers", "array", "Accepted exceptions to a production rule or a policy, each written "
           "'<key> until YYYY-MM-DD: <reason>'. An expired waiver fails the deployment.", []),
    # network
    Option("availabilityZoneCount", "integer", "How many availability zones to spread over (at least 2).",
           Preset(2, 2, 3)),
    Option("availabilityZones", "array", "Availability zones to use. Defaults to the region's first "
           "zones (<region>a, b, c) up to availabilityZoneCount.", DERIVED),
    Option("vpcCidr", "string", "IPv4 CIDR of the VPC, /16 to /24.", "10.0.0.0/16"),
    Option("publicSubnetCidrs", "array", "One CIDR per zone for the public (load balancer, NAT) "
           "subnets. Defaults to the first /(vpc+4) blocks of the VPC.", DERIVED),
    Option("privateSubnetCidrs", "array", "One CIDR per zone for the private (tasks, database, cache) "
           "subnets. Defaults to the /(vpc+4) blocks starting at the middle of the VPC.", DERIVED),
    Option("natGateways", "string", "NAT strategy for the private subnets: none, single or one_per_az.",
           Preset("none", "single", "one_per_az"), tuple(NatGateways)),
    Option("vpcEndpoints", "boolean", "Create VPC endpoints (ecr.api, ecr.dkr, logs, secretsmanager "
           "interface endpoints and the s3 gateway) so AWS API traffic stays in the VPC.",
           Preset(True, False, True)),
    Option("vpcEndpointsAllZones", "boolean", "Give each interface endpoint a network interface in every "
           "zone (survives the loss of a zone). False: the first zone only, a quarter to a third of the "
           "price; tasks in other zones reach it across zones.", Preset(False, True, True)),
    Option("albIngressCidrs", "array", "IPv4 CIDRs allowed to reach the load balancer.", ["0.0.0.0/0"]),
    Option("httpToHttpsRedirect", "boolean", "Open port 80 on the load balancer, only to answer with a "
           "301 redirect to HTTPS.", True),
    # edge
    Option("domainName", "string", "Host name users open, e.g. superset.example.com (HTTPS only).", REQUIRED),
    Option("hostedZoneId", "string", "Route 53 hosted zone of domainName: the certificate is validated "
           "through it and an alias record points the name at the load balancer. Empty: manage DNS "
           "yourself and give certificateArn.", ""),
    Option("certificateArn", "string", "An existing ACM certificate (same region) instead of creating "
           "one.", ""),
    Option("wafEnabled", "boolean", "Put AWS WAF (managed rules, per-IP rate limit) in front of the load "
           "balancer.", Preset(False, False, True)),
    Option("wafRateLimitPer5Minutes", "integer", "Requests one IP may send in 5 minutes before WAF blocks "
           "it.", 2000),
    Option("albDeletionProtection", "boolean", "Refuse to delete the load balancer (its DNS name is what "
           "users and DNS records point at).", Preset(False, False, True)),
    Option("albIdleTimeoutSeconds", "integer", "Load balancer idle timeout; must sit between "
           "gunicornTimeoutSeconds and gunicornKeepaliveSeconds.", 65),
    Option("gunicornTimeoutSeconds", "integer", "gunicorn worker timeout, also Superset's webserver "
           "timeout.", 60),
    Option("gunicornKeepaliveSeconds", "integer", "gunicorn keep-alive; above the load balancer idle "
           "timeout so gunicorn never closes a connection the load balancer reuses.", 75),
    Option("healthCheckGracePeriodSeconds", "integer", "Seconds a new web task may fail health checks "
           "while Superset starts.", 180),
    Option("warehouseDrivers", "array", "Warehouse drivers baked into the image besides PostgreSQL: any of "
           "clickhouse, redshift, snowflake, bigquery (each pinned in runtime/drivers/).", ["clickhouse"]),
    Option("imageUri", "string", "A prebuilt Superset image pinned by digest (repo@sha256:...). Empty: "
           "build src/superset_stack/runtime/Dockerfile and push it to the stack's ECR repository.", ""),
    Option("logRetentionDays", "integer", "Retention of every CloudWatch log group (flow logs, database, "
           "cache, application), in a value CloudWatch accepts.", Preset(30, 90, 365)),
    # secrets
    Option("secretRecoveryWindowDays", "integer", "Days a deleted secret stays recoverable (7-30).",
           Preset(7, 30, 30)),
    # database
    Option("dbEngineVersion", "string", "PostgreSQL major version (minor upgrades are automatic).", "18"),
    Option("dbInstanceClass", "string", "RDS instance class.",
           Preset("db.t4g.micro", "db.t4g.small", "db.m7g.large")),
    Option("dbAllocatedStorageGib", "integer", "Initial gp3 storage in GiB (20-65536).", Preset(20, 20, 100)),
    Option("dbMaxAllocatedStorageGib", "integer", "Storage autoscaling ceiling in GiB; 0 turns "
           "autoscaling off.", Preset(50, 100, 500)),
    Option("dbMultiAz", "boolean", "Standby replica in another zone with automatic failover.",
           Preset(False, False, True)),
    Option("dbDeletionProtection", "boolean", "Refuse to delete the database instance.",
           Preset(False, True, True)),
    Option("dbBackupRetentionDays", "integer", "Days of automated backups and point-in-time recovery "
           "(1-35).", Preset(3, 7, 14)),
    Option("dbBackupWindow", "string", "Daily backup window, UTC, hh:mm-hh:mm (at least 30 minutes).",
           "03:00-04:00"),
    Option("dbMaintenanceWindow", "string", "Weekly maintenance window, UTC, ddd:hh:mm-ddd:hh:mm; must "
           "not overlap the backup window.", "sun:04:30-sun:05:30"),
    Option("dbPerformanceInsights", "boolean", "Performance Insights (7 days, encrypted with the stack "
           "key).", Preset(False, True, True)),
    Option("dbMonitoringIntervalSeconds", "integer", "Enhanced Monitoring interval: 0 (off), 1, 5, 10, "
           "15, 30 or 60.", Preset(0, 60, 60)),
    # cache
    Option("cacheEngine", "string", "ElastiCache engine: valkey or redis.", "valkey", ("valkey", "redis")),
    Option("cacheEngineVersion", "string", "Engine version (major.minor).", "8.2"),
    Option("cacheNodeType", "string", "ElastiCache node type.",
           Preset("cache.t4g.micro", "cache.t4g.small", "cache.m7g.large")),
    Option("cacheNodeCount", "integer", "Nodes in the replication group (primary plus replicas, 1-6). "
           "Two or more turn on automatic failover and Multi-AZ.", Preset(1, 2, 2)),
    Option("cacheSnapshotRetentionDays", "integer", "Days of cache snapshots (1-35).", Preset(1, 1, 3)),
    # storage
    Option("resultsExpirationDays", "integer", "Days SQL Lab async results stay in the bucket.", 7),
    Option("noncurrentVersionExpirationDays", "integer", "Days an overwritten or deleted object "
           "version is kept.", Preset(7, 30, 90)),
    # compute (the service tier reads these; validated here so bad sizes never reach AWS)
    Option("cpuArchitecture", "string", "Fargate CPU architecture: ARM64 (Graviton, about 20% below "
           "x86 on demand) or X86_64 (the only one Fargate Spot runs).",
           Preset("X86_64", "ARM64", "ARM64"), ("ARM64", "X86_64")),
    Option("fargateSpot", "boolean", "Run web, worker and beat on Fargate Spot: half the on-demand price "
           "or less, but AWS may reclaim a task at two minutes' notice. Needs cpuArchitecture X86_64.",
           Preset(True, False, False)),
    Option("officeHours", "string", "When the stack runs, 'DAYS HH:MM-HH:MM' in officeHoursTimezone, "
           "e.g. 'MON-FRI 07:00-19:00'. Outside it the services scale to zero and the database stops; "
           "the database starts 30 minutes early. Empty: always on.",
           Preset("MON-FRI 07:00-19:00", "", "")),
    Option("officeHoursTimezone", "string", "IANA time zone of officeHours, e.g. Europe/Berlin "
           "(daylight saving time is followed).", "UTC"),
    Option("webCpu", "integer", "CPU units of a web task.", Preset(512, 1024, 2048)),
    Option("webMemoryMib", "integer", "Memory of a web task in MiB.", Preset(1024, 2048, 4096)),
    Option("webMinTasks", "integer", "Web tasks always running (autoscaling floor).", Preset(1, 2, 2)),
    Option("webMaxTasks", "integer", "Web tasks at most (autoscaling ceiling).", Preset(2, 4, 10)),
    Option("gunicornWorkers", "integer", "gunicorn worker processes per web task.", Preset(2, 2, 4)),
    Option("gunicornThreads", "integer", "Threads per gunicorn worker.", Preset(4, 8, 8)),
    Option("workerCpu", "integer", "CPU units of a Celery worker task.", Preset(512, 1024, 2048)),
    Option("workerMemoryMib", "integer", "Memory of a Celery worker task in MiB.",
           Preset(1024, 2048, 4096)),
    Option("workerTasks", "integer", "Celery worker tasks.", Preset(1, 1, 2)),
    Option("celeryConcurrency", "integer", "Celery prefork processes per worker task.", Preset(2, 4, 4)),
    Option("previousSecretKeySecretArn", "string", "During a SECRET_KEY rotation: the Secrets Manager "
           "secret holding the old key. The migration task then re-encrypts stored credentials with the "
           "new key (docs/operations.md). Empty otherwise.", ""),
    # operations
    Option("alarmEmail", "string", "E-mail address subscribed to the alarm topic (confirm the "
           "subscription mail AWS sends). Empty: subscribe something yourself.", ""),
    Option("backupRetentionDays", "integer", "Days AWS Backup keeps the daily database backups (1-35 "
           "while continuous backups are off; up to 36500).", Preset(7, 14, 35)),
    Option("backupCopyRegion", "string", "Region that receives a copy of every AWS Backup recovery point "
           "(disaster recovery). Empty: no copy.", ""),
    Option("alarmCpuPercent", "integer", "CPU utilisation that raises an alarm (21-100); services scale "
           "out 20 points below it.", 80),
    Option("alarmMemoryPercent", "integer", "Memory utilisation that raises an alarm (11-100); services "
           "scale out 10 points below it.", 80),
)  # fmt: skip

OPTIONS_BY_KEY: dict[str, Option] = {option.key: option for option in OPTIONS}

# Production rules that only a dated, reasoned waiver may relax: key -> (check, what it requires).
PROD_RULES: dict[str, str] = {
    "dbMultiAz": "prod requires dbMultiAz true (a standby in another zone)",
    "dbDeletionProtection": "prod requires dbDeletionProtection true",
    "dbBackupRetentionDays": "prod requires dbBackupRetentionDays of at least 7",
    "cacheNodeCount": "prod requires cacheNodeCount of at least 2 (automatic failover)",
    "webMinTasks": "prod requires webMinTasks of at least 2 (one task per zone survives an AZ loss)",
    "natGateways": "prod requires natGateways one_per_az or none (a single NAT is a single point of failure)",
    "vpcEndpointsAllZones": "prod requires vpcEndpointsAllZones true (an endpoint in one zone fails with it)",
    "fargateSpot": "prod requires fargateSpot false (AWS may reclaim Spot tasks at two minutes' notice)",
    "officeHours": "prod requires officeHours empty (always on)",
}


@dataclass(frozen=True)
class Waiver:
    key: str
    expires: date
    reason: str


_WAIVER = re.compile(r"^(?P<key>[A-Za-z0-9-]+) until (?P<date>\d{4}-\d{2}-\d{2}): (?P<reason>\S.*)$")


# --- the settings object -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the program needs, validated. Attribute names are the config keys in snake_case."""

    project: str
    stack: str
    region: str
    environment: str
    owner: str
    cost_center: str
    waivers: tuple[Waiver, ...]
    availability_zone_count: int
    availability_zones: tuple[str, ...]
    vpc_cidr: str
    public_subnet_cidrs: tuple[str, ...]
    private_subnet_cidrs: tuple[str, ...]
    nat_gateways: NatGateways
    vpc_endpoints: bool
    vpc_endpoints_all_zones: bool
    alb_ingress_cidrs: tuple[str, ...]
    http_to_https_redirect: bool
    domain_name: str
    hosted_zone_id: str
    certificate_arn: str
    waf_enabled: bool
    waf_rate_limit_per5_minutes: int
    alb_deletion_protection: bool
    alb_idle_timeout_seconds: int
    gunicorn_timeout_seconds: int
    gunicorn_keepalive_seconds: int
    health_check_grace_period_seconds: int
    warehouse_drivers: tuple[str, ...]
    image_uri: str
    log_retention_days: int
    secret_recovery_window_days: int
    db_engine_version: str
    db_instance_class: str
    db_allocated_storage_gib: int
    db_max_allocated_storage_gib: int
    db_multi_az: bool
    db_deletion_protection: bool
    db_backup_retention_days: int
    db_backup_window: str
    db_maintenance_window: str
    db_performance_insights: bool
    db_monitoring_interval_seconds: int
    cache_engine: str
    cache_engine_version: str
    cache_node_type: str
    cache_node_count: int
    cache_snapshot_retention_days: int
    results_expiration_days: int
    noncurrent_version_expiration_days: int
    cpu_architecture: str
    fargate_spot: bool
    office_hours: str
    office_hours_timezone: str
    web_cpu: int
    web_memory_mib: int
    web_min_tasks: int
    web_max_tasks: int
    gunicorn_workers: int
    gunicorn_threads: int
    worker_cpu: int
    worker_memory_mib: int
    worker_tasks: int
    celery_concurrency: int
    previous_secret_key_secret_arn: str
    alarm_email: str
    backup_retention_days: int
    backup_copy_region: str
    alarm_cpu_percent: int
    alarm_memory_percent: int

    # --- derived values --------------------------------------------------------------------------

    @property
    def resource_prefix(self) -> str:
        """Prefix for AWS names that must be explicit (database identifier, log groups)."""
        return re.sub(r"[^a-z0-9-]", "-", f"superset-{self.stack}".lower())

    @property
    def schedule(self) -> OfficeHours | None:
        """The parsed officeHours, or None for a stack that is always on."""
        return parse_office_hours(self.office_hours) if self.office_hours else None

    @property
    def tags(self) -> dict[str, str]:
        """Cost-allocation tags applied to every resource through the provider's default tags."""
        return {
            "Project": self.project,
            "Environment": self.environment,
            "CostCenter": self.cost_center,
            "Owner": self.owner,
            "Stack": self.stack,
            "ManagedBy": "pulumi",
        }

    @property
    def autoscaling_cpu_target_percent(self) -> int:
        return self.alarm_cpu_percent - CPU_SCALING_HEADROOM_PERCENT

    @property
    def autoscaling_memory_target_percent(self) -> int:
        return self.alarm_memory_percent - MEMORY_SCALING_HEADROOM_PERCENT

    @property
    def pool(self) -> sizing.PoolSettings:
        return sizing.pool_settings(self.gunicorn_threads)

    @property
    def connection_budget(self) -> sizing.ConnectionBudget:
        return sizing.connection_budget(
            instance_class=self.db_instance_class,
            web_max_tasks=self.web_max_tasks,
            gunicorn_workers=self.gunicorn_workers,
            pool=self.pool,
            celery_tasks=self.worker_tasks,
            celery_concurrency=self.celery_concurrency,
        )

    @property
    def db_parameter_group_family(self) -> str:
        return f"postgres{self.db_engine_version.split('.')[0]}"

    @property
    def cache_parameter_group_family(self) -> str:
        major = self.cache_engine_version.split(".")[0]
        return f"valkey{major}" if self.cache_engine == "valkey" else f"redis{major}"

    def waived(self, key: str) -> Waiver | None:
        return next((waiver for waiver in self.waivers if waiver.key == key), None)

    def policy_waivers(self, setting_waivers: Mapping[str, str]) -> dict[str, str]:
        """Policy name -> note, for the policy engine; a production-rule waiver covers its policy too."""
        waived = {}
        for waiver in self.waivers:
            note = f"until {waiver.expires.isoformat()}: {waiver.reason}"
            waived[setting_waivers.get(waiver.key, waiver.key)] = note
        return waived

    # --- construction ----------------------------------------------------------------------------

    @classmethod
    def from_values(
        cls,
        values: Mapping[str, Any],
        *,
        stack: str,
        region: str | None,
        project: str = PROJECT,
        today: date | None = None,
    ) -> Settings:
        """Build settings from raw config values (strings from Pulumi, or YAML types).

        Raises SettingsError listing every problem found.
        """
        return _build(values, stack=stack, region=region, project=project, today=today or date.today())

    @classmethod
    def load(cls) -> Settings:
        """Read the current Pulumi stack's configuration (inside a Pulumi program)."""
        import pulumi

        config = pulumi.Config()
        values: dict[str, Any] = {}
        for option in OPTIONS:
            raw = config.get_object(option.key) if option.type == "array" else config.get(option.key)
            if raw is not None:
                values[option.key] = raw
        return cls.from_values(
            values,
            stack=pulumi.get_stack(),
            region=pulumi.Config("aws").get("region"),
            project=pulumi.get_project(),
        )

    @classmethod
    def from_stack_file(cls, path: Path, *, stack: str | None = None, today: date | None = None) -> Settings:
        """Read a Pulumi.<stack>.yaml file from disk (offline, no Pulumi engine)."""
        name = stack or stack_name_from_path(path)
        values, region = read_stack_file(path)
        return cls.from_values(values, stack=name, region=region, today=today)


def stack_name_from_path(path: Path) -> str:
    match = re.fullmatch(r"Pulumi\.(?P<stack>[^.]+)\.ya?ml", path.name)
    if not match:
        raise SettingsError([f"stack file name must look like Pulumi.<stack>.yaml, got {path.name!r}"])
    return match["stack"]


def read_stack_file(path: Path) -> tuple[dict[str, Any], str | None]:
    """The project's config values (namespace stripped) and aws:region from a stack file."""
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise SettingsError([f"stack file {str(path)!r} does not exist"]) from None
    except yaml.YAMLError as error:
        raise SettingsError([f"stack file {str(path)!r} is not valid YAML: {error}"]) from None
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError([f"stack file {str(path)!r}: 'config' must be a mapping"])
    values: dict[str, Any] = {}
    problems: list[str] = []
    for full_key, value in config.items():
        namespace, _, key = str(full_key).partition(":")
        if namespace == PROJECT:
            if isinstance(value, dict) and "secure" in value:
                problems.append(f"{key}: secure values are not settings; keep secrets out of config")
            values[key] = value
    if problems:
        raise SettingsError(problems)
    region = config.get("aws:region")
    return values, (str(region) if region is not None else None)


# --- building and validating ---------------------------------------------------------------------


def _build(
    values: Mapping[str, Any], *, stack: str, region: str | None, project: str, today: date
) -> Settings:
    problems: list[str] = []

    unknown = sorted(set(values) - set(OPTIONS_BY_KEY))
    for key in unknown:
        problems.append(f"{key}: not a setting of this project; see the configuration table in README.md")

    if not region:
        problems.append("aws:region: required; set it with `pulumi config set aws:region <region>`")
    elif not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d+", region):
        problems.append(f"aws:region: not an AWS region name, got {region!r}")

    environment = values.get("environment", stack if stack in ENVIRONMENTS else None)
    if environment is None:
        problems.append(
            f"environment: required because the stack name {stack!r} is not a preset; "
            f"allowed: {', '.join(ENVIRONMENTS)}"
        )
    elif environment not in ENVIRONMENTS:
        problems.append(
            f"environment: unknown environment {environment!r}; allowed: {', '.join(ENVIRONMENTS)}"
        )
    if problems and (environment not in ENVIRONMENTS or not region):
        raise SettingsError(problems)
    env = cast(str, environment)
    region = cast(str, region)

    resolved: dict[str, Any] = {}
    for option in OPTIONS:
        if option.key == "environment":
            resolved["environment"] = env
            continue
        if option.key in values:
            coerced = _coerce(option, values[option.key], problems)
            if coerced is not None:
                resolved[option.attribute] = coerced
                continue
            # the problem is recorded; carry on with the default so every other mistake shows too
        default = option.default
        if isinstance(default, Preset):
            resolved[option.attribute] = _freeze(default.for_environment(env))
        elif default is REQUIRED:
            problems.append(_required(option.key))
            resolved[option.attribute] = ""
        elif default is not DERIVED:
            resolved[option.attribute] = _freeze(default)

    _derive_network_defaults(resolved, region, set(values), problems)
    resolved["waivers"] = _parse_waivers(resolved.get("waivers", ()), today, problems)
    resolved["nat_gateways"] = NatGateways(resolved["nat_gateways"])
    settings = Settings(project=project, stack=stack, region=region, **resolved)
    _validate(settings, problems)
    if problems:
        raise SettingsError(list(dict.fromkeys(problems)))  # each mistake once, in order found
    return settings


def _required(key: str) -> str:
    return f"{key}: required; set it with `pulumi config set {key} <value>`"


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _coerce(option: Option, raw: Any, problems: list[str]) -> Any:  # noqa: PLR0911
    """Turn a raw config value into the option's type, or record why it can't be."""
    if option.type == "integer":
        if isinstance(raw, bool):
            problems.append(f"{option.key}: expected an integer, got {raw!r}")
            return None
        try:
            return int(str(raw).strip())
        except ValueError:
            problems.append(f"{option.key}: expected an integer, got {raw!r}")
            return None
    if option.type == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        problems.append(f"{option.key}: expected true or false, got {raw!r}")
        return None
    if option.type == "array":
        items = raw
        if isinstance(raw, str):
            try:
                items = json.loads(raw)
            except json.JSONDecodeError:
                items = None
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            problems.append(f"{option.key}: expected a list of strings, got {raw!r}")
            return None
        return tuple(items)
    text = str(raw).strip()
    if option.choices and text not in option.choices:
        problems.append(f"{option.key}: got {text!r}; allowed: {', '.join(option.choices)}")
        return None
    return text


def _derive_network_defaults(
    resolved: dict[str, Any], region: str, given: set[str], problems: list[str]
) -> None:
    """Fill in zones and subnet CIDRs the user did not give, or say why they can't be derived."""
    count: int = resolved["availability_zone_count"]  # always set: a preset exists for every environment
    zones = resolved.get("availability_zones")
    if zones is None:
        if not 2 <= count <= 6:
            problems.append(
                f"availabilityZoneCount: must be 2-6 (an ALB and an RDS subnet group need two "
                f"zones), got {count}"
            )
            count = min(max(count, 1), 6)
        zones = tuple(f"{region}{letter}" for letter in "abcdef"[:count])
        resolved["availability_zones"] = zones
    else:
        if "availabilityZoneCount" in given and count != len(zones):
            problems.append(
                f"availabilityZoneCount: {count} disagrees with the {len(zones)} "
                f"availabilityZones given; set one of them"
            )
        resolved["availability_zone_count"] = len(zones)
    missing = [key for key in ("publicSubnetCidrs", "privateSubnetCidrs") if key not in given]
    if not missing:
        return
    for key in missing:
        resolved[OPTIONS_BY_KEY[key].attribute] = ()
    try:
        vpc = ipaddress.IPv4Network(resolved.get("vpc_cidr", ""), strict=True)
    except ValueError:
        return  # validation reports the VPC CIDR itself
    if not 16 <= vpc.prefixlen <= 24:
        return
    # A /16-/24 VPC always splits into 16 blocks, and there are at most 6 zones: publics take the
    # first blocks, privates start at the middle.
    blocks = list(vpc.subnets(new_prefix=min(vpc.prefixlen + 4, 28)))
    half = len(blocks) // 2
    if "publicSubnetCidrs" in missing:
        resolved["public_subnet_cidrs"] = tuple(str(block) for block in blocks[: len(zones)])
    if "privateSubnetCidrs" in missing:
        resolved["private_subnet_cidrs"] = tuple(str(block) for block in blocks[half : half + len(zones)])


def _parse_waivers(raw: Sequence[str], today: date, problems: list[str]) -> tuple[Waiver, ...]:
    waivers: list[Waiver] = []
    for text in raw:
        match = _WAIVER.match(text)
        if not match:
            problems.append(f"waivers: {text!r} must read '<key> until YYYY-MM-DD: <reason>'")
            continue
        try:
            expires = date.fromisoformat(match["date"])
        except ValueError:
            problems.append(f"waivers: {text!r} has an invalid date {match['date']!r}")
            continue
        if match["key"] not in PROD_RULES and match["key"] not in POLICY_NAMES:
            problems.append(
                f"waivers: {match['key']!r} is not a rule that can be waived; allowed: a production rule "
                f"({', '.join(PROD_RULES)}) or a policy name (listed by `superset-stack plan`)"
            )
            continue
        if expires < today:
            problems.append(
                f"waivers: the waiver for {match['key']} expired on {expires.isoformat()}; "
                f"renew it with a new date or fix the setting"
            )
            continue
        waivers.append(Waiver(key=match["key"], expires=expires, reason=match["reason"].strip()))
    return tuple(waivers)


_BACKUP_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_MAINTENANCE_WINDOW = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})-"
    r"(mon|tue|wed|thu|fri|sat|sun):(\d{2}):(\d{2})$"
)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_MINUTES = 7 * 24 * 60


def _minutes(hour: str, minute: str) -> int | None:
    h, m = int(hour), int(minute)
    return h * 60 + m if h < 24 and m < 60 else None


def _window_minutes(start: int, end: int, modulo: int) -> set[int]:
    length = (end - start) % modulo
    return {(start + offset) % modulo for offset in range(length)}


def _backup_minutes(window: str) -> set[int] | None:
    match = _BACKUP_WINDOW.match(window)
    if not match:
        return None
    start, end = _minutes(match[1], match[2]), _minutes(match[3], match[4])
    if start is None or end is None:
        return None
    return _window_minutes(start, end, 24 * 60)


def _maintenance_minutes(window: str) -> set[int] | None:
    match = _MAINTENANCE_WINDOW.match(window)
    if not match:
        return None
    start, end = _minutes(match[2], match[3]), _minutes(match[5], match[6])
    if start is None or end is None:
        return None
    start += _DAYS.index(match[1]) * 1440
    end += _DAYS.index(match[4]) * 1440
    return _window_minutes(start, end, _WEEK_MINUTES)


def _validate(s: Settings, problems: list[str]) -> None:
    def problem(key: str, text: str) -> None:
        problems.append(f"{key}: {text}")

    # governance
    for key, value in (("owner", s.owner), ("costCenter", s.cost_center)):
        if not value:
            problems.append(_required(key))
        elif len(value) > 256:
            problem(key, f"must be at most 256 characters (a tag value), got {len(value)}")

    # zones
    zones = s.availability_zones
    if len(zones) < 2:
        problem(
            "availabilityZones",
            f"need at least 2 zones (ALB and RDS subnet groups span two), got {list(zones)}",
        )
    if len(set(zones)) != len(zones):
        problem("availabilityZones", f"zones repeat, got {list(zones)}")
    outside = [zone for zone in zones if not re.fullmatch(re.escape(s.region) + r"[a-z]", zone)]
    if outside:
        problem(
            "availabilityZones",
            f"{outside} are not zones of region {s.region} (expected {s.region}a, {s.region}b, ...)",
        )

    # addresses
    vpc: ipaddress.IPv4Network | None = None
    try:
        vpc = ipaddress.IPv4Network(s.vpc_cidr, strict=True)
        if not 16 <= vpc.prefixlen <= 24:
            problem("vpcCidr", f"prefix must be /16 to /24, got {s.vpc_cidr}")
            vpc = None
    except ValueError as error:
        problem("vpcCidr", f"not a valid IPv4 network CIDR, got {s.vpc_cidr!r} ({error})")
    subnets: list[tuple[str, ipaddress.IPv4Network]] = []
    for key, cidrs in (
        ("publicSubnetCidrs", s.public_subnet_cidrs),
        ("privateSubnetCidrs", s.private_subnet_cidrs),
    ):
        if len(cidrs) != len(zones) and (cidrs or vpc is not None):
            problem(key, f"need one CIDR per zone ({len(zones)}), got {len(cidrs)}: {list(cidrs)}")
        for cidr in cidrs:
            try:
                network = ipaddress.IPv4Network(cidr, strict=True)
            except ValueError as error:
                problem(key, f"not a valid IPv4 network CIDR, got {cidr!r} ({error})")
                continue
            if vpc is not None and not network.subnet_of(vpc):
                problem(key, f"{cidr} does not fit inside the VPC {s.vpc_cidr}")
            if network.prefixlen > 28:
                problem(key, f"{cidr} is smaller than /28, the smallest subnet AWS allows")
            subnets.append((cidr, network))
    for index, (cidr, network) in enumerate(subnets):
        for other_cidr, other in subnets[index + 1 :]:
            if network.overlaps(other):
                problem("subnets", f"{cidr} overlaps {other_cidr}")
    for cidr in s.alb_ingress_cidrs:
        try:
            ipaddress.IPv4Network(cidr, strict=True)
        except ValueError as error:
            problem("albIngressCidrs", f"not a valid IPv4 network CIDR, got {cidr!r} ({error})")
    if not s.alb_ingress_cidrs:
        problem("albIngressCidrs", "empty: nobody could reach Superset")

    # edge
    if s.domain_name and not re.fullmatch(
        r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", s.domain_name
    ):
        problem("domainName", f"not a lower-case DNS host name, got {s.domain_name!r}")
    if not s.hosted_zone_id and not s.certificate_arn:
        problem(
            "hostedZoneId",
            "HTTPS needs a certificate: give hostedZoneId (the Route 53 zone of domainName; "
            "the certificate is created and validated through DNS) or certificateArn (one you already have)",
        )
    if s.hosted_zone_id and not re.fullmatch(r"Z[A-Z0-9]{1,32}", s.hosted_zone_id):
        problem("hostedZoneId", f"not a Route 53 hosted zone id (Z...), got {s.hosted_zone_id!r}")
    if s.certificate_arn:
        match = re.fullmatch(
            r"arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]+", s.certificate_arn
        )
        if not match:
            problem("certificateArn", f"not an ACM certificate ARN, got {s.certificate_arn!r}")
        elif match[1] != s.region:
            problem(
                "certificateArn",
                f"the certificate is in {match[1]}; a load balancer in {s.region} needs one "
                f"from the same region",
            )
    for key, why in sizing.timeout_chain_errors(
        gunicorn_timeout=s.gunicorn_timeout_seconds,
        alb_idle_timeout=s.alb_idle_timeout_seconds,
        gunicorn_keepalive=s.gunicorn_keepalive_seconds,
    ):
        problem(key, why)
    if not 10 <= s.waf_rate_limit_per5_minutes <= 2_000_000_000:
        problem("wafRateLimitPer5Minutes", f"must be 10-2000000000, got {s.waf_rate_limit_per5_minutes}")
    if not 5 <= s.gunicorn_timeout_seconds <= 3600:
        problem("gunicornTimeoutSeconds", f"must be 5-3600, got {s.gunicorn_timeout_seconds}")
    if not 0 <= s.health_check_grace_period_seconds <= 3600:
        problem("healthCheckGracePeriodSeconds", f"must be 0-3600, got {s.health_check_grace_period_seconds}")
    unknown_drivers = sorted(set(s.warehouse_drivers) - set(WAREHOUSE_DRIVERS))
    if unknown_drivers:
        problem(
            "warehouseDrivers",
            f"unknown driver(s) {unknown_drivers}; allowed: {', '.join(WAREHOUSE_DRIVERS)} "
            "(PostgreSQL is always included)",
        )
    if s.image_uri and not re.fullmatch(r"[^\s@]+@sha256:[0-9a-f]{64}", s.image_uri):
        problem("imageUri", f"must be pinned by digest (repository@sha256:<64 hex>), got {s.image_uri!r}")

    if s.nat_gateways is NatGateways.NONE and not s.vpc_endpoints:
        problem(
            "natGateways",
            "none without vpcEndpoints leaves tasks unable to pull images, read "
            "secrets or ship logs; turn vpcEndpoints on or choose single / one_per_az",
        )

    if s.fargate_spot and s.cpu_architecture != "X86_64":
        problem(
            "fargateSpot",
            f"Fargate Spot runs only X86_64 tasks, but cpuArchitecture is {s.cpu_architecture}; "
            "set cpuArchitecture X86_64 or fargateSpot false",
        )
    if s.office_hours:
        try:
            parse_office_hours(s.office_hours)
        except ValueError as error:
            problem("officeHours", str(error))
    try:
        ZoneInfo(s.office_hours_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem(
            "officeHoursTimezone",
            f"not an IANA time zone, got {s.office_hours_timezone!r}; "
            "e.g. UTC, Europe/Berlin, Australia/Sydney",
        )

    # retention
    for key, days in (("logRetentionDays", s.log_retention_days),):
        if days not in sizing.CLOUDWATCH_RETENTION_DAYS:
            problem(
                key,
                f"CloudWatch does not accept {days}; allowed: "
                f"{', '.join(map(str, sizing.CLOUDWATCH_RETENTION_DAYS))}",
            )
    if not 7 <= s.secret_recovery_window_days <= 30:
        problem("secretRecoveryWindowDays", f"must be 7-30, got {s.secret_recovery_window_days}")

    # database
    if not re.fullmatch(r"\d+(\.\d+)?", s.db_engine_version):
        problem("dbEngineVersion", f"expected a version such as 18 or 18.3, got {s.db_engine_version!r}")
    elif int(s.db_engine_version.split(".")[0]) < 16:
        problem("dbEngineVersion", f"PostgreSQL {s.db_engine_version} is too old; use 16 or newer")
    if s.db_instance_class not in sizing.DB_INSTANCE_MEMORY_GIB:
        problem(
            "dbInstanceClass",
            f"unknown class {s.db_instance_class!r}; known: {', '.join(sizing.DB_INSTANCE_MEMORY_GIB)}",
        )
    if not 20 <= s.db_allocated_storage_gib <= 65536:
        problem("dbAllocatedStorageGib", f"must be 20-65536 GiB for gp3, got {s.db_allocated_storage_gib}")
    if s.db_max_allocated_storage_gib and s.db_max_allocated_storage_gib < s.db_allocated_storage_gib:
        problem(
            "dbMaxAllocatedStorageGib",
            f"{s.db_max_allocated_storage_gib} is below "
            f"dbAllocatedStorageGib {s.db_allocated_storage_gib}; use 0 to turn autoscaling off",
        )
    if not 1 <= s.db_backup_retention_days <= 35:
        problem(
            "dbBackupRetentionDays", f"must be 1-35 (backups are never off), got {s.db_backup_retention_days}"
        )
    backup = _backup_minutes(s.db_backup_window)
    maintenance = _maintenance_minutes(s.db_maintenance_window)
    if backup is None:
        problem("dbBackupWindow", f"expected hh:mm-hh:mm in UTC, got {s.db_backup_window!r}")
    elif len(backup) < 30:
        problem("dbBackupWindow", f"must last at least 30 minutes, got {s.db_backup_window!r}")
    if maintenance is None:
        problem(
            "dbMaintenanceWindow", f"expected ddd:hh:mm-ddd:hh:mm in UTC, got {s.db_maintenance_window!r}"
        )
    elif len(maintenance) < 30:
        problem("dbMaintenanceWindow", f"must last at least 30 minutes, got {s.db_maintenance_window!r}")
    if backup and maintenance:
        daily = {day * 1440 + minute for day in range(7) for minute in backup}
        if daily & maintenance:
            problem(
                "dbMaintenanceWindow",
                f"{s.db_maintenance_window} overlaps the backup window {s.db_backup_window}",
            )
    if s.db_monitoring_interval_seconds not in (0, 1, 5, 10, 15, 30, 60):
        problem(
            "dbMonitoringIntervalSeconds",
            f"allowed: 0, 1, 5, 10, 15, 30, 60; got {s.db_monitoring_interval_seconds}",
        )

    # cache
    if not re.fullmatch(r"\d+\.\d+", s.cache_engine_version):
        problem("cacheEngineVersion", f"expected major.minor such as 8.2, got {s.cache_engine_version!r}")
    if s.cache_node_type not in sizing.CACHE_NODE_MEMORY_GIB:
        problem(
            "cacheNodeType",
            f"unknown node type {s.cache_node_type!r}; known: {', '.join(sizing.CACHE_NODE_MEMORY_GIB)}",
        )
    if not 1 <= s.cache_node_count <= 6:
        problem("cacheNodeCount", f"must be 1-6, got {s.cache_node_count}")
    if not 1 <= s.cache_snapshot_retention_days <= 35:
        problem("cacheSnapshotRetentionDays", f"must be 1-35, got {s.cache_snapshot_retention_days}")

    # storage
    for key, days in (
        ("resultsExpirationDays", s.results_expiration_days),
        ("noncurrentVersionExpirationDays", s.noncurrent_version_expiration_days),
    ):
        if not 1 <= days <= 3650:
            problem(key, f"must be 1-3650 days, got {days}")

    # compute
    for prefix, cpu, memory in (
        ("web", s.web_cpu, s.web_memory_mib),
        ("worker", s.worker_cpu, s.worker_memory_mib),
    ):
        size_error = sizing.fargate_size_error(cpu, memory)
        if size_error:
            problem(f"{prefix}Cpu/{prefix}MemoryMib", f"Fargate rejects this size: {size_error}")
    if s.web_min_tasks < 1:
        problem("webMinTasks", f"must be at least 1, got {s.web_min_tasks}")
    if s.web_max_tasks < s.web_min_tasks:
        problem("webMaxTasks", f"{s.web_max_tasks} is below webMinTasks {s.web_min_tasks}")
    if s.worker_tasks < 1:
        problem(
            "workerTasks",
            f"must be at least 1 (reports and async queries need a worker), got {s.worker_tasks}",
        )
    for key, count in (
        ("gunicornWorkers", s.gunicorn_workers),
        ("gunicornThreads", s.gunicorn_threads),
        ("celeryConcurrency", s.celery_concurrency),
    ):
        if not 1 <= count <= 64:
            problem(key, f"must be 1-64, got {count}")
    needed = sizing.gunicorn_memory_mib(s.gunicorn_workers)
    if s.gunicorn_workers >= 1 and needed > s.web_memory_mib:
        problem(
            "gunicornWorkers",
            f"{s.gunicorn_workers} workers need about {needed} MiB "
            f"({sizing.GUNICORN_WORKER_RSS_MIB} MiB each plus {sizing.GUNICORN_MASTER_AND_HEADROOM_MIB}); "
            f"webMemoryMib is {s.web_memory_mib}: lower the workers or raise the memory",
        )
    for key, percent, headroom in (
        ("alarmCpuPercent", s.alarm_cpu_percent, CPU_SCALING_HEADROOM_PERCENT),
        ("alarmMemoryPercent", s.alarm_memory_percent, MEMORY_SCALING_HEADROOM_PERCENT),
    ):
        if not headroom < percent <= 100:
            problem(
                key,
                f"must be {headroom + 1}-100, got {percent} "
                f"(autoscaling targets {headroom} points below it, and a target must be at least 1)",
            )

    if s.previous_secret_key_secret_arn and not re.fullmatch(
        r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+",
        s.previous_secret_key_secret_arn,
    ):
        problem(
            "previousSecretKeySecretArn",
            f"not a Secrets Manager secret ARN, got {s.previous_secret_key_secret_arn!r}",
        )
    if s.alarm_email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", s.alarm_email):
        problem("alarmEmail", f"not an e-mail address, got {s.alarm_email!r}")
    if not 1 <= s.backup_retention_days <= 36500:
        problem("backupRetentionDays", f"must be 1-36500, got {s.backup_retention_days}")

    if s.backup_copy_region and not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d+", s.backup_copy_region):
        problem("backupCopyRegion", f"not an AWS region name, got {s.backup_copy_region!r}")
    elif s.backup_copy_region == s.region:
        problem(
            "backupCopyRegion",
            f"must differ from the stack's region {s.region}: a copy in the same region "
            "does not survive a regional outage",
        )

    # connection budget (the guide's pitfall 1): only when the inputs themselves are valid
    if (
        s.db_instance_class in sizing.DB_INSTANCE_MEMORY_GIB
        and s.gunicorn_threads >= 1
        and s.gunicorn_workers >= 1
    ):
        budget = s.connection_budget
        if not budget.fits:
            problem(
                "dbInstanceClass",
                f"connection budget exceeded: {budget.explain()}; use a larger "
                f"dbInstanceClass, fewer webMaxTasks or gunicornWorkers, or fewer gunicornThreads",
            )

    # production safety, each waivable with a reason and an expiry date
    if s.environment == "prod":
        violated = {
            "dbMultiAz": not s.db_multi_az,
            "dbDeletionProtection": not s.db_deletion_protection,
            "dbBackupRetentionDays": s.db_backup_retention_days < 7,
            "cacheNodeCount": s.cache_node_count < 2,
            "webMinTasks": s.web_min_tasks < 2,
            "natGateways": s.nat_gateways is NatGateways.SINGLE,
            "vpcEndpointsAllZones": s.vpc_endpoints and not s.vpc_endpoints_all_zones,
            "fargateSpot": s.fargate_spot,
            "officeHours": bool(s.office_hours),
        }
        for key, broken in violated.items():
            if broken and not s.waived(key):
                problem(
                    key,
                    f"{PROD_RULES[key]}; to accept the risk add a waiver "
                    f"'{key} until YYYY-MM-DD: <reason>' to waivers",
                )


def setting_fields() -> tuple[str, ...]:
    """Settings attributes that come from config keys (for consistency checks)."""
    skip = {"project", "stack", "region"}
    return tuple(f.name for f in fields(Settings) if f.name not in skip)
