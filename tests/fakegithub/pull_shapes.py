"""JSON as GitHub's REST API shapes pull requests, their files, commits and reviews."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .diffs import blob_sha
from .shapes import WEB, label, login, node_id, repository, team, timestamp

if TYPE_CHECKING:
    from .models import Commit, FileChange, PullRequest, Repo, Review, Signature
    from .state import GitHubState

# Fields of a full `pull-request` that the list endpoint (`pull-request-simple`) leaves out.
FULL_ONLY = (
    "merged",
    "mergeable",
    "rebaseable",
    "mergeable_state",
    "merged_by",
    "comments",
    "review_comments",
    "maintainer_can_modify",
    "commits",
    "additions",
    "deletions",
    "changed_files",
)


def association(repo: Repo, who: str) -> str:
    """`author_association` of an account with the repository."""
    if who.lower() == repo.owner.lower():
        return "OWNER"
    return "COLLABORATOR" if who in repo.collaborators else "CONTRIBUTOR"


def _end(api: str, state: GitHubState, repo: Repo, ref: str, sha: str) -> dict[str, Any]:
    """The `head` or `base` of a pull request."""
    return {
        "label": f"{repo.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": login(api, state, repo.owner),
        "repo": repository(api, state, repo),
    }


def pull(api: str, state: GitHubState, repo: Repo, item: PullRequest) -> dict[str, Any]:
    """A full `pull-request`, as `GET /pulls/{n}` returns it."""
    url = f"{api}/repos/{repo.full_name}/pulls/{item.number}"
    issue = f"{api}/repos/{repo.full_name}/issues/{item.number}"
    web = f"{WEB}/{repo.full_name}/pull/{item.number}"
    statuses = f"{api}/repos/{repo.full_name}/statuses/{item.head_sha}"
    comment_template = f"{api}/repos/{repo.full_name}/pulls/comments{{/number}}"
    links = {
        "self": url,
        "html": web,
        "issue": issue,
        "comments": f"{issue}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": comment_template,
        "commits": f"{url}/commits",
        "statuses": statuses,
    }
    return {
        "url": url,
        "id": item.id,
        "node_id": node_id("PullRequest", item.id),
        "html_url": web,
        "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch",
        "issue_url": issue,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": comment_template,
        "comments_url": f"{issue}/comments",
        "statuses_url": statuses,
        "number": item.number,
        "state": item.state,
        "locked": False,
        "title": item.title,
        "user": login(api, state, item.author),
        "body": item.body,
        "labels": [label(api, repo, repo.labels[name.lower()]) for name in item.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [login(api, state, name) for name in item.requested_reviewers],
        "requested_teams": [team(api, repo.owner, slug) for slug in item.requested_teams],
        "head": _end(api, state, repo, item.head_ref, item.head_sha),
        "base": _end(api, state, repo, item.base_ref, item.base_sha),
        "_links": {key: {"href": href} for key, href in links.items()},
        "author_association": association(repo, item.author),
        "auto_merge": None,
        "draft": item.draft,
        "merged": item.merged,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": sum(1 for c in repo.comments.values() if c.number == item.number),
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": len(item.commits),
        "additions": sum(f.additions for f in item.files),
        "deletions": sum(f.deletions for f in item.files),
        "changed_files": len(item.files),
    }


def pull_simple(api: str, state: GitHubState, repo: Repo, item: PullRequest) -> dict[str, Any]:
    """A `pull-request-simple`, as the list endpoint returns it."""
    full = pull(api, state, repo, item)
    simple = {key: value for key, value in full.items() if key not in FULL_ONLY}
    # Unlike `pull-request`, this description's labels carry a string description, never null.
    simple["labels"] = [{**entry, "description": entry["description"] or ""} for entry in full["labels"]]
    return simple


def pull_minimal(api: str, repo: Repo, item: PullRequest) -> dict[str, Any]:
    """A `pull-request-minimal`, as check runs list their pull requests."""
    repo_ref = {"id": repo.id, "url": f"{api}/repos/{repo.full_name}", "name": repo.name}
    return {
        "id": item.id,
        "number": item.number,
        "url": f"{api}/repos/{repo.full_name}/pulls/{item.number}",
        "head": {"ref": item.head_ref, "sha": item.head_sha, "repo": repo_ref},
        "base": {"ref": item.base_ref, "sha": item.base_sha, "repo": repo_ref},
    }


def diff_entry(api: str, repo: Repo, item: PullRequest, row: FileChange) -> dict[str, Any]:
    """A `diff-entry`: one changed file; `patch` is absent for binary or very large files, as on GitHub."""
    content = repo.trees.get(item.head_sha, {}).get(row.filename)
    sha = row.sha or (blob_sha(content) if content is not None else _stand_in_sha(row.filename))
    path = quote(row.filename)
    entry: dict[str, Any] = {
        "sha": sha,
        "filename": row.filename,
        "status": row.status,
        "additions": row.additions,
        "deletions": row.deletions,
        "changes": row.additions + row.deletions,
        "blob_url": f"{WEB}/{repo.full_name}/blob/{item.head_sha}/{path}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{item.head_sha}/{path}",
        "contents_url": f"{api}/repos/{repo.full_name}/contents/{path}?ref={item.head_sha}",
    }
    if row.patch is not None:
        entry["patch"] = row.patch
    if row.previous_filename is not None:
        entry["previous_filename"] = row.previous_filename
    return entry


def _stand_in_sha(path: str) -> str:
    """A blob id for a seeded file row that came without contents."""
    return hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()


def _git_user(person: Signature) -> dict[str, Any]:
    """A `git-user`: name, email and date as the commit records them."""
    return {"name": person.name, "email": person.email, "date": timestamp(person.date)}


def commit(api: str, state: GitHubState, repo: Repo, item: Commit) -> dict[str, Any]:
    """A `commit` as `GET /pulls/{n}/commits` lists it; `author` is null when no account matches."""
    url = f"{api}/repos/{repo.full_name}/commits/{item.sha}"
    tree = hashlib.sha1(f"tree:{item.sha}".encode(), usedforsecurity=False).hexdigest()
    return {
        "url": url,
        "sha": item.sha,
        "node_id": node_id("Commit", int(item.sha[:8], 16)),
        "html_url": f"{WEB}/{repo.full_name}/commit/{item.sha}",
        "comments_url": f"{url}/comments",
        "commit": {
            "url": f"{api}/repos/{repo.full_name}/git/commits/{item.sha}",
            "author": _git_user(item.author),
            "committer": _git_user(item.committer),
            "message": item.message,
            "comment_count": 0,
            "tree": {"sha": tree, "url": f"{api}/repos/{repo.full_name}/git/trees/{tree}"},
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "payload": None,
                "signature": None,
                "verified_at": None,
            },
        },
        "author": login(api, state, item.author.login) if item.author.login else None,
        "committer": login(api, state, item.committer.login) if item.committer.login else None,
        "parents": [
            {
                "sha": parent,
                "url": f"{api}/repos/{repo.full_name}/commits/{parent}",
                "html_url": f"{WEB}/{repo.full_name}/commit/{parent}",
            }
            for parent in item.parents
        ],
    }


def review(api: str, state: GitHubState, repo: Repo, item: PullRequest, entry: Review) -> dict[str, Any]:
    """A `pull-request-review`."""
    web = f"{WEB}/{repo.full_name}/pull/{item.number}#pullrequestreview-{entry.id}"
    pull_url = f"{api}/repos/{repo.full_name}/pulls/{item.number}"
    return {
        "id": entry.id,
        "node_id": node_id("PullRequestReview", entry.id),
        "user": login(api, state, entry.user),
        "body": entry.body,
        "state": entry.state,
        "html_url": web,
        "pull_request_url": pull_url,
        "_links": {"html": {"href": web}, "pull_request": {"href": pull_url}},
        "submitted_at": timestamp(entry.submitted_at),
        "commit_id": entry.commit_id,
        "author_association": association(repo, entry.user),
    }
