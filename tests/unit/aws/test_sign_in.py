"""Sign-in settings as container variables, and in the recorded plans: the client secret and the bind
password reach only the web tasks, only as Secrets Manager ARNs through `secrets` valueFrom, granted
by exactly that ARN; no plain value names or holds a secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from superset_stack.aws.sign_in import sign_in_environment, sign_in_secret_arns
from superset_stack.contract import BY_NAME, parse
from superset_stack.policies.rules import SECRET_NAME
from tests.conftest import make_settings
from tests.golden_plans import VARIANTS
from tests.unit.test_contract import AWS

PLANS = Path(__file__).resolve().parents[2] / "plans"


def test_database_sign_in_adds_nothing() -> None:
    settings = make_settings("prod")
    assert (sign_in_environment(settings), sign_in_secret_arns(settings)) == ({}, {})


@pytest.mark.parametrize("variant", ["staging-oidc-cognito", "prod-ldap-directory"])
def test_the_variables_are_the_contract_s_and_parse(variant: str) -> None:
    stack, _region, values = VARIANTS[variant]
    settings = make_settings(stack, **values)
    environment, secrets = sign_in_environment(settings), sign_in_secret_arns(settings)
    assert all(BY_NAME[name].kind == "env" for name in environment)
    assert [BY_NAME[name].kind for name in secrets] == ["secret"]
    # with the secret's value in place, the web task's contract holds
    auth = parse({**AWS, **environment, **dict.fromkeys(secrets, "value"), "SUPERSET_PROCESS": "web"}).auth
    assert auth.type == values["authType"]
    assert auth.roles_mapping == {m["group"]: [r.strip() for r in m["roles"].split(",")]
                                  for m in values["authRolesMapping"]}  # fmt: skip


def containers(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        resource["name"].rsplit("-", 1)[1]: json.loads(resource["inputs"]["containerDefinitions"])[0]
        for resource in plan["resources"]
        if resource["type"] == "aws:ecs/taskDefinition:TaskDefinition"
    }


@pytest.mark.parametrize(
    ("variant", "name", "arn_key"),
    [("staging-oidc-cognito", "OIDC_CLIENT_SECRET", "oidcClientSecretArn"),
     ("prod-ldap-directory", "LDAP_BIND_PASSWORD", "ldapBindPasswordSecretArn")],
)  # fmt: skip
def test_the_recorded_plan_carries_the_secret_only_as_a_web_value_from(
    variant: str, name: str, arn_key: str
) -> None:
    arn = VARIANTS[variant][2][arn_key]
    plan = json.loads((PLANS / f"{variant}.json").read_text())
    by_role = containers(plan)
    assert {role: [s["valueFrom"] for s in c["secrets"] if s["name"] == name] for role, c in by_role.items()} == {
        "web": [arn], "worker": [], "beat": [], "migration": []}  # fmt: skip
    for container in by_role.values():
        plain = {item["name"]: item["value"] for item in container["environment"]}
        assert (
            plain["AUTH_TYPE"] == VARIANTS[variant][2]["authType"]
        )  # every process knows how people sign in
        assert not [key for key in plain if SECRET_NAME.search(key)]
        assert arn not in plain.values()
    # the ARN appears in exactly two places: the web task's secrets and the execution role's grant
    holders = [r["name"] for r in plan["resources"] if arn in json.dumps(r["inputs"])]
    assert sorted(holders) == ["superset-app-execution", "superset-app-web"]
    [policy] = [r for r in plan["resources"] if r["type"] == "aws:iam/rolePolicy:RolePolicy"
                and r["name"] == "superset-app-execution"]  # fmt: skip
    [grant] = [
        s for s in json.loads(policy["inputs"]["policy"])["Statement"] if s["Sid"] == "ReadTheNamedSecrets"
    ]
    assert arn in grant["Resource"] and not [r for r in grant["Resource"] if "*" in r]
    assert not [v for v in plan["policies"]["violations"] if v["level"] == "mandatory"]
