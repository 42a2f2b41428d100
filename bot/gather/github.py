"""Gather a `PullRequestSnapshot` through GitHub's API: the App's front door.

Requests for a typical PR: one GraphQL query for the PR (metadata, commits, comments, label events,
whether `refs/notes/ai` exists), the REST files list (100 a page), one GraphQL query for the blobs (rules
file, CODEOWNERS and the `.gitattributes` that can apply, at the base; the head of changed files when a
rule needs them; the commits' git-ai notes when the repository has them) and the package manifests in
the folders above the changed files, each asked by name. Past what fits in that query (many folders), the
deeper folders are listed instead, and the manifests found there read in one more query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from githubkit.exception import GraphQLFailed
from githubkit_schemas.latest.models import DiffEntry
from redis.asyncio import Redis

from bot.core.diff import parse_file_patch
from bot.core.files import HEAD_START_BYTES, kept_bytes
from bot.core.locations import (
    CODEOWNERS_PATHS,
    DEPENDENCY_LISTS,
    GITATTRIBUTES,
    MANIFESTS,
    RULES_PATH,
    folders_above,
    in_folders_above,
    is_gitattributes,
    org_rules_name,
)
from bot.core.markers import is_source_path
from bot.core.snapshot import (
    ChangedFile,
    Commit,
    ConfigSource,
    FileStatus,
    GitAttributesFile,
    History,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
    RepositoryFiles,
    ReviewFacts,
)
from bot.gather import answers
from bot.gather.app_attribution import read_attribution
from bot.gather.queries import MORE_COMMITS, PULL_REQUEST, blob_variables, blobs_query
from bot.github.gateway import CheckRunSeen, PullRequestGateway
from rules.base import Need

# GitHub lists at most 3000 files and 250 commits of a pull request:
# https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
MAX_FILES, MAX_COMMITS = 3000, 250
BLOBS_PER_QUERY = 100
# Folders whose package manifests are looked for, shallowest first: ten listing queries at most.
MANIFEST_FOLDERS = 1_000
ORG_RULES_KEY = "org:"  # where read_blobs puts the organisation's rules file


@dataclass(frozen=True, slots=True)
class Comment:
    """An issue comment on the PR."""

    id: int
    body: str
    login: str | None
    ours: bool = False  # posted by this App (GraphQL's `viewerDidAuthor`, the viewer being its bot)


@dataclass(frozen=True, slots=True)
class LabelEvent:
    """Someone added a label to the PR."""

    label: str
    login: str | None
    at: str


@dataclass(frozen=True, slots=True)
class PullFacts:
    """What one GraphQL query tells about the PR before anything else is fetched."""

    repository_id: int
    info: PullRequestInfo
    opened_at: str
    base_tip: str  # the base branch's tip now: rules, CODEOWNERS and .gitattributes are read there
    state: str
    changed_files: int
    commits: tuple[Commit, ...]
    commits_total: int
    commits_cursor: str | None
    notes_oid: str | None  # the git-ai notes commit (`refs/notes/ai`), when the repository has one
    comments: tuple[Comment, ...]
    label_events: tuple[LabelEvent, ...]
    reviews: ReviewFacts = field(default_factory=ReviewFacts)
    # The App's check runs on the head, by name: the newest of each, as the PR's query read them.
    check_runs: Mapping[str, CheckRunSeen] = field(default_factory=dict)


async def fetch_pull(gateway: PullRequestGateway) -> PullFacts | None:
    """The PR's facts, or None when it does not exist (deleted repository or PR)."""
    data = await gateway.graphql(PULL_REQUEST, {"number": gateway.number, "appId": gateway.app_id})
    repository = answers.PullRequestAnswer.model_validate(data).repository
    pull = repository.pull_request if repository else None
    if repository is None or pull is None:
        return None
    return PullFacts(
        repository_id=repository.database_id,
        info=PullRequestInfo(
            base_ref=pull.base_ref_name,
            head_ref=pull.head_ref_name,
            base_sha=pull.base_ref_oid,
            head_sha=pull.head_ref_oid,
            number=pull.number,
            title=pull.title,
            author=pull.author.login if pull.author else None,
            draft=pull.is_draft,
            labels=tuple(label.name for label in pull.labels.nodes),
        ),
        opened_at=pull.created_at,
        # Not `baseRefOid`: GitHub leaves that where the base branch was when the PR was opened or last
        # pushed (https://github.com/github/docs/issues/431), so a rules file changed on the base branch
        # since would go unseen. `baseRefOid` only once the branch is deleted.
        base_tip=pull.base_ref.target.oid if pull.base_ref else pull.base_ref_oid,
        state=pull.state,
        changed_files=pull.changed_files,
        commits=_commits(pull.commits),
        commits_total=pull.commits.total_count,
        commits_cursor=_next_cursor(pull.commits),
        notes_oid=repository.notes.oid if repository.notes else None,
        comments=tuple(
            Comment(c.database_id, c.body, c.author.login if c.author else None, c.viewer_did_author)
            for c in pull.comments.nodes
        ),
        label_events=tuple(
            LabelEvent(e.label.name, e.actor.login if e.actor else None, e.created_at)
            for e in pull.timeline_items.nodes
        ),
        reviews=_reviews(pull),
        check_runs=_check_runs(pull.head),
    )


def _check_runs(head: answers.HeadCommits) -> dict[str, CheckRunSeen]:
    """The newest run of each name among the App's check runs on the head commit."""
    runs: dict[str, CheckRunSeen] = {}
    for node in head.nodes:
        for suite in node.commit.check_suites.nodes if node.commit.check_suites else ():
            for run in suite.check_runs.nodes if suite.check_runs else ():
                if run.name not in runs or run.database_id > runs[run.name].id:
                    runs[run.name] = CheckRunSeen(run.database_id, run.annotations.total_count)
    return runs


def _reviews(pull: answers.PullRequest) -> ReviewFacts:
    """The open review requests, everyone ever requested, and the latest opinionated review of each user."""
    latest = [(r.author.login, r.state) for r in pull.latest_opinionated_reviews.nodes if r.author]
    return ReviewFacts(
        requested=_reviewers(pull.review_requests),
        ever_requested=_reviewers(pull.review_request_events),
        approved=tuple(login for login, state in latest if state == "APPROVED"),
        reviewed=tuple(login for login, state in latest if state in ("APPROVED", "CHANGES_REQUESTED")),
    )


def _reviewers(requests: answers.ReviewRequests) -> tuple[str, ...]:
    names = (r.requested_reviewer for r in requests.nodes if r.requested_reviewer)
    return tuple(dict.fromkeys(name for n in names if (name := n.login or n.combined_slug)))


async def gather(
    gateway: PullRequestGateway, facts: PullFacts, needs: frozenset[Need]
) -> PullRequestSnapshot:
    """Everything evaluation reads, at the PR's head and base as `facts` saw them; the head's files only
    when `needs` asks for them."""
    info, tip = facts.info, facts.base_tip
    listed = await gateway.list_files(MAX_FILES)
    commits = facts.commits + await _more_commits(gateway, facts)
    wants_bytes = bool(needs & {Need.FILE_KINDS, Need.HEAD_TEXT, Need.BASE_TEXT})
    heads = {f.filename: f"{info.head_sha}:{f.filename}" for f in listed if f.status != "removed"}
    bases = {f.filename: f"{info.base_sha}:{_base_path(f)}" for f in listed if f.status != "added"}
    base_paths = [
        RULES_PATH,
        *CODEOWNERS_PATHS,
        *in_folders_above((f.filename for f in listed), [GITATTRIBUTES]),
    ]
    expressions = [*heads.values(), *bases.values()] if wants_bytes else []
    folders = (
        folders_above(f.filename for f in listed)[:MANIFEST_FOLDERS]
        if needs & {Need.MANIFESTS, Need.FILE_KINDS}
        else []
    )
    notes = note_expressions(facts.notes_oid, commits)
    asked = [*expressions, *(f"{tip}:{p}" for p in base_paths), *(e for e, _ in notes)]
    extra, by_name, unnamed = _manifest_lookup(info.head_sha, folders, asked)
    blobs, trees = await read_objects(gateway, asked + extra, org_rules=True)
    whole = Need.HEAD_TEXT in needs
    files = [
        _changed_file(
            f,
            blobs.get(heads.get(f.filename, "")),
            blobs.get(bases.get(f.filename, "")),
            whole,
            Need.BASE_TEXT in needs,
        )
        for f in listed
    ]
    files = [await _recount(gateway, info.head_sha, f) for f in files]
    base = {p: _text(blobs[f"{tip}:{p}"]) for p in base_paths if f"{tip}:{p}" in blobs}
    partial = []
    if facts.changed_files > len(listed):
        partial.append(f"GitHub lists {len(listed):,} of the {facts.changed_files:,} changed files")
    if facts.commits_total > len(commits):
        partial.append(f"GitHub lists {len(commits):,} of the {facts.commits_total:,} commits")
    org_rules = _text(blobs[ORG_RULES_KEY]) if ORG_RULES_KEY in blobs else None
    manifests = {path: _text(blobs[e]) for path, e in by_name.items() if e in blobs}
    manifests |= await read_manifests(gateway, info.head_sha, unnamed, trees)
    history = History(commits, notes={sha: _text(blobs[e]) for e, sha in notes if e in blobs})
    if Need.BLAME in needs:
        history = await read_attribution(gateway, info.head_sha, files, history)
    return PullRequestSnapshot(
        pull_request=info,
        files=tuple(files),
        history=history,
        repository=RepositoryFiles(
            rules=(
                ConfigSource(org_rules_name(gateway.owner), org_rules),
                ConfigSource(RULES_PATH, base.get(RULES_PATH)),
            ),
            codeowners=next((base[p] for p in CODEOWNERS_PATHS if p in base), None),
            gitattributes=tuple(
                GitAttributesFile(p.rpartition("/")[0], text)
                for p, text in base.items()
                if is_gitattributes(p)
            ),
            manifests=manifests,
        ),
        partial=tuple(partial),
        reviews=facts.reviews,
    )


async def read_blobs(
    gateway: PullRequestGateway, expressions: Sequence[str], *, org_rules: bool = False
) -> dict[str, answers.Blob]:
    """Blobs by `REV:PATH` expression, batched into GraphQL queries; absent paths are left out. With
    `org_rules`, the first query also reads the organisation's rules file, found under `ORG_RULES_KEY`."""
    blobs, _ = await read_objects(gateway, expressions, org_rules=org_rules)
    return blobs


async def read_objects(
    gateway: PullRequestGateway, expressions: Sequence[str], *, org_rules: bool = False
) -> tuple[dict[str, answers.Blob], dict[str, answers.Tree]]:
    """Blobs and folders' listings by `REV:PATH` expression, in the same batched queries (as
    `read_blobs`)."""
    blobs: dict[str, answers.Blob] = {}
    trees: dict[str, answers.Tree] = {}
    for start in range(0, max(len(expressions), 1), BLOBS_PER_QUERY):
        batch = expressions[start : start + BLOBS_PER_QUERY]
        with_org = org_rules and start == 0
        data = await _graphql_allowing_missing_org(
            gateway, blobs_query(len(batch), org_rules=with_org), blob_variables(batch)
        )
        objects = data.get("repository") or {}
        for index, expression in enumerate(batch):
            node = objects.get(f"b{index}")
            if node and "entries" in node:
                trees[expression] = answers.Tree.model_validate(node)
            elif node:
                blobs[expression] = answers.Blob.model_validate(node)
        if with_org and (org := _blob((data.get("org") or {}).get("object"))):
            blobs[ORG_RULES_KEY] = org
    return blobs, trees


def _manifest_lookup(
    sha: str, folders: Sequence[str], asked: Sequence[str]
) -> tuple[list[str], dict[str, str], list[str]]:
    """What the blobs query adds to `asked` to find the package manifests at `sha` in `folders`: every
    manifest name asked directly in the shallowest folders (by path, its expression), as many as fit
    without one more blobs query than listing every folder would take, and the listings of the others, in
    which `read_manifests` finds the rest (a further query only when it finds any). A PR touching a few
    folders so finds its manifests in its one blobs query; one touching thousands, as cheaply as before."""
    names = sorted((*MANIFESTS, *DEPENDENCY_LISTS))
    room = _queries(len(asked) + len(folders)) * BLOBS_PER_QUERY - len(asked)
    known = set(asked)
    extra: list[str] = []
    by_name: dict[str, str] = {}
    named = 0
    for folder in folders:
        paths = {path: f"{sha}:{path}" for path in (f"{folder}/{n}" if folder else n for n in names)}
        new = [expression for expression in paths.values() if expression not in known]
        if len(extra) + len(new) + len(folders) - named - 1 > room:
            break
        extra.extend(new)
        by_name |= paths
        named += 1
    listed = list(folders[named:])
    return [*extra, *(f"{sha}:{folder}" for folder in listed)], by_name, listed


def _queries(expressions: int) -> int:
    """How many blobs queries `read_objects` sends for that many expressions."""
    return max(1, -(-expressions // BLOBS_PER_QUERY))


async def read_manifests(
    gateway: PullRequestGateway, sha: str, folders: Sequence[str], trees: Mapping[str, answers.Tree]
) -> dict[str, str]:
    """The package manifests at `sha` in `folders`, by path, found in the folders' listings (`trees`, by
    `sha:folder`) and read in one more query."""
    found = [
        f"{folder}/{entry.name}" if folder else entry.name
        for folder in folders
        for entry in _entries(trees.get(f"{sha}:{folder}"))
        if entry.type == "blob" and (entry.name in MANIFESTS or entry.name in DEPENDENCY_LISTS)
    ]
    if not found:
        return {}
    blobs = await read_blobs(gateway, [f"{sha}:{p}" for p in found])
    return {p: _text(blobs[f"{sha}:{p}"]) for p in found if f"{sha}:{p}" in blobs}


async def base_rules(gateway: PullRequestGateway, base_tip: str) -> tuple[ConfigSource, ...]:
    """The rules-file layers at the base branch's tip (organisation, then repository), in one query."""
    expression = f"{base_tip}:{RULES_PATH}"
    blobs = await read_blobs(gateway, [expression], org_rules=True)
    return (
        ConfigSource(
            org_rules_name(gateway.owner), _text(blobs[ORG_RULES_KEY]) if ORG_RULES_KEY in blobs else None
        ),
        ConfigSource(RULES_PATH, _text(blobs[expression]) if expression in blobs else None),
    )


async def _graphql_allowing_missing_org(
    gateway: PullRequestGateway, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    """The query's data; an organisation without a `.github` repository (or one the installation cannot
    see) is an error GitHub reports beside the data, and only means there are no org defaults."""
    try:
        return await gateway.graphql(query, variables)
    except GraphQLFailed as failure:
        data, errors = failure.response.data, failure.response.errors or []
        if data is not None and all(e.type == "NOT_FOUND" and (e.path or [""])[0] == "org" for e in errors):
            return data
        raise


def _entries(tree: answers.Tree | None) -> Sequence[answers.TreeEntry]:
    """A folder's entries; none for a path that is not a folder at that commit."""
    return (tree.entries or []) if tree else []


def _blob(node: dict[str, Any] | None) -> answers.Blob | None:
    """A blob, or None for a path that does not exist (null) or is not a blob (a tree matches no field)."""
    return answers.Blob.model_validate(node) if node else None


async def _more_commits(gateway: PullRequestGateway, facts: PullFacts) -> tuple[Commit, ...]:
    more: list[Commit] = []
    cursor = facts.commits_cursor
    while cursor and len(facts.commits) + len(more) < MAX_COMMITS:
        data = await gateway.graphql(MORE_COMMITS, {"number": gateway.number, "after": cursor})
        page = answers.MoreCommitsAnswer.model_validate(data).repository.pull_request.commits
        more.extend(_commits(page))
        cursor = _next_cursor(page)
    return tuple(more[: MAX_COMMITS - len(facts.commits)])


def _changed_file(
    listed: DiffEntry, head: answers.Blob | None, base: answers.Blob | None, whole: bool, with_base: bool
) -> ChangedFile:
    patch = listed.patch if isinstance(listed.patch, str) else None
    additions = listed.additions
    text = head.text.encode() if head and head.text is not None else None
    if patch is None and not additions and not listed.deletions and text:
        # GitHub omits the patch (and counts no line) of a file the head's `.gitattributes` calls binary
        # (`-diff`); a pull request cannot hide its code that way: the head's lines count.
        additions = _line_count(text)
    status = listed.status
    return ChangedFile(
        path=listed.filename,
        status=FileStatus(status) if status in FileStatus.__members__.values() else FileStatus.MODIFIED,
        additions=additions,
        deletions=listed.deletions,
        previous_path=listed.previous_filename if isinstance(listed.previous_filename, str) else None,
        binary=bool(head and head.is_binary),
        hunks=parse_file_patch(patch) if patch is not None else (),
        patch_available=patch is not None,
        head=text if text is None or whole else text[: kept_bytes(listed.filename)],
        head_size=head.byte_size if head else None,
        base_start=base.text.encode()[:HEAD_START_BYTES] if base and base.text is not None else None,
        base=base.text.encode() if with_base and base and base.text is not None else None,
    )


async def _recount(gateway: PullRequestGateway, head_sha: str, file: ChangedFile) -> ChangedFile:
    """Binary content under a source-code name (a NUL byte slipped into `app.py`) counts its lines: GitHub
    counts none, so the head's file is read and counted."""
    if not (file.binary and is_source_path(file.path)):
        return file
    lines = _line_count(await gateway.raw_file(file.path, head_sha))
    return replace(file, binary=False, additions=lines, deletions=0)


def _base_path(listed: DiffEntry) -> str:
    """Where the file was at the base: its old name for a rename."""
    return listed.previous_filename if isinstance(listed.previous_filename, str) else listed.filename


def _line_count(blob: bytes) -> int:
    """Lines as git counts them: a last line without a newline counts too."""
    return blob.count(b"\n") + (bool(blob) and not blob.endswith(b"\n"))


def _text(blob: answers.Blob) -> str:
    return blob.text or ""


def _commits(connection: answers.Commits) -> tuple[Commit, ...]:
    return tuple(
        Commit(
            node.commit.oid, _person(node.commit.author), _person(node.commit.committer), node.commit.message
        )
        for node in connection.nodes
    )


def _person(actor: answers.GitActor | None) -> Person:
    if actor is None:
        return Person("", "")
    return Person(actor.name or "", actor.email or "", actor.user.login if actor.user else None)


def _next_cursor(connection: answers.Commits) -> str | None:
    return connection.page_info.end_cursor if connection.page_info.has_next_page else None


async def gather_later(
    gateway: PullRequestGateway,
    snapshot: PullRequestSnapshot,
    needs: frozenset[Need],
    *,
    redis: Redis | None = None,
) -> PullRequestSnapshot:
    """The second phase: `snapshot` with what the rules asked for once they saw the first (with `redis`,
    commits' patches remembered there are not read again)."""
    if Need.BLAME not in needs:
        return snapshot
    head = snapshot.pull_request.head_sha
    history = await read_attribution(gateway, head, snapshot.files, snapshot.history, redis=redis)
    return replace(snapshot, history=history)


def note_expressions(notes_oid: str | None, commits: Sequence[Commit]) -> list[tuple[str, str]]:
    """(expression, commit sha) pairs naming each commit's git-ai note in the notes commit: a note sits at
    the commit's sha, or under a two-hex-digit fan-out folder once the notes tree grows (`git notes`)."""
    if notes_oid is None:
        return []
    return [(f"{notes_oid}:{path}", c.sha) for c in commits for path in (c.sha, f"{c.sha[:2]}/{c.sha[2:]}")]
