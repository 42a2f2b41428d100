"""`/dashboard` over HTTP against the fake GitHub's OAuth web flow and a seeded SQLite ledger: sign-in, the
figures shown equal the `/api/` answers, and a user sees only the installations GitHub lists for them
(on the page and on `/api/report`, `/api/trends`, `/api/cost` read with the session cookie)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bot.identity import IdentitySource
from bot.ledger.engine import create_engine_for, session_factory
from bot.llm.costs import GROUPINGS
from bot.settings import Settings, load_settings
from bot.web.app import create_app
from bot.web.session import SESSION_COOKIE, STATE_COOKIE
from tests.dashboard_seed import ACME, GLOBEX, INITECH, seed_ledger
from tests.fakegithub import FakeGitHub
from tests.test_intake import serve

TOKEN = "dashboard-api-token"
API_PATHS = ("/api/report", "/api/trends", "/api/cost")
_DATA = re.compile(r'<script type="application/json" id="dashboard-data">(.*?)</script>', re.S)


@dataclass(frozen=True)
class World:
    """The fake GitHub, the web app's URL and the three installations' ids."""

    fake: FakeGitHub
    web: str
    acme: int
    globex: int
    initech: int

    def api(self, path: str, installation: int, **query: str) -> Any:
        """`path`'s JSON for `installation`, read with the bearer token (every installation)."""
        headers = {"Authorization": f"Bearer {TOKEN}"}
        response = httpx.get(
            f"{self.web}{path}", params={"installation": installation, **query}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def world(tmp_path: Path, clean_redis_url: str) -> Iterator[World]:
    """An App installed on `acme`, `globex` and `initech`; alice is a member of acme, gus of globex, bob of
    both, ian of initech (which has no LLM call). The App's credentials (its OAuth client) are the setup
    page's, in the ledger."""
    with FakeGitHub.serve() as fake:
        app = fake.add_app(slug="scopegate-dash")
        acme = fake.add_installation(app, "acme", ["web"])
        globex = fake.add_installation(app, "globex", ["secret-engine"])
        initech = fake.add_installation(app, "initech", ["app"])
        members = (
            ("acme", "alice"),
            ("globex", "gus"),
            ("acme", "bob"),
            ("globex", "bob"),
            ("initech", "ian"),
        )
        for org, login in members:
            fake.add_org_member(org, login)
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        seed_ledger(url, app, {acme.id: ACME, globex.id: GLOBEX, initech.id: INITECH})
        settings = load_settings(
            _env_file=None,
            redis_url=clean_redis_url,
            database_url=url,
            github_api_url=fake.url,
            api_token=TOKEN,
        )
        with web_app(settings) as web:
            app.callback_urls.append(f"{web}/dashboard/callback")
            yield World(fake, web, acme.id, globex.id, initech.id)


@contextmanager
def web_app(settings: Settings) -> Iterator[str]:
    """The web app reading the App's stored credentials from the ledger, as `scopegate serve` does."""
    engine = create_engine_for(settings.database_url)
    try:
        with serve(create_app(settings, identity=IdentitySource(settings, session_factory(engine)))) as web:
            yield web
    finally:
        engine.dispose()


@contextmanager
def sign_in(world: World, login: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in as `login` through the whole web flow (redirects followed)."""
    world.fake.sign_in_on_web(login)
    with httpx.Client(base_url=world.web, follow_redirects=True) as client:
        yield _signed_in(client)


def _signed_in(client: httpx.Client) -> httpx.Client:
    page = client.get("/dashboard")
    assert page.status_code == 200, page.text
    assert page.url.path == "/dashboard"
    assert [r.url.path for r in page.history] == [
        "/dashboard",
        "/dashboard/login",
        "/login/oauth/authorize",
        "/dashboard/callback",
    ]
    return client


def page_data(html: str) -> Any:
    """The figures the page hands its charts."""
    found = _DATA.search(html)
    assert found is not None, "the page carries no chart data"
    return json.loads(found[1])


def test_the_page_shows_the_api_figures_of_the_users_installation(world: World) -> None:
    """alice (acme only) lands on acme's figures: the chart data are the /api/ answers for acme; the
    tables show the same numbers; the cost per pull request, repository, team, stage and model is
    `/api/cost?by=` each; nothing of globex is on the page."""
    with sign_in(world, "alice") as client:
        page = client.get("/dashboard")
        data = page_data(page.text)
        assert data["installation"] == world.acme
        assert data["report"] == world.api("/api/report", world.acme)
        assert data["trends"] == world.api("/api/trends", world.acme)
        assert data["costs"] == {by: world.api("/api/cost", world.acme, by=by) for by in GROUPINGS}
        assert data["report"]["prs"] == len(ACME.pulls) == 6
        assert [w["week"] for w in data["trends"]["sizes_by_week"]] == [
            "2026-06-01",
            "2026-06-08",
            "2026-06-15",
        ]
        assert {r["rounds"]: r["prs"] for r in data["trends"]["rounds"]} == {"0": 1, "1": 2, "2": 2, "3": 1}
        costs = data["costs"]
        assert [c["pr"] for c in costs["pr"]] == [
            "acme/web#6",
            "acme/web#4",
            "acme/api (no PR)",
            "acme/web#3",
            "acme/web#1",
        ]
        assert costs["pr"][0]["charged_nano_usd"] == 12_000_000
        keyed = {by: {c[by]: c["charged_nano_usd"] for c in costs[by]} for by in GROUPINGS if by != "pr"}
        assert keyed == {
            "repo": {"acme/web": 20_500_000, "acme/api": 3_250_000},
            "team": {"platform": 17_000_000, "(no team)": 3_500_000, "frontend": 3_250_000},
            "stage": {"review": 20_500_000, "ci": 3_250_000},
            "model": {"gpt-5-mini": 15_750_000, "gpt-5": 8_000_000},
        }
        assert [(c["repo"], c["calls"], c["failed"]) for c in costs["repo"]] == [
            ("acme/web", 5, 0),
            ("acme/api", 2, 1),
        ]
        # 1.25 + 2.5 + 4.75 + 12 milli-USD on the pull requests, 3.25 in CI
        assert 'data-field="total_usd">0.02375' in page.text
        assert '<p id="cost-summary">$<span data-field="charged_usd">0.023750000</span> over' in page.text
        for by in GROUPINGS:
            assert f'<canvas id="chart-cost-{by}"' in page.text
        assert page.text.count('<tr data-key="') == sum(len(c) for c in costs.values())
        assert 'Signed in as <strong id="viewer">alice</strong>' in page.text
        for secret in (GLOBEX.repo, GLOBEX.account, "987654321", "skunkworks", "secret-stage", "gpt-4.1"):
            assert secret not in page.text


def test_an_installation_without_llm_calls_says_it_has_no_cost_yet(world: World) -> None:
    """ian's installation was never reviewed by the LLM: the page says in words there is no cost yet,
    draws no cost chart, and /api/cost answers an empty list for every grouping."""
    with sign_in(world, "ian") as client:
        page = client.get("/dashboard")
        data = page_data(page.text)
        assert data["report"]["prs"] == 1
        assert data["costs"] == {by: [] for by in GROUPINGS}
        assert data["costs"] == {by: world.api("/api/cost", world.initech, by=by) for by in GROUPINGS}
        assert (
            '<p id="cost-summary">No LLM review call is recorded for this installation yet, so there is no '
            "cost to show.</p>"
        ) in page.text
        assert "chart-cost-" not in page.text
        assert 'data-field="total_usd">0.000000000' in page.text


def test_another_installation_is_not_found_on_the_page_or_the_apis(world: World) -> None:
    """alice asking for globex's installation gets 404 from the dashboard and from each API read with
    her session (and no figure); her own installation's reads equal the bearer token's."""
    with sign_in(world, "alice") as client:
        page = client.get("/dashboard", params={"installation": world.globex})
        assert page.status_code == 404
        assert GLOBEX.repo not in page.text
        for path in API_PATHS:
            other = client.get(path, params={"installation": world.globex})
            assert other.status_code == 404, path
            assert other.json() == {"reason": f"no installation {world.globex} among those alice belongs to"}
            own = client.get(path, params={"installation": world.acme})
            assert own.status_code == 200, path
            assert own.json() == world.api(path, world.acme)
            everything = client.get(path)
            assert everything.status_code == 400, path
            assert "?installation=" in everything.json()["reason"]


def test_a_member_of_both_switches_between_them(world: World) -> None:
    """bob belongs to both: the page links the other installation, and each shows its own figures."""
    with sign_in(world, "bob") as client:
        first = client.get("/dashboard")
        assert f'href="/dashboard?installation={world.globex}"' in first.text
        other = client.get("/dashboard", params={"installation": world.globex})
        assert other.status_code == 200
        data = page_data(other.text)
        assert data["report"] == world.api("/api/report", world.globex)
        assert data["report"]["prs"] == 2
        assert ACME.repo not in other.text


def test_a_user_of_no_installation_sees_nothing(world: World) -> None:
    """carol signs in but GitHub lists no installation of the App for her: 403, no figure."""
    world.fake.sign_in_on_web("carol")
    with httpx.Client(base_url=world.web, follow_redirects=True) as client:
        page = client.get("/dashboard")
        assert page.status_code == 403
        assert "GitHub lists no installation of scopegate-dash that carol belongs to" in page.text
        assert "dashboard-data" not in page.text
        assert client.get("/api/report", params={"installation": world.acme}).status_code == 404


def _start(client: httpx.Client, world: World) -> str:
    """Begin a sign-in: /dashboard/login's redirect to GitHub; returns GitHub's redirect back."""
    to_github = client.get("/dashboard/login")
    assert to_github.status_code == 302
    assert STATE_COOKIE in to_github.cookies
    back = client.get(to_github.headers["location"])
    assert back.status_code == 302
    return back.headers["location"]


def test_a_callback_with_another_state_is_refused(world: World) -> None:
    """A code GitHub sent back with a state this browser did not start (a forged or replayed callback),
    or to a browser with no sign-in under way, signs nobody in."""
    world.fake.sign_in_on_web("alice")
    with httpx.Client(base_url=world.web) as client:
        back = urlsplit(_start(client, world))
        code = parse_qs(back.query)["code"][0]
        forged = client.get("/dashboard/callback", params={"code": code, "state": "chosen-by-an-attacker"})
        assert forged.status_code == 400
        assert "unknown or expired" in forged.text
        assert SESSION_COOKIE not in forged.cookies
        assert client.get("/dashboard").status_code == 303  # still not signed in
    with httpx.Client(base_url=world.web) as stranger:
        replayed = stranger.get(f"{back.path}?{back.query}")
        assert replayed.status_code == 400
        assert SESSION_COOKIE not in replayed.cookies


def test_a_bad_code_is_refused_with_githubs_reason(world: World) -> None:
    """A code GitHub does not know (or one already used) is refused with a page saying so."""
    world.fake.sign_in_on_web("alice")
    with httpx.Client(base_url=world.web) as client:
        back = urlsplit(_start(client, world))
        state = parse_qs(back.query)["state"][0]
        refused = client.get("/dashboard/callback", params={"code": "0123456789abcdef0123", "state": state})
        assert refused.status_code == 403
        assert "GitHub refused the sign-in: The code passed is incorrect or expired." in refused.text
        assert SESSION_COOKIE not in refused.cookies
        first = client.get(f"{back.path}?{back.query}")
        assert first.status_code == 303
        assert SESSION_COOKIE in first.cookies
        # The same code again, under a new sign-in's state: GitHub takes a code once.
        fresh = parse_qs(urlsplit(_start(client, world)).query)["state"][0]
        reused = client.get(
            "/dashboard/callback", params={"code": parse_qs(back.query)["code"][0], "state": fresh}
        )
        assert reused.status_code == 403
        assert "The code passed is incorrect or expired." in reused.text


def _tampered(value: str, change: dict[str, Any]) -> str:
    """The cookie with its payload changed and the original signature kept."""
    body, mac = value.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) | change
    encoded = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    return f"{encoded.decode()}.{mac}"


def test_a_tampered_session_cookie_is_refused(world: World) -> None:
    """alice's cookie rewritten to list globex (its signature kept), or signed with another key, or
    expired, is no session: the dashboard sends her to sign in, the APIs answer 401."""
    with sign_in(world, "alice") as client:
        genuine = client.cookies[SESSION_COOKIE]
    body, _ = genuine.split(".")
    listed = [[world.acme, "acme"], [world.globex, "globex"]]
    forged = [
        _tampered(genuine, {"installations": listed}),
        _tampered(genuine, {"login": "gus"}),
        _tampered(genuine, {"exp": 1}),
        f"{body}.{base64.urlsafe_b64encode(b'x' * 32).rstrip(b'=').decode()}",
        "not-a-cookie",
    ]
    for value in forged:
        with httpx.Client(base_url=world.web, cookies={SESSION_COOKIE: value}) as client:
            page = client.get("/dashboard", params={"installation": world.globex})
            assert page.status_code == 303, value
            assert page.headers["location"] == "/dashboard/login"
            for path in API_PATHS:
                assert client.get(path, params={"installation": world.globex}).status_code == 401, (
                    path,
                    value,
                )
    with httpx.Client(base_url=world.web, cookies={SESSION_COOKIE: genuine}) as client:
        assert client.get("/dashboard").status_code == 200  # the untouched cookie still works


def test_without_an_oauth_client_there_is_no_dashboard(tmp_path: Path, clean_redis_url: str) -> None:
    """An App set from the environment alone (id, key, webhook secret; nothing stored) has no OAuth
    client: /dashboard answers 503 naming the two variables. With them set, sign-in works."""
    with FakeGitHub.serve() as fake:
        app = fake.add_app(slug="scopegate-env")
        acme = fake.add_installation(app, "acme", ["web"])
        fake.add_org_member("acme", "alice")
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        seed_ledger(url, None, {acme.id: ACME})
        base: dict[str, Any] = {
            "_env_file": None,
            "redis_url": clean_redis_url,
            "database_url": url,
            "github_api_url": fake.url,
            "app_id": app.id,
            "private_key": app.private_key_pem,
            "webhook_secret": app.webhook_secret,
            "bot_login": app.slug,
        }
        with web_app(load_settings(**base)) as web:
            page = httpx.get(f"{web}/dashboard")
            assert page.status_code == 503
            assert "SCOPEGATE_CLIENT_ID and SCOPEGATE_CLIENT_SECRET" in page.text
            assert httpx.get(f"{web}/dashboard/login").status_code == 503
        client_env = {"client_id": app.client_id, "client_secret": app.client_secret}
        with web_app(load_settings(**base, **client_env)) as web:
            app.callback_urls.append(f"{web}/dashboard/callback")
            fake.sign_in_on_web("alice")
            with httpx.Client(base_url=web, follow_redirects=True) as client:
                page = client.get("/dashboard")
                assert page.status_code == 200
                assert page_data(page.text)["report"]["prs"] == len(ACME.pulls)


def test_signing_out_forgets_the_session_and_the_page_loads_scripts_from_the_app_only(world: World) -> None:
    """The session cookie is HttpOnly; the page allows scripts from the App only and serves the vendored
    Chart.js itself; /dashboard/logout drops the cookie, and /dashboard then sends the browser to sign in."""
    with sign_in(world, "alice") as client:
        page = client.get("/dashboard")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert '<script src="/dashboard/static/chart.umd.min.js"></script>' in page.text
        script = client.get("/dashboard/static/chart.umd.min.js")
        assert script.status_code == 200
        assert script.text.startswith("/*!\n * Chart.js v4.6.1")
        assert client.get("/dashboard/static/VENDORED.md").status_code == 404
        held = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)
        assert held.has_nonstandard_attr("HttpOnly")
        out = client.get("/dashboard/logout")
        assert out.status_code == 200
        assert SESSION_COOKIE not in client.cookies
        again = client.get("/dashboard", follow_redirects=False)
        assert (again.status_code, again.headers["location"]) == (303, "/dashboard/login")
