"""Issue-side routes of a pull request: comments and labels (every PR is also an issue)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .calls import Call, Reply, error, not_found, paged, validation_failed
from .models import IssueComment, Label, LabelEvent
from .pull_shapes import association
from .routing import Router
from .shapes import WEB, app, label, login, node_id, timestamp

if TYPE_CHECKING:
    from .models import PullRequest
    from .state import GitHubState

router = Router()
# https://docs.github.com/en/rest/issues/comments#create-an-issue-comment (the limit is GitHub's, not in the
# OpenAPI description)
MAX_COMMENT = 65536
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")


def _issue(call: Call) -> PullRequest | None:
    """The pull request behind `{issue_number}` (the fake stores no plain issues)."""
    return call.repo.pulls.get(call.number("issue_number"))


def _comment(call: Call, state: GitHubState, entry: IssueComment) -> dict[str, Any]:
    """An `issue-comment`; `performed_via_github_app` names the App for its bot's comments."""
    repo = call.repo
    url = f"{call.api}/repos/{repo.full_name}/issues/comments/{entry.id}"
    via = next((a for a in state.apps.values() if f"{a.slug}[bot]" == entry.user), None)
    return {
        "id": entry.id,
        "node_id": node_id("IssueComment", entry.id),
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/pull/{entry.number}#issuecomment-{entry.id}",
        "body": entry.body,
        "user": login(call.api, state, entry.user),
        "created_at": timestamp(entry.created_at),
        "updated_at": timestamp(entry.updated_at),
        "issue_url": f"{call.api}/repos/{repo.full_name}/issues/{entry.number}",
        "author_association": association(repo, entry.user),
        "performed_via_github_app": app(call.api, state, via) if via else None,
        "reactions": {"url": f"{url}/reactions", "total_count": 0, **dict.fromkeys(REACTIONS, 0)},
    }


def _too_long(body: str) -> Reply | None:
    """GitHub's 422 for a comment body over 65536 characters."""
    if len(body) <= MAX_COMMENT:
        return None
    message = f"Body is too long (maximum is {MAX_COMMENT} characters)"
    return validation_failed("IssueComment", "data", "unprocessable", message)


@router.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_comments(state: GitHubState, call: Call) -> Reply:
    """Comments oldest first, optionally only those updated `since` a time."""
    if _issue(call) is None:
        return not_found()
    since = call.query.get("since")
    moment = datetime.fromisoformat(since) if since else None
    number = call.number("issue_number")
    chosen = [
        c
        for c in sorted(call.repo.comments.values(), key=lambda c: c.id)
        if c.number == number and (moment is None or c.updated_at >= moment)
    ]
    return paged(call, chosen, lambda c: _comment(call, state, c))


@router.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def create_comment(state: GitHubState, call: Call) -> Reply:
    """Comment as the App's bot account."""
    if _issue(call) is None:
        return not_found()
    body: str = call.body["body"]
    refusal = _too_long(body)
    if refusal:
        return refusal
    now = state.now()
    author = state.user(f"{call.caller_app.slug}[bot]").login
    entry = IssueComment(state.next_id(), call.number("issue_number"), author, body, now, now)
    call.repo.comments[entry.id] = entry
    return Reply(201, _comment(call, state, entry))


@router.route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def update_comment(state: GitHubState, call: Call) -> Reply:
    """Edit a comment's body."""
    entry = call.repo.comments.get(call.number("comment_id"))
    if entry is None:
        return not_found()
    refusal = _too_long(call.body["body"])
    if refusal:
        return refusal
    entry.body, entry.updated_at = call.body["body"], state.now()
    return Reply(200, _comment(call, state, entry))


@router.route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def delete_comment(state: GitHubState, call: Call) -> Reply:
    """Delete a comment."""
    if call.repo.comments.pop(call.number("comment_id"), None) is None:
        return not_found()
    return Reply(204)


def _names(body: Any) -> list[str]:
    """Label names from `{"labels": [...]}`, whose items are names or `{"name": ...}` objects."""
    items = (body or {}).get("labels", [])
    return [item["name"] if isinstance(item, dict) else item for item in items]


def _issue_labels(call: Call, item: PullRequest) -> Reply:
    """The labels of the issue, as the label endpoints answer after a change."""
    repo = call.repo
    return Reply(200, [label(call.api, repo, repo.labels[name.lower()]) for name in item.labels])


@router.route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def list_issue_labels(state: GitHubState, call: Call) -> Reply:
    """Labels on the issue."""
    item = _issue(call)
    if item is None:
        return not_found()
    repo = call.repo
    return paged(call, item.labels, lambda name: label(call.api, repo, repo.labels[name.lower()]))


@router.route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def add_labels(state: GitHubState, call: Call) -> Reply:
    """Add labels, creating repository labels that do not exist yet (as GitHub does)."""
    item = _issue(call)
    if item is None:
        return not_found()
    for name in _names(call.body):
        state.ensure_label(call.repo, name)
        if name.lower() not in {existing.lower() for existing in item.labels}:
            item.labels.append(call.repo.labels[name.lower()].name)
            item.label_events.append(LabelEvent(name, f"{call.caller_app.slug}[bot]", state.now()))
    return _issue_labels(call, item)


@router.route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels")
def set_labels(state: GitHubState, call: Call) -> Reply:
    """Replace all labels."""
    item = _issue(call)
    if item is None:
        return not_found()
    item.labels.clear()
    return add_labels(state, call)


@router.route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")
def remove_label(state: GitHubState, call: Call) -> Reply:
    """Remove one label (matched without case); 404 when the issue does not have it."""
    item = _issue(call)
    if item is None:
        return not_found()
    wanted = call.params["name"].lower()
    kept = [name for name in item.labels if name.lower() != wanted]
    if len(kept) == len(item.labels):
        return error(
            404,
            "Label does not exist",
            docs="https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue",
        )
    item.labels[:] = kept
    return _issue_labels(call, item)


@router.route("GET", "/repos/{owner}/{repo}/labels")
def list_labels(state: GitHubState, call: Call) -> Reply:
    """The repository's labels."""
    repo = call.repo
    return paged(call, list(repo.labels.values()), lambda item: label(call.api, repo, item))


@router.route("POST", "/repos/{owner}/{repo}/labels")
def create_label(state: GitHubState, call: Call) -> Reply:
    """Create a label; 422 `already_exists` when the name is taken (without regard to case)."""
    body = call.body
    repo = call.repo
    if body["name"].lower() in repo.labels:
        return validation_failed("Label", "name", "already_exists")
    item = Label(state.next_id(), body["name"], body.get("color", "ededed"), body.get("description"))
    repo.labels[item.name.lower()] = item
    return Reply(201, label(call.api, repo, item))
