"""CrossGuard entry point: `pulumi preview --policy-pack policy`. The rules live in the package."""

from superset_stack.policies.crossguard import serve

serve()
