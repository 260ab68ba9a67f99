"""The image installs what the twin runs and carries every module the runtime imports.

No Docker engine here: the build is checked against the code instead (what the runtime imports,
what the lock pins); a real build happens where the serving tier builds the image.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from superset_stack import locks

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "src" / "superset_stack"
DOCKERFILE = (PACKAGE / "runtime" / "Dockerfile").read_text()


def runtime_imports() -> set[str]:
    """superset_stack modules imported, directly or not, by the runtime package."""
    seen: set[str] = set()
    pending = [path for path in (PACKAGE / "runtime").glob("*.py")]
    while pending:
        tree = ast.parse(pending.pop().read_text())
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("superset_stack")
            ):
                continue
            # `from superset_stack import sizing` names the module in the alias
            modules = (
                [f"{node.module}.{a.name}" for a in node.names]
                if node.module == "superset_stack"
                else [node.module]
            )
            for module in modules:
                if module not in seen:
                    seen.add(module)
                    path = ROOT / "src" / (module.replace(".", "/") + ".py")
                    if path.exists():
                        pending.append(path)
    return seen


def test_every_imported_module_is_copied_into_the_image() -> None:
    assert {"superset_stack.contract", "superset_stack.sizing"} <= runtime_imports()
    copied = set(re.findall(r"src/superset_stack/(\w+)\.py", DOCKERFILE))
    for module in runtime_imports():
        parts = module.split(".")
        if parts[1] == "runtime":
            assert "COPY src/superset_stack/runtime/ /app/pythonpath/superset_stack/runtime/" in DOCKERFILE
        else:
            assert parts[1] in copied, f"{module} is imported by the runtime but not copied into the image"


def test_the_runtime_imports_no_tooling() -> None:
    # pulumi, typer, rich and the twin live in the tools venv, not in the image
    assert all(module.split(".")[1] in ("contract", "sizing", "runtime") for module in runtime_imports())


def test_installs_exactly_the_lock_checking_every_hash() -> None:
    assert "uv pip install --no-deps --require-hashes -r /app/requirements.lock" in DOCKERFILE
    assert "COPY src/superset_stack/runtime/requirements.lock /app/requirements.lock" in DOCKERFILE


def test_every_pin_of_every_lock_carries_hashes() -> None:
    for path in locks.lock_files():
        lines = path.read_text().splitlines()
        starts = [i for i, line in enumerate(lines) if locks.PIN.match(line)]
        assert len(starts) == len(locks.pins("\n".join(lines))) > 0, path.name
        for start in starts:
            end = start
            while lines[end].endswith(" \\"):
                end += 1
            hashes = lines[start + 1 : end + 1]
            assert hashes, lines[start]
            assert all(re.fullmatch(r"    --hash=sha256:[0-9a-f]{64}( \\)?", line) for line in hashes), lines[
                start
            ]


def test_the_frontend_and_the_base_image_are_pinned_by_digest() -> None:
    assert re.match(r"# syntax=docker/dockerfile:1\.7@sha256:[0-9a-f]{64}\n", DOCKERFILE)
    assert re.search(r"^ARG SUPERSET_VERSION=6\.1\.0$", DOCKERFILE, re.M)
    assert re.search(r"^ARG SUPERSET_DIGEST=sha256:[0-9a-f]{64}$", DOCKERFILE, re.M)
    # an emptied digest leaves "apache/superset:6.1.0@", which no builder accepts
    # the worker target builds on the web target: one base image, pinned
    assert re.findall(r"^FROM (.+)$", DOCKERFILE, re.M) == [
        "apache/superset:${SUPERSET_VERSION}@${SUPERSET_DIGEST} AS web",
        "web AS worker",
    ]


def test_the_rds_ca_bundle_comes_from_the_repository_and_is_checked_before_it_is_trusted() -> None:
    assert re.search(r"^ARG RDS_CA_BUNDLE_SHA256=[0-9a-f]{64}$", DOCKERFILE, re.M)
    assert (
        "COPY --chmod=0644 src/superset_stack/runtime/rds-ca-bundle.pem /app/rds-ca.pem\n"
        'RUN /app/.venv/bin/python /tmp/rds_ca.py check --sha256 "${RDS_CA_BUNDLE_SHA256}" /app/rds-ca.pem \\\n'
    ) in DOCKERFILE
    # the build's only downloads are the worker's Debian packages from the snapshot archive, which apt
    # checks against its signed index; nothing is ADDed
    assert [line for line in DOCKERFILE.splitlines() if "https://" in line and not line.startswith("#")] == [
        "    && printf 'deb [check-valid-until=no] https://snapshot.debian.org/archive/%s/%s %s main\\n' \\"
    ]
    assert not re.search(r"^ADD ", DOCKERFILE, re.M)


def test_pinned_base_non_root_user_and_our_entrypoint() -> None:
    lock = (PACKAGE / "runtime" / "requirements.lock").read_text()
    assert locks.pins(lock)["apache-superset"] == "6.1.0"  # the base image and the lock agree
    web = DOCKERFILE.split("FROM web AS worker")[0]
    code = [line for line in web.splitlines() if line and not line.startswith("#")]
    assert code[-4] == "USER superset"
    worker = DOCKERFILE.split("FROM web AS worker")[1]
    assert worker.rstrip().splitlines()[-2:] == ["USER superset", 'CMD ["worker"]']  # non-root again
    assert 'ENTRYPOINT ["/app/.venv/bin/python", "-m", "superset_stack.runtime.entrypoint"]' in DOCKERFILE
    assert "SUPERSET_CONFIG_PATH=/app/pythonpath/superset_stack/runtime/superset_config.py" in DOCKERFILE


def _pins(path: Path) -> dict[str, str]:
    return locks.pins(path.read_text())


def test_driver_locks_only_add_packages_and_agree_with_each_other() -> None:
    from superset_stack.settings import WAREHOUSE_DRIVERS

    runtime = _pins(PACKAGE / "runtime" / "requirements.lock")
    seen: dict[str, tuple[str, str]] = {}
    for driver in WAREHOUSE_DRIVERS:
        pins = _pins(PACKAGE / "runtime" / "drivers" / f"{driver}.lock")
        assert pins, driver
        assert not set(pins) & set(runtime), f"{driver} re-pins runtime packages {set(pins) & set(runtime)}"
        for name, version in pins.items():
            other = seen.setdefault(name, (driver, version))
            assert other[1] == version, f"{name}: {other[0]} pins {other[1]}, {driver} pins {version}"


def test_the_image_installs_the_chosen_drivers() -> None:
    assert 'ARG WAREHOUSE_DRIVERS="clickhouse"' in DOCKERFILE
    assert 'uv pip install --no-deps --require-hashes -r "/app/drivers/${driver}.lock"' in DOCKERFILE
    assert "COPY src/superset_stack/runtime/drivers/ /app/drivers/" in DOCKERFILE


def test_the_health_checks_run_the_interpreter_the_entrypoint_runs() -> None:
    from superset_stack.aws.task_definition import IMAGE_PYTHON

    (entrypoint,) = re.findall(r"^ENTRYPOINT (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert json.loads(entrypoint)[0] == IMAGE_PYTHON == "/app/.venv/bin/python"


def test_the_worker_target_adds_debians_chromium_pinned_by_version_and_snapshot() -> None:
    assert re.search(r"^ARG DEBIAN_SNAPSHOT=\d{8}T\d{6}Z$", DOCKERFILE, re.M)
    version = re.search(r"^ARG CHROMIUM_VERSION=(\S+~deb12u\d+)$", DOCKERFILE, re.M)
    assert version, "Chromium pinned to a Debian 12 build"
    worker = DOCKERFILE.split("FROM web AS worker")[1]
    assert (
        '"chromium=${CHROMIUM_VERSION}" "chromium-common=${CHROMIUM_VERSION}" "chromium-driver=${CHROMIUM_VERSION}"'
        in worker
    )
    assert "--no-install-recommends" in worker and "rm -rf /var/lib/apt/lists/*" in worker
    # a base image on another Debian release stops the build instead of mixing releases
    assert '[ "${VERSION_CODENAME}" = bookworm ]' in worker
    # the runtime drives exactly these paths (runtime/reports.py)
    from superset_stack.runtime.reports import CHROMEDRIVER, CHROMIUM

    assert f"{CHROMIUM} --version" in worker and f"{CHROMEDRIVER} --version" in worker
