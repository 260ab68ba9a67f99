"""The state bucket: private, versioned, SSE-KMS with a bucket key, TLS-only, history kept, protected."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.bootstrap.state_bucket import StateBucket, StateBucketArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/pulumi"


def state(**overrides: Any) -> Callable[[], StateBucket]:
    return lambda: StateBucket("pulumi-state", StateBucketArgs(**({"kms_key_arn": KEY} | overrides)))


def test_every_resource_of_the_bucket_exactly(build: Build) -> None:
    mocks = build(state())
    children = {r.type.rsplit(":", 1)[-1]: r for r in mocks if r.custom}
    policy = json.loads(children["BucketPolicy"].inputs["policy"])
    lifecycle = children.pop("BucketLifecycleConfiguration")  # below: the history kept
    assert {kind: r.inputs for kind, r in children.items() if kind != "BucketPolicy"} == {
        "Bucket": {"forceDestroy": False},
        "BucketOwnershipControls": {"bucket": "pulumi-state-id", "rule": {"objectOwnership": "BucketOwnerEnforced"}},
        "BucketPublicAccessBlock": {"bucket": "pulumi-state-id", "blockPublicAcls": True, "blockPublicPolicy": True,
                                    "ignorePublicAcls": True, "restrictPublicBuckets": True},
        "BucketVersioning": {"bucket": "pulumi-state-id", "versioningConfiguration": {"status": "Enabled"}},
        "BucketServerSideEncryptionConfiguration": {"bucket": "pulumi-state-id", "rules": [{
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
            "bucketKeyEnabled": True,
        }]},
    }  # fmt: skip
    # TLS only, and only once ownership and the public access block are in place.
    assert policy["Statement"] == [{
        "Sid": "DenyRequestsWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::pulumi-state-bucket", "arn:aws:s3:::pulumi-state-bucket/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]  # fmt: skip
    assert [r.split("::")[0] for r in children["BucketPolicy"].options["dependsOn"]] == [
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ]  # fmt: skip
    assert lifecycle.options["dependsOn"] == ["aws:s3/bucketVersioning:BucketVersioning::pulumi-state"]
    assert mocks.of_type("aws:s3/bucketLogging:BucketLogging") == []  # access logs are opt-in


def test_the_bucket_and_its_controls_are_protected(build: Build) -> None:
    mocks = build(state())
    protected = sorted(r.type.rsplit(":", 1)[-1] for r in mocks if r.custom and r.options["protect"])
    assert protected == ["Bucket", "BucketOwnershipControls", "BucketPublicAccessBlock"]


def test_noncurrent_versions_are_kept_for_the_set_time(build: Build) -> None:
    mocks = build(state(noncurrent_version_expiration_days=30))
    (lifecycle,) = mocks.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle.inputs == {
        "bucket": "pulumi-state-id",
        "rules": [
            {"id": "expire-noncurrent-state-versions", "status": "Enabled", "filter": {},
             "noncurrentVersionExpiration": {"noncurrentDays": 30}},
            {"id": "abort-incomplete-multipart-uploads", "status": "Enabled", "filter": {},
             "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}},
        ],
    }  # fmt: skip


def test_access_logs_go_to_the_given_bucket(build: Build) -> None:
    mocks = build(state(access_log_bucket="acme-access-logs"))
    assert mocks.inputs_of("aws:s3/bucketLogging:BucketLogging") == [
        {"bucket": "pulumi-state-id", "targetBucket": "acme-access-logs", "targetPrefix": "pulumi-state/"}
    ]


def test_rejects_a_zero_day_history(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="noncurrent_version_expiration_days must be 1-3650, got 0"):
        state(noncurrent_version_expiration_days=0)()
