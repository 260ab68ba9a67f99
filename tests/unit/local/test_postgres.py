"""The twin's PostgreSQL: TLS required in like-aws mode, clients verifying it, versions checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from superset_stack.local.postgres import Postgres, binaries, hba, tls_binaries
from superset_stack.local.processes import TwinError


def server(tmp_path: Path, **changes: object) -> Postgres:
    values: dict[str, object] = {"data_dir": tmp_path / "postgres", "port": 5433, "user": "superset",
                                 "password": "p@ss/word", "log_file": tmp_path / "postgres.log",
                                 "bin_dir": Path("/usr/lib/postgresql/15/bin"), **changes}  # fmt: skip
    return Postgres(**values)  # type: ignore[arg-type]


def test_with_tls_only_tls_connections_are_accepted() -> None:
    assert hba(tls=True).splitlines()[1:] == [
        "hostssl   all all 127.0.0.1/32 scram-sha-256",
        "hostnossl all all 0.0.0.0/0    reject",
    ]
    assert hba(tls=False) == "host all all 127.0.0.1/32 scram-sha-256\n"


def test_the_server_runs_with_tls_1_2_or_later_and_the_installed_certificate(tmp_path: Path) -> None:
    settings = server(tmp_path, ca_file=tmp_path / "ca.pem")._settings()
    values = settings[1::2]
    assert set(settings[::2]) == {"-c"}
    data = tmp_path / "postgres"
    assert values[2:] == [f"hba_file={data / 'twin_hba.conf'}", "ssl=on", f"ssl_cert_file={data / 'twin_server.crt'}",
                          f"ssl_key_file={data / 'twin_server.key'}", "ssl_min_protocol_version=TLSv1.2"]  # fmt: skip
    assert "ssl=on" not in server(tmp_path)._settings()


def test_clients_verify_the_server_against_the_twins_ca(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    tls = server(tmp_path, ca_file=ca, host="localhost")
    assert (
        tls.url("postgres")
        == f"postgresql://superset:p%40ss%2Fword@localhost:5433/postgres?sslmode=verify-full&sslrootcert={ca}"
    )
    assert {key: tls._client_environment()[key] for key in ("PGSSLMODE", "PGSSLROOTCERT")} == {
        "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(ca)
    }  # fmt: skip
    assert server(tmp_path).url("postgres") == "postgresql://superset:p%40ss%2Fword@127.0.0.1:5433/postgres"


def test_pgservers_build_is_refused_for_like_aws_with_what_to_install() -> None:
    with pytest.raises(
        TwinError, match=r"is built without TLS, which --like-aws needs: `apt-get install postgresql`"
    ):
        tls_binaries(binaries())


def test_a_cluster_of_another_version_is_named(tmp_path: Path) -> None:
    subject = server(tmp_path, bin_dir=binaries())  # pgserver's PostgreSQL 16
    subject.data_dir.mkdir()
    (subject.data_dir / "PG_VERSION").write_text("15\n")
    with pytest.raises(TwinError, match=r"is version 15, the server in .* is 16 .* use another --state-dir"):
        subject.initialise()
