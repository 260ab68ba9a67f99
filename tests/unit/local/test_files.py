"""Private files: 0600 from the moment they exist, an old readable file replaced, folders 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from superset_stack.local.files import folder_mode, make_private, private_folder, write_private


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_private_file_is_0600_before_it_gets_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    replace = os.replace

    def watching(source: str | Path, target: str | Path) -> None:
        seen.append(mode(Path(source)))
        replace(source, target)

    monkeypatch.setattr(os, "replace", watching)
    previous = os.umask(0)  # the most permissive umask changes nothing
    try:
        write_private(tmp_path / "secret", "value")
    finally:
        os.umask(previous)
    assert seen == [0o600]
    assert (mode(tmp_path / "secret"), (tmp_path / "secret").read_text()) == (0o600, "value")


def test_an_existing_readable_file_is_replaced_not_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "secrets.json"
    target.write_text("old")
    target.chmod(0o644)
    old_inode = target.stat().st_ino
    write_private(target, "new")
    assert (mode(target), target.read_text()) == (0o600, "new")
    assert target.stat().st_ino != old_inode  # a reader holding the old file never sees the new content
    assert [path.name for path in tmp_path.iterdir()] == ["secrets.json"]  # no temporary left behind


def test_make_private_fixes_an_old_mode(tmp_path: Path) -> None:
    target = tmp_path / "secrets.json"
    target.write_text("{}")
    target.chmod(0o644)
    make_private(target)
    assert mode(target) == 0o600
    make_private(tmp_path / "missing")  # nothing to fix


def test_folders_are_0700_and_0710_when_shared(tmp_path: Path) -> None:
    assert (folder_mode(None), folder_mode("superset-twin")) == (0o700, 0o710)
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    private_folder(folder)
    assert mode(folder) == 0o700
