"""Reading a stack file: every malformed file is one exact problem, quickly and in bounded memory."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from superset_stack.stack_file import MAX_BYTES, MAX_DEPTH, StackFileError, read, stack_name_from_path

KEYS = frozenset({"owner", "dbInstanceClass", "webCpu"})
BILLION_LAUGHS = "\n".join(
    ["config:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"  a{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]"
       for i in range(1, 10)]
    + ["  superset-stack:owner: *a9"]
)  # fmt: skip


def read_text(tmp_path: Path, text: str | bytes) -> tuple[dict[str, Any], str | None]:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return read(path, project="superset-stack", setting_keys=KEYS)


def problems(tmp_path: Path, text: str | bytes) -> tuple[str, ...]:
    with pytest.raises(StackFileError) as caught:
        read_text(tmp_path, text)
    return caught.value.problems


def where(tmp_path: Path) -> str:
    return f"stack file {str(tmp_path / 'Pulumi.dev.yaml')!r}"


class TestTheFile:
    def test_missing(self, tmp_path: Path) -> None:
        with pytest.raises(StackFileError) as caught:
            read(tmp_path / "Pulumi.dev.yaml", project="superset-stack", setting_keys=KEYS)
        assert caught.value.problems == (f"{where(tmp_path)} does not exist",)

    def test_a_directory(self, tmp_path: Path) -> None:
        (tmp_path / "Pulumi.dev.yaml").mkdir()
        with pytest.raises(StackFileError) as caught:
            read(tmp_path / "Pulumi.dev.yaml", project="superset-stack", setting_keys=KEYS)
        assert caught.value.problems == (
            f"{where(tmp_path)} is a directory; give a stack file such as Pulumi.dev.yaml",
        )

    def test_unreadable(self, tmp_path: Path) -> None:
        (tmp_path / "file").write_text("")
        path = tmp_path / "file" / "Pulumi.dev.yaml"
        with pytest.raises(StackFileError) as caught:
            read(path, project="superset-stack", setting_keys=KEYS)
        assert caught.value.problems == (f"stack file {str(path)!r} cannot be read: Not a directory",)

    def test_not_a_regular_file_is_never_opened(self, tmp_path: Path) -> None:
        fifo = tmp_path / "Pulumi.dev.yaml"
        os.mkfifo(fifo)  # opening it would wait for a writer forever
        with pytest.raises(StackFileError) as caught:
            read(fifo, project="superset-stack", setting_keys=KEYS)
        assert caught.value.problems == (f"{where(tmp_path)} is not a regular file",)

    def test_too_large(self, tmp_path: Path) -> None:
        assert read_text(tmp_path, "config: {}\n#" + "#" * (MAX_BYTES - 13) + "\n") == ({}, None)
        assert problems(tmp_path, "#" * MAX_BYTES + "\n") == (
            f"{where(tmp_path)} is larger than 65,536 bytes (64 KiB), the most a stack file may have; "
            "real ones have a few KiB",
        )

    def test_not_utf8(self, tmp_path: Path) -> None:
        assert problems(tmp_path, b"config:\n  superset-stack:owner: caf\xe9\n") == (
            f"{where(tmp_path)} is not UTF-8 text: byte 0xe9 at offset 35",
        )

    def test_stack_names_come_from_the_file_name(self) -> None:
        assert stack_name_from_path(Path("x/Pulumi.prod-eu.yaml")) == "prod-eu"
        with pytest.raises(StackFileError, match=r"must look like Pulumi.<stack>.yaml, got 'stack.yaml'"):
            stack_name_from_path(Path("stack.yaml"))


class TestTheDocument:
    def test_aliases_are_refused_before_anything_expands(self, tmp_path: Path) -> None:
        started = time.monotonic()
        assert problems(tmp_path, BILLION_LAUGHS) == (
            f"{where(tmp_path)} uses a YAML alias (*a0, line 3); aliases are refused because a few of them "
            "can expand into gigabytes: write the value out",
        )
        assert time.monotonic() - started < 5  # expanded, it would be 10^9 strings

    def test_nesting_is_bounded(self, tmp_path: Path) -> None:
        assert problems(tmp_path, "config: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)) == (
            f"{where(tmp_path)} nests deeper than 20 levels (line 1); a stack file needs a few",
        )

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("", "is empty; a stack file is a mapping with a config: section, e.g. 'config: {aws:region: us-east-1}'"),
            ("# only a comment\n", "is empty; a stack file is a mapping with a config: section, e.g. "
             "'config: {aws:region: us-east-1}'"),
            ("- config\n", "holds a list at the top; a stack file is a mapping with a config: section, e.g. "
             "'config: {aws:region: us-east-1}'"),
            ("just words\n", "holds 'just words' at the top; a stack file is a mapping with a config: section, "
             "e.g. 'config: {aws:region: us-east-1}'"),
            ("config: [a, b]\n", ": 'config' must be a mapping of keys to values, got a list"),
            # libyaml's wording (PyYAML's wheels bundle it)
            ("config: [unclosed\n", " is not valid YAML: while parsing a flow sequence, did not find expected ',' "
             "or ']' (line 2, column 1)"),
            ("a: 1\n---\nb: 2\n", " is not valid YAML: expected a single document in the stream, but found "
             "another document (line 2, column 1)"),
            ("config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n", " is not valid YAML: key 'aws:region' "
             "appears twice (line 3, column 3)"),
            ("config: !!python/object:os.system {}\n", " is not valid YAML: could not determine a constructor for "
             "the tag 'tag:yaml.org,2002:python/object:os.system' (line 1, column 9)"),
        ],
    )  # fmt: skip
    def test_shapes_that_are_not_a_stack_file(self, tmp_path: Path, text: str, problem: str) -> None:
        separator = "" if problem.startswith((":", " ")) else " "
        assert problems(tmp_path, text) == (f"{where(tmp_path)}{separator}{problem}",)

    def test_scalars_read_as_yaml_1_2_core(self, tmp_path: Path) -> None:
        values, region = read_text(tmp_path, """config:
  aws:region: us-east-1
  superset-stack:a: yes
  superset-stack:b: true
  superset-stack:c: 0x1F
  superset-stack:d: 8.10
  superset-stack:e: 2026-01-01
  superset-stack:f: 1:30
  superset-stack:g: 12345678901234567890123
  superset-stack:h: 42
  superset-stack:i:
  superset-stack:j: [1, on, {k: 2.5}]
""")  # fmt: skip
        assert region == "us-east-1"
        assert values == {
            "a": "yes", "b": True, "c": "0x1F", "d": "8.10", "e": "2026-01-01", "f": "1:30",
            "g": "12345678901234567890123", "h": 42, "i": "", "j": [1, "on", {"k": "2.5"}],
        }  # fmt: skip


class TestConfigKeys:
    def test_only_this_projects_keys_are_returned(self, tmp_path: Path) -> None:
        text = "config:\n  aws:region: eu-west-1\n  aws:profile: ops\n  superset-stack:owner: team\n"
        assert read_text(tmp_path, text) == ({"owner": "team"}, "eu-west-1")

    def test_a_key_without_namespace_says_what_to_write(self, tmp_path: Path) -> None:
        assert problems(tmp_path, "config:\n  dbInstanceClass: db.t4g.small\n  tags: x\n") == (
            "'dbInstanceClass': a config key needs a namespace, and Pulumi refuses one without; write "
            "superset-stack:dbInstanceClass",
            "'tags': a config key needs a namespace, and Pulumi refuses one without; write superset-stack:tags "
            "for a setting of this project",
        )

    def test_a_setting_under_another_namespace(self, tmp_path: Path) -> None:
        assert problems(tmp_path, "config:\n  superset:owner: team\n") == (
            "'superset:owner': 'superset' is not this project's namespace; write superset-stack:owner",
        )

    def test_keys_and_region_must_be_text(self, tmp_path: Path) -> None:
        assert problems(tmp_path, "config:\n  1: x\n  aws:region: [us-east-1]\n") == (
            "config key 1: expected text such as superset-stack:owner",
            "aws:region: expected text such as us-east-1, got a list",
        )

    def test_secure_values_are_refused(self, tmp_path: Path) -> None:
        assert problems(tmp_path, "config:\n  superset-stack:owner:\n    secure: v1:abc\n") == (
            "owner: secure values are not settings; keep secrets out of config",
        )
