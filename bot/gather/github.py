"""Gather a `PullRequestSnapshot` through GitHub's API: the App's front door.

Requests for a typical PR: one GraphQL query for the PR (metadata, commits, comments, label events),
the REST files list (100 a page), and one GraphQL query for the blobs (head contents of changed files;
rules file, CODEOWNERS and the `.gitattributes` that can apply, at the base). Responses are read
leniently: payloads in the wild drift from the schema, so only the fields used are looked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from githubkit.exception import GraphQLFailed

from bot.core.config import RULES_PATH
from bot.core.diff import parse_file_patch
from bot.core.snapshot import (
    ChangedFile,
    Commit,
    FileStatus,
    GitAttributesFile,
    Person,
    PullRequestInfo,
    PullRequestSnapshot,
)
from bot.gather.localgit import CODEOWNERS_PATHS
from bot.gather.queries import MORE_COMMITS, PULL_REQUEST, blob_variables, blobs_query
from bot.github.client import Client

# GitHub lists at most 3000 files and 250 commits of a pull request:
# https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
MAX_FILES, MAX_COMMITS, PAGE = 3000, 250, 100
BLOBS_PER_QUERY = 100
ORG_RULES_KEY = ".github:HEAD:.github/scopegate.yml"  # where read_blobs puts the organisation's rules


@dataclass(frozen=True, slots=True)
class Comment:
    """An issue comment on the PR."""

    id: int
    body: str
    login: str | None


@dataclass(frozen=True, slots=True)
class LabelEvent:
    """Someone added a label to the PR."""

    label: str
    login: str | None
    at: str


@dataclass(frozen=True, slots=True)
class PullFacts:
    """What one GraphQL query tells about the PR before anything else is fetched."""

    info: PullRequestInfo
    base_tip: str  # the base branch's tip now: rules, CODEOWNERS and .gitattributes are read there
    state: str
    changed_files: int
    commits: tuple[Commit, ...]
    commits_total: int
    commits_cursor: str | None
    comments: tuple[Comment, ...]
    label_events: tuple[LabelEvent, ...]


async def fetch_pull(gh: Client, owner: str, repo: str, number: int) -> PullFacts | None:
    """The PR's facts, or None when it does not exist (deleted repository or PR)."""
    data = await gh.async_graphql(PULL_REQUEST, {"owner": owner, "name": repo, "number": number})
    pull = (data.get("repository") or {}).get("pullRequest")
    if not pull:
        return None
    commits = pull.get("commits") or {}
    return PullFacts(
        info=PullRequestInfo(
            base_ref=pull.get("baseRefName") or "",
            head_ref=pull.get("headRefName") or "",
            base_sha=pull.get("baseRefOid") or "",
            head_sha=pull.get("headRefOid") or "",
            number=number,
            title=pull.get("title") or "",
            author=_login(pull.get("author")),
            draft=bool(pull.get("isDraft")),
            labels=tuple(n["name"] for n in _nodes(pull.get("labels")) if n.get("name")),
        ),
        base_tip=_base_tip(pull),
        state=str(pull.get("state") or "OPEN"),
        changed_files=int(pull.get("changedFiles") or 0),
        commits=tuple(_commits(commits)),
        commits_total=int(commits.get("totalCount") or 0),
        commits_cursor=_next_cursor(commits),
        comments=tuple(
            Comment(int(n["databaseId"]), n.get("body") or "", _login(n.get("author")))
            for n in _nodes(pull.get("comments"))
            if n.get("databaseId")
        ),
        label_events=tuple(
            LabelEvent((n.get("label") or {}).get("name", ""), _login(n.get("actor")), n.get("createdAt", ""))
            for n in _nodes(pull.get("timelineItems"))
        ),
    )


async def gather(gh: Client, owner: str, repo: str, facts: PullFacts) -> PullRequestSnapshot:
    """Everything evaluation reads, at the PR's head and base as `facts` saw them."""
    info = facts.info
    listed = await _list_files(gh, owner, repo, info.number or 0)
    commits = facts.commits + await _more_commits(gh, owner, repo, facts)
    heads = [f["filename"] for f in listed if f.get("status") != "removed"]
    base_paths = [RULES_PATH, *CODEOWNERS_PATHS, *_attribute_paths(f["filename"] for f in listed)]
    tip = facts.base_tip
    expressions = [f"{info.head_sha}:{p}" for p in heads] + [f"{tip}:{p}" for p in base_paths]
    blobs = await read_blobs(gh, owner, repo, expressions, org_rules=True)
    head = {p: blobs[f"{info.head_sha}:{p}"] for p in heads if f"{info.head_sha}:{p}" in blobs}
    base = {p: blobs[f"{tip}:{p}"] for p in base_paths if f"{tip}:{p}" in blobs}
    partial = []
    if facts.changed_files > len(listed):
        partial.append(f"GitHub lists {len(listed):,} of the {facts.changed_files:,} changed files")
    if facts.commits_total > len(commits):
        partial.append(f"GitHub lists {len(commits):,} of the {facts.commits_total:,} commits")
    return PullRequestSnapshot(
        pull_request=info,
        files=tuple(_changed_file(f, head.get(f["filename"])) for f in listed),
        commits=commits,
        head_contents={p: blob.text for p, blob in head.items() if blob.text is not None},
        gitattributes=tuple(
            GitAttributesFile(p.rpartition("/")[0], _text(base[p]))
            for p in base
            if p.endswith(".gitattributes")
        ),
        rules_text=_text(base[RULES_PATH]) if RULES_PATH in base else None,
        org_rules_text=_text(blobs[ORG_RULES_KEY]) if ORG_RULES_KEY in blobs else None,
        org_rules_path=f"{owner}/.github:{RULES_PATH}",
        codeowners_text=next((_text(base[p]) for p in CODEOWNERS_PATHS if p in base), None),
        partial=tuple(partial),
    )


@dataclass(frozen=True, slots=True)
class Blob:
    """A blob's content as bytes (None for binary content, whose text GraphQL does not give)."""

    text: bytes | None
    binary: bool


async def read_blobs(
    gh: Client, owner: str, repo: str, expressions: Sequence[str], *, org_rules: bool = False
) -> dict[str, Blob]:
    """Blobs by `REV:PATH` expression, batched into GraphQL queries; absent paths are left out. With
    `org_rules`, the first query also reads the organisation's rules file, found under `ORG_RULES_KEY`."""
    found: dict[str, Blob] = {}
    for start in range(0, max(len(expressions), 1), BLOBS_PER_QUERY):
        batch = expressions[start : start + BLOBS_PER_QUERY]
        with_org = org_rules and start == 0
        variables: dict[str, Any] = {"owner": owner, "name": repo, **blob_variables(batch)}
        data = await _graphql_allowing_missing_org(gh, blobs_query(len(batch), org_rules=with_org), variables)
        objects = data.get("repository") or {}
        found |= {e: b for i, e in enumerate(batch) if (b := _blob(objects.get(f"b{i}")))}
        if with_org and (org := _blob((data.get("org") or {}).get("object"))):
            found[ORG_RULES_KEY] = org
    return found


async def _graphql_allowing_missing_org(gh: Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The query's data; an organisation without a `.github` repository (or one the installation cannot
    see) is an error GitHub reports beside the data, and only means there are no org defaults."""
    try:
        return await gh.async_graphql(query, variables)
    except GraphQLFailed as failure:
        data, errors = failure.response.data, failure.response.errors or []
        if data is not None and all(e.type == "NOT_FOUND" and (e.path or [""])[0] == "org" for e in errors):
            return data
        raise


def _blob(node: Any) -> Blob | None:
    if not node or "isBinary" not in node:
        return None
    text = None if node["isBinary"] else node.get("text")
    return Blob(text.encode() if isinstance(text, str) else None, bool(node["isBinary"]))


async def _list_files(gh: Client, owner: str, repo: str, number: int) -> list[Mapping[str, Any]]:
    files: list[Mapping[str, Any]] = []
    for page in range(1, MAX_FILES // PAGE + 1):
        response = await gh.rest.pulls.async_list_files(owner, repo, number, per_page=PAGE, page=page)
        payload: Any = response.json()
        batch = [f for f in payload if isinstance(f, dict) and f.get("filename")]
        files.extend(batch)
        if 'rel="next"' not in response.headers.get("link", ""):
            break
    return files


async def _more_commits(gh: Client, owner: str, repo: str, facts: PullFacts) -> tuple[Commit, ...]:
    more: list[Commit] = []
    cursor = facts.commits_cursor
    while cursor and len(facts.commits) + len(more) < MAX_COMMITS:
        variables = {"owner": owner, "name": repo, "number": facts.info.number, "after": cursor}
        data = await gh.async_graphql(MORE_COMMITS, variables)
        page = ((data.get("repository") or {}).get("pullRequest") or {}).get("commits") or {}
        more.extend(_commits(page))
        cursor = _next_cursor(page)
    return tuple(more[: MAX_COMMITS - len(facts.commits)])


def _base_tip(pull: Mapping[str, Any]) -> str:
    """The base branch's tip. Not `baseRefOid`: GitHub leaves that where the base branch was when the PR was
    opened or last pushed (https://github.com/github/docs/issues/431), so a rules file changed on the base
    branch since would go unseen. `baseRefOid` only once the branch is deleted."""
    tip = ((pull.get("baseRef") or {}).get("target") or {}).get("oid")
    return str(tip or pull.get("baseRefOid") or "")


def _changed_file(listed: Mapping[str, Any], head: Blob | None) -> ChangedFile:
    patch = listed.get("patch")
    status = str(listed.get("status") or "modified")
    return ChangedFile(
        path=listed["filename"],
        status=FileStatus(status) if status in FileStatus.__members__.values() else FileStatus.MODIFIED,
        additions=int(listed.get("additions") or 0),
        deletions=int(listed.get("deletions") or 0),
        previous_path=listed.get("previous_filename"),
        binary=bool(head and head.binary),
        hunks=parse_file_patch(patch) if isinstance(patch, str) else (),
        patch_available=isinstance(patch, str),
    )


def _attribute_paths(paths: Iterable[str]) -> list[str]:
    """`.gitattributes` of the root and of every folder above a changed file: the only ones that apply."""
    folders = {str(parent) for path in paths for parent in PurePosixPath(path).parents}
    return sorted(".gitattributes" if f == "." else f"{f}/.gitattributes" for f in folders)


def _text(blob: Blob) -> str:
    return (blob.text or b"").decode("utf-8", errors="replace")


def _commits(connection: Mapping[str, Any]) -> list[Commit]:
    commits = []
    for node in _nodes(connection):
        commit = node.get("commit") or {}
        if commit.get("oid"):
            author, committer = commit.get("author") or {}, commit.get("committer") or {}
            commits.append(
                Commit(commit["oid"], _person(author), _person(committer), commit.get("message") or "")
            )
    return commits


def _person(data: Mapping[str, Any]) -> Person:
    return Person(data.get("name") or "", data.get("email") or "", _login(data.get("user")))


def _nodes(connection: Any) -> list[Mapping[str, Any]]:
    nodes = (connection or {}).get("nodes") or []
    return [n for n in nodes if isinstance(n, dict)]


def _next_cursor(connection: Mapping[str, Any]) -> str | None:
    info = connection.get("pageInfo") or {}
    return info.get("endCursor") if info.get("hasNextPage") else None


def _login(actor: Any) -> str | None:
    return actor.get("login") if isinstance(actor, dict) else None
