"""Services: task definitions speak the contract, secrets never travel as plain environment,
roles are least-privilege (the master secret reaches the migration alone; the app logs in by IAM
as exactly its database user), and the deployments keep the web tier up and beat single."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack import office_hours
from superset_stack.aws.service import ReportDelivery, Services, ServicesArgs
from superset_stack.contract import BY_NAME, names, parse
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-abc"
SECRET_KEY = "arn:aws:secretsmanager:us-east-1:123456789012:secret:secret-key"
ADMIN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:admin-password"
REDIS = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-auth-token"
REPO = "arn:aws:ecr:us-east-1:123456789012:repository/superset"
BUCKET = "arn:aws:s3:::results-bucket"
RESOURCE_ID = "db-ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def args(**overrides: Any) -> ServicesArgs:
    values: dict[str, Any] = {
        "region": "us-east-1", "account_id": "123456789012", "environment": "prod",
        "public_url": "https://superset.example.com", "image_ref": "repo@sha256:" + "a" * 64, "repository_arn": REPO,
        "kms_key_arn": KEY, "private_subnet_ids": ["subnet-a", "subnet-b"], "security_group_id": "sg-app", "vpc_id": "vpc-1",
        "target_group_arn": "arn:tg", "load_balancer_arn_suffix": "app/alb/1", "target_group_arn_suffix": "targetgroup/web/2",
        "database_address": "db.internal", "database_port": 5432, "database_name": "superset",
        "database_master_user": "superset_admin", "database_master_secret_arn": DB_SECRET,
        "database_resource_id": RESOURCE_ID, "database_app_connection_limit": 400,
        "database_instance_identifier": "superset-prod-metadata", "cache_address": "cache.internal",
        "cache_port": 6379, "secret_key_arn": SECRET_KEY, "previous_secret_key_arn": None, "admin_password_arn": ADMIN, "redis_auth_token_arn": REDIS,
        "bucket_name": "results-bucket", "bucket_arn": BUCKET, "results_prefix": "sqllab-results/",
        "family_prefix": "superset-prod", "log_group_prefix": "/superset/prod", "web_min_tasks": 2, "web_max_tasks": 10,
        "gunicorn_workers": 4, "web_cpu": 2048, "web_memory_mib": 4096,
    }  # fmt: skip
    values.update(overrides)
    return ServicesArgs(**values)


def containers(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    found = {}
    for definition in mocks.inputs_of("aws:ecs/taskDefinition:TaskDefinition"):
        (container,) = json.loads(definition["containerDefinitions"])
        found[container["name"]] = container
    return found


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    assert Counter(mocks.types()) == Counter({
        "superset:service:Services": 1, "aws:ecs/cluster:Cluster": 1, "aws:cloudwatch/logGroup:LogGroup": 4,
        "aws:iam/role:Role": 3, "aws:iam/rolePolicy:RolePolicy": 3, "aws:ecs/taskDefinition:TaskDefinition": 4,
        "aws:ecs/service:Service": 3, "aws:appautoscaling/target:Target": 1, "aws:appautoscaling/policy:Policy": 3,
        "pulumi-python:dynamic:Resource": 1, "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": 1,
        "aws:servicediscovery/service:Service": 1,
    })  # fmt: skip
    assert mocks.inputs_of("aws:ecs/cluster:Cluster") == [
        {"settings": [{"name": "containerInsights", "value": "enhanced"}]}
    ]


def test_every_task_definition_satisfies_the_contract(build: Build) -> None:
    """The ECS half of the contract test (the twin's half is in tests/unit/local)."""
    mocks = build(lambda: Services("app", args()))
    for role, container in containers(mocks).items():
        environment = {item["name"]: item["value"] for item in container["environment"]}
        secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
        assert set(environment) | set(secrets) <= set(names()), role
        assert all(BY_NAME[name].kind == "env" for name in environment), role
        assert all(BY_NAME[name].kind == "secret" for name in secrets), role
        # with the secrets resolved, the environment parses exactly as the runtime will parse it
        resolved = {**environment, **{name: "s" * 40 for name in secrets}}
        runtime = parse(resolved)
        assert (runtime.environment, runtime.redis_tls, runtime.database_sslmode) == (
            "prod",
            True,
            "verify-full",
        )
        assert runtime.database_auth == ("password" if role == "migration" else "iam"), role


def test_web_worker_and_beat_log_in_by_iam_as_the_app_role_and_only_the_migration_as_the_master(
    build: Build,
) -> None:
    mocks = build(lambda: Services("app", args()))
    logins = {
        role: {
            item["name"]: item["value"]
            for item in container["environment"]
            if item["name"].startswith("DATABASE_")
        }
        for role, container in containers(mocks).items()
    }
    shared = {"DATABASE_HOST": "db.internal", "DATABASE_PORT": "5432", "DATABASE_DB": "superset",
              "DATABASE_SSLMODE": "verify-full", "DATABASE_SSLROOTCERT": "/app/rds-ca.pem"}  # fmt: skip
    iam = {**shared, "DATABASE_USER": "superset_app", "DATABASE_AUTH": "iam", "DATABASE_REGION": "us-east-1"}
    assert logins == {
        "web": iam, "worker": iam, "beat": iam,
        "migration": {**shared, "DATABASE_USER": "superset_admin", "DATABASE_AUTH": "password",
                      "DATABASE_APP_USER": "superset_app", "DATABASE_APP_CONNECTION_LIMIT": "400"},
    }  # fmt: skip


def test_the_master_secret_appears_only_in_the_migration_task_and_its_execution_role(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    holding = sorted((r.type, r.name) for r in mocks.resources if DB_SECRET in json.dumps(r.inputs))
    assert holding == [
        ("aws:ecs/taskDefinition:TaskDefinition", "app-migration"),
        ("aws:iam/rolePolicy:RolePolicy", "app-migration-execution"),
    ]
    definitions = {r.name: r.inputs for r in mocks.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    roles = {
        r.name: f"arn:aws:iam:us-east-1:123456789012:{r.name}" for r in mocks.of_type("aws:iam/role:Role")
    }
    assert {name: d["executionRoleArn"] for name, d in definitions.items()} == {
        "app-web": roles["app-execution"], "app-worker": roles["app-execution"],
        "app-beat": roles["app-execution"], "app-migration": roles["app-migration-execution"],
    }  # fmt: skip


def test_secrets_arrive_only_through_valuefrom(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    found = containers(mocks)
    expected = [
        {"name": "REDIS_AUTH_TOKEN", "valueFrom": REDIS},
        {"name": "SUPERSET_SECRET_KEY", "valueFrom": SECRET_KEY},
    ]
    for role in ("web", "worker", "beat"):
        assert found[role]["secrets"] == expected
    assert found["migration"]["secrets"] == [
        {"name": "DATABASE_PASSWORD", "valueFrom": f"{DB_SECRET}:password::"},
        {"name": "REDIS_AUTH_TOKEN", "valueFrom": REDIS},
        {"name": "SUPERSET_ADMIN_PASSWORD", "valueFrom": ADMIN},
        {"name": "SUPERSET_SECRET_KEY", "valueFrom": SECRET_KEY},
    ]
    for container in found.values():
        for item in container["environment"]:
            assert not any(word in item["name"] for word in ("PASSWORD", "SECRET", "TOKEN")), item


def test_each_role_runs_its_command_with_its_logs_stop_timeout_and_checks(build: Build) -> None:
    """What differs between the roles; what they share is task_definition()'s (test_task_definition)."""
    mocks = build(lambda: Services("app", args()))
    found = containers(mocks)
    assert set(found) == {"web", "worker", "beat", "migration"}
    for role, container in found.items():
        assert container["command"] == ["bootstrap" if role == "migration" else role]
        assert container["image"] == "repo@sha256:" + "a" * 64
        assert container["stopTimeout"] == (120 if role == "worker" else 40)  # a worker finishes its tasks
        assert container["logConfiguration"]["options"] == {
            "awslogs-group": f"/superset/prod/{role}",
            "awslogs-region": "us-east-1",
            "awslogs-stream-prefix": role,
        }
        assert ("portMappings" in container, "healthCheck" in container) == (
            role == "web",
            role in ("web", "worker"),
        )
    assert found["web"]["portMappings"] == [{"containerPort": 8088, "protocol": "tcp"}]
    # the image's interpreter runs runtime/health.py: no curl, no shell, no $HOSTNAME
    assert found["web"]["healthCheck"] == {
        "command": ["CMD", "/app/.venv/bin/python", "-m", "superset_stack.runtime.health", "web"],
        "interval": 15, "timeout": 5, "retries": 3, "startPeriod": 60,
    }  # fmt: skip
    assert found["worker"]["healthCheck"] == {
        "command": ["CMD", "/app/.venv/bin/python", "-m", "superset_stack.runtime.health", "worker"],
        "interval": 30, "timeout": 10, "retries": 3, "startPeriod": 120,
    }  # fmt: skip


def test_task_definitions_have_their_role_sizes_on_the_chosen_architecture(build: Build) -> None:
    mocks = build(lambda: Services("app", args(cpu_architecture="X86_64")))
    families = {}
    for definition in mocks.inputs_of("aws:ecs/taskDefinition:TaskDefinition"):
        assert definition["runtimePlatform"] == {
            "operatingSystemFamily": "LINUX",
            "cpuArchitecture": "X86_64",
        }
        assert definition["executionRoleArn"] != definition["taskRoleArn"]
        families[definition["family"]] = (definition["cpu"], definition["memory"])
    assert families == {"superset-prod-web": ("2048", "4096"), "superset-prod-worker": ("1024", "2048"),
                        "superset-prod-beat": ("256", "512"), "superset-prod-migration": ("2048", "4096")}  # fmt: skip


def _statements(mocks: RecordingMocks, name: str) -> list[dict[str, Any]]:
    policy = next(r for r in mocks.of_type("aws:iam/rolePolicy:RolePolicy") if r.name == name)
    statements: list[dict[str, Any]] = json.loads(policy.inputs["policy"])["Statement"]
    return statements


def _logs(*roles: str) -> list[str]:
    return [f"arn:aws:logs:us-east-1:123456789012:log-group:/superset/prod/{role}:*" for role in roles]


def test_each_execution_role_reads_exactly_its_tasks_secrets(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    pull = [
        # the stack key decrypts for Secrets Manager only, not for any call the role makes itself
        {"Sid": "DecryptTheSecretsThroughSecretsManager", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}},
        {"Sid": "LogInToEcr", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PullTheImage", "Effect": "Allow",
         "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], "Resource": REPO},
    ]  # fmt: skip
    assert _statements(mocks, "app-execution") == [
        {"Sid": "WriteTaskLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": _logs("web", "worker", "beat")},
        {"Sid": "ReadTheNamedSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": [SECRET_KEY, REDIS]},
        *pull,
    ]  # fmt: skip
    assert _statements(mocks, "app-migration-execution") == [
        {"Sid": "WriteTaskLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": _logs("migration")},
        {"Sid": "ReadTheNamedSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": [DB_SECRET, SECRET_KEY, REDIS, ADMIN]},
        *pull,
    ]  # fmt: skip


def test_task_role_touches_only_the_results_prefix(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    assert _statements(mocks, "app-task") == [
        {"Sid": "SqlLabResults", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
         "Resource": f"{BUCKET}/sqllab-results/*"},
        {"Sid": "ListOnlyTheResultsPrefix", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": BUCKET,
         "Condition": {"StringLike": {"s3:prefix": ["sqllab-results/*"]}}},
        {"Sid": "BucketKeyThroughS3", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}},
        {"Sid": "ConnectAsTheAppRole", "Effect": "Allow", "Action": "rds-db:connect",
         "Resource": f"arn:aws:rds-db:us-east-1:123456789012:dbuser:{RESOURCE_ID}/superset_app"},
    ]  # fmt: skip


def test_iam_database_users_are_named_in_the_stacks_partition(build: Build) -> None:
    mocks = build(lambda: Services("app", args(partition="aws-cn", region="cn-north-1")))
    (connect,) = [s for s in _statements(mocks, "app-task") if s["Sid"] == "ConnectAsTheAppRole"]
    assert (
        connect["Resource"] == f"arn:aws-cn:rds-db:cn-north-1:123456789012:dbuser:{RESOURCE_ID}/superset_app"
    )


def test_roles_trust_only_ecs_tasks_of_this_account_and_region(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    roles = mocks.of_type("aws:iam/role:Role")
    assert sorted(role.name for role in roles) == ["app-execution", "app-migration-execution", "app-task"]
    for role in roles:
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
            "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"},
                          "ArnLike": {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}},
        }]  # fmt: skip


def test_the_partition_reaches_the_trust(build: Build) -> None:
    mocks = build(lambda: Services("app", args(partition="aws-cn")))
    (execution,) = [role for role in mocks.of_type("aws:iam/role:Role") if role.name == "app-execution"]
    condition = json.loads(execution.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]
    assert condition["ArnLike"] == {"aws:SourceArn": "arn:aws-cn:ecs:us-east-1:123456789012:*"}


def test_a_key_rotation_gives_only_the_migration_the_previous_key(build: Build) -> None:
    previous = "arn:aws:secretsmanager:us-east-1:123456789012:secret:previous-secret-key"
    mocks = build(lambda: Services("app", args(previous_secret_key_arn=previous)))
    found = containers(mocks)
    assert {"name": "SUPERSET_PREVIOUS_SECRET_KEY", "valueFrom": previous} in found["migration"]["secrets"]
    for role in ("web", "worker", "beat"):
        assert all(item["name"] != "SUPERSET_PREVIOUS_SECRET_KEY" for item in found[role]["secrets"])
    (read,) = [s for s in _statements(mocks, "app-migration-execution") if s["Sid"] == "ReadTheNamedSecrets"]
    assert read["Resource"] == [DB_SECRET, SECRET_KEY, REDIS, ADMIN, previous]
    (read,) = [s for s in _statements(mocks, "app-execution") if s["Sid"] == "ReadTheNamedSecrets"]
    assert read["Resource"] == [SECRET_KEY, REDIS]


WAREHOUSE_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:redshift-reader-AbCdEf"
DECLARATION = (
    '{"connections":[{"name":"Sales","engine":"redshift","credential":"WAREHOUSE_CREDENTIAL_0"}],"remove":[]}'
)


def test_only_the_migration_gets_the_warehouse_declaration_and_credentials(build: Build) -> None:
    mocks = build(lambda: Services("app", args(
        warehouse_connections=DECLARATION,
        warehouse_credentials={"WAREHOUSE_CREDENTIAL_0": f"{WAREHOUSE_SECRET}:password::"},
        warehouse_secret_arns=[WAREHOUSE_SECRET],
    )))  # fmt: skip
    found = containers(mocks)
    assert {"name": "WAREHOUSE_CREDENTIAL_0", "valueFrom": f"{WAREHOUSE_SECRET}:password::"} in found[
        "migration"
    ]["secrets"]
    assert {"name": "WAREHOUSE_CONNECTIONS", "value": DECLARATION} in found["migration"]["environment"]
    for role in ("web", "worker", "beat"):
        names = {item["name"] for item in (*found[role]["secrets"], *found[role]["environment"])}
        assert not any(name.startswith("WAREHOUSE_") for name in names), role
    (read,) = [s for s in _statements(mocks, "app-migration-execution") if s["Sid"] == "ReadTheNamedSecrets"]
    assert read["Resource"] == [
        DB_SECRET,
        SECRET_KEY,
        REDIS,
        ADMIN,
        WAREHOUSE_SECRET,
    ]  # the secret, no JSON key
    (read,) = [s for s in _statements(mocks, "app-execution") if s["Sid"] == "ReadTheNamedSecrets"]
    assert WAREHOUSE_SECRET not in read["Resource"]


def test_athena_connections_extend_the_task_role_and_nothing_else(build: Build) -> None:
    from superset_stack.warehouses import AthenaAccess, S3Location

    lake = AthenaAccess(region="us-east-1", workgroup="analysts", output=S3Location("results-123", "superset/"),
                        database="sales_lake", data=())  # fmt: skip
    plain = _statements(build(lambda: Services("app", args())), "app-task")
    mocks = build(lambda: Services("plus", args(athena_access=[lake])))
    statements = _statements(mocks, "plus-task")
    assert statements[: len(plain)] == plain
    assert [s["Sid"] for s in statements[len(plain):]] == [
        "AthenaQueries", "AthenaCatalog", "GlueDefinitions", "AthenaResults", "AthenaBuckets", "AthenaListBucket0"
    ]  # fmt: skip


def test_an_outside_image_gets_no_ecr_permissions(build: Build) -> None:
    mocks = build(lambda: Services("app", args(repository_arn=None)))
    for role in ("app-execution", "app-migration-execution"):
        assert [s["Sid"] for s in _statements(mocks, role)] == [
            "WriteTaskLogs",
            "ReadTheNamedSecrets",
            "DecryptTheSecretsThroughSecretsManager",
        ]


def test_deployments_keep_web_up_and_beat_single(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    services = {r.name: r for r in mocks.of_type("aws:ecs/service:Service")}
    web, worker, beat = services["app-web"].inputs, services["app-worker"].inputs, services["app-beat"].inputs
    for service in (web, worker, beat):
        assert service["networkConfiguration"] == {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-app"],
                                                   "assignPublicIp": False}  # fmt: skip
        assert (service["launchType"], service["platformVersion"]) == ("FARGATE", "LATEST")
        assert (service["enableEcsManagedTags"], service["propagateTags"]) == (True, "SERVICE")
        assert service["enableExecuteCommand"] is False
        assert service["waitForSteadyState"] is True
        assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (web["deploymentMinimumHealthyPercent"], web["deploymentMaximumPercent"], web["desiredCount"]) == (
        100,
        200,
        2,
    )
    assert web["loadBalancers"] == [
        {"targetGroupArn": "arn:tg", "containerName": "web", "containerPort": 8088}
    ]
    assert web["healthCheckGracePeriodSeconds"] == 180
    assert (
        beat["desiredCount"],
        beat["deploymentMinimumHealthyPercent"],
        beat["deploymentMaximumPercent"],
    ) == (1, 0, 100)
    assert (worker["desiredCount"], "loadBalancers" in worker) == (1, False)


def test_rollouts_follow_the_deployment_percents(build: Build) -> None:
    mocks = build(lambda: Services("app", args(
        web_deployment_maximum_percent=100, web_deployment_minimum_healthy_percent=50,
        worker_deployment_maximum_percent=100, worker_deployment_minimum_healthy_percent=0,
    )))  # fmt: skip
    services = {r.name: r.inputs for r in mocks.of_type("aws:ecs/service:Service")}
    assert [
        (services[name]["deploymentMinimumHealthyPercent"], services[name]["deploymentMaximumPercent"])
        for name in ("app-web", "app-worker", "app-beat")
    ] == [(50, 100), (0, 100), (0, 100)]


def test_web_autoscales_on_cpu_memory_and_requests(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    assert mocks.inputs_of("aws:appautoscaling/target:Target") == [{
        "serviceNamespace": "ecs", "scalableDimension": "ecs:service:DesiredCount",
        "resourceId": "service/app/app-web", "minCapacity": 2, "maxCapacity": 10,
    }]  # fmt: skip
    policies = {r.name: r.inputs for r in mocks.of_type("aws:appautoscaling/policy:Policy")}
    for policy in policies.values():
        assert (
            policy["policyType"],
            policy["resourceId"],
            policy["scalableDimension"],
            policy["serviceNamespace"],
        ) == ("TargetTrackingScaling", "service/app/app-web", "ecs:service:DesiredCount", "ecs")
    specs = {name: p["targetTrackingScalingPolicyConfiguration"] for name, p in policies.items()}
    assert specs["app-web-cpu"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"
    }
    assert specs["app-web-cpu"]["targetValue"] == 60
    assert specs["app-web-memory"]["targetValue"] == 70
    assert specs["app-web-requests"]["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ALBRequestCountPerTarget",
        "resourceLabel": "app/alb/1/targetgroup/web/2",
    }
    assert specs["app-web-requests"]["targetValue"] == 600 * 4
    assert all((s["scaleInCooldown"], s["scaleOutCooldown"]) == (300, 60) for s in specs.values())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"web_cpu": 512, "web_memory_mib": 8192}, "web: memory 8192 MiB does not pair with cpu 512"),
     ({"web_min_tasks": 3, "web_max_tasks": 2}, "need 1 <= web_min_tasks <= web_max_tasks, got 3, 2"),
     ({"web_min_tasks": 1, "web_deployment_maximum_percent": 150},
      "web: a rolling deployment at 100/150 percent of 1 tasks could replace none of them"),
     ({"worker_deployment_maximum_percent": 100},
      "worker: a rolling deployment at 100/100 percent of 1 tasks could replace none of them")],
)  # fmt: skip
def test_rejects_bad_sizes(mocks: RecordingMocks, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Services("app", args(**overrides))


def test_spot_puts_every_service_on_fargate_spot_and_keeps_on_demand_as_the_cluster_default(
    build: Build,
) -> None:
    mocks = build(lambda: Services("app", args(fargate_spot=True, cpu_architecture="X86_64")))
    assert mocks.inputs_of("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders") == [{
        "clusterName": "app", "capacityProviders": ["FARGATE", "FARGATE_SPOT"],
        "defaultCapacityProviderStrategies": [{"capacityProvider": "FARGATE", "weight": 1}],
    }]  # fmt: skip
    for service in mocks.of_type("aws:ecs/service:Service"):
        assert service.inputs["capacityProviderStrategies"] == [
            {"capacityProvider": "FARGATE_SPOT", "weight": 1}
        ]
        assert "launchType" not in service.inputs
        # a service created before the cluster knows FARGATE_SPOT would fail
        assert (
            "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders::app" in service.options["dependsOn"]
        )
    assert not mocks.of_type("aws:appautoscaling/scheduledAction:ScheduledAction")


def test_office_hours_scale_every_service_to_zero_and_back(build: Build) -> None:
    hours = office_hours.parse("MON-FRI 07:00-19:00")
    mocks = build(lambda: Services("app", args(office_hours=hours, office_hours_timezone="Europe/Berlin")))
    targets = {r.name: r.inputs for r in mocks.of_type("aws:appautoscaling/target:Target")}
    assert {name: (t["resourceId"], t["minCapacity"], t["maxCapacity"]) for name, t in targets.items()} == {
        "app-web": ("service/app/app-web", 2, 10),
        "app-worker": ("service/app/app-worker", 1, 1),
        "app-beat": ("service/app/app-beat", 1, 1),
    }
    actions = {r.name: r.inputs for r in mocks.of_type("aws:appautoscaling/scheduledAction:ScheduledAction")}
    expected = {
        (role, moment): (f"service/app/app-{role}", schedule, capacity)
        for role, counts in (("web", (2, 10)), ("worker", (1, 1)), ("beat", (1, 1)))
        for moment, schedule, capacity in (
            ("start", "cron(0 7 ? * MON-FRI *)", counts),
            ("stop", "cron(0 19 ? * MON-FRI *)", (0, 0)),
        )
    }
    assert len(actions) == len(expected)
    for (role, moment), (resource, schedule, (low, high)) in expected.items():
        action = actions[f"app-{role}-{moment}"]
        assert action == {
            "name": f"superset-prod-{role}-{moment}", "serviceNamespace": "ecs",
            "scalableDimension": "ecs:service:DesiredCount", "resourceId": resource, "schedule": schedule,
            "timezone": "Europe/Berlin", "scalableTargetAction": {"minCapacity": low, "maxCapacity": high},
        }  # fmt: skip
    # the schedule, not the next `pulumi up`, decides how many tasks run
    for service in mocks.of_type("aws:ecs/service:Service"):
        assert service.options["ignoreChanges"] == ["desiredCount"], service.name


def test_without_office_hours_only_web_counts_are_left_to_autoscaling(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    ignored = {r.name: r.options["ignoreChanges"] for r in mocks.of_type("aws:ecs/service:Service")}
    assert ignored == {"app-web": ["desiredCount"], "app-worker": [], "app-beat": []}


def test_spot_refuses_arm(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="Fargate Spot runs only X86_64 tasks, got cpu_architecture ARM64"):
        Services("app", args(fargate_spot=True))


def test_a_task_definition_waits_for_its_roles_policies(build: Build) -> None:
    # the migration runs as soon as its definition exists, and ECS reads its secrets as it starts
    mocks = build(lambda: Services("app", args()))
    policies = {
        f"aws:iam/rolePolicy:RolePolicy::{name}"
        for name in ("app-execution", "app-migration-execution", "app-task")
    }
    for definition in mocks.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        assert set(definition.options["dependsOn"]) == policies, definition.name


# --- alerts and reports --------------------------------------------------------------------------

SMTP = "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/smtp-AbCdEf"
SLACK = "arn:aws:secretsmanager:us-east-1:123456789012:secret:superset/slack-AbCdEf"
SES = ReportDelivery(smtp_host="email-smtp.us-east-1.amazonaws.com", smtp_user="AKIAEXAMPLE",
                     smtp_mail_from="superset@example.com", smtp_password_secret_arn=SMTP,
                     slack_token_secret_arn=SLACK, thumbnails=True, cache_warmup_cron="0 6 * * 1-5")  # fmt: skip


def test_the_web_tier_has_an_internal_name_the_worker_opens(build: Build) -> None:
    mocks = build(lambda: Services("app", args()))
    assert mocks.inputs_of("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace") == [{
        "name": "superset-prod.internal", "vpc": "vpc-1",
        "description": "Superset's internal names (the worker reaches the web tier here)",
    }]  # fmt: skip
    assert mocks.inputs_of("aws:servicediscovery/service:Service") == [{
        "name": "web", "healthCheckCustomConfig": {},
        "dnsConfig": {"namespaceId": "app-internal-id", "dnsRecords": [{"type": "A", "ttl": 10}],
                      "routingPolicy": "MULTIVALUE"},
    }]  # fmt: skip
    web = next(r for r in mocks.of_type("aws:ecs/service:Service") if r.name == "app-web")
    assert web.inputs["serviceRegistries"] == {
        "registryArn": "arn:aws:servicediscovery:us-east-1:123456789012:app-web"
    }
    for container in containers(mocks).values():
        environment = {item["name"]: item["value"] for item in container["environment"]}
        assert environment["SUPERSET_INTERNAL_URL"] == "http://web.superset-prod.internal:8088"
        assert environment["SUPERSET_THUMBNAILS"] == "false"
        assert "SMTP_HOST" not in environment  # no relay: the contract's defaults, no e-mail


def test_the_worker_runs_its_own_image_and_alone_gets_the_mail_and_slack_secrets(build: Build) -> None:
    worker_image = "repo@sha256:" + "b" * 64
    mocks = build(lambda: Services("app", args(worker_image_ref=worker_image, reports=SES)))
    found = containers(mocks)
    assert {role: c["image"] for role, c in found.items()} == {
        "web": "repo@sha256:" + "a" * 64, "worker": worker_image, "beat": "repo@sha256:" + "a" * 64,
        "migration": "repo@sha256:" + "a" * 64,
    }  # fmt: skip
    secrets = {role: {item["name"]: item["valueFrom"] for item in c["secrets"]} for role, c in found.items()}
    assert (secrets["worker"]["SMTP_PASSWORD"], secrets["worker"]["SLACK_API_TOKEN"]) == (SMTP, SLACK)
    assert all("SMTP_PASSWORD" not in secrets[role] and "SLACK_API_TOKEN" not in secrets[role]
               for role in ("web", "beat", "migration"))  # fmt: skip
    environment = {item["name"]: item["value"] for item in found["worker"]["environment"]}
    assert {name: environment[name] for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_SECURITY", "SMTP_USER",
                                                 "SMTP_MAIL_FROM", "SUPERSET_THUMBNAILS", "CACHE_WARMUP_CRON",
                                                 "CACHE_WARMUP_TOP_DASHBOARDS")} == {
        "SMTP_HOST": "email-smtp.us-east-1.amazonaws.com", "SMTP_PORT": "587", "SMTP_SECURITY": "starttls",
        "SMTP_USER": "AKIAEXAMPLE", "SMTP_MAIL_FROM": "superset@example.com", "SUPERSET_THUMBNAILS": "true",
        "CACHE_WARMUP_CRON": "0 6 * * 1-5", "CACHE_WARMUP_TOP_DASHBOARDS": "10",
    }  # fmt: skip
    [read] = [s for s in _statements(mocks, "app-execution") if s["Sid"] == "ReadTheNamedSecrets"]
    assert read["Resource"] == [SECRET_KEY, REDIS, SMTP, SLACK]  # no master secret: the migration's alone
    [read] = [s for s in _statements(mocks, "app-migration-execution") if s["Sid"] == "ReadTheNamedSecrets"]
    assert read["Resource"] == [DB_SECRET, SECRET_KEY, REDIS, ADMIN]
