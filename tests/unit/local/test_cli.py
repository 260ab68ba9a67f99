"""`superset-stack local up` refuses bad ports before anything starts (exit 2, the option named)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click import unstyle
from typer.testing import CliRunner

from superset_stack.cli import app

runner = CliRunner()


def up(tmp_path: Path, *options: str) -> tuple[int, str]:
    result = runner.invoke(app, ["local", "up", "--state-dir", str(tmp_path / "state"), *options])
    return result.exit_code, " ".join(unstyle(result.output).split())


@pytest.mark.parametrize(
    ("option", "value"),
    [("--web-port", "70000"), ("--web-port", "0"), ("--postgres-port", "-1"), ("--redis-port", "65536"),
     ("--https-port", "99999"), ("--http-port", "0")],
)  # fmt: skip
def test_a_port_out_of_range_is_refused_with_its_option(tmp_path: Path, option: str, value: str) -> None:
    code, output = up(tmp_path, "--like-aws", option, value)
    assert code == 2
    assert (
        output
        == f"Invalid ports (1 problem(s)); nothing was started: - {option} must be 1-65535, got {value}"
    )
    assert "Traceback" not in output
    assert not (tmp_path / "state").exists()  # nothing started, nothing written


def test_two_listeners_on_one_port_are_refused(tmp_path: Path) -> None:
    code, output = up(tmp_path, "--like-aws", "--web-port", "9000", "--https-port", "9000")
    assert (code, output) == (2, "Invalid ports (1 problem(s)); nothing was started: - --web-port and "
                                 "--https-port are both 9000; each needs its own")  # fmt: skip
    assert not (tmp_path / "state").exists()


def test_the_load_balancers_ports_count_only_with_like_aws(tmp_path: Path) -> None:
    code, output = up(
        tmp_path, "--web-port", "9000", "--https-port", "9000", "--runtime", str(tmp_path / "none")
    )
    assert code == 1  # past the port check: the (missing) runtime is what stops it
    assert "the Superset runtime is not installed" in output


def test_put_secret_reads_the_value_from_standard_input_into_the_stand_in(tmp_path: Path) -> None:
    import json

    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:warehouse-AbCdEf"
    state = tmp_path / "state"
    stored = runner.invoke(
        app, ["local", "put-secret", arn, "--state-dir", str(state)], input='{"password": "p w"}\n'
    )
    assert stored.exit_code == 0, stored.output
    assert json.loads((state / "secretsmanager.json").read_text()) == {arn: '{"password": "p w"}'}
    assert "p w" not in stored.output
    empty = runner.invoke(app, ["local", "put-secret", arn, "--state-dir", str(state)], input="")
    assert (empty.exit_code, unstyle(empty.output).strip()) == (
        2,
        "nothing on standard input; pipe the secret's value in",
    )
