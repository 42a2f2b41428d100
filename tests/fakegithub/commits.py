"""`GET /repos/{owner}/{repo}/commits/{ref}`: a commit with its changed files against its first parent, as
GitHub answers it (https://docs.github.com/en/rest/commits/commits#get-a-commit).

The files come from real git: the commit and its first parents are written into a repository
(fakegithub/blame.py) and `git diff -M` runs there. Each file's `patch` is the diff's hunks with three
lines of context and no header; a binary file has none, and counts no line. 300 files a page, 3000 at most.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .blame import GIT_ENV, materialised_parent
from .calls import Call, Reply, error
from .compare import _dated
from .pull_shapes import commit
from .routing import Router
from .shapes import WEB

if TYPE_CHECKING:
    from .state import GitHubState

router = Router()
# "If there are more than 300 files in the commit diff ... pagination link headers for the remaining files,
# up to a limit of 3000 files."
FILES_PER_PAGE = 300
MAX_FILES = 3000
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_DIFF = ("-c", "core.quotePath=false", "diff", "-M", "-U3", "--full-index", "--no-color", "--no-ext-diff")


@router.route("GET", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(state: GitHubState, call: Call) -> Reply:
    """The commit, its stats and one page of its files."""
    repo = call.repo
    sha = repo.branches.get(call.params["ref"], call.params["ref"])
    if sha not in repo.commits or sha not in repo.trees:
        return error(422, f"No commit found for SHA: {call.params['ref']}")
    folder, real, parent = materialised_parent(repo, sha)
    done = subprocess.run(
        ["git", *_DIFF, parent or EMPTY_TREE, real], cwd=folder, env=GIT_ENV, capture_output=True, check=True
    )
    files = _files(done.stdout.decode("utf-8", errors="replace"))[:MAX_FILES]
    page = max(int(call.query.get("page", 1)), 1)
    last = max((len(files) + FILES_PER_PAGE - 1) // FILES_PER_PAGE, 1)
    body = commit(call.api, state, repo, _dated(repo, sha))
    # an author or committer without an account: `{}` here (the description allows a user or an empty object)
    body |= {role: body[role] or {} for role in ("author", "committer")}
    additions, deletions = sum(f["additions"] for f in files), sum(f["deletions"] for f in files)
    body["stats"] = {"total": additions + deletions, "additions": additions, "deletions": deletions}
    body["files"] = [
        _entry(call.api, repo.full_name, sha, f)
        for f in files[(page - 1) * FILES_PER_PAGE : page * FILES_PER_PAGE]
    ]
    rels = [("next", page + 1), ("last", last)] if page < last else []
    headers = {"link": ", ".join(f'<{call.link(page=n)}>; rel="{rel}"' for rel, n in rels)} if rels else {}
    return Reply(200, body, headers)


def _files(diff: str) -> list[dict[str, Any]]:
    """Each file section of `git diff`: its names, status, counts and patch."""
    files: list[dict[str, Any]] = []
    for section in diff.split("\ndiff --git ")[0 if diff.startswith("diff --git ") else 1 :]:
        header, at, body = section.removeprefix("diff --git ").partition("\n@@")
        lines = header.split("\n")
        names = lines[0]
        half = len(names) // 2
        old = new = names[half + 1 :].removeprefix("b/")
        status, blob = "modified", "0" * 40
        for line in lines[1:]:
            if line.startswith("new file mode"):
                status = "added"
            elif line.startswith("deleted file mode"):
                status = "removed"
            elif line.startswith("rename from "):
                old, status = line[len("rename from ") :], "renamed"
            elif line.startswith("rename to "):
                new = line[len("rename to ") :]
            elif line.startswith("old mode") and not at:
                status = "changed"
            elif line.startswith("index "):
                blob = line.split(" ")[1].partition("..")[2]
        patch = f"@@{body}".rstrip("\n") if at else None
        changed = patch.split("\n") if patch else []
        entry: dict[str, Any] = {
            "sha": blob,
            "filename": new,
            "status": status,
            "additions": sum(line.startswith("+") for line in changed),
            "deletions": sum(line.startswith("-") for line in changed),
        }
        if patch is not None:
            entry["patch"] = patch
        if status == "renamed":
            entry["previous_filename"] = old
        files.append(entry)
    return files


def _entry(api: str, full_name: str, sha: str, file: dict[str, Any]) -> dict[str, Any]:
    """A `diff-entry` with its URLs at the commit."""
    path = quote(file["filename"])
    return {
        **file,
        "changes": file["additions"] + file["deletions"],
        "blob_url": f"{WEB}/{full_name}/blob/{sha}/{path}",
        "raw_url": f"{WEB}/{full_name}/raw/{sha}/{path}",
        "contents_url": f"{api}/repos/{full_name}/contents/{path}?ref={sha}",
    }
