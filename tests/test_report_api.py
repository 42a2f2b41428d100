"""`GET /api/report` on the web app over HTTP, against a seeded ledger on SQLite and PostgreSQL: the same
JSON `scopegate report --format json` prints, only with the bearer token, and off without one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli import main
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import upgrade
from bot.settings import Settings, load_settings
from bot.web.app import create_app
from tests.test_intake import serve
from tests.test_review_report import seed

TOKEN = "report-token-for-tests"


@pytest.fixture
def ledger(sql_url: str) -> str:
    """A migrated ledger seeded with the report tests' pull requests."""
    upgrade(sql_url)
    engine = create_engine_for(sql_url)
    try:
        seed(session_factory(engine))
    finally:
        engine.dispose()
    return sql_url


def settings(ledger: str, redis_url: str, token: str | None) -> Settings:
    """The web app's settings, with `token` as the report API's."""
    return load_settings(
        _env_file=None, redis_url=redis_url, database_url=ledger, webhook_secret="s", api_token=token
    )


@pytest.fixture
def web(ledger: str, clean_redis_url: str) -> Iterator[str]:
    """The web app with the report API on."""
    with serve(create_app(settings(ledger, clean_redis_url, TOKEN))) as url:
        yield url


@pytest.fixture
def command(
    ledger: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[[list[str]], Any]:
    """`scopegate report --format json ARGV…` over the ledger, its output parsed."""

    def run(argv: list[str]) -> Any:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("SCOPEGATE_DATABASE_URL", ledger)
        assert main(["report", "--format", "json", *argv]) == 0
        return json.loads(capsys.readouterr().out)

    return run


FILTERED = ["--repo", "octo/app", "--since", "2026-01-01"]


@pytest.mark.parametrize(
    ("query", "argv"),
    [
        pytest.param({}, [], id="size-by-ai"),
        pytest.param({"group_by": "team"}, ["--group-by", "team"], id="team"),
        pytest.param({"group_by": "author-team"}, ["--group-by", "author-team"], id="author-team"),
        pytest.param({"repo": "octo/app", "since": "2026-01-01"}, FILTERED, id="filtered"),
    ],
)
def test_the_api_answers_what_the_command_prints(
    web: str, command: Callable[[list[str]], Any], query: dict[str, str], argv: list[str]
) -> None:
    """With the token, the API's JSON equals `scopegate report --format json` with the same options."""
    response = httpx.get(f"{web}/api/report", params=query, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == command(argv)
    assert response.json()["prs"] == 7


def test_the_api_groups_by_the_authors_teams(web: str) -> None:
    """`group_by=author-team` is the dashboard's view by the authors' teams: bo's two pull requests count
    in both of bo's teams, and the answer says two pull requests count more than once."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    answer = httpx.get(f"{web}/api/report", params={"group_by": "author-team"}, headers=headers).json()
    assert {g["author-team"]: g["prs"] for g in answer["groups"]} == {
        "octo/api": 2,
        "octo/web": 4,
        "(no team)": 2,
        "(unknown team)": 1,
    }
    assert (answer["prs"], answer["prs_in_several_groups"]) == (7, 2)


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN], ids=["none", "wrong", "basic", "bare"]
)
def test_without_the_token_nothing_is_shown(web: str, header: str | None) -> None:
    """A request without the right bearer token gets 401 and no figure."""
    headers = {} if header is None else {"Authorization": header}
    response = httpx.get(f"{web}/api/report", headers=headers)
    assert response.status_code == 401
    assert "prs" not in response.json()


def test_the_api_is_off_without_a_token_setting(ledger: str, clean_redis_url: str) -> None:
    """No SCOPEGATE_API_TOKEN: 404 saying how to turn it on, whatever the request carries."""
    with serve(create_app(settings(ledger, clean_redis_url, None))) as url:
        response = httpx.get(f"{url}/api/report", headers={"Authorization": "Bearer x"})
    assert response.status_code == 404
    assert response.json() == {"reason": "the report API is off: set SCOPEGATE_API_TOKEN"}


def test_an_unknown_grouping_is_refused(web: str) -> None:
    """`group_by` takes the command's groupings only (422)."""
    response = httpx.get(
        f"{web}/api/report", params={"group_by": "colour"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 422
