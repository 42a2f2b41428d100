"""Nothing but the App writes the App's comments, and no commenter makes it post again and again: end to end
over HTTP, real Redis and arq, a real ledger and the fake GitHub."""

# The end-to-end fixtures are imported by name, which pytest then injects as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import pytest

from bot.core.config import OverrideConfig
from bot.core.overrides import Override, decide_override
from bot.core.report.markdown import to_markdown
from bot.core.snapshot import ChangedFile, FileStatus, OverrideClaim, PullRequestInfo, PullRequestSnapshot
from bot.core.verdict import Conclusion, evaluate
from bot.gather.github import fetch_pull
from bot.github.gateway import PullRequestGateway
from bot.github.publish import sync_labels
from bot.intake.events import override_label_key_for
from tests.apprunner import until, worker_in_loop
from tests.test_app_e2e import (
    MARKER,
    OVERRIDE_LABEL,
    RULES,
    Stack,
    app,
    debounce_seconds,
    ledger_url,
    lines,
    stack,
)
from workers.context import context
from workers.override import label_claim

BOT = "scopegate[bot]"


def own_stickies(stack: Stack, number: int) -> list[int]:
    """The ids of the App's comments on PR `number` that carry the sticky marker."""
    return [c.id for c in stack.comments(number) if c.user == BOT and c.body.startswith(MARKER)]


async def push_and_settle(stack: Stack, number: int, head: str, added: int) -> None:
    """Push `head` to PR `number` (`added` lines in one file), deliver `synchronize`, wait for the check."""
    stack.fake.push(stack.owner, stack.repo, number, head, head_files={"src/app.py": lines(added)})
    assert (await stack.deliver(stack.webhooks.pull_request("synchronize", number))).status_code == 202
    await stack.settled(head)


async def label_by_a_maintainer(app: Stack, head: str) -> None:
    """mona (maintain) adds the override label to PR 1, and the App passes `head` on it."""
    app.fake.add_collaborator(app.owner, app.repo, "mona", "maintain")
    app.fake.add_label(app.owner, app.repo, 1, OVERRIDE_LABEL, actor="mona")
    webhook = app.webhooks.pull_request("labeled", 1, sender="mona", label=OVERRIDE_LABEL)
    assert (await app.deliver(webhook)).status_code == 202
    await until(lambda: app.runs(head)[0].conclusion == "success", what="the override at head 1")
    await app.drained()


async def test_a_marker_planted_by_another_user_is_left_alone(app: Stack) -> None:
    """A commenter who pastes the sticky marker gets neither an edit of their comment nor the App's
    verdict in it: the App posts its own comment and edits only that one on the next push."""
    head = app.open_pull(1, {"src/app.py": lines(1200)})
    planted = app.fake.add_comment(app.owner, app.repo, 1, "mallory", f"{MARKER}\n✅ all good, merge it")
    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    await app.settled(head)
    [ours] = own_stickies(app, 1)

    await push_and_settle(app, 1, "b" * 40, 1300)

    assert own_stickies(app, 1) == [ours]
    kept = next(c for c in app.comments(1) if c.id == planted.id)
    assert (kept.user, kept.body) == ("mallory", planted.body)
    assert "1,300 effective lines" in next(c.body for c in app.comments(1) if c.id == ours)


async def test_a_marker_another_app_posted_is_left_alone_and_ours_found_without_a_listing(
    app: Stack,
) -> None:
    """Another App's bot pasting the sticky marker is not the App: its comment is never edited. On a PR
    whose comments fit in the page the PR's query reads, the App finds its own comment there (GraphQL
    says which comments its bot wrote) and edits it without listing the comments again."""
    head = app.open_pull(1, {"src/app.py": lines(1200)})
    planted = app.fake.add_comment(app.owner, app.repo, 1, "copycat[bot]", f"{MARKER}\n✅ merge it")
    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    await app.settled(head)
    [ours] = own_stickies(app, 1)
    app.fake.reset_counts()

    await push_and_settle(app, 1, "d" * 40, 1300)

    assert own_stickies(app, 1) == [ours]
    kept = next(c for c in app.comments(1) if c.id == planted.id)
    assert (kept.user, kept.body) == ("copycat[bot]", planted.body)
    assert "1,300 effective lines" in next(c.body for c in app.comments(1) if c.id == ours)
    assert app.fake.count("GET", f"/repos/{app.owner}/{app.repo}/issues/1/comments") == 0


async def test_the_sticky_comment_is_found_beyond_the_first_hundred_comments(app: Stack) -> None:
    """On a busy PR the App's comment comes after 120 others, out of the first page the gatherer reads:
    the next push still edits it instead of posting a second one."""
    head = app.open_pull(1, {"src/app.py": lines(40)})
    for i in range(120):
        app.fake.add_comment(app.owner, app.repo, 1, "octocat", f"comment {i}")
    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    await app.settled(head)
    [ours] = own_stickies(app, 1)

    await push_and_settle(app, 1, "c" * 40, 50)

    assert own_stickies(app, 1) == [ours]
    assert "50 effective lines" in next(c.body for c in app.comments(1) if c.id == ours)


async def test_refused_override_commands_are_answered_in_one_edited_reply(app: Stack) -> None:
    """Three refused `/scopegate override` commands, from two people, leave one reply by the App, edited
    to answer the latest; the check is left failing."""
    head = await app.open_and_deliver(1, {"src/app.py": lines(1200)})
    await app.settled(head)
    app.fake.add_collaborator(app.owner, app.repo, "mona", "write")

    answers: list[str] = []
    for login in ("mona", "mona", "hubot"):
        body = "/scopegate override please"
        comment = app.fake.add_comment(app.owner, app.repo, 1, login, body)
        webhook = app.webhooks.comment(1, body, login=login, comment_id=comment.id)
        assert (await app.deliver(webhook)).status_code == 202
        await app.drained()
        answers = [c.body for c in app.comments(1) if c.user == BOT and not c.body.startswith(MARKER)]
        assert len(answers) == 1, answers
        assert answers[0].startswith(f"@{login} `/scopegate override` needs **maintain**")

    assert "(you have none)" in answers[0]
    await until(lambda: app.runs(head)[0].conclusion == "failure", what="the check still failing")


HEAD, EARLIER = "b" * 40, "a" * 40
AT = "2024-05-01T12:00:00Z"
LABEL_VIA = f"label {OVERRIDE_LABEL}"
STALE = (
    "given at aaaaaaa, and the head is now bbbbbbb: the label was taken off; add it again to pass this head"
)
INFO = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="f" * 40, head_sha=HEAD)


def oversized(info: PullRequestInfo, added: int, *claims: OverrideClaim) -> PullRequestSnapshot:
    """A pull request adding `added` lines to one file, with override `claims`."""
    changed = ChangedFile(path="src/app.py", status=FileStatus.MODIFIED, additions=added, deletions=0)
    return PullRequestSnapshot(pull_request=info, files=(changed,), override_claims=claims)


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param(
            [OverrideClaim("mona", AT, LABEL_VIA, "maintain", head_sha=HEAD)],
            Override("mona", AT, LABEL_VIA),
            id="label-at-this-head",
        ),
        pytest.param(
            [OverrideClaim("mona", AT, LABEL_VIA, "maintain", head_sha=EARLIER)],
            Override("mona", AT, LABEL_VIA, STALE, accepted=False, stale=True),
            id="label-at-an-earlier-head",
        ),
        pytest.param(
            [OverrideClaim("mona", AT, LABEL_VIA, "maintain")],
            Override("mona", AT, LABEL_VIA),
            id="label-head-unknown",
        ),
        pytest.param(
            [OverrideClaim("mona", AT, LABEL_VIA, "write", head_sha=EARLIER)],
            Override("mona", AT, LABEL_VIA, "needs maintain permission; @mona has write", accepted=False),
            id="label-without-permission",
        ),
        pytest.param(
            [
                OverrideClaim("mona", AT, "comment", "maintain", "hotfix", EARLIER),
                OverrideClaim("mona", AT, LABEL_VIA, "maintain", head_sha=EARLIER),
            ],
            Override("mona", AT, LABEL_VIA, STALE, accepted=False, stale=True),
            id="comment-at-an-earlier-head-and-a-stale-label",
        ),
    ],
)
def test_a_label_override_holds_for_the_head_it_was_given_at(
    claims: list[OverrideClaim], expected: Override
) -> None:
    """A maintainer's label passes the head it was given at; given at an earlier head it is refused as
    stale (and says why); a comment claim at another head does not stand in for it."""
    assert decide_override(claims, OverrideConfig(), HEAD) == expected


def test_a_stale_label_fails_the_gate_and_names_the_reason() -> None:
    """An oversized PR whose override label was given at an earlier head fails, and the check's summary
    says the label was given at another head."""
    claim = OverrideClaim("mona", AT, LABEL_VIA, "maintain", head_sha=EARLIER)
    verdict = evaluate(oversized(INFO, 900, claim))
    assert verdict.conclusion is Conclusion.FAILURE
    assert f"**Override refused** by @mona (label {OVERRIDE_LABEL}) at {AT}: {STALE}" in to_markdown(verdict)


async def test_the_label_is_pinned_to_the_head_it_was_first_judged_at_and_taken_off_when_stale(
    stack: Stack,
) -> None:
    """A maintainer's label is judged at head 1 (the ledger keeps that); after a push its claim still names
    head 1, the verdict refuses it as stale, and the App takes the label off the pull request."""
    async with worker_in_loop(stack.settings) as running:
        first = await stack.open_and_deliver(1, {"src/app.py": lines(900)})
        await stack.settled(first)
        stack.fake.add_collaborator(stack.owner, stack.repo, "mona", "maintain")
        stack.fake.add_label(stack.owner, stack.repo, 1, OVERRIDE_LABEL, actor="mona")
        webhook = stack.webhooks.pull_request("labeled", 1, sender="mona", label=OVERRIDE_LABEL)
        assert (await stack.deliver(webhook)).status_code == 202
        await until(lambda: stack.runs(first)[0].conclusion == "success", what="the override at head 1")
        await stack.drained()
        stack.fake.push(stack.owner, stack.repo, 1, "d" * 40, head_files={"src/app.py": lines(6900)})

        worker = context(running.ctx)
        async with worker.github(stack.installation.installation_id) as gh:
            gateway = PullRequestGateway(gh, stack.owner, stack.repo, 1)
            facts = await fetch_pull(gateway)
            assert facts is not None
            assert facts.info.head_sha == "d" * 40
            claim = await label_claim(worker, gateway, facts, OVERRIDE_LABEL)
            assert claim is not None
            assert (claim.login, claim.permission, claim.head_sha) == ("mona", "maintain", first)
            told = await stack.queue.get(override_label_key_for(stack.owner, stack.repo))
            assert told == OVERRIDE_LABEL.encode()  # the intake now ignores every other label
            verdict = evaluate(oversized(facts.info, 6900, claim))
            assert verdict.conclusion is Conclusion.FAILURE
            await sync_labels(gateway, facts.info.labels, verdict)
    assert OVERRIDE_LABEL not in stack.labels(1)


async def test_a_push_after_a_label_override_fails_the_gate_again(app: Stack) -> None:
    """End to end: a maintainer's label passes 900 lines; after a push of 6,000 more the check fails again,
    says why, and the label is off."""
    first = await app.open_and_deliver(1, {"src/app.py": lines(900)})
    await app.settled(first)
    await label_by_a_maintainer(app, first)

    await push_and_settle(app, 1, "e" * 40, 6900)

    [run] = app.runs("e" * 40)
    assert run.conclusion == "failure"
    assert "given at" in (run.summary or "")
    assert OVERRIDE_LABEL not in app.labels(1)


@pytest.mark.parametrize(
    ("lines_at", "lines_now", "accepted", "reason"),
    [
        pytest.param(900, 950, True, "given at aaaaaaa; grown by 50 lines since, within 100", id="within"),
        pytest.param(900, 1000, True, "grown by 100 lines since, within 100", id="at-the-allowance"),
        pytest.param(900, 1001, False, "the PR has grown by 101 lines since, more than 100", id="beyond"),
        pytest.param(None, 950, False, "and the head is now", id="never-measured"),
    ],
)
def test_a_label_holds_while_the_pull_request_grows_within_the_allowance(
    lines_at: int | None, lines_now: int, accepted: bool, reason: str
) -> None:
    """With `grow_lines: 100`, a label given at an earlier head holds while the PR has grown by at most 100
    effective lines since the App measured that head; beyond, or never measured, it is stale."""
    claim = OverrideClaim("mona", AT, LABEL_VIA, "maintain", head_sha=EARLIER, lines_at=lines_at)
    override = decide_override([claim], OverrideConfig(grow_lines=100), HEAD, lines_now)
    assert override is not None
    assert (override.accepted, override.stale) == (accepted, not accepted)
    assert reason in override.reason


async def test_a_label_override_follows_pushes_within_the_rules_files_allowance(app: Stack) -> None:
    """End to end, `override: {grow_lines: 100}` on the base: the label given at 900 lines still passes
    after a push to 950; after one to 1,100 the check fails, says by how much, and the label is off."""
    rules = {RULES: b"override:\n  grow_lines: 100\n"}
    first = app.open_pull(1, {"src/app.py": lines(900)}, base_files=rules)
    assert (await app.deliver(app.webhooks.pull_request("opened", 1))).status_code == 202
    await app.settled(first)
    await label_by_a_maintainer(app, first)

    await push_and_settle(app, 1, "e" * 40, 950)
    [held] = app.runs("e" * 40)
    assert held.conclusion == "success"
    assert "grown by 50 lines since, within 100" in (held.summary or "")
    assert OVERRIDE_LABEL in app.labels(1)

    await push_and_settle(app, 1, "f" * 40, 1100)
    [grown] = app.runs("f" * 40)
    assert grown.conclusion == "failure"
    assert "grown by 200 lines since, more than 100" in (grown.summary or "")
    assert OVERRIDE_LABEL not in app.labels(1)
