"""LoadBalancer: HTTPS with a TLS 1.3 policy, 80 only redirects, /health checks, draining from the chain."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.load_balancer import LoadBalancer, LoadBalancerArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/cert"


def balancer(**overrides: Any) -> Callable[[], LoadBalancer]:
    values: dict[str, Any] = {
        "vpc_id": "vpc-1", "public_subnet_ids": ["subnet-a", "subnet-b"], "security_group_id": "sg-alb",
        "certificate_arn": CERT, "domain_name": "superset.example.com", "hosted_zone_id": "Z1",
        "account_id": "123456789012", "region": "us-east-1", "access_log_retention_days": 90,
    }  # fmt: skip
    values.update(overrides)
    return lambda: LoadBalancer("alb", LoadBalancerArgs(**values))


def test_creates_exactly_these_resources(build: Build) -> None:
    mocks = build(balancer())
    assert Counter(mocks.types()) == Counter({
        "superset:load_balancer:LoadBalancer": 1, "aws:lb/loadBalancer:LoadBalancer": 1,
        "aws:lb/targetGroup:TargetGroup": 1, "aws:lb/listener:Listener": 2, "aws:route53/record:Record": 1,
        "aws:s3/bucket:Bucket": 1, "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1, "aws:s3/bucketPolicy:BucketPolicy": 1,
    })  # fmt: skip


def test_public_alb_over_two_zones_hardened(build: Build) -> None:
    mocks = build(balancer(idle_timeout_seconds=90))
    assert mocks.inputs_of("aws:lb/loadBalancer:LoadBalancer") == [{
        "loadBalancerType": "application", "internal": False, "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-alb"], "dropInvalidHeaderFields": True, "desyncMitigationMode": "strictest",
        "idleTimeout": 90, "enableDeletionProtection": True, "enableHttp2": True,
        "accessLogs": {"bucket": "alb-logs-id", "prefix": "alb", "enabled": True},
    }]  # fmt: skip


def test_access_logs_land_in_a_private_tls_only_bucket(build: Build) -> None:
    import json

    mocks = build(balancer())
    # the load balancer names the bucket through its policy, so it waits until delivery is allowed
    (balancer_resource,) = mocks.inputs_of("aws:lb/loadBalancer:LoadBalancer")
    assert (
        balancer_resource["accessLogs"]["bucket"]
        == mocks.inputs_of("aws:s3/bucketPolicy:BucketPolicy")[0]["bucket"]
    )
    assert mocks.inputs_of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") == [{
        "bucket": "alb-logs-id", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True}]  # fmt: skip
    encryption = mocks.inputs_of(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    assert encryption == [
        {
            "bucket": "alb-logs-id",
            "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
        }
    ]
    (lifecycle,) = mocks.inputs_of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle["rules"][0]["expiration"] == {"days": 90}
    (policy,) = mocks.inputs_of("aws:s3/bucketPolicy:BucketPolicy")
    assert json.loads(policy["policy"])["Statement"] == [
        {"Sid": "DenyRequestsWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::alb-logs-bucket", "arn:aws:s3:::alb-logs-bucket/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "LoadBalancerLogDelivery", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::127311923021:root"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::alb-logs-bucket/alb/AWSLogs/123456789012/*"},
    ]  # fmt: skip


def log_delivery(mocks: RecordingMocks) -> dict[str, Any]:
    import json

    (policy,) = mocks.inputs_of("aws:s3/bucketPolicy:BucketPolicy")
    statement: dict[str, Any] = json.loads(policy["policy"])["Statement"][1]
    return statement


def test_a_region_launched_before_august_2022_delivers_logs_as_its_elb_account(build: Build) -> None:
    mocks = build(balancer(region="us-east-1"))
    assert log_delivery(mocks)["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    (lookup,) = [call for call in mocks.calls if call.token == "aws:elb/getServiceAccount:getServiceAccount"]
    assert lookup.args == {"region": "us-east-1"}


@pytest.mark.parametrize("region", ["eu-central-2", "ap-southeast-4", "il-central-1", "me-central-1"])
def test_a_region_launched_since_august_2022_delivers_logs_as_the_service_principal(
    build: Build, region: str
) -> None:
    mocks = build(balancer(region=region))
    assert log_delivery(mocks)["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    # such a region has no ELB account: the provider's lookup would fail there, so it is not made
    assert [call.token for call in mocks.calls if "elb" in call.token] == []


def test_target_group_checks_health_and_drains_quickly(build: Build) -> None:
    mocks = build(balancer(deregistration_delay_seconds=70))
    assert mocks.inputs_of("aws:lb/targetGroup:TargetGroup") == [{
        "port": 8088, "protocol": "HTTP", "targetType": "ip", "vpcId": "vpc-1", "deregistrationDelay": 70,
        "healthCheck": {"path": "/health", "matcher": "200", "protocol": "HTTP", "port": "traffic-port",
                        "interval": 15, "timeout": 5, "healthyThreshold": 2, "unhealthyThreshold": 3},
    }]  # fmt: skip


def test_https_forwards_and_http_only_redirects(build: Build) -> None:
    mocks = build(balancer())
    listeners = {r.name: r.inputs for r in mocks.of_type("aws:lb/listener:Listener")}
    assert listeners["alb-https"] == {
        "loadBalancerArn": "arn:aws:lb:us-east-1:123456789012:alb", "port": 443, "protocol": "HTTPS",
        "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "certificateArn": CERT,
        "defaultActions": [{"type": "forward", "targetGroupArn": "arn:aws:lb:us-east-1:123456789012:alb-web"}],
    }  # fmt: skip
    assert listeners["alb-http"] == {
        "loadBalancerArn": "arn:aws:lb:us-east-1:123456789012:alb", "port": 80, "protocol": "HTTP",
        "defaultActions": [{"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}],
    }  # fmt: skip


def test_without_redirect_or_zone(build: Build) -> None:
    mocks = build(balancer(http_to_https_redirect=False, hosted_zone_id=""))
    assert [r.name for r in mocks.of_type("aws:lb/listener:Listener")] == ["alb-https"]
    assert mocks.of_type("aws:route53/record:Record") == []
    assert len(mocks.of_type("aws:s3/bucket:Bucket")) == 1  # access logs stay on


def test_alias_record_points_the_host_name_at_the_alb(build: Build) -> None:
    mocks = build(balancer())
    assert mocks.inputs_of("aws:route53/record:Record") == [{
        "zoneId": "Z1", "name": "superset.example.com", "type": "A",
        "aliases": [{"name": "alb-123456.us-east-1.elb.amazonaws.com", "zoneId": "Z35SXDOTRQ7X7K",
                     "evaluateTargetHealth": True}],
    }]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"public_subnet_ids": ["subnet-a"]}, "public_subnet_ids must span at least two zones, got 1"),
     ({"ssl_policy": "ELBSecurityPolicy-TLS-1-2-2017-01"}, "ssl_policy must be a TLS 1.3 policy")],
)  # fmt: skip
def test_rejects_the_guides_mistakes(mocks: RecordingMocks, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        balancer(**overrides)()
