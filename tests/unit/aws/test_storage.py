"""Storage: the results bucket is private, encrypted, versioned, TLS-only and self-cleaning."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from superset_stack.aws.storage import RESULTS_PREFIX, Storage, StorageArgs
from superset_stack.plan.recording import RecordingMocks

Build = Callable[[Callable[[], Any]], RecordingMocks]
KEY = "arn:aws:kms:us-east-1:123456789012:key/stack"


def storage(**overrides: Any) -> Callable[[], Storage]:
    values: dict[str, Any] = {
        "kms_key_arn": KEY,
        "results_expiration_days": 5,
        "noncurrent_version_expiration_days": 30,
    }
    values.update(overrides)
    return lambda: Storage("data", StorageArgs(**values))


def test_uses_separate_v7_resources_only(build: Build) -> None:
    mocks = build(storage())
    assert Counter(mocks.types()) == Counter({
        "superset:storage:Storage": 1,
        "aws:s3/bucket:Bucket": 1,
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
        "aws:s3/bucketVersioning:BucketVersioning": 1,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    })  # fmt: skip
    assert mocks.inputs_of("aws:s3/bucket:Bucket") == [{"forceDestroy": False}]


def test_public_access_is_blocked_and_acls_are_off(build: Build) -> None:
    mocks = build(storage())
    assert mocks.inputs_of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") == [{
        "bucket": "data-id", "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }]  # fmt: skip
    assert mocks.inputs_of("aws:s3/bucketOwnershipControls:BucketOwnershipControls") == [
        {"bucket": "data-id", "rule": {"objectOwnership": "BucketOwnerEnforced"}}
    ]


def test_versioned_and_encrypted_with_the_stack_key(build: Build) -> None:
    mocks = build(storage())
    assert mocks.inputs_of("aws:s3/bucketVersioning:BucketVersioning") == [
        {"bucket": "data-id", "versioningConfiguration": {"status": "Enabled"}}
    ]
    encryption = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    assert mocks.inputs_of(encryption) == [{
        "bucket": "data-id",
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY},
                   "bucketKeyEnabled": True}],
    }]  # fmt: skip


def test_policy_denies_everything_without_tls(build: Build) -> None:
    mocks = build(storage())
    (policy,) = mocks.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyRequestsWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": ["arn:aws:s3:::data-bucket", "arn:aws:s3:::data-bucket/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }],
    }  # fmt: skip
    assert policy.options["dependsOn"] == [
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls::data",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::data",
    ]


def test_lifecycle_expires_results_versions_and_stale_uploads(build: Build) -> None:
    mocks = build(storage())
    (lifecycle,) = mocks.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle.inputs == {
        "bucket": "data-id",
        "rules": [
            {"id": "expire-sqllab-results", "status": "Enabled", "filter": {"prefix": RESULTS_PREFIX},
             "expiration": {"days": 5}},
            {"id": "expire-noncurrent-versions", "status": "Enabled", "filter": {},
             "noncurrentVersionExpiration": {"noncurrentDays": 30}, "expiration": {"expiredObjectDeleteMarker": True}},
            {"id": "abort-incomplete-multipart-uploads", "status": "Enabled", "filter": {},
             "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7}},
        ],
    }  # fmt: skip
    assert lifecycle.options["dependsOn"] == ["aws:s3/bucketVersioning:BucketVersioning::data"]


def test_rejects_zero_days(mocks: RecordingMocks) -> None:
    with pytest.raises(ValueError, match="results_expiration_days must be 1-3650, got 0"):
        storage(results_expiration_days=0)()
