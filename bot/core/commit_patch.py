"""A commit's file patch as GitHub sends it (`files[].patch` of `GET /repos/{owner}/{repo}/commits/{sha}`:
hunks with three lines of context, no `---`/`+++` header) as the zero-context hunks the attribution replay
reads, each with its lines' text: GitHub's patches do not ignore whitespace, so the replay compares the
removed and added lines itself (DESIGN §4)."""

from __future__ import annotations

import re

from bot.core.line_replay import PatchHunk

_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def zero_context_hunks(patch: str) -> list[PatchHunk]:
    """Each run of removed and added lines between context lines, as `git diff -U0` numbers it."""
    hunks: list[PatchHunk] = []
    removed: list[str] = []
    added: list[str] = []
    old = new = old_run = new_run = 0

    def close() -> None:
        if removed or added:
            hunks.append(
                PatchHunk(
                    old_run if removed else old_run - 1,
                    len(removed),
                    new_run if added else new_run - 1,
                    len(added),
                    tuple(removed),
                    tuple(added),
                )
            )
            removed.clear()
            added.clear()

    lines = patch.split("\n")
    if lines[-1] == "":
        lines.pop()
    for line in lines:
        if match := _HEADER.match(line):
            close()
            # a side of length 0 names the line before the hunk: the next line is the one after it
            old = int(match[1]) + (match[2] == "0")
            new = int(match[3]) + (match[4] == "0")
        elif line.startswith(("-", "+")):
            if not removed and not added:
                old_run, new_run = old, new
            if line[0] == "-":
                removed.append(line[1:])
                old += 1
            else:
                added.append(line[1:])
                new += 1
        elif line.startswith(" ") or not line:  # a context line (an empty one, should its space be lost)
            close()
            old, new = old + 1, new + 1
        # `\ No newline at end of file` belongs to the line before it; nothing else appears in a patch
    close()
    return hunks
