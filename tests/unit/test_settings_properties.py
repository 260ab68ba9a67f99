"""Whatever a stack file holds, reading it ends in valid Settings or in problems, one line each,
quickly and in bounded memory; the CLI exits 0 or 2 and never shows a traceback.

Documents come from a strategy of YAML-ish values (every setting key, with and without its
namespace, holding scalars of every kind, lists and mappings, over a valid base or not), and from
raw text and raw bytes. The memory bound is checked in a child process under RLIMIT_AS, on the
same strategy and on hand-made hostile files (aliases, deep nesting, the largest file allowed).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from superset_stack.cli import app
from superset_stack.settings import OPTIONS_BY_KEY, PROJECT, Settings, SettingsError
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[2]
BASE = {
    "aws:region": "us-east-1",
    f"{PROJECT}:owner": "data-platform",
    f"{PROJECT}:costCenter": "analytics",
    f"{PROJECT}:domainName": "superset.example.com",
    f"{PROJECT}:hostedZoneId": "Z0123456789EXAMPLE",
}
# generous: a document takes milliseconds; this catches a hang or a quadratic blow-up, not a slow CI
SECONDS_PER_DOCUMENT = 20
MEMORY_LIMIT_BYTES = 1024 * 2**20

TRICKY_TEXT = ["", "~", "null", "true", "yes", "off", "0x1F", "1:30", "2026-02-30", "1e400", ".nan", "*a", "&a b",
               "!!binary aGk=", "aws:x", "0.0.0.0/0", "sg-0123abcd", "pl-0123abcd", "MON-FRI 07:00-19:00",
               "dbMultiAz until 2099-01-01: pilot", "db.t4g.micro", "\x00", "\ud7ff", "a" * 300]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(TRICKY_TEXT)
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.sampled_from(["description", "port", "fromPort", "toPort", "cidr", "prefixListId",
                                       "securityGroupId", "secure"]) | st.text(max_size=8), children, max_size=6),
    max_leaves=25,
)  # fmt: skip
keys = (
    st.sampled_from([f"{PROJECT}:{key}" for key in OPTIONS_BY_KEY])
    | st.sampled_from([*OPTIONS_BY_KEY, "aws:region", "superset:owner", f"{PROJECT}:", "aws:profile"])
    | st.text(max_size=20)
)
configs = st.dictionaries(keys, values, max_size=10)
documents = (
    configs.map(lambda config: {"config": {**BASE, **config}})  # deep: past the loader into the validators
    | configs.map(lambda config: {"config": config})
    | st.dictionaries(st.text(max_size=10) | st.just("config"), values, max_size=4)
    | values
)
files: st.SearchStrategy[bytes] = (
    documents.map(lambda document: yaml.safe_dump(document, allow_unicode=True).encode())
    | st.text(max_size=400).map(str.encode)
    | st.binary(max_size=400)
)


def outcome(path: Path) -> Settings | tuple[str, ...]:
    """Settings, or the problems: never any other exception."""
    try:
        return Settings.from_stack_file(path, stack="dev", today=TODAY)
    except SettingsError as error:
        return error.problems


def check(content: bytes, folder: Path) -> float:
    """Read `content` as a stack file; assert the property; return the seconds it took."""
    path = folder / "Pulumi.dev.yaml"
    path.write_bytes(content)
    started = time.monotonic()
    result = outcome(path)
    seconds = time.monotonic() - started
    if not isinstance(result, Settings):
        assert result, "a refusal names at least one problem"
        for problem in result:
            assert problem.strip() and "\n" not in problem, repr(problem)
    return seconds


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=files)
def test_any_file_gives_settings_or_problems(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    assert check(content, tmp_path_factory.mktemp("doc")) < SECONDS_PER_DOCUMENT


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=files)
def test_the_cli_exits_0_or_2_with_messages(tmp_path_factory: pytest.TempPathFactory, content: bytes) -> None:
    path = tmp_path_factory.mktemp("cli") / "Pulumi.dev.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(
        app, ["settings", "--stack", "dev", "--config-file", str(path), "--format", "json"]
    )
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 2:
        header, *lines = result.output.splitlines()
        assert header == f"Invalid settings ({len(lines)} problem(s)):"
        assert lines and all(line.startswith("  - ") for line in lines)


# --- the memory bound, in a child process --------------------------------------------------------

HOSTILE: dict[str, str] = {
    "billion laughs": "config:\n" + "".join(
        f"  a{i}: &a{i} [" + ",".join([f"*a{i - 1}" if i else "'lol'"] * 9) + "]\n" for i in range(10)
    ),
    "quadratic aliases": "config:\n  a: &a " + "x" * 30_000 + "\n  b: [" + ",".join(["*a"] * 1000) + "]\n",
    "deep nesting": "config: " + "[" * 30_000 + "]" * 30_000,
    "largest flow list": "config: [" + "a," * 32_000 + "a]",
    "largest mapping": "config:\n" + "".join(f"  superset-stack:k{i}: 1\n" for i in range(2_500)),
    "huge integer": "config:\n  superset-stack:webCpu: " + "9" * 60_000 + "\n",
    "wide egress list": "config:\n  superset-stack:egressDestinations:\n"
    + "  - {description: d, port: 5439, cidr: 10.0.0.0/8}\n" * 1_200,
}  # fmt: skip
CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from tests.unit import test_settings_properties as properties
from hypothesis import given, settings
folder = Path(tempfile.mkdtemp())
seconds = {name: properties.check(text.encode(), folder) for name, text in properties.HOSTILE.items()}
slowest = []
@settings(max_examples=150, deadline=None, database=None)
@given(content=properties.files)
def run(content):
    slowest.append(properties.check(content, folder))
run()
print(json.dumps({"hostile": seconds, "generated": max(slowest), "peak_rss_mib":
                  resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def test_memory_stays_bounded_under_an_address_space_limit() -> None:
    """Under a 1 GiB address-space limit (an unbounded alias expansion dies there with MemoryError),
    every hostile file and 150 generated ones are answered; the measurements are printed."""
    for name, text in HOSTILE.items():
        assert len(text.encode()) <= 64 * 1024, name  # each is read, none is refused for its size
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(MEMORY_LIMIT_BYTES)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"},
        capture_output=True, text=True, timeout=600, check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CPU, (300, 300)),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"stack file reading under RLIMIT_AS {MEMORY_LIMIT_BYTES // 2**20} MiB: {measured}")
    assert max(measured["hostile"].values()) < SECONDS_PER_DOCUMENT
    assert measured["generated"] < SECONDS_PER_DOCUMENT
    assert measured["peak_rss_mib"] < MEMORY_LIMIT_BYTES // 2**20
