"""Hashed runtime locks: every pin names the sha256 of each file an install may pick for it.

The runtime lock (runtime/requirements.lock), the driver locks (runtime/drivers/*.lock) and the
extras (runtime/extras/*.lock: python-ldap) pin
exact versions, installed with --no-deps. `hash_lock` adds a `--hash` line per file of the pinned
version that CPython 3.11 or 3.12 can install on Linux x86_64 or aarch64 (the image, both
architectures) or macOS (a developer's twin): the sdist and the matching wheels, from PyPI's JSON
simple index. Installs are then hash-checked: pip turns checking on by itself when a requirement
has a hash, and the image asks uv for --require-hashes. A file outside that set is refused, never
installed unchecked.

    python -m superset_stack.locks      # rewrite every lock with current hashes (docs/runtime.md)
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

RUNTIME = Path(__file__).resolve().parent / "runtime"
INDEX = "https://pypi.org/simple/{name}/"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
INTERPRETERS = ("cp311", "cp312")
PLATFORM = re.compile(r"^(any|manylinux\w*_(x86_64|aarch64)|macosx_\w+_(x86_64|arm64|universal2))$")

Index = Callable[[str], list[dict[str, object]]]  # project name -> the index's "files" entries


def lock_files() -> list[Path]:
    """The runtime lock, every driver lock and every extra."""
    extras = [*sorted((RUNTIME / "drivers").glob("*.lock")), *sorted((RUNTIME / "extras").glob("*.lock"))]
    return [RUNTIME / "requirements.lock", *extras]


def pins(text: str) -> dict[str, str]:
    """Pinned versions by canonical project name (hash and comment lines ignored)."""
    return {
        canonicalize_name(match.group(1)): match.group(2)
        for match in (PIN.match(line) for line in text.splitlines())
        if match
    }


def _installable_tag(tag: Tag) -> bool:
    python = tag.interpreter in INTERPRETERS or tag.interpreter in ("py3", "py311", "py312")
    # a stable-ABI wheel built for an older CPython 3 runs on 3.11 too
    stable = tag.abi == "abi3" and tag.interpreter.startswith("cp3") and int(tag.interpreter[3:]) <= 11
    return (python or stable) and PLATFORM.match(tag.platform) is not None


def installable(filename: str, version: str) -> bool:
    """Whether an install of `version` on a target above may pick this file."""
    wanted = Version(version)
    try:
        if filename.endswith(".whl"):
            _, found, _, tags = parse_wheel_filename(filename)
            return found == wanted and any(_installable_tag(tag) for tag in tags)
        return parse_sdist_filename(filename)[1] == wanted
    except ValueError:  # a file name that follows no standard (old uploads): never picked
        return False


def hashes(name: str, version: str, index: Index) -> list[str]:
    """sha256 of every installable file of name==version, sorted; ValueError when there is none."""
    found = sorted(
        {
            str(digests["sha256"])
            for entry in index(name)
            if isinstance(digests := entry.get("hashes"), dict)
            and "sha256" in digests
            and installable(str(entry["filename"]), version)
        }
    )
    if not found:
        raise ValueError(f"{name}=={version}: no installable file on the index")
    return found


def hash_lock(text: str, index: Index) -> str:
    """The lock with each pin followed by its --hash lines; comments kept, old hashes replaced."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.lstrip().startswith("--hash="):
            continue
        match = PIN.match(line)
        if not match:
            lines.append(line)
            continue
        name, version = match.groups()
        digests = hashes(name, version, index)
        lines.append(f"{name}=={version} \\")
        lines += [
            f"    --hash=sha256:{digest}" + (" \\" if i < len(digests) - 1 else "")
            for i, digest in enumerate(digests)
        ]
    return "\n".join(lines) + "\n"


def pypi_index(name: str) -> list[dict[str, object]]:
    """The files PyPI lists for a project (JSON simple API, PEP 691)."""
    request = urllib.request.Request(
        INDEX.format(name=canonicalize_name(name)), headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files: list[dict[str, object]] = json.load(response)["files"]
    return files


def main(paths: Iterable[Path] | None = None, index: Index = pypi_index) -> None:
    for path in paths if paths is not None else lock_files():
        path.write_text(hash_lock(path.read_text(), index))
        print(f"hashed {path}")


if __name__ == "__main__":
    main()
