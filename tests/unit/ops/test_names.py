"""The names day-2 commands look for are the names the program gives (held together on a plan)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from superset_stack.ops.names import StackNames
from superset_stack.plan.offline import record_stack_file
from superset_stack.settings import Settings

STACK_FILE = Path(__file__).resolve().parents[3] / "Pulumi.prod.yaml"


def test_the_program_names_its_resources_as_the_commands_expect() -> None:
    settings, mocks = record_stack_file(STACK_FILE)
    names = StackNames.of(settings)

    def inputs(kind: str, key: str) -> set[str]:
        return {resource.inputs[key] for resource in mocks.of_type(kind) if key in resource.inputs}

    roles = ("web", "worker", "beat", "migration")
    assert inputs("aws:rds/instance:Instance", "identifier") == {names.database_identifier}
    assert inputs("aws:ecs/taskDefinition:TaskDefinition", "family") == {names.task_family(r) for r in roles}
    assert {names.log_group(role) for role in roles} <= inputs("aws:cloudwatch/logGroup:LogGroup", "name")
    assert inputs("aws:secretsmanager/secret:Secret", "namePrefix") == {
        names.secret_name_prefix(secret) for secret in ("secret-key", "admin-password", "redis-auth-token")
    }
    assert inputs("aws:kms/alias:Alias", "name") == {names.kms_alias}


def test_names_and_tags_of_what_the_commands_make() -> None:
    names = StackNames.of(Settings.from_stack_file(STACK_FILE), region="eu-west-1")
    assert (names.stack, names.region, names.prefix) == ("prod", "eu-west-1", "superset-prod")
    moment = datetime(2026, 11, 30, 9, 5, 7, tzinfo=UTC)
    assert names.timestamped("manual", moment) == "superset-prod-manual-20261130-090507"
    assert names.timestamped("drill", moment) == "superset-prod-drill-20261130-090507"
    assert names.previous_secret_key_name == "superset-prod/previous-secret-key"
    assert names.tool_tags("drill") == [
        {"Key": "Project", "Value": "superset-stack"}, {"Key": "Environment", "Value": "prod"},
        {"Key": "CostCenter", "Value": "analytics"}, {"Key": "Owner", "Value": "data-platform"},
        {"Key": "Stack", "Value": "prod"}, {"Key": "ManagedBy", "Value": "superset-stack"},
        {"Key": "superset-stack:purpose", "Value": "drill"},
    ]  # fmt: skip
    assert names.tag_filters() == [{"Key": "Project", "Values": ["superset-stack"]},
                                   {"Key": "Stack", "Values": ["prod"]}]  # fmt: skip
