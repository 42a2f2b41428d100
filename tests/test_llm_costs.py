"""`scopegate cost`: the ledger's LLM calls summed per PR, repository, team, stage and model, every call
as a FOCUS row, and `scopegate cost record` for a call made outside the App, priced like the App's."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from bot.cli import main
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.migrate import upgrade
from bot.ledger.models import LlmCall
from bot.llm.budgets import Attribution, BudgetLimits, budget_scopes
from bot.llm.costs import FOCUS_COLUMNS, CostGroup, CostRow, focus_csv, group_costs, render_text

AT = datetime(2026, 12, 3, 17, 45, tzinfo=UTC)


def _row(call_id: str, charged: int, **fields: object) -> CostRow:
    values: dict[str, object] = {
        "call_id": call_id,
        "recorded_at": AT,
        "repo": "octo-org/hello-world",
        "pr": 17,
        "team": "payments",
        "stage": "review",
        "provider": "openai-responses",
        "model": "gpt-5-mini",
        "status": "answered",
        "input_tokens": 900,
        "output_tokens": 120,
        "charged_nano_usd": charged,
        "tags": {"repo": "octo-org/hello-world", "pr": "17"},
    }
    return CostRow(**(values | fields))  # type: ignore[arg-type]


ROWS = (
    _row("a", 465_000),
    _row("b", 1_000_000, status="failed", model="claude-haiku-4-5", provider="anthropic-messages"),
    _row("c", 0, status="skipped", pr=18, team=None),
    _row("d", 42_000, repo="octo-org/api", pr=3, stage="ci", model="gpt-4o-mini", provider="openai-chat"),
)


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (
            "pr",
            [
                ("octo-org/hello-world#17", 2, 1_465_000),
                ("octo-org/api#3", 1, 42_000),
                ("octo-org/hello-world#18", 1, 0),
            ],
        ),
        ("repo", [("octo-org/hello-world", 3, 1_465_000), ("octo-org/api", 1, 42_000)]),
        ("team", [("payments", 3, 1_507_000), ("(no team)", 1, 0)]),
        ("stage", [("review", 3, 1_465_000), ("ci", 1, 42_000)]),
        (
            "model",
            [("claude-haiku-4-5", 1, 1_000_000), ("gpt-5-mini", 2, 465_000), ("gpt-4o-mini", 1, 42_000)],
        ),
    ],
)
def test_calls_are_summed_per_key_dearest_first(by: str, expected: list[tuple[str, int, int]]) -> None:
    """Each grouping sums the calls and their charges per key, the dearest first."""
    assert [(g.key, g.calls, g.charged_nano_usd) for g in group_costs(ROWS, by)] == expected


def test_the_text_table_counts_how_calls_ended_and_totals_them() -> None:
    """One line per key with calls answered, failed and skipped, tokens and exact dollars, then a total."""
    text = render_text(group_costs(ROWS, "stage"), "stage")
    lines = text.splitlines()
    assert lines[0].split() == [
        "stage",
        "calls",
        "answered",
        "failed",
        "skipped",
        "input",
        "tokens",
        "output",
        "tokens",
        "cost",
        "(USD)",
    ]
    assert lines[1].split() == ["review", "3", "1", "1", "1", "2,700", "360", "0.001465000"]
    assert lines[-1].split() == ["total", "4", "2", "1", "1", "3,600", "480", "0.001507000"]
    assert group_costs([], "pr") == []
    assert CostGroup("x", 0, 0, 0, 0, 0, 0, 0).key == "x"


def test_every_call_is_a_focus_usage_row_with_its_tags() -> None:
    """FOCUS columns: a `Usage` charge in `AI and Machine Learning`, exact dollars, tokens as the quantity,
    the billing month and the charge's day, the provider named, the attribution in `x_` columns and `Tags`;
    a skipped review cost nothing and has no row."""
    rows = list(csv.DictReader(io.StringIO(focus_csv(ROWS))))
    assert len(rows) == 3
    first = rows[0]
    assert tuple(first) == FOCUS_COLUMNS
    assert first["ChargeCategory"] == "Usage"
    assert first["ServiceCategory"] == "AI and Machine Learning"
    assert first["BilledCost"] == first["EffectiveCost"] == "0.000465000"
    assert (first["BillingCurrency"], first["ConsumedQuantity"], first["ConsumedUnit"]) == (
        "USD",
        "1020",
        "Tokens",
    )
    assert (first["BillingPeriodStart"], first["BillingPeriodEnd"]) == (
        "2026-12-01T00:00:00Z",
        "2027-01-01T00:00:00Z",
    )
    assert (first["ChargePeriodStart"], first["ChargePeriodEnd"]) == (
        "2026-12-03T00:00:00Z",
        "2026-12-04T00:00:00Z",
    )
    assert (first["ProviderName"], first["ServiceName"], first["SkuId"]) == (
        "OpenAI",
        "OpenAI Responses API",
        "gpt-5-mini",
    )
    assert (first["x_repository"], first["x_pull_request"], first["x_team"], first["x_stage"]) == (
        "octo-org/hello-world",
        "17",
        "payments",
        "review",
    )
    assert json.loads(first["Tags"]) == {"pr": "17", "repo": "octo-org/hello-world"}
    assert rows[1]["ProviderName"] == "Anthropic"


@pytest.fixture
def ledger(sqlite_url: str, clean_redis_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite ledger the CLI is pointed at, and the test Redis as the App's."""
    upgrade(sqlite_url)
    monkeypatch.chdir(sqlite_url.removeprefix("sqlite:///").rsplit("/", 1)[0])  # no .env of this checkout
    monkeypatch.setenv("SCOPEGATE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SCOPEGATE_REDIS_URL", clean_redis_url)
    return sqlite_url


def _calls(url: str) -> list[LlmCall]:
    engine = create_engine_for(url)
    try:
        with session_factory(engine)() as session:
            return list(session.scalars(select(LlmCall).order_by(LlmCall.id)))
    finally:
        engine.dispose()


def test_a_ci_call_is_recorded_once_priced_like_the_apps(
    ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cost record` reads a response's usage, prices it with the pinned table (Chat: 2006 prompt tokens of
    which 1920 cached, 300 completion of which 192 reasoning, o4-mini: 1,942,600 nano-USD) and writes it
    with the tags; the same call id again writes nothing."""
    usage = tmp_path / "usage.json"
    usage.write_text(
        json.dumps(
            {
                "prompt_tokens": 2006,
                "completion_tokens": 300,
                "total_tokens": 2306,
                "prompt_tokens_details": {"cached_tokens": 1920},
                "completion_tokens_details": {"reasoning_tokens": 192},
            }
        )
    )
    argv = ["cost", "record", "--provider", "openai-chat", "--model", "o4-mini", "--repo", "octo-org/api"]
    argv += [
        "--pr",
        "3",
        "--team",
        "platform",
        "--call-id",
        "ci-run-88",
        "--tag",
        "job=lint",
        "--usage",
        str(usage),
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == "recorded ci-run-88: o4-mini, 0.001942600 USD\n"
    assert main(argv) == 0
    assert capsys.readouterr().out == "already recorded: ci-run-88\n"
    (call,) = _calls(ledger)
    assert (call.stage, call.pr_number, call.team, call.charged_nano_usd) == ("ci", 3, "platform", 1_942_600)
    assert (call.cache_read_tokens, call.reasoning_tokens, call.cache_read_nano_usd) == (1920, 192, 528_000)
    assert call.tags == {"job": "lint", "repo": "octo-org/api", "stage": "ci", "pr": "3", "team": "platform"}


def test_an_unpriced_call_is_refused_unless_rates_are_given(
    ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A model the table does not know is not recorded at $0: exit 2 and why; with its rates given on the
    command line it is recorded at them."""
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps({"prompt_tokens": 812, "completion_tokens": 64, "total_tokens": 876}))
    argv = [
        "cost",
        "record",
        "--provider",
        "openai-chat",
        "--model",
        "house-7b",
        "--repo",
        "o/r",
        "--usage",
        str(usage),
    ]
    assert main(argv) == 2
    assert "not recorded: house-7b has no price" in capsys.readouterr().err
    assert _calls(ledger) == []
    assert main([*argv, "--input-rate", "0.10", "--output-rate", "0.30"]) == 0
    (call,) = _calls(ledger)
    assert call.charged_nano_usd == 812 * 100 + 64 * 300


def test_cost_reports_what_was_recorded(
    ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After two recorded calls, `cost --by team --format json` sums them and `--format focus` lists them."""
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps({"input_tokens": 310, "output_tokens": 402, "cache_read_input_tokens": 4096}))
    for team in ("payments", "platform"):
        argv = ["cost", "record", "--provider", "anthropic-messages", "--model", "claude-sonnet-4-5"]
        assert main([*argv, "--repo", "o/r", "--team", team, "--usage", str(usage)]) == 0
    capsys.readouterr()
    assert main(["cost", "--by", "team", "--format", "json"]) == 0
    teams = json.loads(capsys.readouterr().out)
    # claude-sonnet-4-5: 310 x 3000 + 4096 x 300 + 402 x 15,000 = 8,188,800 nano-USD a call
    assert [(t["team"], t["calls"], t["charged_nano_usd"]) for t in teams] == [
        ("payments", 1, 8_188_800),
        ("platform", 1, 8_188_800),
    ]
    assert main(["cost", "--format", "focus", "--repo", "o/r"]) == 0
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 2


def test_a_recorded_call_counts_against_the_apps_budgets(
    ledger: str, clean_redis_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The App's repository counter for this month, where Redis has one, grows by what the outside call
    cost, once, so the next review's reservation sees it; a counter Redis lacks is left to its seed (the
    ledger, which holds the call)."""
    (repo,) = budget_scopes(
        Attribution(1, "octo-org/api", 3, "ci"), BudgetLimits(repo_month=1), datetime.now(UTC)
    )
    client = redis.Redis.from_url(clean_redis_url)
    client.set(repo.key, 1_000)
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps({"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100}))
    argv = ["cost", "record", "--provider", "openai-chat", "--model", "gpt-4o-mini", "--repo", "octo-org/api"]
    argv += ["--pr", "3", "--call-id", "ci-9", "--usage", str(usage)]
    for _ in range(2):
        assert main(argv) == 0
    # gpt-4o-mini: 1000 x 150 + 100 x 600 = 210,000 nano-USD
    assert int(client.get(repo.key) or 0) == 1_000 + 210_000
    assert client.keys("scopegate:llm:budget:pr:*") == []
    client.close()


def test_a_recorded_call_says_when_the_budgets_could_not_be_counted(
    ledger: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Redis unreachable: the call is recorded all the same, and the output says the counters lag."""
    monkeypatch.setenv("SCOPEGATE_REDIS_URL", "redis://127.0.0.1:1/0")
    usage = tmp_path / "usage.json"
    usage.write_text(json.dumps({"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}))
    argv = ["cost", "record", "--provider", "openai-chat", "--model", "gpt-4o-mini", "--repo", "o/r"]
    assert main([*argv, "--usage", str(usage)]) == 0
    assert (
        "Redis not reached, the budget counters catch up when seeded from the ledger"
        in capsys.readouterr().out
    )
    assert len(_calls(ledger)) == 1
