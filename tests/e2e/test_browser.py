"""A person's path: the real login page, then the chart, in headless Chromium (Debian's build)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from superset_stack.local.twin import Twin
from tests.e2e.conftest import Chart

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Background services would try the closed network at every start (see the machine notes).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


def test_login_page_then_the_chart_renders(twin: Twin, chart: Chart, chromium: Path) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=FLAGS)
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
            page.screenshot(path=str(ARTIFACTS / "twin-chart.png"))
            assert page.get_by_text("north").first.is_visible()
        finally:
            browser.close()
    assert (ARTIFACTS / "twin-chart.png").stat().st_size > 10_000


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
