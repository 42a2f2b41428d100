"""`/api/cost` on the web app over HTTP: a pipeline records a call made outside the App with the App's
tags, priced like the App's own and once per call id; the ledger answers per key as `scopegate cost`
prints it, and as FOCUS rows; off without a token, refused without the right one."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis

from bot.cli import main
from bot.ledger.migrate import upgrade
from bot.llm.budgets import Attribution, BudgetLimits, budget_scopes
from bot.web.app import create_app
from tests.test_intake import serve
from tests.test_report_api import settings

TOKEN = "cost-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# o4-mini over Chat Completions in the prompt-caching guide's shape: 1,942,600 nano-USD
# (tests/test_llm_providers.py works it out per bucket).
CALL = {
    "provider": "openai-chat",
    "model": "o4-mini",
    "repo": "octo-org/api",
    "pr": 3,
    "team": "platform",
    "call_id": "ci-run-88",
    "tags": {"job": "lint"},
    "usage": {
        "prompt_tokens": 2006,
        "completion_tokens": 300,
        "total_tokens": 2306,
        "prompt_tokens_details": {"cached_tokens": 1920},
        "completion_tokens_details": {"reasoning_tokens": 192},
    },
}


@pytest.fixture
def ledger(sqlite_url: str) -> str:
    """A migrated, empty SQLite ledger."""
    upgrade(sqlite_url)
    return sqlite_url


@pytest.fixture
def web(ledger: str, clean_redis_url: str) -> Iterator[str]:
    """The web app with the APIs on."""
    with serve(create_app(settings(ledger, clean_redis_url, TOKEN))) as url:
        yield url


def test_a_pipeline_records_a_call_once_and_the_ledger_answers(web: str) -> None:
    """POST prices the usage and records it (201, what it was charged); the same call id again adds no
    row and counts nothing again (200); GET sums it per team and lists it as a FOCUS row with its tags."""
    charged = {"call_id": "ci-run-88", "charged_nano_usd": 1_942_600, "charged_usd": "0.001942600"}
    answer = httpx.post(f"{web}/api/cost", json=CALL, headers=AUTH)
    assert (answer.status_code, answer.json()) == (201, charged | {"budgets_counted": True})
    again = httpx.post(f"{web}/api/cost", json=CALL, headers=AUTH)
    assert (again.status_code, again.json()) == (200, charged | {"recorded": "before"})
    teams = httpx.get(f"{web}/api/cost", params={"by": "team"}, headers=AUTH).json()
    assert [(t["team"], t["calls"], t["charged_nano_usd"]) for t in teams] == [("platform", 1, 1_942_600)]
    focus = httpx.get(f"{web}/api/cost", params={"format": "focus"}, headers=AUTH)
    assert focus.headers["content-type"].startswith("text/csv")
    (row,) = csv.DictReader(io.StringIO(focus.text))
    assert (row["ChargeCategory"], row["ServiceCategory"], row["BilledCost"]) == (
        "Usage",
        "AI and Machine Learning",
        "0.001942600",
    )
    assert json.loads(row["Tags"])["job"] == "lint"


def test_the_api_answers_what_the_command_prints(
    web: str, ledger: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`GET /api/cost?by=repo` is `scopegate cost --by repo --format json` over the same ledger."""
    assert httpx.post(f"{web}/api/cost", json=CALL, headers=AUTH).status_code == 201
    other = CALL | {"repo": "octo-org/web", "call_id": "ci-run-89", "model": "gpt-4o-mini"}
    assert httpx.post(f"{web}/api/cost", json=other, headers=AUTH).status_code == 201
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCOPEGATE_DATABASE_URL", ledger)
    assert main(["cost", "--by", "repo", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert httpx.get(f"{web}/api/cost", params={"by": "repo"}, headers=AUTH).json() == printed
    assert [g["repo"] for g in printed] == ["octo-org/api", "octo-org/web"]


def test_an_unpriced_call_is_refused_and_nothing_is_written(web: str) -> None:
    """A model the table does not know: 422 with why, no row; with its rates given, it is recorded."""
    unpriced = CALL | {"model": "house-7b", "call_id": "x"}
    refused = httpx.post(f"{web}/api/cost", json=unpriced, headers=AUTH)
    assert refused.status_code == 422
    assert refused.json()["reason"].startswith("not recorded: house-7b has no price")
    assert httpx.get(f"{web}/api/cost", headers=AUTH).json() == []
    priced = httpx.post(
        f"{web}/api/cost", json=unpriced | {"input_rate": "0.10", "output_rate": "0.30"}, headers=AUTH
    )
    assert priced.status_code == 201
    assert priced.json()["charged_nano_usd"] == 2006 * 100 + 300 * 300


def test_the_api_wants_its_token(web: str, ledger: str, clean_redis_url: str) -> None:
    """Without the bearer token the answer is 401 and nothing is recorded; with no token set, 404."""
    assert httpx.post(f"{web}/api/cost", json=CALL).status_code == 401
    assert httpx.get(f"{web}/api/cost", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert httpx.get(f"{web}/api/cost", headers=AUTH).json() == []
    with serve(create_app(settings(ledger, clean_redis_url, None))) as url:
        assert httpx.get(f"{url}/api/cost", headers=AUTH).status_code == 404


def test_a_recorded_call_counts_against_the_apps_budgets(web: str, clean_redis_url: str) -> None:
    """The repository's counter for this month, where Redis has one, grows by the call's cost, once."""
    who = Attribution(1, "octo-org/api", 3, "ci", "platform")
    (repo,) = budget_scopes(who, BudgetLimits(repo_month=1), datetime.now(UTC))
    client = redis.Redis.from_url(clean_redis_url)
    try:
        client.set(repo.key, 5)
        for _ in range(2):
            httpx.post(f"{web}/api/cost", json=CALL, headers=AUTH)
        assert int(client.get(repo.key) or 0) == 5 + 1_942_600
    finally:
        client.close()
