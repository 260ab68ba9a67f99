"""Private files and folders of the twin: secrets and keys are never readable by anyone else.

A file is written under a temporary name created with mode 0600 and then renamed over the old one,
so there is no moment at which it exists with wider permissions (an old 0644 file is replaced, not
rewritten in place). Folders are 0700. As root, the servers that must not run as root (PostgreSQL,
nginx's workers) run as an unprivileged system user: a folder they must pass through is then 0710
with that user's group, so they can reach their own sub-folder but neither list nor change the rest.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path
from typing import Any

SERVICE_USER = "superset-twin"


def service_user() -> str | None:
    """The user the unprivileged servers run as: None (this user) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
        )
    return SERVICE_USER


def run_as(user: str | None) -> dict[str, Any]:
    """subprocess arguments that run a child as `user` with its own group and no other (root's
    groups would otherwise stay with it); none when None."""
    if user is None:
        return {}
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}


def folder_mode(shared_with: str | None) -> int:
    """0700, or 0710 (group may pass through, not list) when a service user must reach inside."""
    return 0o700 if shared_with is None else 0o710


def private_folder(path: Path, *, shared_with: str | None = None) -> Path:
    """Create `path` (and parents) if needed and give it the private mode, also when it existed."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if shared_with is not None:
        os.chown(path, -1, pwd.getpwnam(shared_with).pw_gid)
    path.chmod(folder_mode(shared_with))
    return path


def owned_folder(path: Path, owner: str | None) -> Path:
    """A 0700 folder belonging to `owner` (a service user's own data), or to us when None."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if owner is not None:
        account = pwd.getpwnam(owner)
        os.chown(path, account.pw_uid, account.pw_gid)
    path.chmod(0o700)
    return path


def write_private(path: Path, content: str | bytes, *, owner: str | None = None) -> None:
    """Write `content` to `path` with mode 0600 (owned by `owner` when given), atomically."""
    data = content.encode() if isinstance(content, str) else content
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if owner is not None:
                account = pwd.getpwnam(owner)
                os.fchown(handle.fileno(), account.pw_uid, account.pw_gid)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def make_private(path: Path) -> None:
    """Bring an existing file down to 0600 (one written by an older version, or by hand)."""
    if path.exists() and path.stat().st_mode & 0o777 != 0o600:
        path.chmod(0o600)
