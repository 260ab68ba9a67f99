"""Checks of a deployed stack, against a loopback web server and moto's server mode."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ecs.models import ecs_backends

from superset_stack.acceptance.checks import (
    AcceptanceError,
    Patience,
    alarm_state,
    check_migration,
    secret_value,
    wait_for_alarm,
    wait_for_health,
)
from tests.unit.acceptance.conftest import Clients


def patience(timeout: float = 60, poll: float = 15) -> tuple[Patience, list[str]]:
    said: list[str] = []
    return Patience(timeout_seconds=timeout, poll_seconds=poll, sleep=lambda _s: None, log=said.append), said


# --- /health over the load balancer --------------------------------------------------------------


@pytest.fixture
def site() -> Iterator[dict[str, Any]]:
    """A loopback server whose /health answers the statuses queued in `answers`, then 200 OK."""
    state: dict[str, Any] = {"answers": [], "asked": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["asked"] += 1
            status = state["answers"].pop(0) if state["answers"] else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"OK" if status == 200 else b"Service Unavailable")

        def log_message(self, *_args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_health_is_awaited_until_the_load_balancer_answers_ok(site: dict[str, Any]) -> None:
    site["answers"] = [503, 503]  # no healthy target yet
    waiting, said = patience()
    assert wait_for_health(site["url"], waiting) == "200 OK"
    assert site["asked"] == 3
    assert said == [f"waiting for {site['url']}/health (0 s): 503 Service Unavailable",
                    f"waiting for {site['url']}/health (15 s): 503 Service Unavailable"]  # fmt: skip


def test_health_that_never_comes_says_what_it_saw_last(site: dict[str, Any]) -> None:
    site["answers"] = [503] * 10
    with pytest.raises(AcceptanceError) as caught:
        wait_for_health(site["url"], patience(timeout=30)[0])
    assert str(caught.value) == f"{site['url']}/health: not within 30 s; last: 503 Service Unavailable"


def test_an_unreachable_site_is_waited_for_too() -> None:
    def refuse(url: str, timeout: float) -> Any:
        raise OSError("Name or service not known")

    with pytest.raises(AcceptanceError, match="last: unreachable: Name or service not known"):
        wait_for_health("https://superset-live.example.com", patience(timeout=15)[0], opener=refuse)


# --- the stack's secrets -------------------------------------------------------------------------


def test_secrets_are_read_whole_or_by_json_key(aws: Clients) -> None:
    secrets = aws("secretsmanager")
    admin = secrets.create_secret(Name="admin", SecretString="s3cret")["ARN"]
    master = secrets.create_secret(
        Name="rds!db", SecretString=json.dumps({"username": "u", "password": "p"})
    )["ARN"]
    assert secret_value(secrets, admin) == "s3cret"
    assert secret_value(secrets, master, "password") == "p"


# --- an alarm's state ----------------------------------------------------------------------------

TOPIC = "arn:aws:sns:us-east-1:123456789012:superset-ops-alarms-1a2b3c4"


def alarm(cloudwatch: Any, name: str, topic: str = TOPIC) -> None:
    cloudwatch.put_metric_alarm(
        AlarmName=name, Namespace="AWS/ApplicationELB", MetricName="UnHealthyHostCount", Statistic="Maximum",
        Period=60, EvaluationPeriods=3, Threshold=0, ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[topic], OKActions=[topic],
    )  # fmt: skip
    # as CloudWatch creates it (moto starts it at OK)
    cloudwatch.set_alarm_state(
        AlarmName=name, StateValue="INSUFFICIENT_DATA", StateReason="Unchecked: Initial alarm creation"
    )


def test_the_alarm_of_this_stack_is_found_by_its_topic_and_name(aws: Clients) -> None:
    cloudwatch = aws("cloudwatch")
    alarm(cloudwatch, "superset-ops-unhealthy-hosts-0f1e2d3")
    alarm(
        cloudwatch, "superset-ops-unhealthy-hosts-9a8b7c6", topic=TOPIC.replace("1a2b3c4", "other")
    )  # another stack
    alarm(cloudwatch, "superset-ops-target-5xx-1234567")
    assert alarm_state(cloudwatch, topic_arn=TOPIC, name_prefix="superset-ops-unhealthy-hosts-") == (
        "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")  # fmt: skip


def test_waits_until_the_alarm_reaches_the_state_wanted(aws: Clients) -> None:
    cloudwatch = aws("cloudwatch")
    alarm(cloudwatch, "superset-ops-unhealthy-hosts-0f1e2d3")
    asked = []

    def sleep(_seconds: float) -> None:  # CloudWatch evaluates while the check waits
        asked.append(1)
        cloudwatch.set_alarm_state(AlarmName="superset-ops-unhealthy-hosts-0f1e2d3", StateValue="OK",
                                   StateReason="Threshold Crossed: 3 datapoints [0.0, 0.0, 0.0]")  # fmt: skip

    waiting = Patience(timeout_seconds=300, poll_seconds=30, sleep=sleep, log=lambda _line: None)
    reason = wait_for_alarm(cloudwatch, waiting, topic_arn=TOPIC, name_prefix="superset-ops-unhealthy-hosts-")
    assert (reason, len(asked)) == ("Threshold Crossed: 3 datapoints [0.0, 0.0, 0.0]", 1)


def test_an_alarm_in_alarm_fails_with_its_state_and_reason(aws: Clients) -> None:
    cloudwatch = aws("cloudwatch")
    alarm(cloudwatch, "superset-ops-unhealthy-hosts-0f1e2d3")
    cloudwatch.set_alarm_state(AlarmName="superset-ops-unhealthy-hosts-0f1e2d3", StateValue="ALARM",
                               StateReason="Threshold Crossed: 1 datapoint [2.0]")  # fmt: skip
    with pytest.raises(AcceptanceError) as caught:
        wait_for_alarm(
            cloudwatch, patience(timeout=30)[0], topic_arn=TOPIC, name_prefix="superset-ops-unhealthy-hosts-"
        )
    assert str(caught.value) == ("alarm superset-ops-unhealthy-hosts-* in state OK: not within 30 s; last: "
                                 "('ALARM', 'Threshold Crossed: 1 datapoint [2.0]')")  # fmt: skip


def test_a_missing_alarm_names_the_ones_there_are(aws: Clients) -> None:
    cloudwatch = aws("cloudwatch")
    alarm(cloudwatch, "superset-ops-target-5xx-1234567")
    with pytest.raises(AcceptanceError, match=r"expected one alarm named superset-ops-unhealthy-hosts-\* on the topic, "
                                              r"found \['superset-ops-target-5xx-1234567'\]"):  # fmt: skip
        alarm_state(cloudwatch, topic_arn=TOPIC, name_prefix="superset-ops-unhealthy-hosts-")


# --- the migration task's exit -------------------------------------------------------------------


def migration_run(
    aws: Clients, exit_code: int, *, started_by: str = "superset-stack-migration"
) -> tuple[str, str]:
    """A cluster and a migration task definition whose Fargate task ran and stopped with `exit_code`."""
    ec2, ecs = aws("ec2"), aws("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.128.0/20")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName="superset-live")["cluster"]["clusterArn"]
    definition = ecs.register_task_definition(
        family="superset-live-migration", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512",
        memory="1024", containerDefinitions=[{"name": "migration", "image": "repo@sha256:" + "a" * 64, "memory": 1024}],
    )["taskDefinition"]["taskDefinitionArn"]  # fmt: skip
    task = ecs.run_task(
        cluster=cluster, taskDefinition=definition, launchType="FARGATE", startedBy=started_by,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}},
    )["tasks"][0]["taskArn"]  # fmt: skip
    ecs.stop_task(cluster=cluster, task=task, reason="Essential container in task exited")
    # moto records no exit code of its own: give the container the one the run ended with
    (stopped,) = ecs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tasks["superset-live"].values()
    stopped.containers[0].exitCode = exit_code
    return cluster, definition


@pytest.fixture(autouse=True)
def _eni_dns_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's Fargate task networking reads a DNS name its network interfaces lack (moto 5.2.5)."""
    monkeypatch.setattr(NetworkInterface, "private_dns_name", "ip-10-0-128-4.ec2.internal", raising=False)


def test_the_migration_task_exited_zero(aws: Clients) -> None:
    cluster, definition = migration_run(aws, 0)
    check_migration(aws("ecs"), cluster=cluster, task_definition_arn=definition)


def test_a_failed_migration_task_fails_the_run(aws: Clients) -> None:
    cluster, definition = migration_run(aws, 3)
    with pytest.raises(
        AcceptanceError, match=r"the migration task exited 3 \(Essential container in task exited\)"
    ):
        check_migration(aws("ecs"), cluster=cluster, task_definition_arn=definition)


def test_a_task_not_started_by_the_migration_run_does_not_count(aws: Clients) -> None:
    cluster, definition = migration_run(aws, 0, started_by="someone-by-hand")
    with pytest.raises(
        AcceptanceError, match=r"no stopped migration task of .*superset-live-migration:1 in "
    ):
        check_migration(aws("ecs"), cluster=cluster, task_definition_arn=definition)
