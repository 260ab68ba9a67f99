"""SECRET_KEY rotation on the local twin: the same stages as on AWS (rotation.py), twin-side.

The twin keeps its keys in secrets.json (mode 0600): the previous key and the rotation's stage go
there too. Its "migration task" is the bootstrap, run here with SUPERSET_PREVIOUS_SECRET_KEY set,
so there is no deploy to wait for; its "services" are the web, worker and beat processes,
restarted on the new key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from superset_stack.local.processes import TwinError, stop, wait_until
from superset_stack.local.twin import SUPERSET_ROLES, Twin
from superset_stack.ops.rotation import PREVIOUS_KEY, new_secret_key
from superset_stack.ops.session import OpsError
from superset_stack.ops.waiting import Progress, quiet

PREVIOUS = "previous_secret_key"
STAGE = "rotation_stage"


@dataclass
class TwinRotation:
    """RotationTarget for the local twin."""

    twin: Twin
    progress: Progress = quiet

    def _stored(self) -> dict[str, Any]:
        stored: dict[str, Any] = json.loads(self.twin.secrets_file.read_text())
        return stored

    def _store(self, stored: dict[str, Any]) -> None:
        self.twin.secrets_file.write_text(json.dumps(stored, indent=2))  # keeps the file's 0600

    def completed(self) -> str | None:
        stored = self.twin.secrets()  # creates the keys of a twin that never ran
        return str(stored.get(STAGE, "kept")) if PREVIOUS in stored else None

    def record(self, stage: str) -> None:
        self._store({**self._stored(), STAGE: stage})

    def keep_previous(self) -> str:
        stored = self._stored()
        self._store({**stored, PREVIOUS: stored["secret_key"], STAGE: "kept"})
        return f"kept in {self.twin.secrets_file}"

    def previous_wired(self) -> bool:
        return True  # the bootstrap below gets the previous key directly

    def wire_instructions(self) -> list[str]:
        return []

    def write_new_key(self) -> str:
        stored = self._stored()
        if stored["secret_key"] != stored[PREVIOUS]:
            return "secrets.json already holds a new key (an earlier run wrote it)"
        self._store({**stored, "secret_key": new_secret_key()})
        return "new key in secrets.json"

    def re_encrypt(self) -> str:
        self.progress("running the bootstrap with both keys")
        try:
            self.twin.bootstrap({PREVIOUS_KEY: self._stored()[PREVIOUS]})
        except TwinError as error:
            raise OpsError(str(error)) from None
        return "bootstrap with SUPERSET_PREVIOUS_SECRET_KEY exited 0"

    def restart(self) -> str:
        running = self.twin.running()
        roles = [role for role in SUPERSET_ROLES if role in running]
        for role in roles:
            self.progress(f"restarting {role}")
            stop(running[role], timeout_seconds=40)
            pid = self.twin.start_role(role)
            if role == "web":
                wait_until(
                    lambda: bool(self.twin.status()["processes"]["web"]["healthy"]),
                    timeout_seconds=180,
                    what="Superset web",
                    pid=pid,
                    log_file=self.twin.logs / "web.log",
                )
        return f"restarted {', '.join(roles)}" if roles else "nothing was running"

    def previous_unwired(self) -> bool:
        return True

    def unwire_instructions(self) -> list[str]:
        return []

    def discard_previous(self) -> str:
        stored = self._stored()
        self._store({key: value for key, value in stored.items() if key not in (PREVIOUS, STAGE)})
        return "previous key removed from secrets.json"
