"""Pull-request routes: the PR (JSON or diff), its files, commits, reviews and review requests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .calls import Call, Reply, error, not_found, paged
from .diffs import unified_diff
from .models import ReviewRequestEvent
from .pull_shapes import commit, diff_entry, pull, pull_simple, review
from .routing import Router
from .shapes import login, team

if TYPE_CHECKING:
    from .models import PullRequest
    from .state import GitHubState

router = Router()

# Limits GitHub documents for these endpoints.
# https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
MAX_LISTED_FILES = 3000
# https://docs.github.com/en/rest/pulls/pulls#list-commits-on-a-pull-request
MAX_LISTED_COMMITS = 250
# https://docs.github.com/en/repositories/creating-and-managing-repositories/repository-limits
MAX_DIFF_FILES = 300
MAX_DIFF_LINES = 20_000
TOO_LARGE_DOCS = "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files"
TOO_LARGE = (
    "Sorry, the diff exceeded the maximum number of {what} ({limit}). "
    "Consider using 'List pull requests files' API or locally cloning the repository instead."
)
NOT_COLLABORATOR = (
    "Reviews may only be requested from collaborators. One or more of the users or teams you specified "
    "is not a collaborator of the {repo} repository."
)


def _pull(call: Call) -> PullRequest | None:
    """The pull request named by `{pull_number}`."""
    return call.repo.pulls.get(call.number("pull_number"))


@router.route("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(state: GitHubState, call: Call) -> Reply:
    """Pull requests filtered by state (open by default), base and head, newest first."""
    wanted = call.query.get("state", "open")
    base = call.query.get("base")
    head = call.query.get("head")
    repo = call.repo
    chosen = [
        item
        for item in sorted(repo.pulls.values(), key=lambda p: p.number, reverse=True)
        if wanted in {"all", item.state}
        and (base is None or item.base_ref == base)
        and (head is None or head in {item.head_ref, f"{repo.owner}:{item.head_ref}"})
    ]
    if call.query.get("direction") == "asc":
        chosen.reverse()
    return paged(call, chosen, lambda item: pull_simple(call.api, state, repo, item))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(state: GitHubState, call: Call) -> Reply:
    """The pull request; with `Accept: application/vnd.github.diff` its diff, or GitHub's 406 `too_large`."""
    item = _pull(call)
    if item is None:
        return not_found()
    if "diff" not in call.headers.get("accept", ""):
        return Reply(200, pull(call.api, state, call.repo, item))
    text = unified_diff(item.files)
    lines = max(text.count("\n"), sum(f.additions + f.deletions for f in item.files))
    for what, limit, size in (("files", MAX_DIFF_FILES, len(item.files)), ("lines", MAX_DIFF_LINES, lines)):
        if size > limit:
            too_large = [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]
            return error(406, TOO_LARGE.format(what=what, limit=limit), errors=too_large, docs=TOO_LARGE_DOCS)
    return Reply(200, text, media_type="application/vnd.github.diff; charset=utf-8")


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files")
def list_files(state: GitHubState, call: Call) -> Reply:
    """Changed files, paginated; no more than 3000 are ever listed."""
    item = _pull(call)
    if item is None:
        return not_found()
    return paged(
        call, item.files, lambda row: diff_entry(call.api, call.repo, item, row), cap=MAX_LISTED_FILES
    )


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/commits")
def list_commits(state: GitHubState, call: Call) -> Reply:
    """Commits, oldest first, paginated; no more than 250 are ever listed."""
    item = _pull(call)
    if item is None:
        return not_found()
    return paged(call, item.commits, lambda c: commit(call.api, state, call.repo, c), cap=MAX_LISTED_COMMITS)


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")
def list_reviews(state: GitHubState, call: Call) -> Reply:
    """Submitted reviews, oldest first."""
    item = _pull(call)
    if item is None:
        return not_found()
    return paged(call, item.reviews, lambda entry: review(call.api, state, call.repo, item, entry))


@router.route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")
def list_requested(state: GitHubState, call: Call) -> Reply:
    """Users and teams whose review is requested and not yet given."""
    item = _pull(call)
    if item is None:
        return not_found()
    users = [login(call.api, state, name) for name in item.requested_reviewers]
    teams = [team(call.api, call.repo.owner, slug) for slug in item.requested_teams]
    return Reply(200, {"users": users, "teams": teams})


@router.route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers")
def request_reviewers(state: GitHubState, call: Call) -> Reply:
    """Request reviews; GitHub refuses the PR's author and anyone who is not a collaborator."""
    item = _pull(call)
    if item is None:
        return not_found()
    body = call.body or {}
    reviewers: list[str] = body.get("reviewers", [])
    teams: list[str] = body.get("team_reviewers", [])
    if item.author in reviewers:
        return error(422, "Review cannot be requested from pull request author.")
    repo = call.repo
    # A team needs access to the repository, like a user: https://docs.github.com/en/rest/pulls/review-requests
    reachable = [state.team(repo.owner, slug) for slug in teams]
    if any(name not in repo.collaborators for name in reviewers) or any(
        t is None or (t.repositories is not None and repo.full_name.lower() not in t.repositories)
        for t in reachable
    ):
        return error(422, NOT_COLLABORATOR.format(repo=repo.full_name))
    actor = f"{call.caller_app.slug}[bot]"
    for names, requested, is_team in (
        (reviewers, item.requested_reviewers, False),
        (teams, item.requested_teams, True),
    ):
        for name in names:
            if name not in requested:
                requested.append(name)
            item.review_request_events.append(ReviewRequestEvent(name, is_team, actor, state.now()))
    return Reply(201, pull_simple(call.api, state, repo, item))
