"""`scopegate check` over the merged PRs of real repositories: crashes, disagreements with `git diff
--numstat -M`, and the share of counted lines in files an independent audit calls generated.

python benchmarks/bench_corpus.py --repo PATH_OR_GIT_DIR [--repo ...] [--list FILE] [--max-prs 150]
python benchmarks/bench_corpus.py --quick      # a small synthetic repository, for CI (no network)

`--code DIR` runs the `check` of another scopegate checkout (its `.venv/bin/python -m bot`), e.g. a clean
clone of the committed code. Figures go to stdout, one JSON object per line; notes and examples to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus_audit import HEAD_BYTES, audit
from benchmarks.corpus_git import (
    NULL_SHA,
    BlobHeads,
    MergedPR,
    NumstatEntry,
    RawEntry,
    base_attributes,
    is_bare,
    merge_base,
    merged_prs,
)
from benchmarks.corpus_git import numstat as git_numstat
from benchmarks.corpus_git import raw as git_raw
from benchmarks.corpus_quick import build_quick_repository
from benchmarks.corpus_report import EXAMPLES, Tally, report, say

TIMEOUT_SECONDS = 120
FLOOR = Path(__file__).with_name("floor_check.py")
DEFAULT_MAX_LINES, DEFAULT_MAX_FILES = 800, 60
SOURCE_SUFFIXES = (".py", ".ts", ".tsx", ".js", ".mjs", ".go", ".rs", ".java", ".c", ".h", ".rb", ".proto")


@dataclass
class CheckRun:
    """One `scopegate check` process: exit code, parsed JSON (when it printed some), stderr's last line."""

    code: int | str
    contract: dict[str, Any] | None
    last_stderr: str
    seconds: float

    @property
    def crashed(self) -> bool:
        """A traceback, a timeout, an exit code other than 0/1/2, or a verdict exit without JSON."""
        if "Traceback" in self.last_stderr or self.code not in (0, 1, 2):
            return True
        return self.code != 2 and self.contract is None


def run_check(python: str, code_dir: Path, repo: Path, base: str, head: str) -> CheckRun:
    """`scopegate check --format json` as a child process, bounded by TIMEOUT_SECONDS (its whole process
    group is killed then, git children included)."""
    argv = [python, "-m", "bot", "check", "--repo", str(repo), "--base", base, "--head", head]
    argv += ["--format", "json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "CI_", "SCOPEGATE_"))}
    began = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=code_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        out, err = child.communicate(timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return CheckRun("timeout", None, f"timeout after {TIMEOUT_SECONDS} s", time.perf_counter() - began)
    seconds = time.perf_counter() - began
    lines = err.decode(errors="replace").strip().splitlines()
    last = lines[-1] if lines else ""
    if any(line.startswith("Traceback") for line in lines):
        last = "Traceback … " + last
    try:
        contract = json.loads(out) if out.strip() else None
    except ValueError:
        contract, last = None, last or "stdout is not JSON"
    return CheckRun(child.returncode, contract if isinstance(contract, dict) else None, last, seconds)


def floor_seconds(repo: Path, pr: MergedPR) -> float:
    """Wall time of the floor (benchmarks/floor_check.py: the git commands `check` runs, counts summed) as
    a process, the baseline any Python tool pays on the same PR."""
    began = time.perf_counter()
    subprocess.run([sys.executable, str(FLOOR), str(repo), pr.base, pr.head], capture_output=True, check=True)
    return time.perf_counter() - began


def per_file_list(contract: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """A list of per-file dicts with path and added/deleted counts, wherever the contract puts it (another
    engineer is adding one; `size.excluded_files` does not count), with its dotted key."""
    places = [("size." + k, v) for k, v in contract.get("size", {}).items() if k != "excluded_files"]
    places += [(k, v) for k, v in contract.items() if k not in ("size", "findings", "split_plan")]
    for key, value in places:
        if isinstance(value, list) and value and all(isinstance(v, dict) and _counts(v) for v in value):
            return key, value
    return None


def _counts(entry: dict[str, Any]) -> tuple[int, int] | None:
    if "path" not in entry:
        return None
    for added, deleted in (("added", "deleted"), ("additions", "deletions")):
        if isinstance(entry.get(added), int) and isinstance(entry.get(deleted), int):
            return entry[added], entry[deleted]
    return None


def _reason(entry: dict[str, Any]) -> str:
    """Why the gate left a file out (`reason`, or `kind` in a per-file list)."""
    return str(entry.get("reason", entry.get("kind")))


def _counted(entry: dict[str, Any], excluded: set[str]) -> int | None:
    """The lines an entry of the per-file list counts toward the effective size, None if excluded."""
    if entry["path"] in excluded or entry.get("excluded") is True or entry.get("counted") is False:
        return None
    for key in ("counted", "counted_lines", "effective_lines", "lines"):
        value = entry.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    added, deleted = _counts(entry) or (0, 0)
    return added + deleted


@dataclass(frozen=True)
class PRFacts:
    """What one PR's check printed and what git says of the same range."""

    label: str
    repo: Path
    start: str
    size: dict[str, Any]
    excluded: dict[str, dict[str, Any]]
    listed: tuple[str, list[dict[str, Any]]] | None
    entries: list[NumstatEntry]
    blobs: dict[str, RawEntry]


def measure_pr(
    repo: Path, check_repo: Path, pr: MergedPR, tally: Tally, *, heads: BlobHeads, args: Any
) -> None:
    """Check one PR, compare it with numstat, audit its counted files, and add it all to `tally`."""
    label = f"{pr.commit[:10]} #{pr.number}" if pr.number else pr.commit[:10]
    tally.prs += 1
    tally.kinds[pr.kind] += 1
    run = run_check(args.python, args.code, check_repo, pr.base, pr.head)
    if run.crashed:
        tally.crashes.append((label, f"exit {run.code}: {run.last_stderr}"))
        return
    if run.code == 2 or run.contract is None:
        tally.user_errors.append((label, run.last_stderr))
        return
    tally.check_seconds.append(run.seconds)
    tally.floor_seconds.append(floor_seconds(check_repo, pr))
    contract = run.contract
    tally.failures += contract.get("conclusion") == "failure"
    start = merge_base(repo, pr.base, pr.head)
    entries, seconds, warnings = git_numstat(repo, start, pr.head)
    tally.numstat_seconds.append(seconds)
    tally.renames_skipped += "rename detection was skipped" in warnings
    size = contract.get("size", {})
    excluded = {e["path"]: e for e in size.get("excluded_files", []) if isinstance(e, dict) and "path" in e}
    listed = per_file_list(contract)
    tally.shapes[f"per-file list `{listed[0]}`" if listed else "totals (effective_lines + excluded)"] += 1
    facts = PRFacts(label, repo, start, size, excluded, listed, entries, git_raw(repo, start, pr.head))
    compare(facts, tally)
    audited_lines, audited_files, counted_files = audit_pr(facts, tally, heads)
    limits = size.get("limits", {})
    max_lines = int(limits.get("max_lines", DEFAULT_MAX_LINES))
    max_files = int(limits.get("max_files", DEFAULT_MAX_FILES))
    effective = int(size.get("effective_lines", 0))
    files = size["files"] if isinstance(size.get("files"), int) else counted_files
    fails = effective > max_lines or files > max_files
    if fails and not (effective - audited_lines > max_lines or files - audited_files > max_files):
        tally.flips.append(f"{label}: {effective} effective lines, {audited_lines} of them audited")


def compare(facts: PRFacts, tally: Tally) -> None:
    """Per file where the JSON gives per-file counts (excluded files, and the per-file list if there is
    one), against numstat's text files; and the totals, effective + excluded against numstat's sum."""
    label, by_path = facts.label, {e.path: e for e in facts.entries}
    json_files = dict(facts.excluded) | ({e["path"]: e for e in facts.listed[1]} if facts.listed else {})
    for path, entry in json_files.items():
        counts, numbers = _counts(entry), by_path.get(path)
        if numbers is None:
            tally.disagreements.append(f"{label} {path}: in the JSON {counts}, not in numstat")
        elif numbers.added is not None and counts is not None:
            tally.compared_files += 1
            if counts != (numbers.added, numbers.deleted):
                theirs = (numbers.added, numbers.deleted)
                tally.disagreements.append(f"{label} {path}: JSON {counts}, numstat {theirs}")
    for entry in facts.entries if facts.listed else ():
        if entry.path not in json_files and (entry.added or entry.deleted):
            git_counts = (entry.added, entry.deleted)
            tally.disagreements.append(f"{label} {entry.path}: numstat {git_counts}, not in the JSON")
    text_total = sum((e.added or 0) + (e.deleted or 0) for e in facts.entries)
    excluded_total = sum(sum(_counts(e) or (0, 0)) for e in facts.excluded.values())
    # A binary file (numstat `-`) the gate counts by its blob's lines (issue 7, item 2) is not in
    # numstat's sum; those lines are compared with the blob in `binaries` instead.
    binary = {e.path for e in facts.entries if e.added is None}
    excluded = set(facts.excluded)
    binary_counted = sum(
        _counted(e, excluded) or 0 for e in (facts.listed[1] if facts.listed else ()) if e["path"] in binary
    )
    effective = int(facts.size.get("effective_lines", 0)) - binary_counted
    if effective + excluded_total != text_total:
        tally.total_mismatches.append(
            f"{label}: effective {effective} (text files) + excluded {excluded_total} ≠ numstat {text_total}"
        )


def audit_pr(facts: PRFacts, tally: Tally, heads: BlobHeads) -> tuple[int, int, int]:
    """Audit the PR's counted files (and its excluded ones, for lines the gate may hide); return the
    counted lines and files the auditor calls generated/snapshot/lockfile/vendored, and the counted files."""

    def head_of(path: str) -> bytes | None:
        blob = facts.blobs.get(path)
        if blob is None or blob.new_mode == "160000":  # a submodule has no text
            return None
        return heads.read(blob.new_blob if blob.new_blob != NULL_SHA else blob.old_blob)

    notes: dict[str, str] = {}
    if facts.listed:
        excluded = set(facts.excluded)
        counted = {e["path"]: n for e in facts.listed[1] if (n := _counted(e, excluded)) is not None}
        # A counted file's `reason` is the gate's note on a kind it did not believe ("declares itself
        # generated: counted — …"); empty when the gate took it for plain source.
        notes = {e["path"]: str(e.get("reason") or "") for e in facts.listed[1] if e["path"] in counted}
    else:
        counted = {
            e.path: (e.added or 0) + (e.deleted or 0) for e in facts.entries if e.path not in facts.excluded
        }
    binaries(facts, tally, heads)
    tally.counted_lines += int(facts.size.get("effective_lines", 0))
    lines = files = 0
    for path, count in counted.items():
        found = audit(path, head_of(path)) if count else None
        if found is None:
            continue
        tally.audited_lines[found.category] += count
        tally.audited_files[found.category] += 1
        tally.audited_prs.add(facts.label)
        lines, files = lines + count, files + 1
        note = notes.get(path, "")
        if note:
            tally.audited_noted_lines[found.category] += count
        else:
            tally.audited_silent.append(f"{facts.label} {path} ({count} lines; audit: {found.why})")
        if len(tally.examples[found.category]) < EXAMPLES:
            said = f"gate: {note}" if note else "gate: counted, no reason given"
            tally.examples[found.category].append(
                f"{path} ({count} lines; audit: {found.why}; {said}; {facts.label})"
            )
    for entry in facts.excluded.values():
        count = sum(_counts(entry) or (0, 0))
        tally.excluded_lines += count
        tally.excluded_by_reason[_reason(entry)] += count
    plain = [
        p for p, e in facts.excluded.items() if sum(_counts(e) or (0, 0)) and audit(p, head_of(p)) is None
    ]
    self_declared(facts, tally, heads, plain)
    return lines, files, len(counted)


def binaries(facts: PRFacts, tally: Tally, heads: BlobHeads) -> None:
    """Files git calls binary (numstat `-`): those the gate counts (with 0 lines), and the lines of those
    with a source-code name, which one NUL byte hides from any diff-based count."""
    listed = {e["path"]: e for e in facts.listed[1]} if facts.listed else {}
    for entry in facts.entries:
        if entry.added is None:
            binary(facts, entry.path, listed.get(entry.path), tally, heads)


def binary(facts: PRFacts, path: str, listed: dict[str, Any] | None, tally: Tally, heads: BlobHeads) -> None:
    """One file numstat calls binary: counted with 0 lines, or a source-code name whose blob has lines."""
    excluded = path in facts.excluded
    gate = 0 if excluded or listed is None else _counted(listed, set(facts.excluded)) or 0
    if not excluded and not gate:
        tally.binary_counted.append(f"{facts.label} {path}")
    blob = facts.blobs.get(path)
    if blob and blob.new_blob != NULL_SHA and path.endswith(SOURCE_SUFFIXES):
        reason = _reason(facts.excluded[path]) if excluded else f"the gate counts {gate}"
        tally.binary_source.append((f"{facts.label} {path}", heads.lines(blob.new_blob), reason))


def self_declared(facts: PRFacts, tally: Tally, heads: BlobHeads, plain: list[str]) -> None:
    """Excluded files whose kind only the head declares: new in the PR (or newly given a header), called
    generated, vendored or binary (with a source-code name), and not so by any `.gitattributes` line of
    the base (issue 7, item 2); and excluded files the audit calls `plain`, split by whether a base
    attribute (a maintainer's word) covers them."""
    candidates = []
    for path, entry in facts.excluded.items():
        blob = facts.blobs.get(path)
        if _reason(entry) not in ("generated", "vendored", "binary") or blob is None:
            continue
        if _reason(entry) == "binary" and not path.endswith(SOURCE_SUFFIXES):
            continue  # an image is binary by nature; a `.py` file with a NUL byte is not
        was_plain = blob.old_blob == NULL_SHA or audit(path, heads.read(blob.old_blob)) is None
        if blob.new_blob != NULL_SHA and was_plain:
            candidates.append(path)
    attributes = base_attributes(facts.repo, facts.start, sorted({*candidates, *plain}))
    for path in plain:
        row = (
            f"{facts.label} {path}",
            sum(_counts(facts.excluded[path]) or (0, 0)),
            _reason(facts.excluded[path]),
        )
        (tally.excluded_by_attribute if attributes[path] else tally.excluded_plain).append(row)
    for path in candidates:
        if not attributes[path]:
            count = sum(_counts(facts.excluded[path]) or (0, 0))
            if _reason(facts.excluded[path]) == "binary":  # git's count is 0; the blob's lines are not
                count = heads.lines(facts.blobs[path].new_blob)
            tally.self_declared.append((f"{facts.label} {path}", count, _reason(facts.excluded[path])))


def prepare(repo: Path, first: MergedPR | None, args: Any, scratch: Path, tally: Tally) -> Path:
    """The path `check` runs on: the repository itself, or, when it is bare and `check` refuses it, a
    clone that shares its objects and checks nothing out."""
    if not is_bare(repo) or first is None:
        tally.bare = "not bare"
        return repo
    probe = run_check(args.python, args.code, repo, first.base, first.head)
    if run_ok(probe):
        tally.bare = "bare: check works on it"
        return repo
    tally.bare_refused += 1
    tally.bare = f"bare: check failed on it (exit {probe.code}: {probe.last_stderr}); ran on a --shared clone"
    clone = scratch / f"clone-{len(list(scratch.iterdir()))}"
    subprocess.run(["git", "clone", "-q", "--shared", "--no-checkout", str(repo), str(clone)], check=True)
    return clone


def run_ok(run: CheckRun) -> bool:
    """Whether a check gave a verdict."""
    return run.code in (0, 1) and run.contract is not None


def repo_name(repo: Path) -> str:
    """A readable name: a mirror's `owner+name/repo` becomes `owner/name`."""
    path = repo.resolve()
    name = path.parent.name if path.name in ("repo", ".git") else path.name
    return name.removesuffix(".git").replace("+", "/")


def repositories(args: Any, scratch: Path) -> Iterator[Path]:
    """The --repo paths, then those listed in --list files; a URL is cloned bare into `scratch` first."""
    named = list(args.repo)
    for listing in args.list:
        lines = (line.strip() for line in Path(listing).read_text().splitlines())
        named += [line for line in lines if line and not line.startswith("#")]
    for name in named:
        yield clone_bare(name, scratch) if "://" in name or name.startswith("git@") else Path(name)


def clone_bare(url: str, scratch: Path) -> Path:
    """A bare clone of `url` under `scratch`, named `owner+name/repo` so the report names it `owner/name`."""
    parts = url.rstrip("/").removesuffix(".git").replace(":", "/").split("/")
    target = scratch / "+".join(parts[-2:]) / "repo"
    say(f"   cloning {url}")
    subprocess.run(["git", "clone", "-q", "--bare", url, str(target)], check=True)
    return target


def main() -> None:
    """Parse the arguments, measure each repository, print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repo", action="append", default=[], help="a repository or git directory (repeatable)"
    )
    parser.add_argument(
        "--list", action="append", default=[], help="a file of repository paths, one per line"
    )
    parser.add_argument("--max-prs", type=int, default=150, help="merged PRs per repository (default 150)")
    parser.add_argument("--code", type=Path, default=None, help="scopegate checkout whose check to run")
    parser.add_argument("--quick", action="store_true", help="a small synthetic repository (CI smoke run)")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    args.code = (args.code or root).resolve()
    venv = args.code / ".venv/bin/python"
    args.python = str(venv) if args.code != root and venv.exists() else sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as tmp:
        scratch = Path(tmp) / "clones"
        scratch.mkdir()
        paths = list(repositories(args, scratch))
        if args.quick:
            paths.append(build_quick_repository(Path(tmp) / "quick"))
        if not paths:
            parser.error("give --repo, --list or --quick")
        total = Tally()
        for repo in paths:
            tally = measure_repository(repo, args, scratch)
            report(repo_name(repo), tally)
            total.add(tally)
        if len(paths) > 1:
            report("total", total)


def measure_repository(repo: Path, args: Any, scratch: Path) -> Tally:
    """Every merged PR of one repository, newest first."""
    tally = Tally()
    prs, tally.branch_merges = merged_prs(repo, args.max_prs)
    check_repo = prepare(repo, prs[0] if prs else None, args, scratch, tally)
    heads = BlobHeads(repo, HEAD_BYTES)
    try:
        for at, pr in enumerate(prs, 1):
            measure_pr(repo, check_repo, pr, tally, heads=heads, args=args)
            if at % 25 == 0:
                say(f"   {repo_name(repo)}: {at}/{len(prs)} PRs")
    finally:
        heads.close()
    return tally


if __name__ == "__main__":
    main()
