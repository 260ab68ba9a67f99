"""Hashed locks: which files of a pinned version count, and how a lock is rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from superset_stack import locks


@pytest.mark.parametrize(
    ("filename", "expected"),
    [("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", True),
     ("numpy-1.26.4-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64.whl", True),
     ("numpy-1.26.4-cp312-cp312-macosx_11_0_arm64.whl", True),
     ("numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", False),
     ("numpy-1.26.4-cp311-cp311-win_amd64.whl", False),
     ("numpy-1.26.4-cp311-cp311-musllinux_1_1_x86_64.whl", False),
     ("numpy-1.26.4.tar.gz", True),
     ("numpy-1.26.3.tar.gz", False),
     ("numpy-1.26.3-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", False),
     ("cryptography-1.26.4-cp37-abi3-manylinux_2_28_aarch64.whl", True),
     ("cryptography-1.26.4-cp313-abi3-manylinux_2_28_aarch64.whl", False),
     ("six-1.26.4-py2.py3-none-any.whl", True),
     ("odd-file-name.egg", False)],
)  # fmt: skip
def test_installable_files_are_those_of_the_version_for_the_image_and_the_twin(
    filename: str, expected: bool
) -> None:
    assert locks.installable(filename, "1.26.4") is expected


INDEX: dict[str, list[dict[str, object]]] = {
    "six": [
        {"filename": "six-1.17.0-py2.py3-none-any.whl", "hashes": {"sha256": "b" * 64}},
        {"filename": "six-1.17.0.tar.gz", "hashes": {"sha256": "a" * 64}},
        {"filename": "six-1.16.0.tar.gz", "hashes": {"sha256": "c" * 64}},
    ],
    "pyyaml": [{"filename": "PyYAML-6.0.4.tar.gz", "hashes": {"sha256": "d" * 64}}],
}


def index(name: str) -> list[dict[str, object]]:
    return INDEX[locks.canonicalize_name(name)]


def test_each_pin_gets_the_hashes_of_its_files_and_comments_stay() -> None:
    lock = "# header\nsix==1.17.0\n# why this pin\nPyYAML==6.0.4 \\\n    --hash=sha256:" + "0" * 64 + "\n"
    assert locks.hash_lock(lock, index) == (
        "# header\n"
        "six==1.17.0 \\\n"
        f"    --hash=sha256:{'a' * 64} \\\n"
        f"    --hash=sha256:{'b' * 64}\n"
        "# why this pin\n"
        "PyYAML==6.0.4 \\\n"
        f"    --hash=sha256:{'d' * 64}\n"
    )
    assert locks.pins(locks.hash_lock(lock, index)) == {"six": "1.17.0", "pyyaml": "6.0.4"}


def test_a_pin_without_an_installable_file_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^six==9\.9: no installable file on the index$"):
        locks.hash_lock("six==9.9\n", index)


def test_main_rewrites_the_given_locks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = tmp_path / "a.lock"
    lock.write_text("six==1.17.0\n")
    locks.main([lock], index)
    assert lock.read_text().splitlines()[0] == "six==1.17.0 \\"
    assert capsys.readouterr().out == f"hashed {lock}\n"


def test_the_locks_are_the_runtime_lock_every_driver_lock_and_every_extra() -> None:
    paths = locks.lock_files()
    assert paths[0].name == "requirements.lock"
    assert [f"{path.parent.name}/{path.name}" for path in paths[1:]] == [
        "drivers/athena.lock", "drivers/bigquery.lock", "drivers/clickhouse.lock", "drivers/mysql.lock",
        "drivers/redshift.lock", "drivers/snowflake.lock", "extras/ldap.lock",
    ]  # fmt: skip


def test_python_ldap_is_an_extra_so_the_default_runtime_needs_no_compiler() -> None:
    # published as source only: in requirements.lock, `make run` would need OpenLDAP's headers
    runtime = (locks.RUNTIME / "requirements.lock").read_text()
    assert "python-ldap" not in locks.pins(runtime)
    assert locks.pins((locks.RUNTIME / "extras" / "ldap.lock").read_text()) == {"python-ldap": "3.4.8"}
