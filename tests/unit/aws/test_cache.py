"""Cache: a replication group with TLS, AUTH, encryption at rest and failover when it can."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.cache import Cache, CacheArgs
from superset_stack.plan.recording import SECRET, RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"
GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def cache(**overrides: Any) -> Callable[[], Cache]:
    import pulumi

    values: dict[str, Any] = {
        "subnet_ids": ["subnet-a", "subnet-b"], "security_group_id": "sg-cache", "kms_key_arn": KEY,
        "auth_token": pulumi.Output.secret("t" * 64), "node_type": "cache.t4g.small",
        "log_group_prefix": "/superset/test/cache",
    }  # fmt: skip
    values.update(overrides)
    return lambda: Cache("cache", CacheArgs(**values))


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(cache())
    assert Counter(mocks.types()) == Counter({
        "superset:cache:Cache": 1, "aws:elasticache/subnetGroup:SubnetGroup": 1,
        "aws:cloudwatch/logGroup:LogGroup": 2, GROUP: 1,
    })  # fmt: skip
    assert mocks.of_type("aws:elasticache/cluster:Cluster") == []


def test_replication_group_inputs(build: Build) -> None:
    mocks = build(cache())
    assert mocks.inputs_of(GROUP) == [{
        "description": "Superset cache, Celery broker and results (cache)",
        "engine": "valkey",
        "engineVersion": "8.2",
        "nodeType": "cache.t4g.small",
        "numCacheClusters": 2,
        "automaticFailoverEnabled": True,
        "multiAzEnabled": True,
        "port": 6379,
        "subnetGroupName": "cache",
        "securityGroupIds": ["sg-cache"],
        "atRestEncryptionEnabled": True,
        "kmsKeyId": KEY,
        "transitEncryptionEnabled": True,
        "transitEncryptionMode": "required",
        "authToken": SECRET,
        "authTokenUpdateStrategy": "ROTATE",
        "snapshotRetentionLimit": 3,
        "snapshotWindow": "01:00-02:00",
        "maintenanceWindow": "sun:06:00-sun:07:00",
        "autoMinorVersionUpgrade": True,
        "applyImmediately": False,
        "logDeliveryConfigurations": [
            {"destination": "/superset/test/cache/slow-log", "destinationType": "cloudwatch-logs",
             "logFormat": "json", "logType": "slow-log"},
            {"destination": "/superset/test/cache/engine-log", "destinationType": "cloudwatch-logs",
             "logFormat": "json", "logType": "engine-log"},
        ],
    }]  # fmt: skip


def test_a_single_node_cannot_fail_over(build: Build) -> None:
    mocks = build(cache(node_count=1))
    (group,) = mocks.inputs_of(GROUP)
    assert (group["numCacheClusters"], group["automaticFailoverEnabled"], group["multiAzEnabled"]) == (
        1,
        False,
        False,
    )
    assert group["transitEncryptionMode"] == "required"  # TLS and AUTH stay on regardless


def test_own_subnet_group_and_encrypted_logs(build: Build) -> None:
    mocks = build(cache(log_retention_days=14))
    assert mocks.inputs_of("aws:elasticache/subnetGroup:SubnetGroup") == [
        {"description": "Private subnets of the cache cache", "subnetIds": ["subnet-a", "subnet-b"]}
    ]
    assert mocks.inputs_of("aws:cloudwatch/logGroup:LogGroup") == [
        {"name": f"/superset/test/cache/{log}", "retentionInDays": 14, "kmsKeyId": KEY}
        for log in ("slow-log", "engine-log")
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"engine": "memcached"}, "engine must be valkey or redis, got 'memcached'"),
     ({"node_count": 0}, "node_count must be 1-6, got 0"),
     ({"snapshot_retention_days": 0}, "snapshot_retention_days must be 1-35, got 0")],
)  # fmt: skip
def test_rejects_bad_args(mocks: RecordingMocks, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cache(**overrides)()
