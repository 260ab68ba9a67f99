"""Storage: the private S3 bucket behind Superset's SQL Lab async results backend.

What uses it: with async queries, Celery workers write each SQL Lab result set to the results
backend and the web tier reads it back. Result sets can be large, and Redis memory is the cache's
budget, so results live here under `results_prefix`, and a lifecycle rule deletes them after a few
days (they can be re-run). The runtime config points RESULTS_BACKEND at this bucket; the task role
may touch only that prefix.

Creates the bucket (never force-destroyed) and, as separate v7 resources: ownership controls
(BucketOwnerEnforced: ACLs off), a public access block with all four flags, versioning, default
SSE-KMS with the stack key and an S3 bucket key, a policy that denies any request not made over
TLS, and lifecycle rules (expire results, expire noncurrent versions and stale delete markers,
abort incomplete multipart uploads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

RESULTS_PREFIX = "sqllab-results/"


def private_bucket(name: str, opts: pulumi.ResourceOptions) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
    """A bucket that is never force-destroyed, with ACLs off and all public access blocked.

    Returns the bucket and the controls its bucket policy must wait for.
    """
    bucket = aws.s3.Bucket(name, force_destroy=False, opts=opts)
    ownership = aws.s3.BucketOwnershipControls(
        name, bucket=bucket.id, rule={"object_ownership": "BucketOwnerEnforced"}, opts=opts
    )
    public_access = aws.s3.BucketPublicAccessBlock(
        name,
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    return bucket, [public_access, ownership]


def abort_incomplete_uploads(days: int) -> dict[str, Any]:
    """The lifecycle rule that removes parts of multipart uploads never completed, after `days`
    (they are billed as storage and listed nowhere)."""
    return {
        "id": "abort-incomplete-multipart-uploads",
        "status": "Enabled",
        "filter": {},
        "abort_incomplete_multipart_upload": {"days_after_initiation": days},
    }


def deny_without_tls(bucket: aws.s3.Bucket) -> dict[str, Any]:
    """Bucket-policy statement refusing every request not made over TLS."""
    return {
        "Sid": "DenyRequestsWithoutTls",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


@dataclass(frozen=True, kw_only=True)
class StorageArgs:
    """Inputs for :class:`Storage`.

    Attributes:
        kms_key_arn: Key for default encryption.
        results_expiration_days: Days a SQL Lab result stays. Defaults to 7.
        noncurrent_version_expiration_days: Days an overwritten or deleted version is kept.
            Defaults to 30.
        abort_incomplete_upload_days: Days before an unfinished multipart upload is removed.
            Defaults to 7.
    """

    kms_key_arn: pulumi.Input[str]
    results_expiration_days: int = 7
    noncurrent_version_expiration_days: int = 30
    abort_incomplete_upload_days: int = 7


class Storage(pulumi.ComponentResource):
    """A private, encrypted, versioned bucket for SQL Lab results."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    results_prefix: str

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:storage:Storage", name, None, opts)
        for field_name in (
            "results_expiration_days",
            "noncurrent_version_expiration_days",
            "abort_incomplete_upload_days",
        ):
            value = getattr(args, field_name)
            if not 1 <= value <= 3650:
                raise ValueError(f"{field_name} must be 1-3650, got {value}")
        child = pulumi.ResourceOptions(parent=self)

        bucket, private = private_bucket(name, child)
        versioning = aws.s3.BucketVersioning(
            name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[{
                "apply_server_side_encryption_by_default": {
                    "sse_algorithm": "aws:kms",
                    "kms_master_key_id": args.kms_key_arn,
                },
                "bucket_key_enabled": True,
            }],
            opts=child,
        )  # fmt: skip
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [deny_without_tls(bucket)],
            }),
            # The public access block and ownership controls are in place before any policy.
            opts=pulumi.ResourceOptions(parent=self, depends_on=private),
        )  # fmt: skip
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-sqllab-results",
                    "status": "Enabled",
                    "filter": {"prefix": RESULTS_PREFIX},
                    "expiration": {"days": args.results_expiration_days},
                },
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {
                        "noncurrent_days": args.noncurrent_version_expiration_days
                    },
                    "expiration": {"expired_object_delete_marker": True},
                },
                abort_incomplete_uploads(args.abort_incomplete_upload_days),
            ],
            # Lifecycle rules on a versioned bucket are written after versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.results_prefix = RESULTS_PREFIX
        self.register_outputs({
            "bucket_name": self.bucket_name,
            "bucket_arn": self.bucket_arn,
            "results_prefix": self.results_prefix,
        })  # fmt: skip
