"""Reviewer routing through the App, end to end over the fake GitHub: the owners of the changed files are
requested (users by login, teams as teams), busy and overloaded owners and the author never are, existing
requests count, drafts wait, `ready_for_review` routes once, and every choice is explained in the check."""

from __future__ import annotations

import pytest

from tests.fakegithub.models import PullRequest
from tests.test_app_e2e import Stack, app, debounce_seconds, ledger_url, lines, stack

__all__ = ["app", "debounce_seconds", "ledger_url", "stack"]  # fixtures, used by name

CHANGE = {"src/app.py": lines(12)}
MEMBERS_OFF = "Routing by team off until the installation accepts the members permission"


def _open(
    app: Stack,
    owners: str,
    *,
    rules: str = "",
    collaborators: tuple[str, ...] = ("alice", "bob", "carol", "dave"),
    draft: bool = False,
    head_files: dict[str, bytes] | None = None,
) -> PullRequest:
    """PR 1 by octocat changing `head_files` (src/app.py by default) on a base with `owners` as
    CODEOWNERS and `rules` as the rules file; `collaborators` may be asked to review."""
    base = {".github/CODEOWNERS": owners.encode(), "src/app.py": b"x = 1\n"}
    if rules:
        base[".github/scopegate.yml"] = rules.encode()
    for login in collaborators:
        app.fake.add_collaborator(app.owner, app.repo, login)
    files = head_files or CHANGE
    return app.fake.add_pull(
        app.owner, app.repo, 1, author="octocat", draft=draft, base_files=base, head_files=files
    )


async def _evaluated(app: Stack, action: str = "opened") -> str:
    """Deliver `pull_request.<action>` for PR 1 and wait for every job to finish; the check's summary."""
    response = await app.deliver(app.webhooks.pull_request(action, 1))
    assert response.status_code == 202, response.text
    await app.drained()
    with app.fake.lock:
        head = app.stored().pulls[1].head_sha
    [run] = [r for r in app.runs(head) if r.status == "completed"][-1:]
    return run.summary or ""


def _requested(app: Stack) -> tuple[list[str], list[str]]:
    """PR 1's open review requests: users, team slugs."""
    with app.fake.lock:
        pull = app.stored().pulls[1]
        return list(pull.requested_reviewers), list(pull.requested_teams)


def _posts(app: Stack) -> int:
    return app.fake.count("POST", f"/repos/{app.owner}/{app.repo}/pulls/1/requested_reviewers")


async def test_owners_are_requested_with_a_reason_each_and_the_busy_one_is_left_out(app: Stack) -> None:
    """Three owners, one whose GitHub status says busy: the other two are requested in one request, the
    check gives each one's reason (lines owned, open review requests) and names the busy one left out."""
    _open(app, "* @alice @bob @carol\n")
    app.fake.set_user_status("bob", busy=True, message="On leave")

    summary = await _evaluated(app)

    assert _requested(app) == (["alice", "carol"], [])
    assert _posts(app) == 1
    assert "1. `@alice`: owns 13 of 13 changed lines (1 of 1 files); 0 open review requests" in summary
    assert "2. `@carol`: owns 13 of 13 changed lines (1 of 1 files); 0 open review requests" in summary
    assert "| `@bob` | GitHub status says busy |" in summary
    assert "are not gathered" not in summary


async def test_an_owner_at_max_open_reviews_is_skipped_and_the_least_loaded_preferred(app: Stack) -> None:
    """Carol is asked on two other open pull requests (max_open_reviews: 2) and Bob on one: with one
    reviewer wanted, Alice (none) is requested; Carol is left out with her count."""
    _open(app, "* @alice @bob @carol\n", rules="routing:\n  reviewers: 1\n  max_open_reviews: 2\n")
    for number, reviewers in ((2, ("carol", "bob")), (3, ("carol",))):
        app.fake.add_pull(app.owner, app.repo, number, author="dave", head_ref=f"topic-{number}")
        for login in reviewers:
            app.fake.request_review(app.owner, app.repo, number, login)

    summary = await _evaluated(app)

    assert _requested(app) == (["alice"], [])
    assert "| `@carol` | 2 open review requests (max_open_reviews 2) |" in summary


async def test_the_author_is_never_requested_and_an_existing_request_counts(app: Stack) -> None:
    """The author owns the code with Alice and Bob; Dave was already asked by hand: one more reviewer
    makes the two wanted, the author is left out as the author, and nobody is asked twice."""
    _open(app, "* @octocat @alice @bob\n")
    app.fake.request_review(app.owner, app.repo, 1, "dave")

    summary = await _evaluated(app)

    assert _requested(app) == (["dave", "alice"], [])
    assert "Reviewer plan: 1 of 2 wanted, 1 already requested or reviewing" in summary
    assert "| `@octocat` | the author |" in summary
    with app.fake.lock:
        events = [(e.reviewer, e.actor) for e in app.stored().pulls[1].review_request_events]
    assert events == [("dave", "octocat"), ("alice", "scopegate[bot]")]


async def test_draft_ready_draft_ready_requests_once(app: Stack) -> None:
    """A draft is evaluated but nobody is asked; `ready_for_review` requests the owners once; converting
    back to a draft and marking it ready again asks nobody more, even after a reviewer removed themself,
    and so does a re-evaluation of the same head."""
    _open(app, "* @alice @bob\n", draft=True)

    summary = await _evaluated(app)
    assert _requested(app) == ([], [])
    assert "draft: not routed until it is ready for review" in summary.lower()

    app.fake.set_draft(app.owner, app.repo, 1, False)
    await _evaluated(app, "ready_for_review")
    assert _requested(app) == (["alice", "bob"], [])

    app.fake.remove_review_request(app.owner, app.repo, 1, "alice")
    app.fake.set_draft(app.owner, app.repo, 1, True)
    await app.deliver(app.webhooks.pull_request("converted_to_draft", 1))
    app.fake.set_draft(app.owner, app.repo, 1, False)
    summary = await _evaluated(app, "ready_for_review")
    await _evaluated(app, "ready_for_review")

    assert _requested(app) == (["bob"], [])
    assert _posts(app) == 1
    assert "2 reviewers already requested or reviewing (wanted 2)" in summary


async def test_a_team_owner_is_requested_as_the_team(app: Stack) -> None:
    """A team owns the file: it is requested as the team (GitHub's team review assignment picks who),
    and its members are not read."""
    _open(app, "* @octo-org/core\n")
    app.fake.add_team(app.owner, "core", ["erin", "frank"])

    summary = await _evaluated(app)

    assert _requested(app) == ([], ["core"])
    assert "requested as the team" in summary
    assert app.fake.count("GET", f"/orgs/{app.owner}/teams") == 0


async def test_an_expanded_team_is_asked_through_its_available_members(app: Stack) -> None:
    """With `expand_teams`, the team's members are read and asked as people: the busy one and the author
    are left out."""
    rules = "routing:\n  expand_teams: true\n"
    _open(app, "* @octo-org/core\n", rules=rules, collaborators=("erin", "frank"))
    app.fake.add_team(app.owner, "core", ["erin", "frank", "gus", "octocat"])
    app.fake.set_user_status("gus", busy=True)

    summary = await _evaluated(app)

    assert _requested(app) == (["erin", "frank"], [])
    assert "| `@gus` | GitHub status says busy |" in summary
    assert "| `@octocat` | the author |" in summary
    assert app.fake.count("GET", f"/orgs/{app.owner}/teams/core/members") == 1


async def test_without_the_members_permission_routing_by_team_is_off_and_users_still_asked(
    app: Stack,
) -> None:
    """An installation that has not accepted `members: read`: GitHub answers 403 to the team's members;
    the check says routing by team is off until it is accepted, with the page to accept it, the team is
    left out, and the user owner is still requested."""
    app.installation.installation.permissions.pop("members")
    _open(app, "* @octo-org/core @alice\n", rules="routing:\n  expand_teams: true\n")
    app.fake.add_team(app.owner, "core", ["erin"])

    summary = await _evaluated(app)

    assert app.fake.count("GET", f"/orgs/{app.owner}/teams/core/members", status=403) == 1
    assert _requested(app) == (["alice"], [])
    installation = app.installation.installation_id
    url = f"{app.fake.url}/organizations/{app.owner}/settings/installations/{installation}"
    assert f"{MEMBERS_OFF}: {url}." in summary
    assert "| `@octo-org/core` | its members cannot be read" in summary


@pytest.mark.parametrize("approver", ["wendy", None], ids=["team-member-approves", "team-missing"])
async def test_require_all_owners_names_the_groups_still_to_approve(app: Stack, approver: str | None) -> None:
    """With `require_all_owners`, Alice's approval covers src/ but docs/ belongs to a team: the check
    fails naming the team's group until one of its members approves."""
    files = {"src/app.py": lines(12), "docs/guide.md": b"# Guide\n"}
    rules = "routing:\n  require_all_owners: true\n"
    _open(app, "/src/ @alice\n/docs/ @octo-org/writers\n", rules=rules, head_files=files)
    app.fake.add_team(app.owner, "writers", ["wendy"])
    app.fake.add_review(app.owner, app.repo, 1, "alice")
    if approver:
        app.fake.add_review(app.owner, app.repo, 1, approver)

    summary = await _evaluated(app)

    [run] = app.runs()
    # Mentions in the check are defused with a word joiner after `@`.
    missing = (
        "not approved by every owner group (routing.require_all_owners): @\u2060octo-org/writers (1 file)"
    )
    if approver:
        assert run.conclusion == "success"
        assert missing not in summary
        assert "2 groups, 2 approved" in summary
    else:
        assert run.conclusion == "failure"
        assert missing in summary
        assert "| `@octo-org/writers` | 1 | not yet |" in summary


async def test_owners_facts_are_read_once_for_a_burst_of_pull_requests(app: Stack) -> None:
    """Two pull requests owned by the same people, evaluated one after the other: the second reads their
    status and load from the brief cache, so it sends one GraphQL query fewer, and is still routed."""
    _open(app, "* @alice @bob\n")
    app.fake.add_pull(app.owner, app.repo, 2, author="octocat", head_ref="second", head_files=CHANGE)
    graphql = []
    for number in (1, 2):
        app.fake.reset_counts()
        response = await app.deliver(app.webhooks.pull_request("opened", number))
        assert response.status_code == 202, response.text
        await app.drained()
        graphql.append(app.fake.count("POST", "/graphql"))
        with app.fake.lock:
            assert app.stored().pulls[number].requested_reviewers == ["alice", "bob"]

    assert graphql[1] == graphql[0] - 1


async def test_recent_expertise_on_the_changed_lines_decides_between_equal_owners(app: Stack) -> None:
    """Bob and Carol own the file alike; Carol wrote, most recently, the lines the pull request changes:
    she is the one reviewer asked, and her reason says so. (Alphabetical order alone would pick Bob.)"""
    code = [f"value_{i} = {i}\n" for i in range(20)]
    owners = {
        ".github/CODEOWNERS": b"* @bob @carol\n",
        ".github/scopegate.yml": b"routing:\n  reviewers: 1\n",
    }
    app.fake.push_branch(app.owner, app.repo, "main", owners | {"src/app.py": "".join(code).encode()})
    for author, part in (("bob", range(10)), ("carol", range(10, 20))):
        code = [f"value_{i} = {i} + 1\n" if i in part else line for i, line in enumerate(code)]
        app.fake.push_branch(
            app.owner, app.repo, "main", {"src/app.py": "".join(code).encode()}, author=author
        )
    for login in ("bob", "carol"):
        app.fake.add_collaborator(app.owner, app.repo, login)
    code[13] = "value_13 = 0\n"
    app.fake.add_pull(
        app.owner, app.repo, 1, author="octocat", head_files={"src/app.py": "".join(code).encode()}
    )

    summary = await _evaluated(app)

    assert _requested(app) == (["carol"], [])
    assert (
        "1. `@carol`: owns 2 of 2 changed lines (1 of 1 files); 7 recent lines in the changed ranges"
        in summary
    )


async def test_an_owner_github_refuses_does_not_keep_the_others_from_being_asked(app: Stack) -> None:
    """Mallory owns the file but is no longer a collaborator: GitHub refuses the request naming both
    owners (422), so each is asked alone and Alice still is; the verdict stands."""
    _open(app, "* @alice @mallory\n", collaborators=("alice",))

    await _evaluated(app)

    assert _requested(app) == (["alice"], [])
    path = f"/repos/{app.owner}/{app.repo}/pulls/1/requested_reviewers"
    assert (app.fake.count("POST", path, status=422), app.fake.count("POST", path, status=201)) == (2, 1)
    [run] = app.runs()
    assert run.conclusion == "success"
