"""`GET /repos/{owner}/{repo}/compare/{base}...{head}`: the commits and files from the two commits' merge
base to `head`, as GitHub answers it (https://docs.github.com/en/rest/commits/commits#compare-two-commits).

The merge base is found over the commits' parents, as git does; the files are the trees' difference.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .calls import Call, Reply, error
from .diffs import file_changes
from .pull_shapes import commit
from .routing import Router
from .shapes import WEB

if TYPE_CHECKING:
    from .models import Commit, FileChange, Repo
    from .state import GitHubState

router = Router()
# "The list of changed files is only shown with the first page ... up to 300 files".
MAX_COMPARED_FILES = 300


def ancestors(repo: Repo, sha: str) -> list[str]:
    """`sha` and every commit it descends from, nearest first (breadth first over parents)."""
    seen: dict[str, None] = {}
    queue = deque([sha])
    while queue:
        current = queue.popleft()
        if current in seen or current not in repo.commits:
            continue
        seen[current] = None
        queue.extend(repo.commits[current].parents)
    return list(seen)


def merge_base(repo: Repo, base: str, head: str) -> str | None:
    """The nearest commit both descend from, None when they share no history."""
    of_base = set(ancestors(repo, base))
    return next((sha for sha in ancestors(repo, head) if sha in of_base), None)


@router.route("GET", "/repos/{owner}/{repo}/compare/{basehead}")
def compare(state: GitHubState, call: Call) -> Reply:
    """The comparison of `base...head` (branch names or commit shas)."""
    repo = call.repo
    base_ref, dots, head_ref = call.params["basehead"].partition("...")
    base, head = repo.branches.get(base_ref, base_ref), repo.branches.get(head_ref, head_ref)
    if not dots or base not in repo.commits or head not in repo.commits:
        return error(404, "Not Found")
    common = merge_base(repo, base, head)
    if common is None:
        return error(404, f"No common ancestor between {base_ref} and {head_ref}.")
    after, before = repo.trees[head], repo.trees.get(common, {})
    rows = file_changes(before, after, set(before) | set(after))[:MAX_COMPARED_FILES]
    ahead = [sha for sha in ancestors(repo, head) if sha not in set(ancestors(repo, common))]
    behind = [sha for sha in ancestors(repo, base) if sha not in set(ancestors(repo, common))]
    status = "identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged"
    url = f"{call.api}/repos/{repo.full_name}/compare/{base_ref}...{head_ref}"
    body: dict[str, Any] = {
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}",
        "permalink_url": f"{WEB}/{repo.full_name}/compare/{base[:7]}...{head[:7]}",
        "diff_url": f"{WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}.diff",
        "patch_url": f"{WEB}/{repo.full_name}/compare/{base_ref}...{head_ref}.patch",
        "base_commit": commit(call.api, state, repo, _dated(repo, base)),
        "merge_base_commit": commit(call.api, state, repo, _dated(repo, common)),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [commit(call.api, state, repo, _dated(repo, sha)) for sha in reversed(ahead)],
        "files": [_entry(call.api, repo, head, row) for row in rows],
    }
    return Reply(200, body)


def _dated(repo: Repo, sha: str) -> Commit:
    """The commit, dated where it was seeded without dates (a base branch's first commit): GitHub's commits
    always carry them."""
    item = repo.commits[sha]
    author = replace(item.author, date=item.author.date or repo.created_at)
    committer = replace(item.committer, date=item.committer.date or repo.created_at)
    return replace(item, author=author, committer=committer)


def _entry(api: str, repo: Repo, head: str, row: FileChange) -> dict[str, Any]:
    """A `diff-entry` of the comparison, its URLs at `head`."""
    path = quote(row.filename)
    entry: dict[str, Any] = {
        "sha": row.sha or "0" * 40,
        "filename": row.filename,
        "status": row.status,
        "additions": row.additions,
        "deletions": row.deletions,
        "changes": row.additions + row.deletions,
        "blob_url": f"{WEB}/{repo.full_name}/blob/{head}/{path}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{head}/{path}",
        "contents_url": f"{api}/repos/{repo.full_name}/contents/{path}?ref={head}",
    }
    if row.patch is not None:
        entry["patch"] = row.patch
    return entry
