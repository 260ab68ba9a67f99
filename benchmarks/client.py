"""A small Superset API client (JWT plus the CSRF token the API wants for writes).

Shared by the benchmark's seeding and the end-to-end tests, which drive the same twin API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class Api:
    """A logged-in Superset API session."""

    base: str
    session: requests.Session

    @classmethod
    def login(cls, base: str, username: str, password: str, *, ca_file: str | None = None) -> Api:
        """`ca_file`: verify https against this CA only (the like-aws twin's), whatever the
        environment's REQUESTS_CA_BUNDLE says."""
        session = requests.Session()
        if ca_file is not None:
            session.verify = ca_file
            session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over session.verify
        response = session.post(
            f"{base}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db"},
            timeout=30,
        )
        response.raise_for_status()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = session.get(f"{base}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        session.headers.update({"X-CSRFToken": csrf.json()["result"], "Referer": base})
        return cls(base, session)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(f"{self.base}{path}", timeout=60, **kwargs)

    def post(self, path: str, payload: dict[str, Any]) -> requests.Response:
        return self.session.post(f"{self.base}{path}", json=payload, timeout=60)

    def create(self, path: str, payload: dict[str, Any]) -> int:
        """POST a new object; its id, or an error naming the path and the answer."""
        response = self.post(path, payload)
        if response.status_code != 201:
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:300]}")
        identifier: int = response.json()["id"]
        return identifier
