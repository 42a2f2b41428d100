"""The review after the gate, as the worker runs it, over real HTTP: the fake GitHub (check runs, raw
contents), the fake provider through the official SDK, budgets in a real Redis, the ledger in SQLite.
What a maintainer sees is the `scopegate / review` check run on the head, beside the gate's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.core.config import load_config
from bot.core.verdict import Conclusion, Verdict, evaluate
from bot.gather.github import fetch_pull, gather
from bot.github.gateway import PullRequestGateway
from bot.inference.providers import Wire
from bot.inference.settings import LlmSettings, load_llm_settings
from bot.ledger.engine import create_engine_for, session_factory
from bot.ledger.llm_calls import LlmCallRecord, record_llm_call
from bot.ledger.migrate import upgrade
from bot.ledger.models import LlmCall
from bot.settings import SettingsError
from rules import RULES
from tests.apprunner import worker_in_loop
from tests.fakegithub.fixtures import FakeInstallation
from tests.fakellm import RESPONSES, FakeLLM, Reply
from tests.test_app_e2e import Stack, app, debounce_seconds, ledger_url, lines, stack
from tests.test_llm_findings import HEAD
from workers.llm_review import LlmReviewer, build_reviewer, review_after_gate

NOW = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)
NAME = "scopegate / review"
USAGE = {
    "input_tokens": 900,
    "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
    "output_tokens": 120,
    "output_tokens_details": {"reasoning_tokens": 64},
    "total_tokens": 1020,
}
ON_ADDED = {"path": "app/payments.py", "line": 7, "severity": "error", "message": "amount is scaled twice"}
ON_CONTEXT = {"path": "app/payments.py", "line": 1, "severity": "warning", "message": "os is unused"}
BASE = b"import os\n\n\n"
__all__ = ["app", "debounce_seconds", "ledger_url", "stack"]  # fixtures, used by name


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a migrated SQLite ledger."""
    upgrade(sqlite_url)
    engine = create_engine_for(sqlite_url)
    yield session_factory(engine)
    engine.dispose()


async def _reviewer(
    fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session], **options: Any
) -> LlmReviewer:
    settings = LlmSettings(
        provider=Wire.OPENAI_RESPONSES, api_key="sk-test", base_url=fake_llm.openai_url, **options
    )
    reviewer = build_reviewer(settings, redis, sessions)
    assert reviewer is not None
    return reviewer


async def _run(
    installation: FakeInstallation, reviewer: LlmReviewer, *, failed_gate: bool = False
) -> tuple[Any, Verdict]:
    """Gather and evaluate PR 1 as the worker does, run the review after it, and return the head's review
    check run as the fake holds it."""
    async with installation.client() as gh:
        gateway = PullRequestGateway(gh, installation.owner, installation.repo, 1)
        facts = await fetch_pull(gateway)
        assert facts is not None
        snapshot = await gather(gateway, facts, RULES.needs)
        verdict = evaluate(snapshot, RULES, load_config(RULES, snapshot.repository.rules))
        if failed_gate:
            verdict = replace(verdict, conclusion=Conclusion.FAILURE)
        await review_after_gate(
            reviewer,
            gateway,
            installation_id=installation.installation_id,
            snapshot=snapshot,
            verdict=verdict,
            now=NOW,
        )
    await reviewer.edges.provider.close()
    repo: Any = installation.fake.repo(installation.owner, installation.repo)
    with installation.fake.lock:
        (run,) = [r for r in repo.check_runs.values() if r.name == NAME]
    return run, verdict


def _open_pull(installation: FakeInstallation, rules: bytes | None = None) -> None:
    base = {"app/payments.py": BASE, ".github/CODEOWNERS": b"/app/ @octo-org/payments\n"}
    installation.fake.add_pull(
        installation.owner,
        installation.repo,
        1,
        title="Refunds",
        base_files=base | ({".github/scopegate.yml": rules} if rules is not None else {}),
        head_files={"app/payments.py": HEAD.encode()},
    )


def _calls(sessions: sessionmaker[Session]) -> list[LlmCall]:
    with sessions() as session:
        return list(session.scalars(select(LlmCall)))


async def test_the_review_check_carries_the_models_findings_on_added_lines(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """A pull request the gate passed: the model is sent the file's text read from GitHub, its finding on
    an added line arrives as an annotation on `scopegate / review` (the one on a line the PR did not add
    is dropped and counted), the run succeeds (advisory), names the model and the cost, and the call is in
    the ledger with its cost."""
    _open_pull(fake_installation)
    fake_llm.script(Reply(findings=(ON_ADDED, ON_CONTEXT), usage=USAGE))
    run, verdict = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions))
    assert verdict.conclusion is Conclusion.SUCCESS
    (request,) = fake_llm.requests_to(RESPONSES)
    assert "+7:     return account.credit(amount * 100)" in request.body["input"]
    assert (run.status, run.conclusion) == ("completed", "success")
    assert run.title == "1 finding (gpt-5-mini, $0.000465)"
    assert [(a["path"], a["start_line"], a["annotation_level"]) for a in run.annotations] == [
        ("app/payments.py", 7, "failure")
    ]
    assert "Dropped: 1 on lines the pull request did not add." in run.summary
    (call,) = _calls(sessions)
    assert (call.status, call.charged_nano_usd, call.repo_full_name, call.pr_number) == (
        "answered",
        465_000,
        "octo-org/hello-world",
        1,
    )
    assert call.head_sha == run.head_sha
    assert call.team == "octo-org/payments"  # the owning team, as routing reads CODEOWNERS
    assert request.headers["x-scopegate-team"] == "octo-org/payments"
    assert fake_installation.fake.invalid_requests == []


async def test_an_exhausted_budget_ends_the_review_check_neutral_with_spent_limit_and_reset(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """A repository budget already spent (the ledger says so, Redis has no counter yet): no call, the
    review check neutral naming the budget, what is spent of what limit and when it resets."""
    _open_pull(fake_installation)
    with sessions.begin() as session:
        spent = LlmCallRecord(
            "earlier", NOW, "octo-org/hello-world", "review", "openai-responses", "gpt-5-mini", "answered", ""
        )
        record_llm_call(session, replace(spent, charged_nano_usd=25 * 10**9))
    run, _ = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions))
    assert fake_llm.received == []
    assert (run.status, run.conclusion) == ("completed", "neutral")
    assert run.title.startswith(
        "Skipped: the repo budget (octo-org/hello-world, 2026-12) has $25.00 of $25.00 spent"
    )
    assert "it resets 2027-01-01 00:00 UTC" in run.summary
    assert [c.status for c in _calls(sessions)] == ["answered", "skipped"]


async def test_a_failed_gate_gets_a_neutral_review_check_and_no_call(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """The gate failed: the model is never asked, nothing is fetched for it, the review check says why."""
    _open_pull(fake_installation)
    run, _ = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions), failed_gate=True)
    assert fake_llm.received == []
    assert (run.conclusion, run.title) == ("neutral", "Skipped: the deterministic gate did not pass")
    assert fake_installation.fake.count("GET", "/repos/octo-org/hello-world/contents/app/payments.py") == 0
    assert _calls(sessions) == []


async def test_a_provider_timeout_ends_the_review_check_neutral_charged_its_reservation(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """The provider takes longer than the timeout: the review check ends neutral saying so, and the ledger
    keeps the call as failed, charged the whole reservation (it may have been billed)."""
    _open_pull(fake_installation)
    fake_llm.script(Reply(stall_s=3))
    reviewer = await _reviewer(fake_llm, redis, sessions, timeout_seconds=0.3)
    run, _ = await _run(fake_installation, reviewer)
    assert run.conclusion == "neutral"
    assert run.title == "Skipped: timeout"
    (call,) = _calls(sessions)
    assert call.status == "failed"
    assert call.charged_nano_usd == call.reserved_nano_usd > 0


async def test_a_rules_file_switches_the_review_off(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """`llm: {enabled: false}` on the default branch: no review check and no call for that repository."""
    _open_pull(fake_installation, b"llm:\n  enabled: false\n")
    async with fake_installation.client() as gh:
        gateway = PullRequestGateway(gh, fake_installation.owner, fake_installation.repo, 1)
        facts = await fetch_pull(gateway)
        assert facts is not None
        snapshot = await gather(gateway, facts, RULES.needs)
        verdict = evaluate(snapshot, RULES, load_config(RULES, snapshot.repository.rules))
        reviewer = await _reviewer(fake_llm, redis, sessions)
        review = await review_after_gate(
            reviewer, gateway, installation_id=1, snapshot=snapshot, verdict=verdict
        )
        await reviewer.edges.provider.close()
    assert review is None
    repo: Any = fake_installation.fake.repo(fake_installation.owner, fake_installation.repo)
    assert [r.name for r in repo.check_runs.values()] == []
    assert fake_llm.received == []


async def test_a_rules_file_lets_the_models_errors_fail_the_review_check(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """`fail_on_error: true`: the model's error fails the review check; the gate passed and stays passed."""
    _open_pull(fake_installation, b"llm:\n  fail_on_error: true\n")
    fake_llm.script(Reply(findings=(ON_ADDED,), usage=USAGE))
    run, verdict = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions))
    assert verdict.conclusion is Conclusion.SUCCESS
    assert (run.conclusion, run.title) == ("failure", "1 finding (gpt-5-mini, $0.000465)")


async def test_a_rules_file_chooses_one_of_the_apps_models(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """`model: gpt-5-nano`, one of the App's cheaper models: the review is asked of it, and the check and
    the ledger name it."""
    _open_pull(fake_installation, b"llm:\n  model: gpt-5-nano\n")
    fake_llm.script(Reply(findings=(ON_ADDED,), usage=USAGE))
    reviewer = await _reviewer(fake_llm, redis, sessions, cheaper_models=["gpt-5-nano"])
    run, _ = await _run(fake_installation, reviewer)
    (request,) = fake_llm.requests_to(RESPONSES)
    assert request.body["model"] == "gpt-5-nano"
    assert run.title.startswith("1 finding (gpt-5-nano, $")
    (call,) = _calls(sessions)
    assert call.model == "gpt-5-nano"


async def test_a_rules_file_cannot_choose_a_model_the_app_does_not_offer(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """`model: gpt-5` under an App offering gpt-5-mini alone: no call, and the review check says why."""
    _open_pull(fake_installation, b"llm:\n  model: gpt-5\n")
    run, _ = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions))
    assert fake_llm.received == []
    assert run.conclusion == "neutral"
    assert (
        run.title
        == "Skipped: the rules file asks for gpt-5, which this App does not offer (it offers gpt-5-mini)"
    )
    assert _calls(sessions) == []


async def test_a_rules_file_cannot_raise_the_apps_budget(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """A repository asking for $100 a PR under an App that allows $0.001: the App's limit holds."""
    _open_pull(fake_installation, b"llm:\n  per_pr_usd: 100\n")
    reviewer = await _reviewer(fake_llm, redis, sessions, per_pr_usd=Decimal("0.001"))
    run, _ = await _run(fake_installation, reviewer)
    assert fake_llm.received == []
    assert run.title.startswith("Skipped: the pr budget (octo-org/hello-world#1, all) has $0 of $0.001 spent")


async def test_a_rules_file_budget_below_the_worst_case_skips_the_review(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """`per_pr_usd: 0.001` is below a gpt-5-mini call's worst case: no call, the check names the budget."""
    _open_pull(fake_installation, b"llm:\n  per_pr_usd: 0.001\n")
    run, _ = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions))
    assert fake_llm.received == []
    assert run.conclusion == "neutral"
    assert run.title.startswith("Skipped: the pr budget (octo-org/hello-world#1, all) has $0 of $0.001 spent")


async def test_a_file_github_cannot_serve_is_listed_not_fatal(
    fake_installation: FakeInstallation, fake_llm: FakeLLM, redis: Redis, sessions: sessionmaker[Session]
) -> None:
    """A changed file whose contents GitHub answers 404 for (gone since, a submodule): no call for want of
    text, and the review check says which file and why instead of failing."""
    _open_pull(fake_installation)
    repo: Any = fake_installation.fake.repo(fake_installation.owner, fake_installation.repo)
    with fake_installation.fake.lock:
        (pull,) = repo.pulls.values()
        del repo.trees[pull.head_sha]["app/payments.py"]
    run, _ = await _run(fake_installation, await _reviewer(fake_llm, redis, sessions))
    assert fake_llm.received == []
    assert run.conclusion == "neutral"
    assert run.title == (
        "Skipped: no changed file could be shown to the model (app/payments.py: its text at the head was not "
        "gathered)"
    )
    assert "app/payments.py: its text at the head was not gathered" in run.summary


def test_a_wrong_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown provider stops start-up with one line naming the variable."""
    monkeypatch.setenv("SCOPEGATE_LLM_PROVIDER", "openai-completions")
    with pytest.raises(
        SettingsError, match=r"^SCOPEGATE_LLM_PROVIDER is invalid: Input should be 'openai-responses'"
    ):
        load_llm_settings()


def test_no_provider_means_no_review(redis: Redis, sessions: sessionmaker[Session]) -> None:
    """Without a provider configured there is no reviewer: the App gates as before."""
    assert build_reviewer(LlmSettings(), redis, sessions) is None
    settings = LlmSettings(per_pr_usd=Decimal("0.25"), global_day_usd=None)
    assert (settings.limits().per_pr, settings.limits().global_day) == (250_000_000, None)
    assert json.loads(LlmSettings(cheaper_models=["gpt-4o-mini"]).model_dump_json())["cheaper_models"] == [
        "gpt-4o-mini"
    ]


CHAT_USAGE = {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280}


async def test_the_app_publishes_the_review_check_after_the_gates(stack: Stack, fake_llm: FakeLLM) -> None:
    """End to end through the App, a worker configured with a provider: a pull request delivered by
    webhook gets the gate's check, then `scopegate / review` with the model's finding on its added line
    (gpt-5-mini: 1200 x 250 + 80 x 2000 = 460,000 nano-USD); the gate's check is untouched by it."""
    settings = stack.settings
    llm = LlmSettings(provider=Wire.OPENAI_CHAT, api_key="sk-test", base_url=fake_llm.openai_url)
    finding = {"path": "src/app.py", "line": 3, "severity": "warning", "message": "line_2 is never read"}
    fake_llm.script(Reply(findings=(finding,), usage=CHAT_USAGE))
    async with worker_in_loop(settings, ctx={"settings": settings, "llm_settings": llm}):
        head = await stack.open_and_deliver(1, {"src/app.py": lines(12)})
        await stack.settled(head)
    runs = {run.name: run for run in stack.runs(head)}
    gate, review = runs["scopegate"], runs[NAME]
    assert (gate.conclusion, gate.annotations) == ("success", [])
    assert (review.status, review.conclusion) == ("completed", "success")
    assert review.title == "1 finding (gpt-5-mini, $0.00046)"
    assert [(a["path"], a["start_line"], a["message"]) for a in review.annotations] == [
        ("src/app.py", 3, "line_2 is never read")
    ]
    assert len(fake_llm.received) == 1


async def test_an_app_without_a_provider_publishes_no_review_check(app: Stack, fake_llm: FakeLLM) -> None:
    """No SCOPEGATE_LLM_PROVIDER: the App gates as before, with no review check and no model asked."""
    head = await app.open_and_deliver(1, {"src/app.py": lines(12)})
    await app.settled(head)
    assert [run.name for run in app.runs(head)] == ["scopegate"]
    assert fake_llm.received == []
