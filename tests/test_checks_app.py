"""The tree-sitter checks through the App: findings become annotations on the check run (at most 50 per
request, as GitHub allows), the summary counts them by rule, and only error-severity findings fail the
check. End to end over the fake GitHub, and the publisher alone against it for re-runs of one head."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from githubkit.exception import RequestFailed

from bot.core.config import load_config
from bot.core.verdict import evaluate
from bot.gather.github import fetch_pull, gather
from bot.github.gateway import PullRequestGateway
from bot.github.publish import (
    ANNOTATIONS_PER_REQUEST,
    MAX_ANNOTATIONS,
    head_verdict,
    publish_check_run,
    verdict_outcome,
)
from rules import RULES
from tests.fakegithub.fixtures import FakeInstallation
from tests.test_app_e2e import Stack, app, debounce_seconds, ledger_url, stack

__all__ = ["app", "debounce_seconds", "ledger_url", "stack"]  # fixtures, used by name

PRINTS = "".join(f"print(value_{i})\n" for i in range(120)).encode()
ANNOTATION = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "warning", "message": "m"}
FOCUSED = b'it.only("adds", () => {\n  expect(add(1, 2)).toBe(3);\n});\n'


async def test_a_hundred_and_twenty_findings_arrive_as_annotations_fifty_per_request(app: Stack) -> None:
    """120 `print()` calls added to a library module: all 120 debug-output warnings end up as warning
    annotations on the run (50 with the completion, the rest in two further updates, no request above
    GitHub's 50), the summary counts them by rule, and warnings alone do not fail the check."""
    head = await app.open_and_deliver(1, {"src/lib.py": PRINTS})

    run = await app.settled(head)

    assert run.conclusion == "success"
    assert len(run.annotations) == 120
    assert {(a["path"], a["title"], a["annotation_level"]) for a in run.annotations} == {
        ("src/lib.py", "debug-output", "warning")
    }
    assert sorted(a["start_line"] for a in run.annotations) == list(range(1, 121))
    # Created completed with 50, then two updates (50, 20); the fake answers 422 above 50 a request and
    # the `stack` fixture fails the test on any request GitHub would have refused.
    run_path = f"/repos/{app.owner}/{app.repo}/check-runs/{run.id}"
    assert app.fake.count("POST", f"/repos/{app.owner}/{app.repo}/check-runs") == 1
    assert app.fake.count("PATCH", run_path) == 2
    assert "| `debug-output` | ⚠️ warning | 120 |" in (run.summary or "")


async def test_a_flood_of_findings_is_annotated_up_to_the_cap_errors_first(app: Stack) -> None:
    """600 `print()` warnings and one focused test (an error): the run carries 500 annotations in 10
    requests (30,000 would take 600 and outlast the job), the error among them, the run's text says how
    many of how many, and the summary still counts every finding."""
    prints = "".join(f"print(value_{i})\n" for i in range(600)).encode()
    head = await app.open_and_deliver(1, {"src/lib.py": prints, "test/add.test.js": FOCUSED})

    run = await app.settled(head)

    assert run.conclusion == "failure"
    assert len(run.annotations) == MAX_ANNOTATIONS == 500
    assert ("test/add.test.js", "failure") in {(a["path"], a["annotation_level"]) for a in run.annotations}
    # Created with the first 50, then nine updates.
    assert app.fake.count("PATCH", f"/repos/{app.owner}/{app.repo}/check-runs/{run.id}") == 9
    assert "500 of the 601 errors and warnings are annotated" in (run.text or "")
    assert "| `debug-output` | ⚠️ warning | 600 |" in (run.summary or "")


async def test_a_focused_test_fails_the_check_with_a_failure_annotation(app: Stack) -> None:
    """`it.only(` added to a JavaScript test file is an error: the check fails and the line carries a
    failure annotation."""
    head = await app.open_and_deliver(1, {"test/add.test.js": FOCUSED})

    run = await app.settled(head)

    assert run.conclusion == "failure"
    found = [(a["path"], a["start_line"], a["annotation_level"], a["title"]) for a in run.annotations]
    assert found == [("test/add.test.js", 1, "failure", "skipped-or-focused-test")]
    assert "| `skipped-or-focused-test` | ❌ error | 1 |" in (run.summary or "")


async def test_info_findings_go_to_the_summary_not_to_annotations(app: Stack) -> None:
    """A TODO added beside a leftover print: the warning is an annotation on its line, the info finding
    (todo-added) is counted in the summary and annotates nothing."""
    head = await app.open_and_deliver(1, {"src/lib.py": b"# TODO: tidy this\nprint(value)\n"})

    run = await app.settled(head)

    assert [(a["start_line"], a["title"]) for a in run.annotations] == [(2, "debug-output")]
    assert "`todo-added`" in (run.summary or "")


async def test_the_next_head_carries_only_its_own_findings(app: Stack) -> None:
    """A push that removes one `print()` and adds a focused test: the new head's run carries the current
    findings only, each once; the old head's run keeps what it showed."""
    first = await app.open_and_deliver(1, {"src/lib.py": b"print(a)\nprint(b)\n"})
    await app.settled(first)

    files = {"src/lib.py": b"print(b)\n", "test/add.test.js": FOCUSED}
    app.fake.push(app.owner, app.repo, 1, "c" * 40, head_files=files)
    assert (await app.deliver(app.webhooks.pull_request("synchronize", 1))).status_code == 202
    run = await app.settled("c" * 40)

    found = sorted((a["path"], a["start_line"], a["title"]) for a in run.annotations)
    assert found == [("src/lib.py", 1, "debug-output"), ("test/add.test.js", 1, "skipped-or-focused-test")]
    assert run.conclusion == "failure"
    [old] = app.runs(first)
    assert sorted(a["start_line"] for a in old.annotations) == [1, 2]


async def _publish(installation: FakeInstallation, name: str = "scopegate") -> int:
    """Evaluate PR 1 as the worker does and publish its check run (found again by name and head)."""
    async with installation.client() as gh:
        gateway = PullRequestGateway(gh, installation.owner, installation.repo, 1)
        facts = await fetch_pull(gateway)
        assert facts is not None
        snapshot = await gather(gateway, facts, RULES.needs)
        verdict = evaluate(snapshot, RULES, load_config(RULES, snapshot.repository.rules))
        head = facts.info.head_sha
        published = await publish_check_run(
            gateway,
            verdict_outcome(verdict, head_verdict(1, verdict)),
            head_sha=head,
            name=name,
            external_id="1",
            started_at=datetime.now(UTC),
            existing=await gateway.latest_check_run(head, name),
        )
        return published.id


async def test_a_rerun_of_the_same_head_does_not_repeat_annotations(
    fake_installation: FakeInstallation,
) -> None:
    """GitHub appends the annotations of every update and never removes one: a second evaluation of the
    same head (a re-run requested, a redelivery) must not double them. The old run is completed as
    replaced; the run GitHub shows for the head (the newest of that name) carries each finding once."""
    fake = fake_installation.fake
    pull = fake.add_pull(
        fake_installation.owner, fake_installation.repo, 1, base_files={}, head_files={"src/lib.py": PRINTS}
    )
    first = await _publish(fake_installation)
    second = await _publish(fake_installation)

    repo: Any = fake.repo(fake_installation.owner, fake_installation.repo)
    with fake.lock:
        runs = sorted(
            (r for r in repo.check_runs.values() if r.head_sha == pull.head_sha), key=lambda r: r.id
        )
        shown = runs[-1]
        assert shown.id == second
        assert len(shown.annotations) == 120
        assert len({(a["path"], a["start_line"]) for a in shown.annotations}) == 120
        assert [(r.id, r.status, r.conclusion) for r in runs] == [
            (first, "completed", "neutral"),
            (second, "completed", "success"),
        ]
        assert runs[0].title == "Replaced by a newer run"
    assert fake.invalid_requests == []


@pytest.mark.parametrize(
    ("count", "status"),
    [(ANNOTATIONS_PER_REQUEST, 200), (ANNOTATIONS_PER_REQUEST + 1, 422)],
    ids=["50-accepted", "51-refused"],
)
def test_the_fake_refuses_more_than_fifty_annotations_in_an_update(
    fake_installation: FakeInstallation, count: int, status: int
) -> None:
    """As GitHub does (https://docs.github.com/en/rest/checks/runs#update-a-check-run), an update that
    carries more than 50 annotations is answered 422 and adds none."""
    fake, owner, repo = fake_installation.fake, fake_installation.owner, fake_installation.repo
    pull = fake.add_pull(owner, repo, 1, base_files={}, head_files={})
    # githubkit refuses such a body itself unless told not to; the fake must see what GitHub would.
    client = fake_installation.client(auto_retry=False, rest_api_validate_body=False)
    created = client.rest.checks.create(owner, repo, name="scopegate", head_sha=pull.head_sha).parsed_data
    output: Any = {"title": "t", "summary": "s", "annotations": [ANNOTATION] * count}
    try:
        answered = client.rest.checks.update(owner, repo, created.id, output=output).status_code
    except RequestFailed as refused:
        answered = refused.response.status_code
    assert answered == status
    stored: Any = fake.repo(owner, repo)
    with fake.lock:
        assert len(stored.check_runs[created.id].annotations) == (count if status == 200 else 0)
