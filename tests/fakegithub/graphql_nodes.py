"""GraphQL objects for the fake's schema, as dicts that graphql-core's default resolver reads.

A value that needs arguments or is costly is a callable `(info, **args)`, which graphql-core calls lazily.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .blame import blame_ranges
from .diffs import blob_sha, is_binary
from .graphql_timeline import history_items
from .models import Commit
from .pulls import MAX_LISTED_COMMITS, MAX_LISTED_FILES
from .shapes import WEB, node_id, timestamp
from .trees import Entry, entries, is_directory, tree_sha

if TYPE_CHECKING:
    from .models import (
        CheckRun,
        FileChange,
        IssueComment,
        Label,
        LabelEvent,
        PullRequest,
        Repo,
        ReviewRequestEvent,
        Signature,
        Token,
        User,
    )
    from .state import GitHubState

Node = dict[str, Any]
# https://docs.github.com/en/graphql/guides/using-pagination-in-the-graphql-api
MAX_PAGE = 100
CHANGE_TYPES = {
    "added": "ADDED",
    "removed": "DELETED",
    "modified": "MODIFIED",
    "renamed": "RENAMED",
    "copied": "COPIED",
    "changed": "CHANGED",
}


class GraphQLIssue(Exception):
    """An error GitHub reports inside a 200 answer, with its `type` (NOT_FOUND, EXCESSIVE_PAGINATION, ...)."""

    def __init__(self, message: str, kind: str) -> None:
        """Carry GitHub's message and error type."""
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Context:
    """What resolvers need: the world, and the token of whoever asks."""

    state: GitHubState
    token: Token | None


def _cursor(index: int) -> str:
    """An opaque cursor for the item at `index`."""
    return base64.b64encode(f"cursor:{index + 1}".encode()).decode()


def _index(cursor: str) -> int:
    """The item index a cursor stands for."""
    return int(base64.b64decode(cursor).decode().removeprefix("cursor:")) - 1


def connection(name: str, items: Sequence[Node], page: dict[str, Any]) -> Node:
    """A connection over `items`, paginated by `first`/`after`/`last`/`before` with GitHub's rules."""
    first, last = page.get("first"), page.get("last")
    if first is None and last is None:
        message = f"You must provide a `first` or `last` value to properly paginate the `{name}` connection."
        raise GraphQLIssue(message, "MISSING_PAGINATION_BOUNDARIES")
    for argument, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_PAGE:
            message = (
                f"Requesting {value} records on the `{name}` connection exceeds the `{argument}` limit of "
                f"{MAX_PAGE} records."
            )
            raise GraphQLIssue(message, "EXCESSIVE_PAGINATION")
    start = _index(page["after"]) + 1 if page.get("after") else 0
    stop = _index(page["before"]) if page.get("before") else len(items)
    window = range(start, stop)
    window = window[:first] if first is not None else window
    window = window[len(window) - last :] if last is not None and last < len(window) else window
    return {
        "totalCount": len(items),
        "nodes": [items[i] for i in window],
        "edges": [{"cursor": _cursor(i), "node": items[i]} for i in window],
        "pageInfo": {
            "hasNextPage": window.stop < len(items),
            "hasPreviousPage": window.start > 0,
            "startCursor": _cursor(window.start) if window else None,
            "endCursor": _cursor(window.stop - 1) if window else None,
        },
    }


def paged(name: str, build: Callable[[], Sequence[Node]]) -> Callable[..., Node]:
    """A connection field: built when the query asks for it, with the query's page arguments."""
    return lambda _info, **page: connection(name, build(), page)


def account(ctx: Context, who: User) -> Node:
    """An `Actor`: a User, an Organization, or a Bot, whose GraphQL login drops the `[bot]` suffix."""
    kind = who.kind
    shown = who.login.removesuffix("[bot]") if kind == "Bot" else who.login
    found: Node = {
        "__typename": kind,
        "id": node_id(kind, who.id),
        "login": shown,
        "url": f"{WEB}/{who.login}",
        "avatarUrl": f"https://avatars.githubusercontent.com/u/{who.id}?v=4",
        "name": who.name,
    }
    if kind == "User":
        status = None
        if who.busy or who.status_message:
            status = {
                "id": node_id("UserStatus", who.id),
                "indicatesLimitedAvailability": who.busy,
                "message": who.status_message,
                "emoji": None,
                "expiresAt": None,
            }
        found["status"] = status
    return found


def _git_actor(ctx: Context, person: Signature) -> Node:
    """A `GitActor`; `user` only when the signature maps to a (non-bot) account."""
    who = ctx.state.user(person.login) if person.login else None
    return {
        "name": person.name,
        "email": person.email,
        "date": timestamp(person.date),
        "user": account(ctx, who) if who is not None and who.kind == "User" else None,
    }


def _object_base(ctx: Context, repo: Repo, kind: str, oid: str, commit_sha: str) -> Node:
    """Fields every `GitObject` has."""
    return {
        "__typename": kind,
        "id": node_id(kind, int(oid[:8], 16)),
        "oid": oid,
        "abbreviatedOid": oid[:7],
        "commitUrl": f"{WEB}/{repo.full_name}/commit/{commit_sha}",
        "repository": lambda _info: repository(ctx, repo),
    }


def commit(ctx: Context, repo: Repo, item: Commit) -> Node:
    """A `Commit`."""
    headline, _, rest = item.message.partition("\n")
    return {
        **_object_base(ctx, repo, "Commit", item.sha, item.sha),
        "message": item.message,
        "messageHeadline": headline,
        "messageBody": rest.strip("\n"),
        "author": _git_actor(ctx, item.author),
        "committer": _git_actor(ctx, item.committer),
        "authoredDate": timestamp(item.author.date),
        "committedDate": timestamp(item.committer.date),
        "blame": lambda _info, path: _blame(ctx, repo, item.sha, path),
        "checkSuites": lambda _info, filterBy=None, **page: connection(
            "checkSuites", _check_suites(repo, item.sha, filterBy or {}), page
        ),
        "parents": lambda _info, **page: connection(
            "parents",
            [commit(ctx, repo, repo.commits.get(p) or Commit(p)) for p in item.parents],
            page,
        ),
    }


def _check_suites(repo: Repo, sha: str, only: dict[str, Any]) -> list[Node]:
    """The commit's `CheckSuite`s: one per App with check runs on it (GitHub also keeps suites without
    runs, which no query of ours tells apart), oldest run first within each."""
    runs = sorted((run for run in repo.check_runs.values() if run.head_sha == sha), key=lambda r: r.id)
    apps = sorted({run.app_id for run in runs if only.get("appId") in {None, run.app_id}})
    named = only.get("checkName")
    return [
        {
            "id": node_id("CheckSuite", app_id),
            "checkRuns": _runs_field(
                [run for run in runs if run.app_id == app_id and named in {None, run.name}]
            ),
        }
        for app_id in apps
    ]


def _runs_field(runs: Sequence[CheckRun]) -> Callable[..., Node]:
    """A suite's `checkRuns` connection, with `filterBy` (`appId`, `checkName`)."""

    def field(_info: object, filterBy: dict[str, Any] | None = None, **page: Any) -> Node:
        only = filterBy or {}
        kept = [
            {
                "id": node_id("CheckRun", run.id),
                "databaseId": run.id,
                "name": run.name,
                "status": run.status.upper(),
                "annotations": _annotations_field(run),
            }
            for run in runs
            if only.get("checkName") in {None, run.name} and only.get("appId") in {None, run.app_id}
        ]
        return connection("checkRuns", kept, page)

    return field


def _annotations_field(run: CheckRun) -> Callable[..., Node]:
    """A run's `annotations` connection: every annotation its create and update requests carried."""

    def field(_info: object, **page: Any) -> Node:
        kept = [
            {"message": a["message"], "path": a["path"], "title": a.get("title")} for a in run.annotations
        ]
        return connection("annotations", kept, page)

    return field


def _blame(ctx: Context, repo: Repo, sha: str, path: str) -> Node:
    """A `Blame`: the file's ranges at the commit, from git over the fake's commits (fakegithub/blame.py).
    `age` spreads the file's commits from 1 (the newest) to 10 (the oldest) in the order they were made;
    GitHub's own is a quantile of their dates, on the same scale."""
    ranges = blame_ranges(repo, sha, path)
    made = {commit: index for index, commit in enumerate(repo.commits)}
    newest_first = sorted({owner for _, _, owner in ranges}, key=lambda c: -made.get(c, -1))
    spread = max(len(newest_first) - 1, 1)
    age = {commit: 1 + round(9 * rank / spread) for rank, commit in enumerate(newest_first)}
    return {
        "ranges": [
            {
                "startingLine": first,
                "endingLine": last,
                "age": age[owner],
                "commit": commit(ctx, repo, repo.commits.get(owner) or Commit(owner)),
            }
            for first, last, owner in ranges
        ]
    }


def git_object(ctx: Context, repo: Repo, expression: str | None, oid: str | None) -> Node | None:
    """What `object(expression: "REF:PATH")` or `object(oid:)` names: a Blob, Tree or Commit, or null."""
    if oid is not None:
        return commit(ctx, repo, repo.commits[oid]) if oid in repo.commits else None
    ref, has_path, path = (expression or "HEAD").partition(":")
    sha = ctx.state.resolve(repo, None if ref == "HEAD" else ref)
    if sha is None:
        return None
    if not has_path:
        return commit(ctx, repo, repo.commits.get(sha) or Commit(sha))
    tree, path = repo.trees[sha], path.strip("/")
    if path in tree:
        content = tree[path]
        binary = is_binary(content)
        return {
            **_object_base(ctx, repo, "Blob", blob_sha(content), sha),
            "byteSize": len(content),
            "isBinary": binary,
            "isTruncated": False,
            "text": None if binary else content.decode("utf-8"),
        }
    if not is_directory(tree, path):
        return None
    listed = [_tree_entry(entry) for entry in entries(tree, path)]
    return {**_object_base(ctx, repo, "Tree", tree_sha(tree, path), sha), "entries": listed}


def _tree_entry(entry: Entry) -> Node:
    """A `TreeEntry`; `mode` is the octal git mode as a number, as GitHub gives it."""
    extension = "." + entry.name.rsplit(".", 1)[1] if entry.type == "blob" and "." in entry.name else None
    return {
        "name": entry.name,
        "path": entry.path,
        "type": entry.type,
        "oid": entry.sha,
        "size": entry.size,
        "mode": int(entry.mode, 8),
        "extension": extension,
    }


def _label(item: Label) -> Node:
    """A `Label`."""
    return {
        "id": node_id("Label", item.id),
        "name": item.name,
        "color": item.color,
        "description": item.description,
    }


def _changed_file(row: FileChange) -> Node:
    """A `PullRequestChangedFile`."""
    return {
        "path": row.filename,
        "additions": row.additions,
        "deletions": row.deletions,
        "changeType": CHANGE_TYPES[row.status],
    }


def _pull_commit(ctx: Context, repo: Repo, item: Commit) -> Node:
    """A `PullRequestCommit`."""
    return {
        "id": node_id("PullRequestCommit", int(item.sha[:8], 16)),
        "url": f"{WEB}/{repo.full_name}/commit/{item.sha}",
        "commit": commit(ctx, repo, item),
    }


def pull_request(ctx: Context, repo: Repo, item: PullRequest) -> Node:
    """A `PullRequest`, with `labels`, `commits` (at most 250, as REST) and `files` (at most 3000)."""
    return {
        "__typename": "PullRequest",
        "id": node_id("PullRequest", item.id),
        "number": item.number,
        "title": item.title,
        "body": item.body or "",
        "url": f"{WEB}/{repo.full_name}/pull/{item.number}",
        "state": "MERGED" if item.merged else item.state.upper(),
        "isDraft": item.draft,
        "author": account(ctx, ctx.state.user(item.author)),
        "baseRef": lambda _info: branch_ref(ctx, repo, item.base_ref),
        "baseRefName": item.base_ref,
        "baseRefOid": item.base_sha,
        "headRefName": item.head_ref,
        "headRefOid": item.head_sha,
        "additions": sum(f.additions for f in item.files),
        "deletions": sum(f.deletions for f in item.files),
        "changedFiles": len(item.files),
        "createdAt": timestamp(item.created_at),
        "updatedAt": timestamp(item.updated_at),
        "labels": paged("labels", lambda: [_label(repo.labels[name.lower()]) for name in item.labels]),
        "commits": paged(
            "commits", lambda: [_pull_commit(ctx, repo, c) for c in item.commits[:MAX_LISTED_COMMITS]]
        ),
        "files": paged("files", lambda: [_changed_file(row) for row in item.files[:MAX_LISTED_FILES]]),
        "comments": paged(
            "comments",
            lambda: [
                _comment(ctx, repo, c)
                for c in sorted(repo.comments.values(), key=lambda c: c.id)
                if c.number == item.number
            ],
        ),
        "timelineItems": lambda _info, itemTypes=None, **page: connection(
            "timelineItems", _timeline(ctx, repo, item, itemTypes), page
        ),
        "reviewRequests": paged(
            "reviewRequests",
            lambda: [
                {
                    "id": node_id("ReviewRequest", hash((item.id, name, team)) & 0xFFFFFF),
                    "asCodeOwner": False,
                    "requestedReviewer": _reviewer(ctx, repo, name, team),
                }
                for names, team in ((item.requested_reviewers, False), (item.requested_teams, True))
                for name in names
            ],
        ),
        "latestOpinionatedReviews": lambda _info, writersOnly=False, **page: connection(
            "latestOpinionatedReviews", _latest_opinionated(ctx, item), page
        ),
    }


def _timeline(ctx: Context, repo: Repo, item: PullRequest, kinds: Sequence[str] | None) -> list[Node]:
    """The timeline items the fake records (label additions, review requests, commits, reviews, force
    pushes, the closing) of the asked kinds, in order; all of them when no kind is named."""
    events: list[tuple[Any, Node]] = []
    if kinds is None or "LABELED_EVENT" in kinds:
        events += [(e.at, _labeled(ctx, repo, e)) for e in item.label_events]
    if kinds is None or "REVIEW_REQUESTED_EVENT" in kinds:
        events += [(e.at, _review_requested(ctx, repo, e)) for e in item.review_request_events]
    events += history_items(ctx, repo, item, kinds)
    return [node for _, node in sorted(events, key=lambda pair: pair[0])]


def _review_requested(ctx: Context, repo: Repo, event: ReviewRequestEvent) -> Node:
    """A `ReviewRequestedEvent`."""
    return {
        "__typename": "ReviewRequestedEvent",
        "id": node_id("ReviewRequestedEvent", hash((event.reviewer, event.actor, event.at)) & 0xFFFFFF),
        "createdAt": timestamp(event.at),
        "actor": account(ctx, ctx.state.user(event.actor)),
        "requestedReviewer": _reviewer(ctx, repo, event.reviewer, event.team),
    }


def _reviewer(ctx: Context, repo: Repo, name: str, team: bool) -> Node:
    """A `RequestedReviewer`: the user `name`, or the repository owner's team of slug `name`."""
    if not team:
        return account(ctx, ctx.state.user(name))
    found = ctx.state.team(repo.owner, name)
    return {
        "__typename": "Team",
        "id": node_id("Team", found.id if found else 0),
        "combinedSlug": f"{repo.owner}/{name}",
        "name": name,
        "slug": name,
        "organization": account(ctx, ctx.state.user(repo.owner)),
        "url": f"{WEB}/orgs/{repo.owner}/teams/{name}",
    }


def _latest_opinionated(ctx: Context, item: PullRequest) -> list[Node]:
    """Each reviewer's latest review that approves, requests changes or was dismissed (comments and
    pending reviews are not opinions), in the order they were submitted."""
    latest = {r.user: r for r in item.reviews if r.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED")}
    return [
        {
            "id": node_id("PullRequestReview", r.id),
            "author": account(ctx, ctx.state.user(r.user)),
            "body": r.body,
            "state": r.state,
            "submittedAt": timestamp(r.submitted_at),
        }
        for r in sorted(latest.values(), key=lambda r: r.id)
    ]


def branch_ref(ctx: Context, repo: Repo, branch: str) -> Node | None:
    """A `Ref` to a branch as it is now (null once deleted); its `target` is the branch's tip commit."""
    sha = repo.branches.get(branch)
    if sha is None:
        return None
    return {
        "id": node_id("Ref", int(sha[:8], 16)),
        "name": branch,
        "prefix": "refs/heads/",
        "target": lambda _info: git_object(ctx, repo, sha, None),
    }


def _comment(ctx: Context, repo: Repo, item: IssueComment) -> Node:
    """An `IssueComment`."""
    return {
        "id": node_id("IssueComment", item.id),
        "databaseId": item.id,
        "body": item.body,
        "createdAt": timestamp(item.created_at),
        "url": f"{WEB}/{repo.full_name}/pull/{item.number}#issuecomment-{item.id}",
        "author": account(ctx, ctx.state.user(item.user)),
        "viewerDidAuthor": item.user == _viewer(ctx),
    }


def _viewer(ctx: Context) -> str | None:
    """Who asks: an installation token's App bot (`slug[bot]`), as GitHub's `viewer` is for it."""
    if ctx.token is None:
        return None
    app = ctx.state.apps[ctx.state.installations[ctx.token.installation_id].app_id]
    return f"{app.slug}[bot]"


def _labeled(ctx: Context, repo: Repo, event: LabelEvent) -> Node:
    """A `LabeledEvent`."""
    return {
        "__typename": "LabeledEvent",
        "id": node_id("LabeledEvent", hash((event.label, event.actor, event.at)) & 0xFFFFFF),
        "createdAt": timestamp(event.at),
        "actor": account(ctx, ctx.state.user(event.actor)),
        "label": _label(repo.labels[event.label.lower()]),
    }


def repository(ctx: Context, repo: Repo) -> Node:
    """A `Repository`."""
    default_sha = repo.branches[repo.default_branch]

    def pull(_info: object, number: int) -> Node:
        if number not in repo.pulls:
            raise GraphQLIssue(
                f"Could not resolve to a PullRequest with the number of {number}.", "NOT_FOUND"
            )
        return pull_request(ctx, repo, repo.pulls[number])

    return {
        "__typename": "Repository",
        "id": node_id("Repository", repo.id),
        "name": repo.name,
        "databaseId": repo.id,
        "nameWithOwner": repo.full_name,
        "isPrivate": repo.private,
        "url": f"{WEB}/{repo.full_name}",
        "owner": account(ctx, ctx.state.user(repo.owner)),
        "defaultBranchRef": {
            "id": node_id("Ref", repo.id),
            "name": repo.default_branch,
            "prefix": "refs/heads/",
            "target": lambda _info: git_object(ctx, repo, default_sha, None),
        },
        "object": lambda _info, expression=None, oid=None: git_object(ctx, repo, expression, oid),
        "pullRequest": pull,
    }
