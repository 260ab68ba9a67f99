"""StateBucket: the S3 bucket that holds every stack's Pulumi state (`pulumi login s3://...`).

Creates the bucket (never force-destroyed, Pulumi-protected) and, as separate v7 resources, the
same private baseline as the results bucket (aws/storage.py: BucketOwnerEnforced ownership, all four
public-access blocks, a policy denying any request not made over TLS) plus: versioning (every
checkpoint Pulumi overwrites stays recoverable), default SSE-KMS with the secrets-provider key and an
S3 bucket key, a lifecycle that keeps noncurrent versions for `noncurrent_version_expiration_days`
and aborts incomplete multipart uploads, and optionally server access logs into an existing bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from superset_stack.aws.storage import abort_incomplete_uploads, deny_without_tls, private_bucket


@dataclass(frozen=True, kw_only=True)
class StateBucketArgs:
    """Inputs for :class:`StateBucket`.

    Attributes:
        kms_key_arn: Key for default encryption (the secrets-provider key).
        noncurrent_version_expiration_days: Days an overwritten or deleted state version is kept
            (1-3650). Defaults to 90.
        abort_incomplete_upload_days: Days before an unfinished multipart upload is removed (1-3650).
            Defaults to 7.
        access_log_bucket: Existing bucket for S3 server access logs; empty turns them off.
            Defaults to empty.
        access_log_prefix: Key prefix of the access logs. Defaults to ``pulumi-state/``.
    """

    kms_key_arn: pulumi.Input[str]
    noncurrent_version_expiration_days: int = 90
    abort_incomplete_upload_days: int = 7
    access_log_bucket: str = ""
    access_log_prefix: str = "pulumi-state/"


class StateBucket(pulumi.ComponentResource):
    """A private, versioned, KMS-encrypted, TLS-only bucket for Pulumi state."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: StateBucketArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:state_bucket:StateBucket", name, None, opts)
        for field_name in ("noncurrent_version_expiration_days", "abort_incomplete_upload_days"):
            value = getattr(args, field_name)
            if not 1 <= value <= 3650:
                raise ValueError(f"{field_name} must be 1-3650, got {value}")
        child = pulumi.ResourceOptions(parent=self)

        bucket, private = private_bucket(name, pulumi.ResourceOptions(parent=self, protect=True))
        versioning = aws.s3.BucketVersioning(
            name, bucket=bucket.id, versioning_configuration={"status": "Enabled"}, opts=child
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            bucket=bucket.id,
            rules=[{
                "apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                            "kms_master_key_id": args.kms_key_arn},
                "bucket_key_enabled": True,
            }],
            opts=child,
        )  # fmt: skip
        aws.s3.BucketPolicy(
            name,
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                {"Version": "2012-10-17", "Statement": [deny_without_tls(bucket)]}
            ),
            # The public access block and ownership controls are in place before any policy.
            opts=pulumi.ResourceOptions(parent=self, depends_on=private),
        )
        aws.s3.BucketLifecycleConfiguration(
            name,
            bucket=bucket.id,
            rules=[
                {
                    "id": "expire-noncurrent-state-versions",
                    "status": "Enabled",
                    "filter": {},
                    "noncurrent_version_expiration": {
                        "noncurrent_days": args.noncurrent_version_expiration_days
                    },
                },
                abort_incomplete_uploads(args.abort_incomplete_upload_days),
            ],
            # Lifecycle rules on a versioned bucket are written after versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        if args.access_log_bucket:
            aws.s3.BucketLogging(
                name,
                bucket=bucket.id,
                target_bucket=args.access_log_bucket,
                target_prefix=args.access_log_prefix,
                opts=child,
            )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn})
