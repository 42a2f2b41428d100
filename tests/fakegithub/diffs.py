"""Git-shaped diff text: per-file patches as `GET /pulls/{n}/files` gives them, and the `.diff` media type."""

from __future__ import annotations

import difflib
import fnmatch
import hashlib
from collections.abc import Iterable, Mapping

from .models import FileChange

NO_NEWLINE = "\\ No newline at end of file"


def blob_sha(content: bytes) -> str:
    """The git object id of a blob with `content`."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def is_binary(content: bytes) -> bool:
    """Whether git would call `content` binary (a NUL byte, or not text we can decode)."""
    if b"\0" in content[:8000]:
        return True
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def patch_text(before: bytes, after: bytes) -> tuple[str, int, int]:
    """Hunks of a text change (no `---`/`+++` header, like GitHub's `patch`) and added/deleted counts."""
    old = before.decode("utf-8").splitlines(keepends=True)
    new = after.decode("utf-8").splitlines(keepends=True)
    lines: list[str] = []
    for line in list(difflib.unified_diff(old, new, n=3))[2:]:
        # difflib leaves a last line without its newline; git marks it instead.
        lines.append(line if line.endswith("\n") else f"{line}\n{NO_NEWLINE}\n")
    added = sum(1 for line in lines if line.startswith("+"))
    deleted = sum(1 for line in lines if line.startswith("-"))
    return "".join(lines).rstrip("\n"), added, deleted


def file_change(
    path: str, before: bytes | None, after: bytes | None, *, no_diff: bool = False
) -> FileChange | None:
    """The `files` row for one path given its base and head bytes (None = absent); None when unchanged.
    `no_diff`: the head's `.gitattributes` sets `-diff` (or `binary`) for the path, which GitHub obeys."""
    if before == after:
        return None
    status = "added" if before is None else "removed" if after is None else "modified"
    old, new = before or b"", after or b""
    sha = blob_sha(new) if after is not None else "0" * 40
    if no_diff or is_binary(old) or is_binary(new):
        # GitHub lists binary files without a patch and with zero line counts.
        return FileChange(filename=path, status=status, sha=sha)
    patch, added, deleted = patch_text(old, new)
    return FileChange(path, status, added, deleted, patch or None, sha=sha)


def file_changes(
    base: Mapping[str, bytes], head: Mapping[str, bytes], paths: Iterable[str]
) -> list[FileChange]:
    """The changed files among `paths`, sorted by path as GitHub lists them; a `-diff` or `binary` line of
    the head's root `.gitattributes` (basename globs only, enough for tests) hides a file's patch."""
    hidden = _no_diff_patterns(head.get(".gitattributes", b""))
    rows = (
        file_change(
            path,
            base.get(path),
            head.get(path),
            no_diff=any(fnmatch.fnmatch(path.rsplit("/", 1)[-1], p) for p in hidden),
        )
        for path in sorted(set(paths))
    )
    return [row for row in rows if row is not None]


def _no_diff_patterns(attributes: bytes) -> list[str]:
    lines = (line.split() for line in attributes.decode("utf-8", errors="replace").splitlines())
    return [parts[0] for parts in lines if len(parts) > 1 and {"-diff", "binary"} & set(parts[1:])]


def unified_diff(files: Iterable[FileChange]) -> str:
    """The whole pull request as `git diff` text, what `Accept: application/vnd.github.diff` returns."""
    out: list[str] = []
    for row in files:
        old_path = row.previous_filename or row.filename
        out.append(f"diff --git a/{old_path} b/{row.filename}")
        if row.status == "renamed":
            out += [f"rename from {old_path}", f"rename to {row.filename}"]
        if row.status == "added":
            out.append("new file mode 100644")
        if row.status == "removed":
            out.append("deleted file mode 100644")
        source = "/dev/null" if row.status == "added" else f"a/{old_path}"
        target = "/dev/null" if row.status == "removed" else f"b/{row.filename}"
        if row.patch is None:
            if row.status != "renamed":
                out.append(f"Binary files {source} and {target} differ")
            continue
        out += [f"--- {source}", f"+++ {target}", row.patch]
    return "\n".join(out) + "\n" if out else ""
