"""Secrets: the stack's KMS key and the Secrets Manager secrets Superset runs on.

Creates:
- a customer-managed KMS key with yearly rotation and an explicit key policy (the account
  administers it; CloudWatch Logs may use it for this account's log groups only; this account's
  CloudWatch alarms and EventBridge may encrypt for the alarm topic), and an alias;
- three secrets on that key, each generated once per stack by pulumi-random and never written to
  config or outputs: the Superset SECRET_KEY (64 characters), the bootstrap admin password and the
  Redis AUTH token. Outputs carry ARNs only; values stay encrypted in state.

The RDS master password is not here: RDS manages and rotates it in its own secret (database.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random


@dataclass(frozen=True, kw_only=True)
class SecretsArgs:
    """Inputs for :class:`Secrets`.

    Attributes:
        account_id: AWS account that owns the key (the key policy's administrator).
        partition: AWS partition, e.g. ``aws``.
        region: Region of the key; CloudWatch Logs in this region may use it.
        alias: KMS alias name without the ``alias/`` prefix.
        recovery_window_days: Days a deleted secret stays recoverable. Defaults to 30.
        key_deletion_window_days: Days before a scheduled key deletion happens. Defaults to 30.
    """

    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    region: str
    alias: str
    recovery_window_days: int = 30
    key_deletion_window_days: int = 30


# name -> (description, length, special characters allowed)
_SECRETS: dict[str, tuple[str, int, str]] = {
    "secret-key": ("Superset SECRET_KEY: signs sessions and encrypts stored credentials. Identical on "
                   "every task; rotate with PREVIOUS_SECRET_KEY and superset re-encrypt-secrets.", 64, ""),
    "admin-password": ("Password of the bootstrap Superset admin user.", 32, "-_.!%"),
    "redis-auth-token": ("AUTH token of the ElastiCache replication group.", 64, ""),
}  # fmt: skip


class Secrets(pulumi.ComponentResource):
    """KMS key plus generated Secrets Manager secrets for one stack."""

    kms_key_arn: pulumi.Output[str]
    kms_key_id: pulumi.Output[str]
    secret_key_arn: pulumi.Output[str]
    admin_password_arn: pulumi.Output[str]
    redis_auth_token_arn: pulumi.Output[str]
    redis_auth_token: pulumi.Output[str]

    def __init__(self, name: str, args: SecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("superset:secrets:Secrets", name, None, opts)
        if not 7 <= args.recovery_window_days <= 30:
            raise ValueError(f"recovery_window_days must be 7-30, got {args.recovery_window_days}")
        if not 7 <= args.key_deletion_window_days <= 30:
            raise ValueError(f"key_deletion_window_days must be 7-30, got {args.key_deletion_window_days}")
        child = pulumi.ResourceOptions(parent=self)

        # --- key -------------------------------------------------------------------------------
        account_root = pulumi.Output.format("arn:{0}:iam::{1}:root", args.partition, args.account_id)
        log_groups = pulumi.Output.format(
            "arn:{0}:logs:{1}:{2}:log-group:*", args.partition, args.region, args.account_id
        )
        policy = pulumi.Output.json_dumps({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": account_root},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                    "Effect": "Allow",
                    "Principal": {"Service": f"logs.{args.region}.amazonaws.com"},
                    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                               "kms:Describe*"],
                    "Resource": "*",
                    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
                },
                {
                    "Sid": "AlarmsOfThisAccountPublishToTheEncryptedTopic",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                },
                {
                    # The database's events reach the alarm topic through an EventBridge rule. This is
                    # the statement the SNS guide documents for AWS services publishing to an
                    # encrypted topic; it says aws:SourceAccount and aws:SourceArn are not supported
                    # for EventBridge, and delivery would fail silently with them. EventBridge only
                    # encrypts and decrypts the events it carries; it is handed none of this key's data.
                    "Sid": "EventBridgeRulesPublishToTheEncryptedTopic",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                },
            ],
        })  # fmt: skip
        key = aws.kms.Key(
            name,
            description=f"Encrypts the {args.alias} stack: secrets, database, cache, bucket and logs",
            enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=policy,
            opts=child,
        )
        aws.kms.Alias(f"{name}-alias", name=f"alias/{args.alias}", target_key_id=key.key_id, opts=child)

        # --- secrets -----------------------------------------------------------------------------
        arns: dict[str, pulumi.Output[str]] = {}
        values: dict[str, pulumi.Output[str]] = {}
        for secret_name, (description, length, special_characters) in _SECRETS.items():
            generated = random.RandomPassword(
                f"{name}-{secret_name}",
                length=length,
                special=bool(special_characters),
                override_special=special_characters or None,
                opts=child,
            )
            secret = aws.secretsmanager.Secret(
                f"{name}-{secret_name}",
                name_prefix=f"{args.alias}/{secret_name}-",
                description=description,
                kms_key_id=key.arn,
                recovery_window_in_days=args.recovery_window_days,
                opts=child,
            )
            aws.secretsmanager.SecretVersion(
                f"{name}-{secret_name}",
                secret_id=secret.id,
                secret_string=generated.result,
                opts=child,
            )
            arns[secret_name] = secret.arn
            values[secret_name] = generated.result

        self.kms_key_arn = key.arn
        self.kms_key_id = key.key_id
        self.secret_key_arn = arns["secret-key"]
        self.admin_password_arn = arns["admin-password"]
        self.redis_auth_token_arn = arns["redis-auth-token"]
        self.redis_auth_token = pulumi.Output.secret(values["redis-auth-token"])
        self.register_outputs({
            "kms_key_arn": self.kms_key_arn,
            "kms_key_id": self.kms_key_id,
            "secret_key_arn": self.secret_key_arn,
            "admin_password_arn": self.admin_password_arn,
            "redis_auth_token_arn": self.redis_auth_token_arn,
        })  # fmt: skip
