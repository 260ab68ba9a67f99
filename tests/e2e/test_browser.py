"""A person's path: the real login page, then the chart, in headless Chromium (Debian's build).

Against the like-aws twin the browser goes through the load balancer's stand-in and verifies its
certificate for real: the twin's CA is trusted in an NSS database of the browser's own (what a
person does by importing the CA), nothing is ignored.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from superset_stack.local.twin import Twin
from tests.e2e.conftest import Chart
from tests.missing import missing

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Background services would try the closed network at every start (see the machine notes).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    return CHROMIUM


def login_then_the_chart(twin: Twin, chart: Chart, chromium: Path, screenshot: Path, **launch: object) -> str:
    """Log in on the real page, open the chart, take a screenshot; the URL the chart was shown at."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=FLAGS, **launch
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{twin.superset_url()}/login/")
            page.fill("#username", "admin")
            page.fill("#password", twin.secrets()["admin_password"])
            page.click("button:has-text('Sign in')")
            # the first page after login on a cold twin can take long on a busy 2-core CI machine
            page.wait_for_url("**/superset/welcome/**", timeout=120_000)
            page.goto(f"{twin.superset_url()}/explore/?slice_id={chart.chart_id}")
            page.get_by_text("Sales by region").first.wait_for(timeout=60_000)
            page.get_by_text("south").first.wait_for(timeout=60_000)
            page.screenshot(path=str(screenshot))
            assert page.get_by_text("north").first.is_visible()
            return page.url
        finally:
            browser.close()


def test_login_page_then_the_chart_renders(twin: Twin, chart: Chart, chromium: Path) -> None:
    login_then_the_chart(twin, chart, chromium, ARTIFACTS / "twin-chart.png")
    assert (ARTIFACTS / "twin-chart.png").stat().st_size > 10_000


def trusting_home(twin: Twin, folder: Path) -> Path:
    """A HOME whose NSS database (the one Chromium reads on Linux) trusts the twin's CA."""
    certutil = shutil.which("certutil")
    if certutil is None:
        missing("certutil is not installed (apt-get install libnss3-tools); .ci/run installs it")
    database = folder / ".pki" / "nssdb"
    database.mkdir(parents=True)
    for command in (
        ["-N", "--empty-password"],
        ["-A", "-t", "C,,", "-n", "superset-stack twin CA", "-i", str(twin.ca_file)],
    ):
        subprocess.run([certutil, "-d", f"sql:{database}", *command], check=True, capture_output=True)
    return folder


def test_through_the_load_balancer_with_the_certificate_verified(
    aws_twin: Twin, aws_chart: Chart, chromium: Path, tmp_path: Path
) -> None:
    home = trusting_home(aws_twin, tmp_path / "home")
    url = login_then_the_chart(aws_twin, aws_chart, chromium, ARTIFACTS / "like-aws-twin-chart.png",
                               env={**os.environ, "HOME": str(home)})  # fmt: skip
    assert url.startswith(f"{aws_twin.superset_url()}/explore/")
    assert (ARTIFACTS / "like-aws-twin-chart.png").stat().st_size > 10_000


def test_without_the_ca_the_browser_refuses_the_load_balancer(
    aws_twin: Twin, chromium: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=FLAGS,
                                             env={**os.environ, "HOME": str(tmp_path)})  # fmt: skip
        try:
            with pytest.raises(Error, match="net::ERR_CERT_AUTHORITY_INVALID"):
                browser.new_page().goto(f"{aws_twin.superset_url()}/login/")
        finally:
            browser.close()


def test_a_wrong_password_stays_on_the_login_page(twin: Twin, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{twin.superset_url()}/login/")
            page.fill("#username", "admin")
            page.fill("#password", "not-the-password")
            page.click("button:has-text('Sign in')")
            page.wait_for_timeout(2000)
            assert "/login" in page.url
        finally:
            browser.close()
