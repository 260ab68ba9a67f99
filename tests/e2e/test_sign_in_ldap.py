"""LDAP sign-in through the twin: Superset's real login page in headless Chromium, gunicorn, the
runtime's configuration from the twin's environment (the bind password for web only, as on ECS),
and Debian's slapd over ldaps:// with its certificate verified against the test CA."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from superset_stack.local.twin import Twin
from tests.e2e.conftest import running_twin
from tests.e2e.identity import SERVICE_DN, SUFFIX, Person, ldap_directory
from tests.e2e.test_sign_in_oidc import CHROMIUM, FLAGS, missing, roles

PEOPLE = (
    Person("alice", "alice-ldap-password", ("superset-admins",)),
    Person("bob", "bob-ldap-password", ("analysts",)),
)
ALICE, BOB = PEOPLE


@pytest.fixture(scope="module")
def ldap_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twin]:
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    with ldap_directory(tmp_path_factory.mktemp("slapd"), people=PEOPLE) as directory:
        sign_in = {
            "AUTH_TYPE": "ldap",
            "AUTH_ROLES_MAPPING": json.dumps(
                {
                    f"cn=superset-admins,ou=groups,{SUFFIX}": ["Admin"],
                    f"cn=analysts,ou=groups,{SUFFIX}": ["Alpha"],
                }
            ),
            "LDAP_SERVER_URL": directory.ldaps_url,
            "LDAP_BIND_DN": SERVICE_DN,
            "LDAP_BIND_PASSWORD": directory.service_password,
            "LDAP_USER_SEARCH_BASE": f"ou=people,{SUFFIX}",
            "LDAP_CA_FILE": str(directory.ca_file),
        }
        with running_twin(like_aws=False, logs="ldap-twin-logs", sign_in=sign_in) as twin:
            yield twin


def sign_in_on_the_page(twin: Twin, person: Person, password: str) -> list[str] | None:
    """Superset's login form, as a person fills it in; the roles they are signed in with, or None."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{twin.superset_url()}/login/")
            page.wait_for_selector("#username", timeout=120_000)  # a cold twin's first page is slow
            page.fill("#username", person.username)
            page.fill("#password", password)
            page.click("button:has-text('Sign in')")
            page.wait_for_load_state("networkidle", timeout=120_000)
            return roles(page)
        finally:
            browser.close()


def test_people_sign_in_with_their_directory_password_and_group_roles(
    ldap_twin: Twin, tmp_path: Path
) -> None:
    assert sign_in_on_the_page(ldap_twin, ALICE, ALICE.password) == ["Admin"]
    assert sign_in_on_the_page(ldap_twin, BOB, BOB.password) == ["Alpha"]
    assert sign_in_on_the_page(ldap_twin, BOB, "not-bob-password") is None
    # only web got the bind password; the bootstrap admin is disabled
    assert "LDAP_BIND_PASSWORD" not in ldap_twin.environment("worker")
    assert ldap_twin.postgres().psql("superset", "SELECT active FROM ab_user WHERE username = 'admin'") == "f"
