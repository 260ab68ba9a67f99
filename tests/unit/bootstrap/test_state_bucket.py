"""The state bucket: private, versioned, SSE-KMS with a bucket key, TLS-only, history kept, protected."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.bootstrap.state_bucket import StateBucket, StateBucketArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/pulumi"
BUCKET = "aws:s3/bucket:Bucket"


def state(**overrides: Any) -> Callable[[], StateBucket]:
    return lambda: StateBucket("pulumi-state", StateBucketArgs(**({"kms_key_arn": KEY} | overrides)))


def test_separate_v7_resources_and_no_access_logs_by_default(build: Build) -> None:
    mocks = build(state())
    assert Counter(mocks.types()) == Counter({
        "superset:state_bucket:StateBucket": 1,
        BUCKET: 1,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketVersioning:BucketVersioning": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    })  # fmt: skip


def test_bucket_is_never_force_destroyed_and_protected(build: Build) -> None:
    mocks = build(state())
    (bucket,) = mocks.of_type(BUCKET)
    assert (bucket.inputs, bucket.options["protect"]) == ({"forceDestroy": False}, True)


def test_private_versioned_and_encrypted_with_the_key(build: Build) -> None:
    mocks = build(state())
    assert mocks.inputs_of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") == [{
        "bucket": "pulumi-state-id", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }]  # fmt: skip
    assert mocks.inputs_of("aws:s3/bucketOwnershipControls:BucketOwnershipControls") == [
        {"bucket": "pulumi-state-id", "rule": {"objectOwnership": "BucketOwnerEnforced"}}
    ]
    assert mocks.inputs_of("aws:s3/bucketVersioning:BucketVersioning") == [
        {"bucket": "pulumi-state-id", "versioningConfiguration": {"status": "Enabled"}}
    ]
    encryption = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    assert mocks.inputs_of(encryption) == [{
        "bucket": "pulumi-state-id",
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
                   "bucketKeyEnabled": True}],
    }]  # fmt: skip


def test_policy_denies_everything_without_tls(build: Build) -> None:
    mocks = build(state())
    (policy,) = mocks.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyRequestsWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::pulumi-state-bucket", "arn:aws:s3:::pulumi-state-bucket/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }  # fmt: skip
    assert policy.options["dependsOn"] == [
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::pulumi-state",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::pulumi-state",
    ]


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
    assert lifecycle.options["dependsOn"] == ["aws:s3/bucketVersioning:BucketVersioning::pulumi-state"]


def test_access_logs_go_to_the_given_bucket(build: Build) -> None:
    mocks = build(state(access_log_bucket="acme-access-logs"))
    assert mocks.inputs_of("aws:s3/bucketLogging:BucketLogging") == [
        {"bucket": "pulumi-state-id", "targetBucket": "acme-access-logs", "targetPrefix": "pulumi-state/"}
    ]


def test_rejects_a_zero_day_history(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="noncurrent_version_expiration_days must be 1-3650, got 0"):
        state(noncurrent_version_expiration_days=0)()
