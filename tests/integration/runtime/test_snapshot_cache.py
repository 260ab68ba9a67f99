"""The snapshot cache's engine hooks in the real runtime (SQLAlchemy 1.4): which commits replace the
version token, when, and that a change Redis cannot be told of is not committed."""

from __future__ import annotations

from superset_stack.local.processes import free_port
from tests.runtime_venv import run_script

SCRIPT = """
import json, sys
from sqlalchemy import create_engine, text
from superset_stack.runtime import snapshot_cache

class Recorded:
    def __init__(self):
        self.bumps = []
    def bump(self):
        self.bumps.append(moment[0])

moment = ["setup"]
recorded = Recorded()
snapshot_cache.watch(recorded)
engine = create_engine("sqlite://")
with engine.begin() as connection:
    connection.execute(text("CREATE TABLE ab_user_role (id INTEGER, user_id INTEGER, role_id INTEGER)"))
    connection.execute(text("CREATE TABLE ab_user (id INTEGER, last_login TEXT, active BOOLEAN)"))
    connection.execute(text("CREATE TABLE logs (id INTEGER)"))
    connection.execute(text("INSERT INTO ab_user (id, active) VALUES (1, 1)"))
outcome = {}
for name, statement in [
    ("revoke", "DELETE FROM ab_user_role WHERE user_id = 1"),
    ("login", "UPDATE ab_user SET last_login = 'now' WHERE id = 1"),
    ("log", "INSERT INTO logs (id) VALUES (1)"),
]:
    recorded.bumps.clear()
    connection = engine.connect()
    transaction = connection.begin()
    moment[0] = "before commit"
    connection.execute(text(statement))
    transaction.commit()
    moment[0] = "after commit"
    connection.close()
    outcome[name] = list(recorded.bumps)

# Redis unavailable: the change is refused, and nothing else is
unreachable = snapshot_cache.MetadataVersion(f"redis://127.0.0.1:{sys.argv[1]}/0?socket_connect_timeout=1", "v")
snapshot_cache.watch(unreachable)  # a second watch() registers nothing new: the first one's hooks stay
recorded.bump = unreachable.bump
connection = engine.connect()
transaction = connection.begin()
connection.execute(text("UPDATE ab_user SET active = 0 WHERE id = 1"))
try:
    transaction.commit()
    outcome["refused"] = None
except snapshot_cache.UnpublishedChangeError as error:
    outcome["refused"] = str(error)
    transaction.rollback()
connection.close()
with engine.connect() as connection:
    outcome["active"] = connection.execute(text("SELECT active FROM ab_user WHERE id = 1")).scalar()
outcome["read"] = unreachable.read()
print(json.dumps(outcome))
"""


def test_a_change_replaces_the_token_before_and_after_its_commit_and_is_refused_without_redis() -> None:
    outcome, stderr = run_script(SCRIPT, str(free_port()))
    # before the commit (a change Redis cannot be told of is not committed), and once the connection
    # is back in the pool (outdating what another process read between the two)
    assert outcome["revoke"] == ["before commit", "after commit"]
    assert outcome["login"] == outcome["log"] == []
    assert outcome["refused"].startswith("users, permissions or datasets were not changed: Redis")
    assert outcome["active"] == 1  # still active: the deactivation was rolled back
    assert outcome["read"] is None  # and nothing is served from snapshots meanwhile
    assert "snapshot cache off while Redis is unavailable" in stderr
