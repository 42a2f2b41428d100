"""Nothing but the App writes the App's comments, and no commenter makes it post again and again: end to end
over HTTP, real Redis and arq, a real ledger and the fake GitHub."""

# The end-to-end fixtures are imported by name, which pytest then injects as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

from tests.apprunner import until
from tests.test_app_e2e import (
    MARKER,
    Stack,
    app,
    debounce_seconds,
    ledger_url,
    lines,
    stack,
)

BOT = "scopegate[bot]"


def own_stickies(stack: Stack, number: int) -> list[int]:
    """The ids of the App's comments on PR `number` that carry the sticky marker."""
    return [c.id for c in stack.comments(number) if c.user == BOT and c.body.startswith(MARKER)]


async def push_and_settle(stack: Stack, number: int, head: str, added: int) -> None:
    """Push `head` to PR `number` (`added` lines in one file), deliver `synchronize`, wait for the check."""
    stack.fake.push(stack.owner, stack.repo, number, head, head_files={"src/app.py": lines(added)})
    assert (await stack.deliver(stack.webhooks.pull_request("synchronize", number))).status_code == 202
    await stack.settled(head)


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
