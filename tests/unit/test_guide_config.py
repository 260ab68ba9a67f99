"""The guide's configuration is refused, with every reason, before anything is declared.

What the guide does that settings cannot express at all (a TLS 1.2-2017 listener policy, the secret
key in plain environment, an aws.elasticache.Cluster, a ClusterSnapshot for an instance) cannot be
written here; the policy rules catch it if a resource ever carries it (tests/unit/policies).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from superset_stack.settings import Settings, SettingsError
from tests.conftest import TODAY

GUIDE = Path(__file__).resolve().parents[1] / "fixtures" / "Pulumi.guide.yaml"


def test_the_guides_stack_is_rejected_for_every_reason() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_stack_file(GUIDE, stack="guide", today=TODAY)
    assert [problem.split(":")[0] for problem in caught.value.problems] == [
        "availabilityZones",  # one AZ: an ALB and an RDS subnet group need two
        "albIdleTimeoutSeconds",  # 504s: the ALB gives up before gunicorn's 120 s
        "gunicornKeepaliveSeconds",  # 502s: gunicorn drops connections the ALB reuses
        "natGateways",  # no NAT and no endpoints: tasks cannot pull images or read secrets
        "gunicornWorkers",  # 10 workers do not fit 1 GB
        "dbInstanceClass",  # connection budget: 5 x 10 x (20+5) against ~80 on a t3.micro
        "dbDeletionProtection",  # prod without deletion protection
        "cacheNodeCount",  # prod on one Redis node
        "alarmEmail",  # prod alarms that reach nobody
    ]
    budget = next(p for p in caught.value.problems if p.startswith("dbInstanceClass"))
    assert "web 5 tasks x 10 workers x pool 20+5" in budget and "db.t3.micro allows 80" in budget
