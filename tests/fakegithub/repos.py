"""Repository routes: the repository, file contents, git trees, collaborator permissions."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .calls import Call, Reply, error, not_found
from .diffs import blob_sha
from .routing import Router
from .shapes import WEB, login, repository
from .trees import Entry, entries, is_directory, tree_sha

if TYPE_CHECKING:
    from .models import Repo
    from .state import GitHubState

router = Router()
# Above 1 MB the contents API sends `encoding: none` and an empty `content`; the raw media type still works.
# https://docs.github.com/en/rest/repos/contents#get-repository-content
INLINE_LIMIT = 1024 * 1024
# The legacy `permission` field folds the finer roles into admin/write/read.
LEGACY_PERMISSION = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
}
ROLE_RANK = ("read", "triage", "write", "maintain", "admin")


@router.route("GET", "/repos/{owner}/{repo}")
def get_repo(state: GitHubState, call: Call) -> Reply:
    """The repository."""
    return Reply(200, repository(call.api, state, call.repo))


def _no_commit(ref: str) -> Reply:
    """GitHub's 404 for a ref that names nothing."""
    return error(404, f"No commit found for the ref {ref}")


def _wrapped_base64(content: bytes) -> str:
    """Base64 in lines of 60 characters, each ending in a newline, as the contents API sends it."""
    text = base64.b64encode(content).decode()
    return "".join(f"{text[start : start + 60]}\n" for start in range(0, len(text), 60))


def _content_item(call: Call, repo: Repo, ref: str, entry: Entry) -> dict[str, Any]:
    """One entry of a contents answer (file or directory), without the content itself."""
    url = f"{call.api}/repos/{repo.full_name}/contents/{quote(entry.path)}?ref={quote(ref)}"
    kind = "file" if entry.type == "blob" else "dir"
    git_url = f"{call.api}/repos/{repo.full_name}/git/{entry.type}s/{entry.sha}"
    html_url = f"{WEB}/{repo.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref}/{quote(entry.path)}"
    download = f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{quote(entry.path)}"
    return {
        "type": kind,
        "size": entry.size,
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": download if kind == "file" else None,
        "_links": {"self": url, "git": git_url, "html": html_url},
    }


@router.route("GET", "/repos/{owner}/{repo}/contents/{path:path}")
def get_contents(state: GitHubState, call: Call) -> Reply:
    """A file (base64, wrapped at 60 columns as GitHub does), or a directory listing; raw bytes on request."""
    repo = call.repo
    ref = call.query.get("ref") or repo.default_branch
    sha = state.resolve(repo, ref)
    if sha is None:
        return _no_commit(ref)
    tree = repo.trees[sha]
    path = call.params["path"].strip("/")
    if path in tree:
        content = tree[path]
        if "raw" in call.headers.get("accept", ""):
            return Reply(200, content, media_type="application/vnd.github.raw")
        item = _content_item(call, repo, ref, Entry(path, "blob", blob_sha(content), len(content)))
        inline = len(content) <= INLINE_LIMIT
        encoded = _wrapped_base64(content) if inline else ""
        return Reply(200, {**item, "content": encoded, "encoding": "base64" if inline else "none"})
    if path and is_directory(tree, path):
        return Reply(200, [_content_item(call, repo, ref, entry) for entry in entries(tree, path)])
    return not_found()


@router.route("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha:path}")
def get_tree(state: GitHubState, call: Call) -> Reply:
    """The tree of a commit (by sha or branch), flat or with `recursive` set to anything."""
    repo = call.repo
    sha = state.resolve(repo, call.params["tree_sha"])
    if sha is None:
        return not_found()
    tree = repo.trees[sha]
    base = f"{call.api}/repos/{repo.full_name}/git"
    listed = [
        {
            "path": entry.path,
            "mode": entry.mode,
            "type": entry.type,
            "sha": entry.sha,
            **({"size": entry.size} if entry.type == "blob" else {}),
            "url": f"{base}/{entry.type}s/{entry.sha}",
        }
        for entry in entries(tree, recursive="recursive" in call.query)
    ]
    root = tree_sha(tree)
    return Reply(200, {"sha": root, "url": f"{base}/trees/{root}", "tree": listed, "truncated": False})


@router.route("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission")
def get_permission(state: GitHubState, call: Call) -> Reply:
    """The collaborator's role, and the legacy permission it maps to ("none" for non-collaborators)."""
    repo = call.repo
    username = call.params["username"]
    if username not in state.users:
        return not_found()
    role = repo.collaborators.get(username)
    flags = {
        name: role is not None and ROLE_RANK.index(role) >= ROLE_RANK.index(level)
        for name, level in (
            ("pull", "read"),
            ("triage", "triage"),
            ("push", "write"),
            ("maintain", "maintain"),
        )
    }
    flags["admin"] = role == "admin"
    collaborator = {**login(call.api, state, username), "permissions": flags, "role_name": role or "none"}
    body = {
        "permission": LEGACY_PERMISSION.get(role or "", "none"),
        "role_name": role or "none",
        "user": collaborator,
    }
    return Reply(200, body)
