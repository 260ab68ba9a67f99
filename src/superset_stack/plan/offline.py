"""Run the Pulumi program offline for one stack file and return what it would create.

The plan document is the same bytes for the same stack file, on every run and in every checkout:
resources in the order the program declares them (plan/recording.py), violations sorted, cost
lines in the cost model's order, and paths inside the project (the image's build context) written
relative to the project root.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi

from superset_stack.plan.recording import RecordingMocks, install, run
from superset_stack.settings import PROJECT, NatGateways, Settings, read_stack_file, stack_name_from_path
from superset_stack.warehouses import plan_entries

if TYPE_CHECKING:
    from superset_stack.plan.cost import CostReport
    from superset_stack.policies.engine import Report, Violation


def stack_config(path: Path) -> dict[str, str]:
    """A stack file's config as the Pulumi engine hands it to a program (strings, JSON for lists)."""
    values, region = read_stack_file(path)
    config = {
        f"{PROJECT}:{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in values.items()
    }
    if region is not None:
        config["aws:region"] = region
    return config


def record_stack_file(
    path: Path, *, stack: str | None = None, today: date | None = None
) -> tuple[Settings, RecordingMocks]:
    """Validate the stack file, then run the program under recording mocks.

    Raises SettingsError before anything runs when the configuration is invalid.
    """
    name = stack or stack_name_from_path(path)
    settings = Settings.from_stack_file(path, stack=name, today=today)  # fail fast, with every problem
    mocks = RecordingMocks(region=settings.region)
    install(mocks, project=PROJECT, stack=name)
    pulumi.runtime.set_all_config(stack_config(path))
    from superset_stack.program import main

    run(main, mocks)
    return settings, mocks


@dataclass(frozen=True)
class Plan:
    """One offline plan: the settings, what was recorded, the policy report, the cost, and the
    document of the plan JSON contract (ARCHITECTURE.md) built from them."""

    settings: Settings
    mocks: RecordingMocks
    policies: Report
    cost: CostReport
    document: dict[str, Any]


PROJECT_ROOT = Path(__file__).resolve().parents[3]


def project_relative(value: Any) -> Any:
    """`value` with every string that is a path inside the project made relative to its root
    ("." for the root itself), recursively: the plan of a checkout does not name the checkout."""
    if isinstance(value, dict):
        return {key: project_relative(item) for key, item in value.items()}
    if isinstance(value, list):
        return [project_relative(item) for item in value]
    if isinstance(value, str) and (value == str(PROJECT_ROOT) or value.startswith(f"{PROJECT_ROOT}/")):
        return Path(value).relative_to(PROJECT_ROOT).as_posix()
    return value


def violation_order(violation: Violation) -> tuple[bool, str, str, str]:
    """Mandatory violations first, then by policy, resource and message."""
    return violation.level != "mandatory", violation.policy, violation.resource, violation.message


def plan_stack_file(path: Path, *, stack: str | None = None) -> Plan:
    """Record the stack file's program, evaluate every policy rule and price it."""
    from superset_stack.plan.cost import estimate
    from superset_stack.policies.engine import Context, Resource, evaluate
    from superset_stack.policies.rules import RULES, SETTING_WAIVERS, STACK_RULES

    name = stack or stack_name_from_path(path)
    settings, mocks = record_stack_file(path, stack=name)
    resources = [r for r in mocks if r.custom and not r.type.startswith("pulumi:providers:")]
    report = evaluate(
        [Resource(r.type, r.name, r.inputs) for r in resources],
        RULES,
        STACK_RULES,
        Context(settings.environment),
        waivers=settings.policy_waivers(SETTING_WAIVERS),
    )
    report.violations.sort(key=violation_order)
    cost = estimate(resources, settings.region)
    document = {
        "stack": name,
        "environment": settings.environment,
        "region": settings.region,
        "resources": [
            {"type": r.type, "name": r.name, "parent": r.parent, "inputs": project_relative(r.inputs)}
            for r in resources
        ],
        "policies": {"violations": [dataclasses.asdict(v) for v in report.violations]},
        "cost": cost.as_contract(),
        # beyond the contract's keys: the declared warehouse connections, their egress, no secret
        "warehouse_connections": plan_entries(
            settings.warehouse_connections,
            region=settings.region,
            internet_egress=settings.nat_gateways is not NatGateways.NONE,
        ),
    }
    return Plan(settings, mocks, report, cost, document)
