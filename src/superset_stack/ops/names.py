"""The physical names and tags of one stack's resources, derived from its settings.

The program (aws/stack.py, aws/service.py, aws/secrets.py) gives the same names when it runs; a
test holds both sides together on a recorded plan. Day-2 commands find the stack's resources by
these names (or by the stack's tags where Pulumi generates the name), and name and tag what they
make themselves here too: the stack's tags with `ManagedBy=superset-stack` and a purpose tag, so
the audit can tell their work from Pulumi's and from strangers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from superset_stack.settings import Settings

TOOL = "superset-stack"
PURPOSE_TAG = "superset-stack:purpose"
# what a day-2 command made: the snapshot command, a snapshot before an upgrade, the drill's
# scratch instance, the old SECRET_KEY kept during a rotation
Purpose = Literal["manual", "pre-deploy", "drill", "rotation"]
PURPOSES: tuple[Purpose, ...] = ("manual", "pre-deploy", "drill", "rotation")


@dataclass(frozen=True, kw_only=True)
class StackNames:
    """Names of one stack's resources. `prefix` is Settings.resource_prefix (`superset-<stack>`)."""

    stack: str
    region: str
    prefix: str
    tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings, *, region: str | None = None) -> StackNames:
        """The names of the stack `settings` describe; `region` overrides the stack's own."""
        return cls(
            stack=settings.stack,
            region=region or settings.region,
            prefix=settings.resource_prefix,
            tags=dict(settings.tags),
        )

    @property
    def database_identifier(self) -> str:
        """The RDS instance of the metadata database."""
        return f"{self.prefix}-metadata"

    def task_family(self, role: str) -> str:
        """Task definition family of a role: web, worker, beat or migration."""
        return f"{self.prefix}-{role}"

    def log_group(self, role: str) -> str:
        return f"/superset/{self.stack}/{role}"

    def secret_name_prefix(self, secret: str) -> str:
        """Secrets Manager names start with this (Pulumi adds a suffix): secret-key, admin-password, ..."""
        return f"{self.prefix}/{secret}-"

    @property
    def kms_alias(self) -> str:
        return f"alias/{self.prefix}"

    @property
    def previous_secret_key_name(self) -> str:
        """The secret a rotation keeps the old SECRET_KEY in (made by rotate-secret-key, not Pulumi)."""
        return f"{self.prefix}/previous-secret-key"

    def timestamped(self, purpose: Purpose, moment: datetime) -> str:
        """`<prefix>-<purpose>-<UTC yyyymmdd-hhmmss>`: a snapshot or the drill's scratch instance."""
        return f"{self.prefix}-{purpose}-{moment:%Y%m%d-%H%M%S}"

    def tool_tags(self, purpose: Purpose) -> list[dict[str, str]]:
        """The stack's tags, marked as made by a day-2 command for `purpose` (boto3's Key/Value list)."""
        tags = {**self.tags, "ManagedBy": TOOL, PURPOSE_TAG: purpose}
        return [{"Key": key, "Value": value} for key, value in tags.items()]

    def tag_filters(self) -> list[dict[str, Any]]:
        """Resource Groups Tagging API filters for this stack's resources: its Project and Stack tags."""
        return [{"Key": key, "Values": [self.tags[key]]} for key in ("Project", "Stack")]
