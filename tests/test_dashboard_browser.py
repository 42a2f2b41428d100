"""The dashboard in a real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
selenium) against a real `scopegate serve` process, a seeded SQLite ledger and the fake GitHub over HTTP:
sign in through the fake's OAuth web flow, and the figures the charts plot and the tables show are the
`/api/` answers for the user's installation (the LLM review cost per pull request, repository, team, stage
and model among them); another installation's are nowhere."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from bot.core.review_report import SIZES
from bot.llm.costs import GROUPINGS
from bot.web.session import SESSION_COOKIE
from tests.dashboard_seed import ACME, GLOBEX, seed_ledger
from tests.fakegithub import FakeGitHub
from tests.test_serve import serve

CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMEDRIVER is None or CHROMIUM is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)
TOKEN = "dashboard-browser-token"
WAIT_SECONDS = 20


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium through chromedriver, no download of any browser or driver."""
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def api(web: str, path: str, installation: int, **query: str) -> Any:
    """`path`'s JSON for `installation`, with the bearer token."""
    params = {"installation": installation, **query}
    response = httpx.get(f"{web}{path}", params=params, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()


def chart(driver: Any, name: str) -> Any:
    """What Chart.js plots on the page's canvas `chart-NAME`: its labels and each dataset's label and data."""
    return driver.execute_script(
        "const c = Chart.getChart(arguments[0]);"
        "return {labels: c.data.labels, sets: c.data.datasets.map(d => ({label: d.label, data: d.data}))};",
        f"chart-{name}",
    )


def rows(driver: Any, table: str) -> list[dict[str, str]]:
    """The cells of a table of the page, by their `data-field`."""
    found = []
    for row in driver.find_elements(By.CSS_SELECTOR, f"#table-{table} tbody tr"):
        cells = row.find_elements(By.CSS_SELECTOR, "td[data-field]")
        found.append({cell.get_attribute("data-field"): cell.text for cell in cells})
    return found


def assert_plotted(driver: Any, report: Any, trends: Any) -> None:
    """The three charts of pull requests plot, and their tables show, the installation's /api/ figures."""
    weeks = trends["sizes_by_week"]
    sizes = chart(driver, "sizes")
    assert sizes["labels"] == [w["week"] for w in weeks] == ["2026-06-01", "2026-06-08", "2026-06-15"]
    assert {s["label"]: s["data"] for s in sizes["sets"]} == {
        size: [w["sizes"][size] for w in weeks] for size in SIZES
    }

    rework = chart(driver, "rework")
    plotted = {
        (size, s["label"]): value
        for s in rework["sets"]
        for size, value in zip(rework["labels"], s["data"], strict=True)
        if value is not None
    }
    assert plotted == {(g["size"], g["ai share"]): g["rework_lines_mean"] for g in report["groups"]}
    shown = rows(driver, "rework")
    assert [r["prs"] for r in shown] == [str(g["prs"]) for g in report["groups"]]

    rounds = chart(driver, "rounds")
    assert rounds["labels"] == [r["rounds"] for r in trends["rounds"]]
    assert rounds["sets"][0]["data"] == [r["prs"] for r in trends["rounds"]]


COST_FIELDS = ("charged_usd", "calls", "answered", "failed", "skipped", "input_tokens", "output_tokens")


def assert_costs_plotted(driver: Any, costs: dict[str, Any]) -> None:
    """For each grouping, the cost chart plots each key's dollars and its table shows each key's figures,
    all of `/api/cost?by=` that grouping (nano-USD / 10⁹ on the chart, the API's dollar string in the table);
    the summary above them totals the calls and dollars."""
    for by, answer in costs.items():
        plotted = chart(driver, f"cost-{by}")
        assert plotted["labels"] == [c[by] for c in answer], by
        assert [s["data"] for s in plotted["sets"]] == [[c["charged_nano_usd"] / 1e9 for c in answer]], by
        assert rows(driver, f"cost-{by}") == [{f: str(c[f]) for f in (by, *COST_FIELDS)} for c in answer], by
    summary = {
        cell.get_attribute("data-field"): cell.text
        for cell in driver.find_elements(By.CSS_SELECTOR, "#cost-summary [data-field]")
    }
    every = costs["pr"]
    assert summary == {
        "charged_usd": f"{Decimal(sum(c['charged_nano_usd'] for c in every)).scaleb(-9):.9f}",
        **{f: str(sum(c[f] for c in every)) for f in ("calls", "answered", "failed", "skipped")},
    }


def test_the_browser_shows_the_api_figures_of_the_users_installation_only(
    tmp_path: Path, browser: Any
) -> None:
    """alice (member of acme, not of globex) signs in with GitHub, and the dashboard plots acme's
    /api/ figures: sizes by week, rework by size x AI share, rounds, and the LLM review cost per PR,
    repository, team, stage and model; none of globex's costs is on the page."""
    with FakeGitHub.serve() as fake:
        app = fake.add_app(slug="scopegate-browser")
        acme = fake.add_installation(app, "acme", ["web"])
        globex = fake.add_installation(app, "globex", ["secret-engine"])
        fake.add_org_member("acme", "alice")
        ledger = f"sqlite:///{tmp_path / 'ledger.db'}"
        seed_ledger(ledger, app, {acme.id: ACME, globex.id: GLOBEX})
        settings = {
            "SCOPEGATE_DATABASE_URL": ledger,
            "SCOPEGATE_GITHUB_API_URL": fake.url,
            "SCOPEGATE_API_TOKEN": TOKEN,
        }
        with serve(tmp_path, "serve", **settings) as running:
            web = running.url
            app.callback_urls.append(f"{web}/dashboard/callback")
            fake.sign_in_on_web("alice")
            browser.get(f"{web}/dashboard")
            WebDriverWait(browser, WAIT_SECONDS).until(
                expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "body[data-charts=drawn]"))
            )
            assert browser.current_url == f"{web}/dashboard"
            assert browser.find_element(By.ID, "viewer").text == "alice"
            report = api(web, "/api/report", acme.id)
            trends = api(web, "/api/trends", acme.id)
            costs = {by: api(web, "/api/cost", acme.id, by=by) for by in GROUPINGS}
            assert report["prs"] == len(ACME.pulls)
            assert {by: len(answer) for by, answer in costs.items()} == {
                "pr": 5,
                "repo": 2,
                "team": 3,
                "stage": 2,
                "model": 2,
            }
            assert costs["pr"][0]["pr"] == "acme/web#6"

            assert_plotted(browser, report, trends)
            assert_costs_plotted(browser, costs)

            # globex's own keys (its repository, team, stage and model) and amounts are on no chart or
            # table: read from the API with the token, which sees every installation.
            page = browser.page_source
            for by in GROUPINGS:
                theirs = api(web, "/api/cost", globex.id, by=by)
                assert theirs, by
                mine = {c[by] for c in costs[by]}
                for row in theirs:
                    if row[by] not in mine:
                        assert row[by] not in page, (by, row[by])
                        assert row[by] not in chart(browser, f"cost-{by}")["labels"]
                    assert row["charged_usd"] not in page, (by, row)

            # The same figures through the API with the browser's own session, and none of globex's.
            cookie = browser.get_cookie(SESSION_COOKIE)["value"]
            mine = httpx.get(
                f"{web}/api/report", params={"installation": acme.id}, cookies={SESSION_COOKIE: cookie}
            )
            assert mine.json() == report
            theirs = httpx.get(
                f"{web}/api/cost", params={"installation": globex.id}, cookies={SESSION_COOKIE: cookie}
            )
            assert theirs.status_code == 404
            for secret in (GLOBEX.repo, "globex", "987654321"):
                assert secret not in browser.page_source
            browser.get(f"{web}/dashboard?installation={globex.id}")
            assert browser.find_element(By.TAG_NAME, "h1").text == "Not found"
            assert not browser.find_elements(By.ID, "dashboard-data")
            assert GLOBEX.repo not in browser.page_source
