"""Cross-field validation of resolved settings, one small validator per concern.

A validator is a plain function: it takes the resolved `Settings` and returns its problems, each
a key and what is wrong with it; it never raises and never sees another validator's result.
`VALIDATORS` lists them in the order the user reads the problems; `settings._validate` walks it.
Adding a check is one function in the module of its concern (or a new module) and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from superset_stack.validators import (
    auth,
    backup_window,
    cache,
    compute,
    database,
    edge,
    egress,
    iam,
    maintenance_window,
    network,
    operations,
    reports,
    schedules,
    storage,
    storage_autoscaling,
    tags,
    waivers,
    warehouses,
)
from superset_stack.validators._problem import Problem, required

if TYPE_CHECKING:
    from superset_stack.settings import Settings

Validator = Callable[["Settings"], list[Problem]]

VALIDATORS: tuple[Validator, ...] = (
    tags.validate_tags,
    iam.validate_role_boundary,
    network.validate_zones,
    network.validate_subnets,
    network.validate_alb_ingress,
    edge.validate_domain,
    edge.validate_timeouts,
    edge.validate_waf,
    edge.validate_image,
    # from the outside in: the private subnets' way out comes after the edge
    network.validate_nat_gateways,
    egress.validate_egress_destinations,
    warehouses.validate_warehouse_connections,
    auth.validate_auth_type,
    auth.validate_roles,
    auth.validate_oidc,
    auth.validate_ldap,
    # after egress: its destinations are checked before one is looked for on the directory's port
    auth.validate_auth_network,
    operations.validate_retention,
    operations.validate_secret_rotation,
    operations.validate_alarm_email,
    operations.validate_aws_backup,
    operations.validate_snapshot_retention,
    database.validate_instance,
    database.validate_ca_region,
    storage_autoscaling.validate_storage_autoscaling,
    database.validate_drill_instance,
    database.validate_backups_and_maintenance,
    cache.validate_cache,
    storage.validate_expiration,
    compute.validate_task_sizes,
    compute.validate_task_counts,
    compute.validate_processes,
    compute.validate_rollouts,
    compute.validate_alarm_thresholds,
    compute.validate_fargate_spot,
    compute.validate_worker_memory,
    reports.validate_smtp,
    reports.validate_secret_arns,
    reports.validate_cache_warmup,
    schedules.validate_office_hours,
    # after the hours, the zone and the window are known to be valid
    backup_window.validate_backup_window_in_office_hours,
    maintenance_window.validate_maintenance_window_in_office_hours,
    # after the sizes it adds up, and silent while the class, counts or percents are themselves wrong
    database.validate_connection_budget,
    # last: a production rule is about a value that is valid but risky
    waivers.validate_production_rules,
)

__all__ = ["VALIDATORS", "Problem", "Validator", "required"]
