"""SecretsProviderKey: the KMS key behind Pulumi's secrets provider and the state bucket's encryption.

Creates a customer-managed symmetric key with yearly rotation, a 30-day deletion window and an
explicit key policy that lets the account administer it (so IAM policies decide who may use it: the
CI roles may encrypt and decrypt, nothing else), and an alias. Stacks are created with
`pulumi stack init NAME --secrets-provider "awskms://alias/<alias>?region=<region>"`, which wraps each
stack's data key with this key; the state bucket encrypts every object with it. Both the key and
its alias are Pulumi-protected: losing the key loses every stack's secrets.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

ALIAS = "superset-stack-pulumi"


@dataclass(frozen=True, kw_only=True)
class SecretsProviderKeyArgs:
    """Inputs for :class:`SecretsProviderKey`.

    Attributes:
        account_id: AWS account that owns and administers the key.
        partition: AWS partition, e.g. ``aws``.
        region: Region of the key (part of the secrets-provider string).
        alias: Alias name without ``alias/``. Defaults to ``superset-stack-pulumi``.
        deletion_window_days: Days before a scheduled deletion happens (7-30). Defaults to 30.
    """

    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    region: str
    alias: str = ALIAS
    deletion_window_days: int = 30


class SecretsProviderKey(pulumi.ComponentResource):
    """A rotating KMS key and alias for `--secrets-provider awskms://...` and state encryption."""

    key_arn: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
    secrets_provider: str

    def __init__(
        self, name: str, args: SecretsProviderKeyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("superset:secrets_provider:SecretsProviderKey", name, None, opts)
        if not 7 <= args.deletion_window_days <= 30:
            raise ValueError(f"deletion_window_days must be 7-30, got {args.deletion_window_days}")
        protected = pulumi.ResourceOptions(parent=self, protect=True)

        key = aws.kms.Key(
            name,
            description="Pulumi secrets provider and state bucket encryption for superset-stack",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AccountAdministersTheKeyIamPoliciesGrantItsUse",
                    "Effect": "Allow",
                    "Principal": {"AWS": pulumi.Output.format("arn:{0}:iam::{1}:root", args.partition,
                                                              args.account_id)},
                    "Action": "kms:*",
                    "Resource": "*",
                }],
            }),
            opts=protected,
        )  # fmt: skip
        alias = aws.kms.Alias(name, name=f"alias/{args.alias}", target_key_id=key.key_id, opts=protected)

        self.key_arn = key.arn
        self.alias_arn = alias.arn
        self.secrets_provider = f"awskms://alias/{args.alias}?region={args.region}"
        self.register_outputs({
            "key_arn": self.key_arn,
            "alias_arn": self.alias_arn,
            "secrets_provider": self.secrets_provider,
        })  # fmt: skip
