"""Line attribution in the App (DESIGN §4): the patch of each of the pull request's commits, read through
REST and replayed by the core as `scopegate check` replays `git log -p` — so both give the same buckets.
GitHub's patches do not ignore whitespace; the core's replay does.

A commit costs one request (another per 300 files past the first 300), once: a commit never changes, so
its patch is remembered in Redis for a day and a re-evaluation after a push reads only the new commits'.
Past MAX_PATCHED_COMMITS commits the added lines are blamed through GraphQL `blame` instead (20 files a
query), which neither ignores whitespace nor shows a commit's patch: the result says so.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from githubkit_schemas.latest.models import DiffEntry
from redis.asyncio import Redis

from bot.core.attribution import blamed_ranges
from bot.core.commit_patch import zero_context_hunks
from bot.core.line_replay import FilePatch, PatchHunk, replay
from bot.core.snapshot import BlameRange, ChangedFile, History
from bot.gather import answers
from bot.gather.queries import blame_query
from bot.github.gateway import PullRequestGateway

MAX_PATCHED_COMMITS = 100
COMMIT_PAGES = 10  # 300 files a page: GitHub lists 3000 files of a commit
CONCURRENT_COMMITS = 8
PATCH_SECONDS = 86_400  # how long a commit's patch is remembered
MAX_REMEMBERED_BYTES = 1_000_000  # a larger patch is read again rather than kept
# Files whose blame one query reads: GitHub computes each blame server-side, and a query that takes too
# long fails as a whole. Past MAX_BLAMED_FILES files (15 queries) the rest are not blamed.
BLAME_FILES_PER_QUERY = 20
MAX_BLAMED_FILES = 300


@dataclass(frozen=True, slots=True)
class CommitPatch:
    """What GitHub sent of one commit: its file sections, whether it is a merge, the paths whose content
    changed without a patch (binary or too large), and whether files were left out past 3000."""

    sha: str
    sections: tuple[FilePatch, ...]
    merge: bool
    unpatched: frozenset[str]
    truncated: bool


async def read_attribution(
    gateway: PullRequestGateway,
    head_sha: str,
    files: Sequence[ChangedFile],
    history: History,
    *,
    redis: Redis | None = None,
) -> History:
    """`history` with the blame of the added lines at the head and the commits' replacing hunks; with
    `redis`, the commits' patches remembered there are not read again."""
    if len(history.commits) > MAX_PATCHED_COMMITS:
        blamed = await read_blame(gateway, head_sha, files, history)
        reason = (
            f"past {MAX_PATCHED_COMMITS} commits the lines are blamed by GitHub, which does not ignore "
            "whitespace: a commit that only re-indented lines counts as their author"
        )
        return replace(blamed, blame_partial=(*blamed.blame_partial, reason))
    gate = asyncio.Semaphore(CONCURRENT_COMMITS)

    async def one(sha: str) -> CommitPatch:
        async with gate:
            return await read_commit_patch(gateway, sha)

    shas = [c.sha for c in history.commits]
    remembered = await _recall(redis, gateway, shas) if redis is not None else {}
    read = await asyncio.gather(*(one(sha) for sha in shas if sha not in remembered))
    if redis is not None:
        await _keep(redis, gateway, read)
    known = remembered | {p.sha: p for p in read}
    patches = [known[sha] for sha in shas]
    ranges = blamed_ranges(files)
    partial = _unlisted_patches(files)
    unpatched: set[str] = set()
    for patch in patches:
        unpatched |= patch.unpatched
        unpatched |= {new for old, new, _ in patch.sections if new is not None and old in unpatched}
    if lost := [path for path in ranges if path in unpatched]:
        partial.append(
            f"{len(lost):,} files' added lines not attributed: GitHub sent no patch of theirs in a commit "
            "(binary or too large)"
        )
        ranges = {p: spans for p, spans in ranges.items() if p not in unpatched}
    if truncated := [p.sha[:12] for p in patches if p.truncated]:
        partial.append(f"commits {', '.join(truncated)} change more files than GitHub lists (3,000)")
    replayed = replay(
        ((p.sha, p.sections) for p in patches), merges=frozenset(p.sha for p in patches if p.merge)
    )
    return replace(
        history,
        blame=tuple(replayed.blame(ranges)),
        rewrites=replayed.rewrites,
        blame_partial=tuple(partial),
        rewrites_known=True,
    )


async def read_commit_patch(gateway: PullRequestGateway, sha: str) -> CommitPatch:
    """The commit's file sections, page after page."""
    entries: list[DiffEntry] = []
    more, page, merge = True, 0, False
    while more and page < COMMIT_PAGES:
        page += 1
        commit, more = await gateway.commit_page(sha, page)
        entries += commit.files or []
        merge = len(commit.parents) > 1
    sections = tuple(_section(e) for e in entries)
    unpatched = frozenset(e.filename for e in entries if _content_unseen(e))
    return CommitPatch(sha, sections, merge, unpatched, truncated=more)


def _key(gateway: PullRequestGateway, sha: str) -> str:
    return f"scopegate:patch:{gateway.owner}/{gateway.repo}@{sha}"


async def _recall(redis: Redis, gateway: PullRequestGateway, shas: Sequence[str]) -> dict[str, CommitPatch]:
    """The commits' patches remembered in Redis, by sha."""
    found = await redis.mget([_key(gateway, sha) for sha in shas]) if shas else []
    return {sha: _decoded(sha, data) for sha, data in zip(shas, found, strict=True) if data}


async def _keep(redis: Redis, gateway: PullRequestGateway, patches: Sequence[CommitPatch]) -> None:
    """Remember the commits' patches for PATCH_SECONDS, each that encodes within MAX_REMEMBERED_BYTES."""
    async with redis.pipeline(transaction=False) as pipe:
        for patch in patches:
            if len(data := _encoded(patch)) <= MAX_REMEMBERED_BYTES:
                pipe.set(_key(gateway, patch.sha), data, ex=PATCH_SECONDS)
        await pipe.execute()


def _encoded(patch: CommitPatch) -> bytes:
    sections = [[old, new, [list(h) for h in hunks]] for old, new, hunks in patch.sections]
    record = {"sections": sections, "merge": patch.merge, "unpatched": sorted(patch.unpatched)}
    return json.dumps(record | {"truncated": patch.truncated}).encode()


def _decoded(sha: str, data: bytes) -> CommitPatch:
    record: dict[str, Any] = json.loads(data)
    sections = tuple(
        (old, new, tuple(PatchHunk(a, b, c, d, tuple(r), tuple(n)) for a, b, c, d, r, n in hunks))
        for old, new, hunks in record["sections"]
    )
    return CommitPatch(sha, sections, record["merge"], frozenset(record["unpatched"]), record["truncated"])


def _section(entry: DiffEntry) -> FilePatch:
    """A file of the commit as the replay reads it: its path before and after and its hunks."""
    previous = entry.previous_filename if isinstance(entry.previous_filename, str) else None
    old = None if entry.status in ("added", "copied") else previous or entry.filename
    new = None if entry.status == "removed" else entry.filename
    patch = entry.patch if isinstance(entry.patch, str) else None
    return old, new, zero_context_hunks(patch) if patch else ()


def _content_unseen(entry: DiffEntry) -> bool:
    """Whether the file's content changed and GitHub sent no patch of it (binary, or a diff too large):
    not a deletion, a pure rename or a change of mode."""
    if isinstance(entry.patch, str) or entry.status in ("removed", "changed"):
        return False
    return not (entry.status == "renamed" and entry.changes == 0)


def _unlisted_patches(files: Sequence[ChangedFile]) -> list[str]:
    """Why the pull request's own file list leaves added lines out of attribution."""
    if unpatched := [f.path for f in files if not f.patch_available and f.additions and not f.binary]:
        return [f"{len(unpatched):,} files' added lines not blamed (GitHub sent no patch)"]
    return []


async def read_blame(
    gateway: PullRequestGateway, head_sha: str, files: Sequence[ChangedFile], history: History
) -> History:
    """`history` with the blame of the added lines at the head, by GraphQL `blame`
    (https://docs.github.com/en/graphql/reference/objects#blame), one query per 20 files. GitHub's blame
    does not ignore whitespace and names no line's number in the commit that wrote it, so no rewrites
    (mixed lines) are found here; a file GitHub sent no patch for is not blamed."""
    ranges = blamed_ranges(files)
    partial = _unlisted_patches(files)
    paths = list(ranges)
    if len(paths) > MAX_BLAMED_FILES:
        partial.append(
            f"{len(paths) - MAX_BLAMED_FILES:,} files' added lines not blamed (past {MAX_BLAMED_FILES})"
        )
        paths = paths[:MAX_BLAMED_FILES]
    blame = []
    for at in range(0, len(paths), BLAME_FILES_PER_QUERY):
        batch = paths[at : at + BLAME_FILES_PER_QUERY]
        variables = {"oid": head_sha} | {f"p{i}": path for i, path in enumerate(batch)}
        data = await gateway.graphql(blame_query(len(batch)), variables)
        found = ((data.get("repository") or {}).get("object")) or {}
        for i, path in enumerate(batch):
            for part in answers.Blame.model_validate(found[f"f{i}"]).ranges:
                for first, last in ranges[path]:
                    low, high = max(first, part.starting_line), min(last, part.ending_line)
                    if low <= high:
                        blame.append(BlameRange(path, low, high - low + 1, part.commit.oid, path, low))
    return replace(history, blame=tuple(blame), blame_partial=tuple(partial), rewrites_known=False)
