"""Split plan for an oversized pull request: its files as candidate pull requests under the limit, a
package at a time, tests beside the code they test, in the order the packages depend on each other.

The rules, in the order they apply:

- Files that count 0 (excluded kinds, pure renames) make no part: each rides with the part holding the
  files nearest to it (a lockfile with its manifest). So do the data files of a dominant kind (`bulk`) when
  the plan proposes to exclude them: it counts the rest as if the `exclude` line were in place.
- A part never mixes packages (the nearest manifest above a file; without one, the file's top folder).
  The files at the repository's root are grouped by concern (build, lint, CI, repository settings).
- A test joins the source it tests in its package (`pairing`); a package's build files stay together.
  Such a unit is split only when it alone is over the limit.
- A package over the limit is split by folder, deeper where a folder is too big, neighbours joined while
  they fit. A single file above the limit is a part of its own, and says so.
- A changelog fragment joins the part its name names (`123.parser.bugfix` → the part with `parser.py`),
  else the largest part of its package, else the largest part; it rides only where it fits.
- With a CODEOWNERS at the base, a part never mixes owner groups either (the owners of a unit's first
  file: a test rides with its code), so each proposed pull request has one set of reviewers.
- Order: the repository's build files, then packages after the packages their manifests say they depend
  on, then lint, CI and repository settings, docs-only parts last.
"""

from __future__ import annotations

import heapq
import posixpath
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from itertools import groupby
from types import MappingProxyType
from typing import NamedTuple

from bot.core.files import FileFacts, Kind
from bot.core.owners import Codeowners, parse_codeowners
from bot.core.routing import owner_groups
from bot.core.snapshot import ChangedFile, FileStatus
from rules.size.branches import pathspecs
from rules.size.bulk import Bulk, dominant_bulk
from rules.size.concerns import Concern, concern, fragment_words, is_fragment
from rules.size.measure import counted_lines
from rules.size.packages import Packages, is_manifest, read_packages
from rules.size.pairing import Subjects

NOTHING: Mapping[str, str] = MappingProxyType({})
# Folders deeper than this below a package are not told apart (a path of thousands of folders must not
# recurse that deep).
_MAX_DEPTH = 32
# Without manifests, a test pairs only with a source whose folders differ from its own by at most this
# many names: the repository might be several packages nobody declared.
_FALLBACK_DISTANCE = 2
_BEFORE_PACKAGES = (Concern.BUILD,)
_AFTER_PACKAGES = (Concern.LINT, Concern.CI, Concern.REPOSITORY)


@dataclass(frozen=True, slots=True)
class SplitPart:
    """One candidate pull request.

    `paths` are all its files; `uncounted` those of them that count 0 (they ride along so the branch holds
    the whole change); `lines` its effective lines. `package` is its package's root ('' for the repository's
    root), `concern` what root files it holds ('' for code). `depends_on` are the numbers (1-based) of
    earlier parts whose packages its package depends on. `pathspecs` select exactly its files, rename
    sources included, as literal pathspecs (`git --literal-pathspecs restore --source=<head> -- …`).
    `owners` are the CODEOWNERS owners of its files (empty: no CODEOWNERS, or no line owns them).
    """

    title: str
    paths: tuple[str, ...]
    lines: int
    package: str = ""
    concern: str = ""
    depends_on: tuple[int, ...] = ()
    uncounted: tuple[str, ...] = ()
    pathspecs: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """The parts in the order to open them, whether that order follows dependencies read from manifests,
    a sentence saying what the order rests on, and, when data makes up most of the lines, the `exclude`
    globs that would leave it out (the parts then count the rest)."""

    parts: tuple[SplitPart, ...] = ()
    ordered_by_dependencies: bool = False
    note: str = ""
    bulk: Bulk | None = None


@dataclass(frozen=True, slots=True)
class _Group:
    """Files that may share a part: one package's code, or one concern of the repository's root, of one
    owner group when there is a CODEOWNERS."""

    root: str
    concern: Concern | None
    manifest: bool
    owners: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Unit:
    """Files never split while together they fit: a source with its tests, a package's build files."""

    area: tuple[str, ...]
    files: tuple[FileFacts, ...]
    lines: int


@dataclass(slots=True)
class _Draft:
    group: _Group
    files: list[FileFacts]
    lines: int
    riders: list[str] = field(default_factory=list)


def plan_split(
    files: Sequence[FileFacts],
    max_lines: int,
    max_files: int,
    manifests: Mapping[str, str] = NOTHING,
    renamed_from: Mapping[str, str] = NOTHING,
    *,
    codeowners: Codeowners | None = None,
) -> SplitPlan:
    """Parts of at most `max_lines` effective lines and `max_files` counted files for `files` (every
    changed file, excluded ones included: they ride along). `manifests` are the package manifests at the
    head by path (none: packages are top folders); `renamed_from` maps a renamed file to its base path;
    `codeowners`, the base's, keeps each part to one owner group."""
    counted = [f for f in files if counted_lines(f)]
    bulk = dominant_bulk(counted)
    if bulk:
        counted = [f for f in counted if f.path not in bulk.paths]
        if sum(map(counted_lines, counted)) <= max_lines and len(counted) <= max_files:
            # With the exclude line the pull request passes: nothing to split.
            return SplitPlan(bulk=bulk)
    packages = read_packages(manifests)
    fragments = [f for f in counted if is_fragment(f.path)]
    named = {f.path for f in fragments}
    code = [f for f in counted if f.path not in named]
    owners = (
        {p: g.owners for g in owner_groups(codeowners, [f.path for f in files]) for p in g.paths}
        if codeowners is not None
        else {}
    )
    groups = _units(code, packages, owners, max_lines=max_lines, max_files=max_files)
    ordered, cyclic = _order(groups, packages)
    drafts = [
        _Draft(group, [f for u in chunk for f in u.files], sum(u.lines for u in chunk))
        for group in ordered
        for chunk in _split(groups[group], max_lines, max_files)
    ]
    drafts += _place_fragments(fragments, drafts, packages, max_lines, max_files)
    drafts.sort(key=lambda d: all(f.kind is Kind.DOCS for f in d.files))
    placed = {f.path for d in drafts for f in d.files}
    _place_riders([f.path for f in files if f.path not in placed], drafts, owners)
    parts = _parts(drafts, packages, renamed_from, named)
    ordered_by_dependencies = any(p.depends_on for p in parts)
    declared = {d.group.root for d in drafts if d.group.manifest and d.group.concern is None}
    note = _note(ordered_by_dependencies, cyclic, declared)
    if codeowners is not None:
        note += (
            " Each part holds the files of one owner group of the base's CODEOWNERS (tests with their code)."
        )
    return SplitPlan(parts, ordered_by_dependencies, note, bulk)


def owners_file(text: str | None) -> Codeowners | None:
    """The base's CODEOWNERS text parsed for `plan_split`; None where there is none or GitHub ignores it."""
    codeowners = parse_codeowners(text) if text is not None else None
    return None if codeowners is None or codeowners.too_large else codeowners


def rename_sources(files: Iterable[ChangedFile]) -> dict[str, str]:
    """The base path of each renamed file by its head path, for `plan_split`'s `renamed_from`."""
    return {f.path: f.previous_path for f in files if f.status is FileStatus.RENAMED and f.previous_path}


def _units(
    files: Sequence[FileFacts],
    packages: Packages,
    owners: Mapping[str, tuple[str, ...]],
    *,
    max_lines: int,
    max_files: int,
) -> dict[_Group, list[_Unit]]:
    """Each file's group, and its units there: a test with the source it tests, a package's build files
    together, every other file on its own (a unit over the limit is its files one by one, in order). A
    unit's owner group, where `owners` are known, is its first file's."""
    homes = {f.path: _home(f.path, packages) for f in files}
    sources = Subjects.of(
        (f.path, _scope(home.group))
        for f in files
        if f.kind is Kind.SOURCE and not (home := homes[f.path]).purpose
    )
    members: dict[str, list[FileFacts]] = {}
    for f in files:
        home = homes[f.path]
        if home.purpose and home.group.concern is None:
            key = f"\0{home.group.root}\0{home.purpose}"
        elif f.kind is Kind.TEST:
            limit = None if home.group.manifest else _FALLBACK_DISTANCE
            key = sources.subject(f.path, _scope(home.group), limit) or f.path
        else:
            key = f.path
        members.setdefault(key, []).append(f)
    groups: dict[_Group, list[_Unit]] = {}
    for key, found in members.items():
        found.sort(key=lambda f: (f.path != key, f.path))
        lead = homes[found[0].path]
        group = replace(lead.group, owners=owners.get(found[0].path, ()))
        groups.setdefault(group, []).append(_unit(found, lead.relative))
    # Each group's units by folder, a unit split apart keeping its files' order; apart, each file is in its
    # own owner group again.
    pieces: dict[_Group, list[tuple[tuple[tuple[str, ...], str, int], _Unit]]] = {}
    for group, units in groups.items():
        for unit in units:
            place = (unit.area, unit.files[0].path)
            if len(unit.files) > 1 and (unit.lines > max_lines or len(unit.files) > max_files):
                for index, f in enumerate(unit.files):
                    owned = replace(group, owners=owners.get(f.path, ()))
                    pieces.setdefault(owned, []).append(((*place, index), _unit([f], homes[f.path].relative)))
            else:
                pieces.setdefault(group, []).append(((*place, 0), unit))
    return {group: [unit for _, unit in sorted(found, key=lambda p: p[0])] for group, found in pieces.items()}


class _Home(NamedTuple):
    group: _Group
    relative: str
    purpose: Concern | None


def _home(path: str, packages: Packages) -> _Home:
    """A file's group, its path below the group's root, and what it is for at that root."""
    root = packages.root_of(path)
    relative = _below(path, root or "")
    purpose = concern(relative)
    if root is None and not purpose:
        root = path.split("/", 1)[0] if "/" in path else ""
        relative = _below(path, root)
        purpose = concern(relative)
    at_top = not root and purpose is not None
    return _Home(_Group(root or "", purpose if at_top else None, root in packages.roots), relative, purpose)


def _scope(group: _Group) -> str:
    """Where a test looks for its subject: its package; without manifests, the whole repository."""
    return group.root if group.manifest else ""


def _unit(files: Sequence[FileFacts], relative: str) -> _Unit:
    area = tuple(relative.split("/")[:-1][:_MAX_DEPTH])
    return _Unit(area, tuple(files), sum(counted_lines(f) for f in files))


def _below(path: str, root: str) -> str:
    return path[len(root) + 1 :] if root else path


def _split(units: Sequence[_Unit], max_lines: int, max_files: int) -> list[list[_Unit]]:
    """A group's units in parts: all of them if they fit, else by folder, deeper where a folder is too
    big, neighbouring folders joined while they fit."""
    return _by_area(units, 0, max_lines, max_files)


def _by_area(units: Sequence[_Unit], depth: int, max_lines: int, max_files: int) -> list[list[_Unit]]:
    if _fits(units, max_lines, max_files):
        return [list(units)]
    if all(len(u.area) <= depth for u in units):
        return _pack([[u] for u in units], max_lines, max_files)
    children: list[list[_Unit]] = []
    for _, members in groupby(units, key=lambda u: u.area[: depth + 1]):
        children.extend(_by_area(list(members), depth + 1, max_lines, max_files))
    return _pack(children, max_lines, max_files)


def _pack(chunks: Iterable[list[_Unit]], max_lines: int, max_files: int) -> list[list[_Unit]]:
    """Neighbouring chunks joined while the join stays under the limits."""
    packed: list[list[_Unit]] = []
    lines = files = 0
    for chunk in chunks:
        chunk_lines, chunk_files = sum(u.lines for u in chunk), sum(len(u.files) for u in chunk)
        if packed and lines + chunk_lines <= max_lines and files + chunk_files <= max_files:
            packed[-1].extend(chunk)
            lines, files = lines + chunk_lines, files + chunk_files
        else:
            packed.append(list(chunk))
            lines, files = chunk_lines, chunk_files
    return packed


def _fits(units: Sequence[_Unit], max_lines: int, max_files: int) -> bool:
    return sum(u.lines for u in units) <= max_lines and sum(len(u.files) for u in units) <= max_files


def _order(groups: Mapping[_Group, Sequence[_Unit]], packages: Packages) -> tuple[list[_Group], bool]:
    """The groups in the order to open them, and whether a dependency cycle had to be broken."""
    first = {g: min(u.files[0].path for u in units) for g, units in groups.items()}
    code = [g for g in groups if g.concern is None]
    present: dict[str, list[_Group]] = {}  # a package's groups: one per owner group
    for g in code:
        if g.manifest:
            present.setdefault(g.root, []).append(g)
    needs = {g: {d for r in packages.requires.get(g.root, ()) for d in present.get(r, ())} for g in code}
    waiting = {g: len(n) for g, n in needs.items()}
    needed_by: dict[_Group, list[_Group]] = {}
    for g, deps in needs.items():
        for dep in deps:
            needed_by.setdefault(dep, []).append(g)
    rank = {g: (first[g], index) for index, g in enumerate(code)}
    ready = [(rank[g], g) for g in code if not waiting[g]]
    heapq.heapify(ready)
    ordered: list[_Group] = []
    cyclic = False
    while len(ordered) < len(code):
        if not ready:
            # A cycle: take the first of what remains by path.
            cyclic = True
            rest = min((rank[g], g) for g in code if waiting[g] > 0)
            waiting[rest[1]] = 0
            ready.append(rest)
        _, group = heapq.heappop(ready)
        if waiting[group] < 0:
            continue
        waiting[group] = -1
        ordered.append(group)
        for later in needed_by.get(group, ()):
            if waiting[later] > 0:
                waiting[later] -= 1
                if not waiting[later]:
                    heapq.heappush(ready, (rank[later], later))
    roots = [g for c in _BEFORE_PACKAGES for g in groups if g.concern is c]
    tail = [g for c in _AFTER_PACKAGES for g in groups if g.concern is c]
    return roots + ordered + tail, cyclic


def _place_fragments(
    fragments: Sequence[FileFacts],
    drafts: Sequence[_Draft],
    packages: Packages,
    max_lines: int,
    max_files: int,
) -> list[_Draft]:
    """Put each changelog fragment in the part it describes where it fits; the new drafts of those that
    fit nowhere (parts of their own, after the others)."""
    names = [_names(d) for d in drafts]
    alone: list[_Draft] = []
    for fragment in fragments:
        lines = counted_lines(fragment)
        root = packages.root_of(fragment.path)
        candidates = [*zip(drafts, names, strict=True), *((d, set[str]()) for d in alone)]
        fitting = [(d, n) for d, n in candidates if d.lines + lines <= max_lines and len(d.files) < max_files]
        # A change is described by its code, not by the CI or lint files beside it.
        fitting = [(d, n) for d, n in fitting if d.group.concern is None] or fitting
        same = [d for d, _ in fitting if root and d.group.root == root]
        target = (
            _named(fragment_words(fragment.path), fitting)
            or max(same, key=lambda d: d.lines, default=None)
            or max((d for d, _ in fitting), key=lambda d: d.lines, default=None)
        )
        if target is None:
            target = _Draft(_Group(root or "", None, root is not None), [], 0)
            alone.append(target)
        target.files.append(fragment)
        target.lines += lines
    return alone


def _names(draft: _Draft) -> set[str]:
    """The names a fragment may use for a part: its package's folder and its files' stems."""
    names = {posixpath.basename(draft.group.root).lower()}
    return names | {posixpath.splitext(posixpath.basename(f.path))[0].lower() for f in draft.files}


def _named(words: Set[str], drafts: Sequence[tuple[_Draft, Set[str]]]) -> _Draft | None:
    """The one part whose files or package the fragment's words name, if exactly one does best."""
    if not words:
        return None
    scored = sorted(((len(words & names), draft) for draft, names in drafts), key=lambda s: -s[0])
    if not scored or not scored[0][0] or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _place_riders(
    paths: Sequence[str], drafts: Sequence[_Draft], owners: Mapping[str, tuple[str, ...]]
) -> None:
    """Give each file that counts 0 to the part holding a manifest beside it (a lockfile), else to the
    first part of its owner group (where `owners` are known) holding a file in the deepest folder they
    share, else to the first part of any group that does: GitHub asks a rider's owners to review too."""
    if not drafts:
        return
    by_folder: dict[tuple[frozenset[str] | None, str], int] = {}
    with_manifest: dict[str, int] = {}
    for index, draft in enumerate(drafts):
        keys = (None, _owner_key(draft.group.owners)) if owners else (None,)
        for f in draft.files:
            if is_manifest(posixpath.basename(f.path)):
                with_manifest.setdefault(_parent(f.path), index)
            for key in keys:
                folder = _parent(f.path)
                # An earlier part that holds this folder holds all the folders above it too.
                while (key, folder) not in by_folder:
                    by_folder[key, folder] = index
                    if not folder:
                        break
                    folder = _parent(folder)
    for path in paths:
        found = with_manifest.get(_parent(path))
        if found is None and path in owners:
            found = _deepest(by_folder, _owner_key(owners[path]), _parent(path))
        if found is None:
            folder = _parent(path)
            # The root folder is held by some part, so the walk up ends there at the latest.
            while (None, folder) not in by_folder:
                folder = _parent(folder)
            found = by_folder[None, folder]
        drafts[found].riders.append(path)


def _deepest(
    parts: Mapping[tuple[frozenset[str] | None, str], int], key: frozenset[str] | None, folder: str
) -> int | None:
    """The part `parts` files under `key` at `folder` or the nearest folder above it, if any."""
    while (key, folder) not in parts:
        if not folder:
            return None
        folder = _parent(folder)
    return parts[key, folder]


def _owner_key(owners: Sequence[str]) -> frozenset[str]:
    return frozenset(owner.casefold() for owner in owners)


def _parent(path: str) -> str:
    """The folder above `path`, ending at the root (''): `posixpath.dirname` stops at '/' instead, so a
    hostile path such as `/x` or `a//b` walked up never reached the root."""
    return path.rpartition("/")[0]


def _parts(
    drafts: Sequence[_Draft], packages: Packages, renamed_from: Mapping[str, str], fragments: Set[str]
) -> tuple[SplitPart, ...]:
    numbers: dict[str, list[int]] = {}
    for number, draft in enumerate(drafts, start=1):
        if draft.group.concern is None and draft.group.manifest:
            numbers.setdefault(draft.group.root, []).append(number)
    every = [[f.path for f in d.files] + d.riders for d in drafts]
    specs = pathspecs([[*paths, *(renamed_from[p] for p in paths if p in renamed_from)] for paths in every])
    parts = []
    for number, (draft, paths, spec) in enumerate(zip(drafts, every, specs, strict=True), start=1):
        needs = packages.requires.get(draft.group.root, frozenset()) if draft.group.concern is None else ()
        depends_on = sorted(n for root in needs for n in numbers.get(root, ()) if n < number)
        parts.append(
            SplitPart(
                title=_title(_named_by(draft.files, fragments)),
                paths=tuple(paths),
                lines=draft.lines,
                package=draft.group.root,
                concern=draft.group.concern.value if draft.group.concern else "",
                depends_on=tuple(depends_on),
                uncounted=tuple(draft.riders),
                pathspecs=spec,
                owners=draft.group.owners,
            )
        )
    return tuple(parts)


def _note(ordered: bool, cyclic: bool, declared: Set[str]) -> str:
    """What the order rests on, given the packages with a manifest that parts hold."""
    if ordered:
        note = (
            "Packages come after the packages their manifests say they depend on; within a package, and "
            "for the root's files, the order is only a suggestion."
        )
    elif len(declared) > 1:
        note = "No part's package depends on another's in its manifest: the order is only a suggestion."
    elif declared:
        note = "The code is one package, and its parts' order is only a suggestion."
    else:
        note = "The order is only a suggestion: no package manifest says how the parts depend on each other."
    if cyclic:
        note += " Some packages depend on each other in a cycle; those come in path order."
    return note


def _named_by(files: Sequence[FileFacts], fragments: Set[str]) -> list[str]:
    """The files a part is named after: its code, else all but changelog fragments, else all."""
    named = [f for f in files if f.path not in fragments] or list(files)
    return [f.path for f in named if f.kind is not Kind.TEST] or [f.path for f in named]


def _title(paths: Sequence[str]) -> str:
    """The folder all the paths share (`src/api/`), the one path, or the few root files by name."""
    if len(paths) == 1:
        return paths[0]
    dirs = [p.split("/")[:-1] for p in paths]
    common: list[str] = []
    for level in zip(*dirs, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    if common:
        return "/".join(common) + "/"
    if all(not d for d in dirs) and len(paths) <= 3:
        return ", ".join(paths)
    return ", ".join(sorted({d[0] + "/" if d else "(root)" for d in dirs}))
