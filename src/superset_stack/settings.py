"""Typed, validated settings: the only reader of configuration.

One registry (`OPTIONS`) lists every stack config key with its type, description and default; a
default is either one value or a per-environment preset (dev / staging / prod). From it come the
loader (Pulumi config or a stack file on disk), the Pulumi.yaml schema check and the README tables.
`Settings.from_values` validates everything before any resource is declared and reports every
problem at once: the key, the value given and what is allowed. A stack file is read defensively by
`stack_file.py`; every value's type is checked before it is converted (`config_types.py`, which
also holds the object types of list settings such as egressDestinations); the checks across the
resolved values are the validators in `superset_stack.validators`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from superset_stack import sizing, stack_file
from superset_stack.config_types import (
    ConfigType,
    Field,
    ObjectType,
    coerce,
    network_targets,
    shown,
    snake_case,
)
from superset_stack.office_hours import OfficeHours
from superset_stack.office_hours import parse as parse_office_hours
from superset_stack.policies.rules import POLICY_NAMES
from superset_stack.validators import VALIDATORS, required
from superset_stack.validators._windows import office_backup_window, office_maintenance_window
from superset_stack.validators.waivers import PROD_RULES
from superset_stack.warehouses import WAREHOUSE_CONNECTION, WarehouseConnection
from superset_stack.warehouses import WAREHOUSE_DRIVERS as WAREHOUSE_DRIVERS  # noqa: PLC0414 (re-export)

PROJECT = "superset-stack"
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
AUTH_TYPES: tuple[str, ...] = ("database", "oidc", "ldap")
CONTAINER_PORT = 8088
POSTGRES_PORT = 5432
REDIS_PORT = 6379
# Autoscaling targets sit this many points below the alarm thresholds, so new tasks start
# before anyone is paged.
CPU_SCALING_HEADROOM_PERCENT = 20
MEMORY_SCALING_HEADROOM_PERCENT = 10


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


@dataclass(frozen=True)
class Option:
    """One config key. An `array` holds texts, or objects of the `items` type when it is given."""

    key: str
    type: ConfigType
    description: str
    default: Any
    choices: tuple[str, ...] = ()
    items: ObjectType | None = None

    @property
    def attribute(self) -> str:
        return snake_case(self.key)


# --- object types of list settings ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EgressDestination:
    """One place the tasks may open connections to: a port or port range on exactly one target
    (checked by validators/egress.py). A field not given is None."""

    description: str
    port: int | None = None
    from_port: int | None = None
    to_port: int | None = None
    cidr: str | None = None
    prefix_list_id: str | None = None
    security_group_id: str | None = None

    @property
    def ports(self) -> tuple[int, int]:
        """(first, last) port: `port` twice, or fromPort and toPort (0 where missing)."""
        if self.port is not None:
            return self.port, self.port
        return self.from_port or 0, self.to_port or 0

    @property
    def targets(self) -> dict[str, str]:
        """The targets given, by field key: exactly one in a valid destination."""
        return network_targets(self.cidr, self.prefix_list_id, self.security_group_id)


EGRESS_DESTINATION = ObjectType(
    noun="destination",
    fields=(
        Field("description", "string", "why the tasks go there, shown on the rule (AWS: 255 characters "
              "of letters, digits, spaces and ._-:/()#,@[]+=;{}!$*)", required=True),
        Field("port", "integer", "one TCP port (or give fromPort and toPort)"),
        Field("fromPort", "integer", "first TCP port of a range"),
        Field("toPort", "integer", "last TCP port of a range"),
        Field("cidr", "string", "an IPv4 network, e.g. 10.20.0.0/16 or 203.0.113.7/32"),
        Field("prefixListId", "string", "a managed prefix list id (pl-...)"),
        Field("securityGroupId", "string", "a security group id in this VPC or a peered one (sg-...)"),
    ),
    build=EgressDestination,
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class RoleMapping:
    """The Superset roles one identity-provider group gives (checked by validators/auth.py)."""

    group: str
    roles: str

    @property
    def role_names(self) -> tuple[str, ...]:
        """The roles, as listed (comma-separated), without blanks."""
        return tuple(name.strip() for name in self.roles.split(",") if name.strip())


ROLE_MAPPING = ObjectType(
    noun="group mapping",
    fields=(
        Field("group", "string", "the group as the identity provider sends it: a name or ID in "
              "oidcGroupsClaim (oidc), a group DN (ldap)", required=True),
        Field("roles", "string", "the Superset roles it gives, comma-separated: Admin, Alpha, Gamma, "
              "sql_lab", required=True),
    ),
    build=RoleMapping,
)  # fmt: skip


OPTIONS: tuple[Option, ...] = (
    # identity and governance
    Option("environment", "string", "Environment preset to start from. Defaults to the stack name when "
           "that is dev, staging or prod.", DERIVED, ENVIRONMENTS),
    Option("owner", "string", "Owner cost-allocation tag on every resource (team or person).", REQUIRED),
    Option("costCenter", "string", "CostCenter cost-allocation tag on every resource.", REQUIRED),
    Option("waivers", "array", "Accepted exceptions to a production rule or a policy, each written "
           "'<key> until YYYY-MM-DD: <reason>'. An expired waiver fails the deployment.", []),
    Option("roleBoundaryArn", "string", "Permissions boundary of every IAM role the stack creates: the "
           "bootstrap's roleBoundaryArn output (arn:aws:iam::<account>:policy/...). Required when CI's "
           "deploy roles deploy the stack (docs/delivery.md). Empty: the roles get no boundary.", ""),
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
    Option("egressDestinations", "array", "Further places the tasks may connect to (warehouses, SMTP, "
           "LDAP), each one described egress rule from the app security group: a list of objects with a "
           "description, a port (or fromPort and toPort) and exactly one of cidr, prefixListId or "
           "securityGroupId. Tasks otherwise reach only the database, the cache, AWS APIs and, through "
           "a NAT gateway, HTTPS (443).", [], items=EGRESS_DESTINATION),
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
           f"{', '.join(WAREHOUSE_DRIVERS)} (each pinned in runtime/drivers/). The drivers of "
           "warehouseConnections' engines are added.", ["clickhouse"]),
    Option("warehouseConnections", "array", "Warehouse connections the migration task creates or updates "
           "in Superset (README: Warehouse connections): a list of objects with a name, an engine and its "
           "fields, the credential's Secrets Manager ARN (the task role for athena), Superset options and "
           "at most one network target, which opens one egress rule on the connection's port. Passwords "
           "reach only the migration task, through ECS secrets.", [], items=WAREHOUSE_CONNECTION),
    Option("removedWarehouseConnections", "array", "Names of connections the migration task deletes from "
           "Superset (one no longer in warehouseConnections is kept otherwise); refused while datasets or "
           "reports use it.", []),
    Option("imageUri", "string", "A prebuilt Superset image pinned by digest (repo@sha256:...). Empty: "
           "build src/superset_stack/runtime/Dockerfile and push it to the stack's ECR repository.", ""),
    Option("logRetentionDays", "integer", "Retention of every CloudWatch log group (flow logs, database, "
           "cache, application), in a value CloudWatch accepts.", Preset(30, 90, 365)),
    # secrets
    Option("secretRecoveryWindowDays", "integer", "Days a deleted secret stays recoverable (7-30).",
           Preset(7, 30, 30)),
    # sign-in (validators/auth.py; runtime/auth.py)
    Option("authType", "string", "How people sign in: database (Superset's own users and passwords), "
           "oidc (an OpenID Connect identity provider) or ldap (a directory). With oidc or ldap a user "
           "is created at their first sign-in with the roles of authRolesMapping, and the bootstrap "
           "admin is disabled (docs/operations.md).", "database", AUTH_TYPES),
    Option("authRolesMapping", "array", "oidc and ldap: the Superset roles each identity-provider group "
           "gives, a list of objects with a group and its roles. At least one group must give Admin.",
           [], items=ROLE_MAPPING),
    Option("authRolesSyncAtLogin", "boolean", "oidc and ldap: recompute a user's roles from their groups "
           "at every sign-in, so leaving a group takes its role away. False: only at the first sign-in; "
           "roles are then managed in Superset.", True),
    Option("authDefaultRole", "string", "oidc and ldap: the role of a user in no mapped group (Gamma, "
           "sql_lab, Alpha or Admin). Empty: such a user is refused.", ""),
    Option("oidcIssuer", "string", "oidc: the issuer URL (https); Superset reads its endpoints and "
           "signing keys from <issuer>/.well-known/openid-configuration.", ""),
    Option("oidcClientId", "string", "oidc: the client ID registered with the identity provider, whose "
           "redirect URI is https://<domainName>/oauth-authorized/<oidcProviderName>.", ""),
    Option("oidcClientSecretArn", "string", "oidc: the full ARN of the Secrets Manager secret holding the "
           "client secret (plain text); only the web tasks read it, through ECS secrets.", ""),
    Option("oidcScopes", "array", "oidc: the scopes to request; openid is required (Okta needs groups "
           "for the groups claim).", ["openid", "email", "profile"]),
    Option("oidcGroupsClaim", "string", "oidc: the claim that lists the user's groups: groups (Okta, "
           "Entra ID), cognito:groups (Cognito); from the ID token, else from the userinfo endpoint.",
           "groups"),
    Option("oidcUsernameClaim", "string", "oidc: the claim that names the Superset user: sub (stable, "
           "never reassigned), email (only a verified one is accepted) or preferred_username.", "sub"),
    Option("oidcProviderName", "string", "oidc: the provider's name on the sign-in button and in the "
           "redirect URI: 1-20 lower-case letters and digits.", "sso"),
    Option("ldapServerUrl", "string", "ldap: the directory's URL, ldaps://host[:port], or "
           "ldap://host[:port] with ldapStartTls. Its port must be open in egressDestinations.", ""),
    Option("ldapStartTls", "boolean", "ldap: upgrade an ldap:// connection with StartTLS before the "
           "bind (required with ldap://, refused with ldaps://).", False),
    Option("ldapBindDn", "string", "ldap: the DN of the service account that searches for users.", ""),
    Option("ldapBindPasswordSecretArn", "string", "ldap: the full ARN of the Secrets Manager secret "
           "holding that account's password; only the web tasks read it, through ECS secrets.", ""),
    Option("ldapUserSearchBase", "string", "ldap: where users are searched, e.g. "
           "ou=people,dc=example,dc=com.", ""),
    Option("ldapUserSearchFilter", "string", "ldap: a filter users must also match, e.g. "
           "(objectClass=person). Empty: any entry with the ldapUidField.", ""),
    Option("ldapUidField", "string", "ldap: the attribute people sign in with: uid (OpenLDAP), "
           "sAMAccountName (Active Directory).", "uid"),
    Option("ldapGroupField", "string", "ldap: the user attribute listing the DNs of their groups "
           "(memberOf: Active Directory, OpenLDAP's memberof overlay); read when ldapGroupSearchBase "
           "is empty.", "memberOf"),
    Option("ldapGroupSearchBase", "string", "ldap: for a directory without memberOf, where the user's "
           "groups are searched with ldapGroupSearchFilter. Empty: ldapGroupField is read instead.", ""),
    Option("ldapGroupSearchFilter", "string", "ldap: the filter that finds a user's groups under "
           "ldapGroupSearchBase; {dn} stands for the user's DN, {uid} for the name they signed in "
           "with.", "(member={dn})"),
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
    Option("dbBackupWindow", "string", "Daily backup window, UTC, hh:mm-hh:mm (at least 30 minutes). "
           "Defaults to 03:00-04:00; with officeHours to 30 minutes inside the office day in every season, "
           "two hours after it starts (a stopped database takes no automated backup).", DERIVED),
    Option("dbMaintenanceWindow", "string", "Weekly maintenance window, UTC, ddd:hh:mm-ddd:hh:mm; must "
           "not overlap the backup window. Defaults to sun:04:30-sun:05:30; with officeHours to 30 minutes "
           "on the first office day, ending an hour before it does, inside it in every season (a stopped "
           "database gets no maintenance).", DERIVED),
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
    Option("workerMemoryMib", "integer", "Memory of a Celery worker task in MiB; must hold every Celery "
           "process with a report's browser at once (sizing.worker_memory_needed_mib: 976 MiB at "
           "concurrency 1, 1566 at 2, 2746 at 4).", Preset(1024, 3072, 4096)),
    Option("workerTasks", "integer", "Celery worker tasks.", Preset(1, 1, 2)),
    Option("celeryConcurrency", "integer", "Celery prefork processes per worker task (dev: one, so that "
           "a report's browser fits the 1 GB worker).", Preset(1, 4, 4)),
    Option("webDeploymentMaximumPercent", "integer", "Web tasks ECS may run during a deployment, in "
           "percent of the running count (100-200). 200 starts the new tasks beside the old ones: "
           "capacity never drops, database connections double for a while. 100 replaces half the "
           "tasks at a time (needs webMinTasks of at least 2).", 200),
    Option("workerDeploymentMaximumPercent", "integer", "Celery worker tasks ECS may run during a "
           "deployment, in percent of workerTasks (100-200). 100 replaces them in place: half at a "
           "time, or a single worker stopped before its replacement starts (queued tasks wait).", 200),
    Option("previousSecretKeySecretArn", "string", "During a SECRET_KEY rotation: the Secrets Manager "
           "secret holding the old key. The migration task then re-encrypts stored credentials with the "
           "new key (docs/operations.md). Empty otherwise.", ""),
    # alerts, reports and e-mail
    Option("smtpHost", "string", "SMTP relay of alert and report e-mail, e.g. "
           "email-smtp.<region>.amazonaws.com (Amazon SES) or a company relay; needs an egressDestinations "
           "entry for smtpPort. Empty: no e-mail.", ""),
    Option("smtpPort", "integer", "Port of the SMTP relay: 587 for STARTTLS, 465 for implicit TLS.", 587),
    Option("smtpSecurity", "string", "starttls (upgrade a plain connection, port 587) or tls (implicit TLS, "
           "port 465); the relay's certificate is verified. Plain SMTP is refused.", "starttls",
           ("starttls", "tls")),
    Option("smtpUser", "string", "SMTP user name (an SES SMTP user's access key id). Empty: no login.", ""),
    Option("smtpPasswordSecretArn", "string", "Secrets Manager secret (ARN, same region) whose value is the "
           "SMTP password; only the worker gets it. Required with smtpUser.", ""),
    Option("smtpMailFrom", "string", "From address of alert and report e-mail (an SES verified identity). "
           "Required with smtpHost.", ""),
    Option("slackTokenSecretArn", "string", "Secrets Manager secret (ARN, same region) whose value is a "
           "Slack bot token (xoxb-...), for Slack notifications of alerts and reports; only the worker "
           "gets it (Slack is reached over HTTPS through NAT). Empty: no Slack.", ""),
    Option("thumbnails", "boolean", "Chart and dashboard thumbnails in the lists, taken by the worker's "
           "browser and kept in the cache.", False),
    Option("cacheWarmupCron", "string", "When beat warms the chart cache of the most viewed dashboards, as "
           "a 5-field cron in UTC, e.g. '0 6 * * 1-5'. Empty: no warm-up.", ""),
    Option("cacheWarmupTopDashboards", "integer", "How many of the last week's most viewed dashboards the "
           "warm-up loads.", 10),
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
    # day-2 commands and snapshots (docs/operations.md)
    Option("preDeploySnapshot", "boolean", "Before a deployment that changes the Superset version, the "
           "migration run takes a manual snapshot of the database (tagged with both versions); a failed "
           "snapshot fails the deployment before anything migrates.", Preset(False, True, True)),
    Option("preDeploySnapshotsToKeep", "integer", "Snapshots before upgrades kept (1-100); the oldest "
           "beyond it are deleted after a new one.", 3),
    Option("manualSnapshotsToKeep", "integer", "Snapshots `superset-stack snapshot` keeps of its own "
           "(1-100); the oldest beyond it are deleted after a new one. Its --keep overrides it.", 5),
    Option("drillInstanceClass", "string", "RDS instance class of the scratch instance "
           "`superset-stack dr-drill` restores into. Empty: the database's own class.", ""),
)  # fmt: skip

OPTIONS_BY_KEY: dict[str, Option] = {option.key: option for option in OPTIONS}


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
    role_boundary_arn: str
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
    egress_destinations: tuple[EgressDestination, ...]
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
    warehouse_connections: tuple[WarehouseConnection, ...]
    removed_warehouse_connections: tuple[str, ...]
    image_uri: str
    log_retention_days: int
    secret_recovery_window_days: int
    auth_type: str
    auth_roles_mapping: tuple[RoleMapping, ...]
    auth_roles_sync_at_login: bool
    auth_default_role: str
    oidc_issuer: str
    oidc_client_id: str
    oidc_client_secret_arn: str
    oidc_scopes: tuple[str, ...]
    oidc_groups_claim: str
    oidc_username_claim: str
    oidc_provider_name: str
    ldap_server_url: str
    ldap_start_tls: bool
    ldap_bind_dn: str
    ldap_bind_password_secret_arn: str
    ldap_user_search_base: str
    ldap_user_search_filter: str
    ldap_uid_field: str
    ldap_group_field: str
    ldap_group_search_base: str
    ldap_group_search_filter: str
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
    web_deployment_maximum_percent: int
    worker_deployment_maximum_percent: int
    previous_secret_key_secret_arn: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_password_secret_arn: str
    smtp_mail_from: str
    slack_token_secret_arn: str
    thumbnails: bool
    cache_warmup_cron: str
    cache_warmup_top_dashboards: int
    alarm_email: str
    backup_retention_days: int
    backup_copy_region: str
    alarm_cpu_percent: int
    alarm_memory_percent: int
    pre_deploy_snapshot: bool
    pre_deploy_snapshots_to_keep: int
    manual_snapshots_to_keep: int
    drill_instance_class: str

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
        """A web task's pool per gunicorn worker (the runtime's, from the same function)."""
        return sizing.process_pool_settings("web", self.gunicorn_threads)

    @property
    def connection_budget(self) -> sizing.ConnectionBudget:
        """Metadata connections in steady state and at the worst moment (sizing.connection_budget)."""
        return sizing.connection_budget(
            instance_class=self.db_instance_class,
            web_max_tasks=self.web_max_tasks,
            gunicorn_workers=self.gunicorn_workers,
            gunicorn_threads=self.gunicorn_threads,
            worker_tasks=self.worker_tasks,
            celery_concurrency=self.celery_concurrency,
            web_deployment_maximum_percent=self.web_deployment_maximum_percent,
            worker_deployment_maximum_percent=self.worker_deployment_maximum_percent,
        )

    @property
    def web_deployment_minimum_healthy_percent(self) -> int:
        return sizing.deployment_minimum_healthy_percent(
            self.web_deployment_maximum_percent, self.web_min_tasks, may_stop_all=False
        )

    @property
    def worker_deployment_minimum_healthy_percent(self) -> int:
        return sizing.deployment_minimum_healthy_percent(
            self.worker_deployment_maximum_percent, self.worker_tasks, may_stop_all=True
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
            raw = config.get(option.key)  # text; lists and objects as JSON, parsed by their check
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
    """The stack a file is named after: Pulumi.<stack>.yaml."""
    try:
        return stack_file.stack_name_from_path(path)
    except stack_file.StackFileError as error:
        raise SettingsError(error.problems) from None


def read_stack_file(path: Path) -> tuple[dict[str, Any], str | None]:
    """The project's config values (namespace stripped) and aws:region from a stack file, read
    defensively (stack_file.py); SettingsError for a file that cannot be read as settings."""
    try:
        return stack_file.read(path, project=PROJECT, setting_keys=frozenset(OPTIONS_BY_KEY))
    except stack_file.StackFileError as error:
        raise SettingsError(error.problems) from None


# --- building and validating ---------------------------------------------------------------------


_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d+")


def _build(
    values: Mapping[str, Any], *, stack: str, region: str | None, project: str, today: date
) -> Settings:
    problems = [
        f"{_label(key)}: not a setting of this project; see the configuration table in README.md"
        for key in sorted(set(values) - set(OPTIONS_BY_KEY))
    ]
    if not _STACK_NAME.fullmatch(stack):
        problems.append(
            f"stack: a Pulumi stack name is 1-100 letters, digits, '-', '_' or '.', got {shown(stack)}"
        )
    if not region:
        problems.append("aws:region: required; set it with `pulumi config set aws:region <region>`")
    elif not _REGION.fullmatch(region):
        problems.append(f"aws:region: not an AWS region name, got {shown(region)}")
    environment = _environment(values, stack, problems)
    if environment is None or not region:
        raise SettingsError(problems)

    resolved, taken = _resolve(values, environment, problems)
    _derive_network_defaults(resolved, region, taken, problems)
    hours = (resolved["office_hours"], resolved["office_hours_timezone"])
    # each window a stack leaves unset is derived clear of the other (the backup window first)
    backup = resolved.setdefault(
        "db_backup_window", office_backup_window(*hours, resolved.get("db_maintenance_window", ""))
    )
    resolved.setdefault("db_maintenance_window", office_maintenance_window(*hours, backup))
    resolved["waivers"] = _parse_waivers(resolved.get("waivers", ()), today, problems)
    resolved["nat_gateways"] = NatGateways(resolved["nat_gateways"])
    settings = Settings(project=project, stack=stack, region=region, **resolved)
    _validate(settings, problems)
    if problems:
        raise SettingsError(list(dict.fromkeys(problems)))  # each mistake once, in order found
    return settings


def _label(key: str) -> str:
    """A config key as a message names it: as written, or quoted when it is not a plain name."""
    return key if re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", key) else shown(key)


def _environment(values: Mapping[str, Any], stack: str, problems: list[str]) -> str | None:
    """The preset to start from: the environment setting, else the stack name when it is one."""
    environment = coerce("environment", "string", values.get("environment"), problems)
    if environment is None:
        return None  # not text: the problem is recorded
    if not environment:
        if stack not in ENVIRONMENTS:
            problems.append(
                f"environment: required because the stack name {shown(stack)} is not a preset; "
                f"allowed: {', '.join(ENVIRONMENTS)}"
            )
            return None
        environment = stack
    if environment not in ENVIRONMENTS:
        problems.append(
            f"environment: unknown environment {shown(environment)}; allowed: {', '.join(ENVIRONMENTS)}"
        )
        return None
    return str(environment)


def _resolve(
    values: Mapping[str, Any], environment: str, problems: list[str]
) -> tuple[dict[str, Any], set[str]]:
    """Every option's value: the given one when its type checks (and a required one is not empty),
    else the default for the environment, so every other mistake shows too; and the keys whose
    given value was taken."""
    resolved: dict[str, Any] = {"environment": environment}
    taken: set[str] = set()
    for option in OPTIONS:
        if option.key == "environment":
            continue
        given = option.key in values
        value = _checked(option, values[option.key], problems) if given else None
        required_but_empty = option.default is REQUIRED and value == ""
        if value is not None and not required_but_empty:
            resolved[option.attribute] = value
            taken.add(option.key)
            continue
        default = option.default
        if isinstance(default, Preset):
            resolved[option.attribute] = _freeze(default.for_environment(environment))
        elif default is REQUIRED:
            if not given or required_but_empty:  # a value of the wrong type has its own problem
                problems.append(str(required(option.key)))
            resolved[option.attribute] = ""
        elif default is not DERIVED:
            resolved[option.attribute] = _freeze(default)
    return resolved, taken


def _checked(option: Option, raw: Any, problems: list[str]) -> Any:
    """`raw` as the option's type (config_types.coerce), or None after recording why it is not."""
    return coerce(option.key, option.type, raw, problems, choices=option.choices, items=option.items)


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


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
            problems.append(f"waivers: {shown(text)} must read '<key> until YYYY-MM-DD: <reason>'")
            continue
        try:
            expires = date.fromisoformat(match["date"])
        except ValueError:
            problems.append(f"waivers: {shown(text)} has an invalid date {match['date']!r}")
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


def _validate(s: Settings, problems: list[str]) -> None:
    """Record every validator's problems as 'key: text', in the registry's order; a key whose value
    was already refused (its type, or required) gets no second problem about the stand-in value."""
    refused = {re.split(r"[:\[]", problem, maxsplit=1)[0] for problem in problems}  # a list item: its key
    for validator in VALIDATORS:
        problems.extend(str(problem) for problem in validator(s) if problem.key not in refused)


def setting_fields() -> tuple[str, ...]:
    """Settings attributes that come from config keys (for consistency checks)."""
    skip = {"project", "stack", "region"}
    return tuple(f.name for f in fields(Settings) if f.name not in skip)
