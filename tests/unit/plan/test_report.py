"""The plan for people: a stable order for cost lines, unpriced lines said so, the summary."""

from __future__ import annotations

from pathlib import Path

from superset_stack.plan.cost import CACHE_RESERVED, RDS_RESERVED, SAVINGS_PLAN, Commitment, CostLine
from superset_stack.plan.report import (
    COMMITMENTS_HEADING,
    commitment_notes,
    cost_summary,
    largest_first,
    markdown,
    unpriced_notes,
    wrote,
)

LINES = (
    CostLine("b-web", "Fargate", 10.0, 50.0, False),
    CostLine("a-db", "RDS", 20.0, 20.0, True),
    CostLine("c-key", "KMS", 1.0, 1.0, False),
    CostLine("a-key", "KMS", 1.0, 1.0, False),
    CostLine("z-cache", "ElastiCache", 0.0, 0.0, False, unpriced="no published eu-west-1 price for x"),
    CostLine("y-alarm", "alarm", 0.0, 0.0, False, unpriced="no published eu-west-1 price for alarm"),
    CostLine("x-alarm", "alarm", 0.0, 0.0, False, unpriced="no published eu-west-1 price for alarm"),
)


def test_cost_lines_largest_first_ties_by_name_unpriced_last() -> None:
    assert [line.resource for line in largest_first(LINES)] == [
        "b-web", "a-db", "a-key", "c-key", "x-alarm", "y-alarm", "z-cache"
    ]  # fmt: skip
    assert [line.resource for line in largest_first(LINES, at_desired_counts=True)][:2] == ["a-db", "b-web"]


def test_unpriced_lines_are_counted_by_reason() -> None:
    assert unpriced_notes(LINES) == [
        "  - no published eu-west-1 price for alarm: 2 lines",
        "  - no published eu-west-1 price for x: 1 line",
    ]
    assert unpriced_notes(LINES[:4]) == []


def test_the_totals_say_when_they_are_a_lower_bound() -> None:
    assert cost_summary(LINES[:4], 32.0, 72.0) == (
        "monthly cost: USD 32.00 (desired counts) to 72.00 (autoscaling ceilings)"
    )
    assert cost_summary(LINES, 32.0, 72.0) == (
        "monthly cost: at least USD 32.00 (desired counts) to 72.00 (autoscaling ceilings); "
        "3 of 7 lines unpriced (see above)"
    )
    assert (
        cost_summary(LINES[4:], 0.0, 0.0)
        == "monthly cost: not priced, 3 lines without a unit price (see above)"
    )


def test_markdown_marks_unpriced_lines_and_lists_why() -> None:
    document = {
        "stack": "dev", "environment": "dev", "region": "eu-west-1", "resources": [],
        "policies": {"violations": []}, "cost": {"monthly_min": 32.0, "monthly_max": 72.0},
    }  # fmt: skip
    report = markdown(document, LINES)
    assert "- Monthly cost: at least USD 32.00 (desired counts) to 72.00 (autoscaling ceilings); 3 of 7 lines " \
           "unpriced (see above); lines marked * include an estimate." in report  # fmt: skip
    assert "| `a-db` | RDS * | 20.00 | 20.00 |" in report
    assert "| `z-cache` | ElastiCache | - | - |" in report
    assert (
        "Unpriced (-), so the totals are lower bounds:\n\n  - no published eu-west-1 price for alarm: 2 lines\n"
        in report
    )


COMMITTED = (
    CostLine("web", "Fargate", 10.0, 50.0, False, commitment=Commitment(SAVINGS_PLAN, 8.0, "a rate")),
    CostLine("db", "RDS", 20.0, 20.0, False, commitment=Commitment(
        RDS_RESERVED, None, "no sourced rate for db.x (plan/prices.py)", at_best=14.0)),
    CostLine("cache", "ElastiCache", 5.0, 5.0, False, commitment=Commitment(CACHE_RESERVED, 4.5, "a guess", True)),
    CostLine("key", "KMS", 1.0, 1.0, False),
    CostLine("old", "RDS", 0.0, 0.0, False, unpriced="no price", commitment=Commitment(RDS_RESERVED, 1.0, "x")),
)  # fmt: skip


def test_commitments_are_listed_beside_on_demand_by_resource() -> None:
    assert commitment_notes(COMMITTED) == [
        "  - cache, ElastiCache reserved nodes: 4.50 * a month, on demand 5.00",
        "  - db, RDS reserved instance: no figure (no sourced rate for db.x (plan/prices.py)); at best 14.00 a "
        "month, on demand 20.00",
        "  - web, Compute Savings Plan: 8.00 a month, on demand 10.00",
    ]  # fmt: skip
    assert commitment_notes(LINES) == []  # nothing to commit to: no heading either
    document = {
        "stack": "prod", "environment": "prod", "region": "us-east-1", "resources": [],
        "policies": {"violations": []}, "cost": {"monthly_min": 36.0, "monthly_max": 76.0},
    }  # fmt: skip
    assert f"\n{COMMITMENTS_HEADING}\n\n" + "\n".join(commitment_notes(COMMITTED)) + "\n" in markdown(
        document, COMMITTED
    )
    assert COMMITMENTS_HEADING not in markdown(document, LINES)


def test_what_plan_out_says_it_wrote() -> None:
    assert (
        wrote(Path("plan-prod")) == "wrote plan-prod/plan.json, plan-prod/plan.md, plan-prod/architecture.svg"
    )


def test_markdown_lists_the_warehouse_connections_without_a_secret() -> None:
    from superset_stack.warehouses import plan_entries
    from tests.unit.test_warehouses import CONNECTIONS

    document = {
        "stack": "staging", "environment": "staging", "region": "us-east-1", "resources": [],
        "policies": {"violations": []}, "cost": {"monthly_min": 0.0, "monthly_max": 0.0},
        "warehouse_connections": plan_entries(CONNECTIONS, region="us-east-1", internet_egress=True),
    }  # fmt: skip
    report = markdown(document, [])
    assert "## Warehouse connections" in report
    assert (
        "| Sales | redshift | `analytics.abc123.us-east-1.redshift.amazonaws.com:5439` | exposeInSqlLab, "
        "allowRunAsync, cache 600 s | verify-full (verified: certificate and host name) | "
        "egress rule: TCP 5439 to cidr 10.20.0.0/16 | "
        "`arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-AbCdEf` |" in report
    )
    assert "| Lake | athena | `athena.us-east-1.amazonaws.com:443 (workgroup analysts)` | exposeInSqlLab, " \
           "allowFileUpload, upload schemas uploads | HTTPS, verified by the driver | HTTPS (443) through the NAT " \
           "gateways" in report  # fmt: skip
    assert "## Warehouse connections" not in markdown({**document, "warehouse_connections": []}, [])
