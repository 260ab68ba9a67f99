"""Single sign-on with OpenID Connect: a person's path in headless Chromium, through the twin, to a
real OpenID Provider (oidc-provider, tests/e2e/identity.py) and back.

- the default twin: the provider keeps scope claims out of the ID token (the specification's
  default, as Okta's): groups come from the userinfo endpoint; someone in no mapped group is refused;
- the like-aws twin, through the load balancer's stand-in with its certificate verified: groups in
  the ID token (as Cognito and Entra ID send them); someone in no mapped group gets the default role.

Each person lands with the role their group maps to, and every forged or replayed callback is
refused: one without the session that started the sign-in (state), the very callback again with
that session (the code is spent), and a code issued for another nonce (the ID token's nonce check).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from superset_stack.local.twin import Twin
from tests.e2e.conftest import ARTIFACTS, free_ports, like_aws_servers, running_twin
from tests.e2e.identity import OidcProvider, Person, oidc_provider
from tests.missing import missing

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
PEOPLE = (
    Person("alice", "alice-idp-password", ("superset-admins", "everyone")),
    Person("bob", "bob-idp-password", ("analysts", "everyone")),
    Person("carol", "carol-idp-password", ("contractors",)),
)
ALICE, BOB, CAROL = PEOPLE
MAPPING = {"superset-admins": ["Admin"], "analysts": ["Alpha", "sql_lab"]}


@dataclass
class Setup:
    twin: Twin
    provider: OidcProvider
    home: Path  # HOME of a browser whose NSS database trusts the provider's CA (and the twin's)

    @property
    def url(self) -> str:
        return self.twin.superset_url()


def trusting(home: Path, *ca_files: Path) -> Path:
    """A HOME whose NSS database (the one Chromium reads on Linux) trusts these CAs."""
    certutil = shutil.which("certutil")
    if certutil is None:
        missing("certutil is not installed (apt-get install libnss3-tools); .ci/run installs it")
    database = home / ".pki" / "nssdb"
    database.mkdir(parents=True)
    subprocess.run(
        [certutil, "-d", f"sql:{database}", "-N", "--empty-password"], check=True, capture_output=True
    )
    for index, ca_file in enumerate(ca_files):
        subprocess.run([certutil, "-d", f"sql:{database}", "-A", "-t", "C,,", "-n", f"test CA {index}", "-i",
                        str(ca_file)], check=True, capture_output=True)  # fmt: skip
    return home


@contextmanager
def oidc_twin(folder: Path, *, like_aws: bool, default_role: str) -> Iterator[Setup]:
    """The provider first (it must know the callback URL, so the twin's ports are chosen first),
    then the twin signing people in through it."""
    if not CHROMIUM.exists():
        missing("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    ports = free_ports()
    base = f"https://localhost:{ports.https}" if like_aws else f"http://127.0.0.1:{ports.web}"
    with oidc_provider(folder / "idp", redirect_uris=[f"{base}/oauth-authorized/sso"], people=PEOPLE,
                       conform_id_token_claims=not like_aws) as provider:  # fmt: skip
        sign_in = {
            "AUTH_TYPE": "oidc",
            "AUTH_ROLES_MAPPING": json.dumps(MAPPING),
            "AUTH_DEFAULT_ROLE": default_role,
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": provider.client_id,
            "OIDC_CLIENT_SECRET": provider.client_secret,
            "OIDC_SCOPES": "openid email profile groups",
        }
        logs = "like-aws-oidc-twin-logs" if like_aws else "oidc-twin-logs"
        with running_twin(like_aws=like_aws, ports=ports, logs=logs, sign_in=sign_in,
                          identity_provider_ca=provider.ca_file) as twin:  # fmt: skip
            authorities = (provider.ca_file, twin.ca_file) if like_aws else (provider.ca_file,)
            yield Setup(twin, provider, trusting(folder / "home", *authorities))
        (ARTIFACTS / logs).mkdir(parents=True, exist_ok=True)
        shutil.copy(provider.log, ARTIFACTS / logs / provider.log.name)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    with oidc_twin(tmp_path_factory.mktemp("oidc"), like_aws=False, default_role="") as setup:
        yield setup


@pytest.fixture(scope="module")
def like_aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    like_aws_servers()
    with oidc_twin(tmp_path_factory.mktemp("oidc-aws"), like_aws=True, default_role="Gamma") as setup:
        yield setup


@contextmanager
def browser(setup: Setup) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS,
                                              env={"HOME": str(setup.home), "PATH": "/usr/bin:/bin"})  # fmt: skip
        try:
            yield launched
        finally:
            launched.close()


def at_the_provider(page: Any, person: Person) -> None:
    """On the provider's login page: sign in as `person`."""
    page.wait_for_selector("#idp-username", timeout=60_000)
    page.fill("#idp-username", person.username)
    page.fill("#idp-password", person.password)
    page.click("#idp-sign-in")


def sign_in(setup: Setup, context: Any, person: Person) -> Any:
    """The real login page, its "Sign in with Sso" button, the provider's page; the page after."""
    page = context.new_page()
    page.goto(f"{setup.url}/login/")
    page.get_by_text("Sign in with Sso").click(timeout=60_000)
    at_the_provider(page, person)
    page.wait_for_load_state("networkidle", timeout=120_000)
    return page


FETCH = "async (url) => { const answer = await fetch(url); return [answer.status, await answer.text()]; }"


def roles(page: Any) -> list[str] | None:
    """The roles of whoever the page's browser is signed in as (Superset's own API, called from the
    page with its session), None when it is signed in as nobody."""
    status, body = page.evaluate(FETCH, "/api/v1/me/roles/")
    if status == 401:
        return None
    assert status == 200, body
    return sorted(json.loads(body)["result"]["roles"])


def users(setup: Setup) -> list[str]:
    return setup.twin.postgres().psql("superset", "SELECT username FROM ab_user ORDER BY username").split()


def web_log(setup: Setup) -> str:
    return (setup.twin.logs / "web.log").read_text(errors="replace")


# --- the default twin --------------------------------------------------------------------------


def test_each_person_lands_with_the_role_their_group_maps_to(local: Setup) -> None:
    with browser(local) as chromium:
        for person, expected in ((ALICE, ["Admin"]), (BOB, ["Alpha", "sql_lab"])):
            context = chromium.new_context()
            page = sign_in(local, context, person)
            page.wait_for_url("**/superset/welcome/**", timeout=120_000)
            assert roles(page) == expected
            context.close()
    # created at their first sign-in, named by the stable subject
    assert {"sub-alice", "sub-bob"} <= set(users(local))


def test_someone_in_no_mapped_group_is_refused_and_never_created(local: Setup) -> None:
    with browser(local) as chromium:
        context = chromium.new_context()
        page = sign_in(local, context, CAROL)
        page.wait_for_url("**/login/**", timeout=120_000)
        assert roles(page) is None
    assert "sub-carol" not in users(local)
    assert "sign-in refused for 'sub-carol'" in web_log(local)


def test_the_database_admin_is_disabled_and_no_password_door_is_open(local: Setup) -> None:
    assert (
        local.twin.postgres().psql("superset", "SELECT active FROM ab_user WHERE username = 'admin'") == "f"
    )
    import requests

    answer = requests.post(f"{local.url}/api/v1/security/login", timeout=30, json={
        "username": "admin", "password": local.twin.secrets()["admin_password"], "provider": "db"})  # fmt: skip
    assert answer.status_code in (400, 401), answer.text
    # no registration form either: the identity provider is the only way in
    assert requests.get(f"{local.url}/register/form", timeout=30).status_code == 404


def test_a_replayed_callback_is_refused(local: Setup) -> None:
    """The callback of a completed sign-in, replayed without the session that started it (state)
    and with it (the code is spent at the provider)."""
    with browser(local) as chromium:
        context = chromium.new_context()
        callbacks: list[str] = []
        # a callback is a redirect's target, which routes never see; requests events do
        context.on(
            "request",
            lambda request: callbacks.append(request.url) if "/oauth-authorized/" in request.url else None,
        )
        page = context.new_page()
        page.goto(f"{local.url}/login/")
        page.get_by_text("Sign in with Sso").click(timeout=60_000)
        page.wait_for_selector("#idp-username", timeout=60_000)
        started = context.cookies()  # the session holding this sign-in's state, nonce and PKCE verifier
        at_the_provider(page, BOB)
        page.wait_for_url("**/superset/welcome/**", timeout=120_000)
        assert roles(page) == ["Alpha", "sql_lab"]
        [callback] = callbacks

        stranger = chromium.new_context().new_page()
        stranger.goto(callback)
        assert roles(stranger) is None

        thief = chromium.new_context()
        thief.add_cookies(started)
        replay = thief.new_page()
        replay.goto(callback)
        assert roles(replay) is None
    log = web_log(local)
    assert "mismatching_state" in log
    assert "invalid_grant" in log


def test_an_id_token_for_another_nonce_is_refused(local: Setup) -> None:
    """Superset's own authorization request, sent with another nonce: the state and PKCE match, the
    provider signs an ID token for the other nonce, and the nonce check refuses it."""
    with browser(local) as chromium:
        context = chromium.new_context()
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.goto(f"{local.url}/login/")
        page.get_by_text("Sign in with Sso").click(timeout=60_000)
        page.wait_for_selector("#idp-username", timeout=60_000)
        [authorization] = [url for url in requests if url.startswith(f"{local.provider.issuer}/auth?")]
        parts = urlsplit(authorization)
        query = dict(parse_qsl(parts.query))
        assert query["nonce"] and query["state"] and query["code_challenge_method"] == "S256"
        page.goto(parts._replace(query=urlencode({**query, "nonce": "not-the-one-superset-chose"})).geturl())
        at_the_provider(page, BOB)
        page.wait_for_url("**/login/**", timeout=120_000)
        assert roles(page) is None
    assert "nonce" in web_log(local).split("Error authorizing OAuth access token")[-1].splitlines()[0]


# --- the like-aws twin ---------------------------------------------------------------------------


def test_through_the_load_balancer_groups_in_the_id_token_and_a_default_role(like_aws: Setup) -> None:
    with browser(like_aws) as chromium:
        for person, expected in ((ALICE, ["Admin"]), (BOB, ["Alpha", "sql_lab"]), (CAROL, ["Gamma"])):
            context = chromium.new_context()
            page = sign_in(like_aws, context, person)
            page.wait_for_url(f"{like_aws.url}/superset/welcome/**", timeout=120_000)
            assert roles(page) == expected
            context.close()
