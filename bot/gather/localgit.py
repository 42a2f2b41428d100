"""Gather a `PullRequestSnapshot` from a local git repository: the CLI's front door.

Everything is read eagerly through git's machine formats: `diff -z --raw --numstat` for the files and
their counts, `cat-file --batch` by blob id for the bytes the rules need. A bare repository works: no
work tree is read (the diff runs against an empty one, so a branch's own `.gitattributes` cannot make
its code "binary"; the base's attributes are applied by the core).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from io import BufferedRandom
from pathlib import Path
from typing import IO, NamedTuple

from bot.core.attribution import blamed_ranges
from bot.core.files import HEAD_START_BYTES, kept_bytes
from bot.core.line_replay import FilePatch, PatchHunk, replay
from bot.core.locations import (
    CODEOWNERS_PATHS,
    DEPENDENCY_LISTS,
    MANIFESTS,
    NOTES_REF,
    RULES_PATH,
    in_folders_above,
    is_gitattributes,
)
from bot.core.markers import is_source_path
from bot.core.snapshot import (
    BlameRange,
    ChangedFile,
    Commit,
    ConfigSource,
    GitAttributesFile,
    History,
    Hunk,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
)
from bot.errors import UserError
from bot.gather.gitdiff import NULL_BLOB, RawChange, parse_hunk_sections, parse_raw_numstat
from rules.base import Need

LOG_FORMAT = "%H%x00%an%x00%ae%x00%cn%x00%ce%x00%B%x1e"
# The same diff for every user: no external diff drivers, textconv, colour, custom prefixes or user-wide
# attributes; renames found as a pull request shows them.
DIFF_ARGS = ("diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", f"-l{10_000}")
RENAMES_SKIPPED = "rename detection was skipped"
# Where CI systems name a pull request's target branch, most specific first.
CI_BASE_VARIABLES = (
    "GITHUB_BASE_REF",  # GitHub Actions, on pull_request events
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",  # GitLab merge request pipelines
    "BITBUCKET_PR_DESTINATION_BRANCH",
    "SYSTEM_PULLREQUEST_TARGETBRANCH",  # Azure Pipelines (refs/heads/NAME)
    "CHANGE_TARGET",  # Jenkins multibranch
    "BUILDKITE_PULL_REQUEST_BASE_BRANCH",
)
DEFAULT_BASES = ("origin/main", "origin/master", "main", "master")
# A package manifest is read up to this size (real ones stay under 100 kB).
MAX_MANIFEST_BYTES = 1_000_000
# The lines of a `-U0` patch that name a file or open a hunk: every other line starts with `+`, `-` or
# `\`, so the regex engine finds these without a Python loop over every line (30x faster at 1M lines).
_PATCH_HEADERS = re.compile(rb"\n(diff --git [^\n]*|@@ [^\n]*)")


class Blob(NamedTuple):
    """A blob's bytes as far as they were read, and its whole size."""

    data: bytes
    size: int


class GitError(UserError):
    """A git command failed for a reason the user can fix; the message is one line."""


def gather(
    repo: Path,
    base: str | None,
    head: str,
    *,
    needs: frozenset[Need],
    rules: ConfigSource | None = None,
    environ: Mapping[str, str] = os.environ,
) -> PullRequestSnapshot:
    """Snapshot the change from the merge-base of `base` and `head` to `head`, reading files' bytes only
    as far as `needs` asks.

    Rules, CODEOWNERS and `.gitattributes` come from the tip of `base` (a branch cannot loosen its own
    gate), unless `rules` is given instead. Without `base`: the CI's target branch, else the remote's
    default branch, else `main` or `master`.
    """
    git = Git.open(repo)
    base = base or git.default_base(environ)
    (base_sha, head_sha), noted = git.resolve(base, head, probe=NOTES_REF)
    start = git.merge_base(base, head, base_sha, head_sha)
    # Independent reads run side by side: the log, the base's tree listing and the zero-context patch
    # (spooled to a file, so that its git never waits for us) while the counts are read and parsed.
    log = git.spawn("log", f"--format={LOG_FORMAT}", f"{start}..{head_sha}")
    listing = git.spawn("ls-tree", "-r", "-z", "--name-only", base_sha)
    with tempfile.TemporaryDirectory(prefix="scopegate-empty-") as empty, tempfile.TemporaryFile() as spool:
        patch = git.patch(empty, spool, start, head_sha) if Need.HUNKS in needs else None
        changes, partial = git.changes(empty, start, head_sha)
        hunks = git.hunks_of(patch, spool) if patch else [() for _ in changes]
    with_base = Need.BASE_TEXT in needs
    wanted: dict[str, int | None] = {}
    if needs & {Need.FILE_KINDS, Need.HEAD_TEXT, Need.BASE_TEXT}:
        whole = Need.HEAD_TEXT in needs
        wanted = {c.new_blob: None if whole else kept_bytes(c.path) for c in changes}
        size = None if with_base else HEAD_START_BYTES
        wanted |= {c.old_blob: size for c in changes if c.old_blob not in wanted}
    # `cat-file --batch` reads one name a line: a path holding a newline is not read (so a folder whose
    # name holds one has no manifest read).
    attributes = [p for p in os.fsdecode(finish(listing)).split("\0") if is_gitattributes(p)]
    base_paths = [p for p in (RULES_PATH, *CODEOWNERS_PATHS, *attributes) if "\n" not in p]
    wanted |= dict.fromkeys((f"{base_sha}:{p}" for p in base_paths), None)
    above: list[str] = []
    if needs & {Need.MANIFESTS, Need.FILE_KINDS}:  # a lockfile is proven beside its manifest
        readable = (c.path for c in changes if "\n" not in c.path)
        above = in_folders_above(readable, (*MANIFESTS, *DEPENDENCY_LISTS))
        wanted |= dict.fromkeys((f"{head_sha}:{p}" for p in above), MAX_MANIFEST_BYTES)
    # One `cat-file --batch` reads them all: the files' bytes, the base's rules, owners and attributes, and
    # the manifests.
    blobs = git.blobs(wanted)
    files = [_changed_file(c, h, blobs, with_base) for c, h in zip(changes, hunks, strict=True)]
    files = git.recount_binary_sources(files, changes)
    commits = tuple(_commits(finish(log).decode("utf-8", errors="replace")))
    history = History(commits, notes=git_ai_notes(git, commits) if noted else {})
    if Need.BLAME in needs:
        history = attribution_history(git, start, head_sha, files, history)
    at_base, manifests = _texts(blobs, base_sha, base_paths), _texts(blobs, head_sha, above)
    return PullRequestSnapshot(
        pull_request=PullRequestInfo(base_ref=base, head_ref=head, base_sha=start, head_sha=head_sha),
        files=tuple(files),
        history=history,
        repository=RepositoryFiles(
            rules=(rules or ConfigSource(RULES_PATH, at_base.get(RULES_PATH)),),
            codeowners=next((at_base[p] for p in CODEOWNERS_PATHS if p in at_base), None),
            gitattributes=tuple(
                GitAttributesFile(p.rpartition("/")[0], at_base[p]) for p in attributes if p in at_base
            ),
            manifests=manifests,
        ),
        partial=tuple(partial),
    )


class Git:
    """git commands on one repository (bare or not), each a process of its own."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir

    @classmethod
    def open(cls, repo: Path) -> Git:
        """The repository at or above `repo`; GitError when there is none."""
        found = run(["git", "-C", str(repo), "rev-parse", "--absolute-git-dir"])
        if found.returncode != 0:
            raise GitError(f"{repo}: not a git repository")
        return cls(Path(found.stdout.decode().strip()))

    def command(self, *args: str) -> list[str]:
        """argv of a git command on this repository, reading no user-wide attributes."""
        return ["git", f"--git-dir={self.git_dir}", "-c", "core.attributesFile=/dev/null", *args]

    def output(self, *args: str, error: str | None = None) -> bytes:
        """Standard output of a git command; GitError (one line) when it fails."""
        result = run(self.command(*args))
        if result.returncode != 0:
            raise GitError(f"{self.git_dir}: {error or _last_line(result.stderr, f'git {args[0]} failed')}")
        return result.stdout

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        """A git command running in the background; `finish` collects its output."""
        return subprocess.Popen(self.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def default_base(self, environ: Mapping[str, str]) -> str:
        """The first that exists of: the CI's target branch (remote-tracking if fetched), `origin/HEAD`,
        `origin/main`, `origin/master`, `main`, `master`."""
        targets = [environ[v].removeprefix("refs/heads/") for v in CI_BASE_VARIABLES if environ.get(v)]
        candidates = [name for target in targets for name in (f"origin/{target}", target)]
        # `origin/HEAD` by the branch it points at, so the output names the branch.
        remote_head = run(self.command("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"))
        if remote_head.returncode == 0:
            candidates.append(remote_head.stdout.decode().strip())
        candidates += DEFAULT_BASES
        found = self._kinds(candidates)
        for name, kind in zip(candidates, found, strict=True):
            if kind == "commit":
                return name
        raise GitError(f"{self.git_dir}: no base branch found (tried {', '.join(candidates)}): pass --base")

    def resolve(self, *refs: str, probe: str) -> tuple[list[str], bool]:
        """The commit sha of each ref and whether the ref `probe` exists, in one git process."""
        *lines, probed = self._check([*(f"{ref}^{{commit}}" for ref in refs), probe])
        shas = []
        for ref, line in zip(refs, lines, strict=True):
            sha, _, kind = line.partition(" ")
            if not kind.startswith("commit "):
                raise GitError(f"{self.git_dir}: unknown ref {ref!r}")
            shas.append(sha)
        return shas, not probed.endswith(" missing")

    def merge_base(self, base: str, head: str, base_sha: str, head_sha: str) -> str:
        """Where `head` left `base`; a shallow clone that does not reach it is told to fetch more."""
        result = run(self.command("merge-base", base_sha, head_sha))
        if result.returncode == 0:
            return result.stdout.decode().strip()
        if self.output("rev-parse", "--is-shallow-repository").strip() == b"true":
            raise GitError(
                f"{self.git_dir}: a shallow clone: its history does not reach where {head} left {base}; "
                "fetch more history (e.g. `fetch-depth: 0` in actions/checkout, or `git fetch --unshallow`)"
            )
        raise GitError(f"{self.git_dir}: {base} and {head} have no common ancestor")

    def changes(self, work_tree: str, start: str, head: str) -> tuple[list[RawChange], list[str]]:
        """The changed files with git's counts; the second item names what was partial. `work_tree` is an
        empty folder: no attributes but the base's, which the core applies, bear on the diff."""
        args = ("-z", "--raw", "--numstat", "--no-abbrev", start, head)
        result = run(self.command("--work-tree", work_tree, *DIFF_ARGS, *args))
        if result.returncode != 0:
            raise GitError(f"{self.git_dir}: {_last_line(result.stderr, 'git diff failed')}")
        partial = []
        if RENAMES_SKIPPED.encode() in result.stderr:
            partial.append("git skipped rename detection (too many files): renamed files count in full")
        return parse_raw_numstat(result.stdout), partial

    def patch(self, work_tree: str, spool: BufferedRandom, start: str, head: str) -> subprocess.Popen[bytes]:
        """A git writing the zero-context patch to the file `spool` in the background (never waiting for
        a reader); `work_tree` as for `changes`."""
        command = self.command("--work-tree", work_tree, *DIFF_ARGS, "-U0", start, head)
        return subprocess.Popen(command, stdout=spool, stderr=subprocess.PIPE)

    def hunks_of(self, patch: subprocess.Popen[bytes], spool: BufferedRandom) -> list[tuple[Hunk, ...]]:
        """Each changed file's zero-context hunks, in the order `changes` lists the files, once `patch`
        has written them to `spool`."""
        finish(patch)
        text = bytearray(os.fstat(spool.fileno()).st_size + 1)
        text[0] = 0x0A  # the newline before each line sought, the first one too
        spool.seek(0)
        spool.readinto(memoryview(text)[1:])
        return list(parse_hunk_sections(match[1] for match in _PATCH_HEADERS.finditer(text)))

    def hunks(self, start: str, head: str) -> list[tuple[Hunk, ...]]:
        """Each changed file's zero-context hunks, in the order `changes` lists the files."""
        with (
            tempfile.TemporaryDirectory(prefix="scopegate-empty-") as empty,
            tempfile.TemporaryFile() as spool,
        ):
            return self.hunks_of(self.patch(empty, spool, start, head), spool)

    def recount_binary_sources(self, files: list[ChangedFile], changes: list[RawChange]) -> list[ChangedFile]:
        """A file git calls binary but whose name says source code (a NUL byte slipped into `app.py`)
        counts its lines: diffed as text."""
        recounted = []
        for file, change in zip(files, changes, strict=True):
            if file.binary and is_source_path(file.path):
                added, deleted = self._text_counts(change)
                recounted.append(replace(file, binary=False, additions=added, deletions=deleted))
            else:
                recounted.append(file)
        return recounted

    def objects(self, names: Sequence[str], *, keep: int | None = None) -> dict[str, bytes]:
        """`{name: bytes}` of the blobs named (ids or `REV:PATH`) that exist, keeping at most `keep` bytes
        of each."""
        return {name: blob.data for name, blob in self.blobs(dict.fromkeys(names, keep)).items()}

    def blobs(self, wanted: Mapping[str, int | None]) -> dict[str, Blob]:
        """The blobs named (ids or `REV:PATH`) that exist, each with at most as many bytes as `wanted` says
        (None: all) and its size; one streaming `cat-file --batch`, so memory holds only what is kept."""
        names = [n for n in wanted if n and n != NULL_BLOB]
        process = subprocess.Popen(
            self.command("cat-file", "--batch"), stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert process.stdin is not None  # spawned with pipes; narrows the types
        assert process.stdout is not None
        request = b"".join(os.fsencode(f"{name}\n") for name in names)  # a path's own bytes (PEP 383)
        # Written from a thread: a long request would fill the pipe while git waits for us to read.
        writer = threading.Thread(target=_write_and_close, args=(process.stdin, request))
        writer.start()
        blobs: dict[str, Blob] = {}
        for name in names:
            header = process.stdout.readline().rstrip(b"\n")
            if header.endswith((b" missing", b" ambiguous")):
                continue
            _, kind, size_text = header.rsplit(b" ", 2)
            size, keep = int(size_text), wanted[name]
            body = process.stdout.read(size if keep is None else min(size, keep))
            process.stdout.read(size - len(body) + 1)  # the rest, and the newline after the body
            if kind == b"blob":
                blobs[name] = Blob(body, size)
        writer.join()
        process.wait()
        return blobs

    def _text_counts(self, change: RawChange) -> tuple[int, int]:
        if NULL_BLOB in (change.new_blob, change.old_blob):
            blob = self.objects([change.new_blob if change.old_blob == NULL_BLOB else change.old_blob])
            lines = _line_count(next(iter(blob.values()), b""))
            return (lines, 0) if change.old_blob == NULL_BLOB else (0, lines)
        patch = self.output("diff", "--text", "--no-color", "-U0", change.old_blob, change.new_blob)
        hunks = [h for section in parse_hunk_sections(patch.splitlines()) for h in section]
        return sum(h.target_length for h in hunks), sum(h.source_length for h in hunks)

    def _kinds(self, refs: Sequence[str]) -> list[str]:
        """The object type each ref names (`commit`, …), or `missing`."""
        lines = self._check(f"{ref}^{{commit}}" for ref in refs)
        return [parts[1] if len(parts := line.split(" ")) == 3 else "missing" for line in lines]

    def _check(self, names: Iterable[str]) -> list[str]:
        request = "".join(f"{name}\n" for name in names).encode()
        done = subprocess.run(
            self.command("cat-file", "--batch-check"), input=request, capture_output=True, check=False
        )
        return done.stdout.decode(errors="replace").splitlines()


def finish(process: subprocess.Popen[bytes]) -> bytes:
    """The rest of a spawned git's output, once it has exited successfully."""
    out, err = process.communicate()
    if process.returncode != 0:
        raise GitError(_last_line(err, f"git exited {process.returncode}"))
    return out


def run(argv: Sequence[str]) -> subprocess.CompletedProcess[bytes]:
    """A finished process; GitError when git itself cannot be run."""
    try:
        return subprocess.run(list(argv), capture_output=True, check=False)
    except FileNotFoundError as error:
        raise GitError("git is not installed or not on PATH") from error


def _changed_file(
    change: RawChange, hunks: tuple[Hunk, ...], blobs: Mapping[str, Blob], with_base: bool
) -> ChangedFile:
    """The file as git diffed it, with its hunks and as much of its bytes as `blobs` holds."""
    new, old = blobs.get(change.new_blob), blobs.get(change.old_blob)
    return ChangedFile(
        path=change.path,
        status=change.status,
        additions=change.additions or 0,
        deletions=change.deletions or 0,
        previous_path=change.previous_path,
        binary=change.additions is None,
        hunks=hunks,
        head=new.data if new else None,
        head_size=new.size if new else None,
        base_start=old.data[:HEAD_START_BYTES] if old else None,
        base=old.data if with_base and old else None,
    )


def _texts(blobs: Mapping[str, Blob], rev: str, paths: Iterable[str]) -> dict[str, str]:
    """The text of each of `paths` that exists at `rev`, from `blobs` read by `REV:PATH`."""
    texts = {}
    for path in paths:
        if (blob := blobs.get(f"{rev}:{path}")) is not None:
            texts[path] = blob.data.decode("utf-8", errors="replace")
    return texts


def _line_count(blob: bytes) -> int:
    """Lines as git counts them: a last line without a newline counts too."""
    return blob.count(b"\n") + (bool(blob) and not blob.endswith(b"\n"))


def _write_and_close(pipe: IO[bytes], data: bytes) -> None:
    pipe.write(data)
    pipe.close()


def _last_line(stderr: bytes, fallback: str) -> str:
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else fallback


def _commits(log: str) -> Iterator[Commit]:
    for record in log.split("\x1e"):
        fields = record.strip("\n").split("\x00")
        if len(fields) == 6:
            sha, an, ae, cn, ce, message = fields
            yield Commit(sha, Person(an, ae), Person(cn, ce), message.strip())


# Line attribution (DESIGN §4): blame of the added lines at the head, stopping at where the branch left the
# base (`start..head`: older lines are the boundary's, not the pull request's), whitespace ignored (`-w`:
# a formatter run keeps the lines' authors); and the first-parent patches of the pull request's commits,
# replayed by the core to find which commits rewrote which lines.
BLAME_ARGS = ("blame", "--porcelain", "-w")
PATCH_ARGS = (
    "-c",
    "core.quotePath=false",
    "log",
    "--reverse",
    "--first-parent",
    "--diff-merges=first-parent",
    "-p",
    "-U0",
    "-w",
    "-M",
    "--no-prefix",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--format=%x00%H",
)
BLAME_PROCESSES = max(1, min(16, os.cpu_count() or 1))
BLAME_MAX_FILES = 100
_PATCH_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def blame_added(
    git: Git, start: str, head: str, ranges: Mapping[str, Sequence[tuple[int, int]]]
) -> list[BlameRange]:
    """The blame of the added lines, a git process per file, several at a time."""

    def one(path: str) -> list[BlameRange]:
        spans = [arg for first, last in ranges[path] for arg in ("-L", f"{first},{last}")]
        out = git.output(*BLAME_ARGS, *spans, f"{start}..{head}", "--", path)
        return parse_blame_porcelain(path, out)

    with ThreadPoolExecutor(BLAME_PROCESSES) as pool:
        return [r for found in pool.map(one, list(ranges)) for r in found]


def parse_blame_porcelain(path: str, output: bytes) -> list[BlameRange]:
    """The groups of `git blame --porcelain`: a header `sha orig final count` opens each; a `filename`
    line names the file in that commit the first time the commit shows up (later groups of the same commit
    have none); content lines start with a tab."""
    found: list[BlameRange] = []
    names: dict[str, str] = {}
    for line in output.split(b"\n"):
        if line.startswith(b"\t") or not line:
            continue
        fields = line.split(b" ")
        if len(fields) == 4 and len(fields[0]) >= 40 and fields[3].isdigit():
            sha = fields[0].decode()
            found.append(
                BlameRange(path, int(fields[2]), int(fields[3]), sha, names.get(sha, path), int(fields[1]))
            )
        elif line.startswith(b"filename ") and found:
            name = line[len(b"filename ") :].decode("utf-8", errors="replace")
            names[found[-1].sha] = name
            found[-1] = replace(found[-1], original_path=name)
    return found


def parse_patches(output: bytes) -> Iterator[tuple[str, list[FilePatch]]]:
    """The commits of `git log -p -U0 --no-prefix --format=%x00%H`, each with its files' hunks. Hunk
    bodies are skipped by their counts, so a content line that looks like a header is never read as one."""
    sha: str | None = None
    sections: list[FilePatch] = []
    old: str | None = None
    new: str | None = None
    hunks: list[PatchHunk] = []
    skip = 0
    in_file = False

    def close() -> None:
        if in_file:
            sections.append((old, new, hunks))

    for line in output.split(b"\n"):
        if skip:
            if not line.startswith(b"\\"):
                skip -= 1
            continue
        if line.startswith(b"\0"):
            close()
            if sha is not None:
                yield sha, sections
            sha, sections, in_file = line[1:].decode().strip(), [], False
        elif line.startswith(b"diff --git "):
            close()
            in_file, old, new, hunks = True, None, None, []
            names = line[len(b"diff --git ") :].decode("utf-8", errors="replace")
            half = len(names) // 2  # `a a` for a file changed in place; renames are named below
            old = new = names[:half] if names[half : half + 1] == " " else names
        elif line.startswith(b"--- ") and in_file and not hunks:
            name = line[4:].decode("utf-8", errors="replace")
            old = None if name == "/dev/null" else name
        elif line.startswith(b"+++ ") and in_file and not hunks:
            name = line[4:].decode("utf-8", errors="replace")
            new = None if name == "/dev/null" else name
        elif line.startswith((b"rename from ", b"rename to ")) and in_file:
            name = line.split(b" ", 2)[2].decode("utf-8", errors="replace")
            old, new = (name, new) if line.startswith(b"rename from ") else (old, name)
        elif (match := _PATCH_HUNK.match(line)) and in_file:
            old_length = int(match[2]) if match[2] is not None else 1
            new_length = int(match[4]) if match[4] is not None else 1
            hunks.append(PatchHunk(int(match[1]), old_length, int(match[3]), new_length))
            skip = old_length + new_length
    close()
    if sha is not None:
        yield sha, sections


def gather_later(repo: Path, snapshot: PullRequestSnapshot, needs: frozenset[Need]) -> PullRequestSnapshot:
    """The second phase: `snapshot` with what the rules asked for once they saw the first."""
    if Need.BLAME not in needs:
        return snapshot
    pr = snapshot.pull_request
    history = attribution_history(Git.open(repo), pr.base_sha, pr.head_sha, snapshot.files, snapshot.history)
    return replace(snapshot, history=history)


def attribution_history(
    git: Git, start: str, head: str, files: Sequence[ChangedFile], history: History
) -> History:
    """`history` with the blame of the added lines and the commits' replacing hunks.

    Up to BLAME_MAX_FILES files, or when the branch has merge commits, `git blame` (a process per file);
    past that, the replay of the patches stands in for it (one process in all): on a linear history the
    same whitespace-blind answer (blame without `-M`/`-C` does not follow moves either). Through a merge
    the replay would see only the merge's first-parent patch, so merged lines go to blame."""
    if not any(f.hunks for f in files):
        files = [replace(f, hunks=h) for f, h in zip(files, git.hunks(start, head), strict=True)]
    ranges = blamed_ranges(files)
    patches = git.spawn(*PATCH_ARGS, f"{start}..{head}")
    linear = git.output("rev-list", "--min-parents=2", "--count", f"{start}..{head}").strip() == b"0"
    blame = None if linear and len(ranges) > BLAME_MAX_FILES else blame_added(git, start, head, ranges)
    replayed = replay(parse_patches(finish(patches)))
    if blame is None:
        blame = replayed.blame(ranges)
    return replace(history, blame=tuple(blame), rewrites=replayed.rewrites)


def git_ai_notes(git: Git, commits: Sequence[Commit]) -> dict[str, str]:
    """The text of the git-ai note of each commit that has one, by sha."""
    listed = git.output("notes", f"--ref={NOTES_REF}", "list")
    wanted = {c.sha for c in commits}
    blobs = {}
    for line in listed.decode(errors="replace").splitlines():
        note, _, commit = line.partition(" ")
        if commit in wanted:
            blobs[commit] = note
    texts = git.objects(list(blobs.values()))
    return {c: texts[n].decode("utf-8", errors="replace") for c, n in blobs.items() if n in texts}
