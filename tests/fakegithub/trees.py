"""Directory views of a flat `{path: bytes}` tree, with git-like object ids for blobs and subtrees."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from .diffs import blob_sha


@dataclass(frozen=True)
class Entry:
    """A blob or subtree inside a tree."""

    path: str
    type: str  # "blob" or "tree"
    sha: str
    size: int

    @property
    def name(self) -> str:
        """The last path segment."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def mode(self) -> str:
        """Git's file mode, as the REST trees API spells it."""
        return "100644" if self.type == "blob" else "040000"


def tree_sha(tree: Mapping[str, bytes], directory: str = "") -> str:
    """A stable id for the subtree at `directory` (derived from its blobs; not git's exact hash)."""
    prefix = f"{directory}/" if directory else ""
    digest = hashlib.sha1(b"tree", usedforsecurity=False)
    for path in sorted(p for p in tree if p.startswith(prefix)):
        digest.update(f"{path}\0{blob_sha(tree[path])}\n".encode())
    return digest.hexdigest()


def is_directory(tree: Mapping[str, bytes], directory: str) -> bool:
    """Whether some file lives under `directory` ('' is the root)."""
    prefix = f"{directory}/" if directory else ""
    return any(path.startswith(prefix) for path in tree) or directory == ""


def entries(tree: Mapping[str, bytes], directory: str = "", *, recursive: bool = False) -> list[Entry]:
    """The entries under `directory`: its children, or with `recursive` every blob and subtree below it."""
    prefix = f"{directory}/" if directory else ""
    found: dict[str, Entry] = {}
    for path, content in tree.items():
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        depth = len(parts) if recursive else 1
        for level in range(1, min(depth, len(parts) - 1) + 1):
            sub = prefix + "/".join(parts[:level])
            found.setdefault(sub, Entry(sub, "tree", tree_sha(tree, sub), 0))
        if recursive or len(parts) == 1:
            found[path] = Entry(path, "blob", blob_sha(content), len(content))
    return [found[path] for path in sorted(found)]
