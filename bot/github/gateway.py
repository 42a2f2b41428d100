"""The App's seam to GitHub for one pull request: every read and write the gatherer, the publisher and
the jobs make, bound to one repository and number."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

from githubkit.exception import RequestFailed
from githubkit_schemas.latest.models import Commit, DiffEntry, TeamMember

from bot.github.client import Client, collect


@dataclass(frozen=True, slots=True)
class CheckRunSeen:
    """A check run of the App on a head, as a read found it: its id, and how many annotations it carries
    (GitHub appends the annotations of every update and removes none)."""

    id: int
    annotations: int


@dataclass(frozen=True, slots=True)
class PullRequestGateway:
    """GitHub as one pull request sees it."""

    gh: Client
    owner: str
    repo: str
    number: int

    @property
    def app_id(self) -> int:
        """The App's id, as the installation's client authenticates (bot/github/client.py makes every
        client with the App's id, never with a client id)."""
        return int(cast("int | str", self.gh.auth.app_id))

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A GraphQL query with `$owner` and `$name` bound to this repository."""
        data: dict[str, Any] = await self.gh.async_graphql(
            query, {"owner": self.owner, "name": self.repo, **variables}
        )
        return data

    async def graphql_unscoped(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """A GraphQL query about more than this repository (users, searches): no variable bound."""
        data: dict[str, Any] = await self.gh.async_graphql(query, variables)
        return data

    async def team_members(self, org: str, slug: str, limit: int) -> list[tuple[str, bool]]:
        """The first `limit` members of team `org/slug` and whether each is a bot. GitHub answers 403
        without the organisation permission `members: read`, 404 for a team it does not show."""
        pages: AsyncIterator[TeamMember] = self.gh.rest.paginate(
            self.gh.rest.teams.async_list_members_in_org, org=org, team_slug=slug, per_page=100
        )
        return [(m.login, m.type == "Bot") for m in await collect(pages, limit)]

    async def request_reviewers(self, users: Sequence[str], teams: Sequence[str]) -> None:
        """Request reviews from users (logins) and teams (slugs of the repository owner's teams)."""
        await self.gh.rest.pulls.async_request_reviewers(
            self.owner, self.repo, self.number, reviewers=list(users), team_reviewers=list(teams)
        )

    async def list_files(self, limit: int) -> list[DiffEntry]:
        """The PR's changed files, at most `limit` (GitHub itself lists at most 3000)."""
        pages: AsyncIterator[DiffEntry] = self.gh.rest.paginate(
            self.gh.rest.pulls.async_list_files,
            owner=self.owner,
            repo=self.repo,
            pull_number=self.number,
            per_page=100,
        )
        return await collect(pages, limit)

    async def compare_files(self, base: str, head: str) -> list[DiffEntry]:
        """The files of `base...head`: from the two commits' merge base to `head`, as a pull request's own
        diff is (GitHub lists up to 300 files there; a push with more is measured on those).
        https://docs.github.com/en/rest/commits/commits#compare-two-commits"""
        response = await self.gh.rest.repos.async_compare_commits(self.owner, self.repo, f"{base}...{head}")
        return list(response.parsed_data.files or [])

    async def commit_page(self, sha: str, page: int) -> tuple[Commit, bool]:
        """Page `page` of a commit with its files against its first parent (300 a page, 3000 at most), and
        whether another page follows. https://docs.github.com/en/rest/commits/commits#get-a-commit"""
        response = await self.gh.rest.repos.async_get_commit(self.owner, self.repo, sha, page=page)
        return response.parsed_data, 'rel="next"' in response.headers.get("link", "")

    async def raw_file(self, path: str, ref: str) -> bytes:
        """A file's bytes at `ref`, for content GraphQL gives no text for (the raw media type serves files
        up to 100 MB: https://docs.github.com/en/rest/repos/contents#get-repository-content)."""
        url = f"/repos/{self.owner}/{self.repo}/contents/{quote(path)}"
        response = await self.gh.arequest(
            "GET", url, params={"ref": ref}, headers={"Accept": "application/vnd.github.raw+json"}
        )
        return response.content

    async def permission(self, login: str) -> str:
        """`admin`, `maintain`, `write`, `triage`, `read` or `none` (someone who is not a collaborator)."""
        try:
            response = await self.gh.rest.repos.async_get_collaborator_permission_level(
                self.owner, self.repo, login
            )
        except RequestFailed as error:
            if error.response.status_code == 404:
                return "none"
            raise
        # `role_name` carries triage and maintain, which the legacy `permission` folds into read and write.
        answer = response.parsed_data
        return answer.role_name or answer.permission

    async def find_check_run(self, head_sha: str, name: str) -> int | None:
        """Our check run for this head, if one exists (found by name, SHA and App, so a re-run reuses it;
        a workflow job or another App's run of the same name is not ours to update)."""
        run = await self.latest_check_run(head_sha, name)
        return run.id if run else None

    async def latest_check_run(self, head_sha: str, name: str) -> CheckRunSeen | None:
        """Our newest check run of that name on this head, with its annotation count (as `find_check_run`)."""
        response = await self.gh.rest.checks.async_list_for_ref(
            self.owner, self.repo, head_sha, check_name=name, filter_="latest", app_id=self.app_id
        )
        runs = [r for r in response.parsed_data.check_runs if r.name == name]
        return CheckRunSeen(runs[0].id, runs[0].output.annotations_count) if runs else None

    async def create_check_run(self, body: Any) -> int:
        """Create a check run; returns its id."""
        response = await self.gh.rest.checks.async_create(self.owner, self.repo, data=body)
        return response.parsed_data.id

    async def update_check_run(self, check_id: int, body: Any) -> None:
        """Update a check run."""
        await self.gh.rest.checks.async_update(self.owner, self.repo, check_id, data=body)

    async def create_comment(self, body: str) -> int:
        """Post a comment on the PR; returns its id."""
        response = await self.gh.rest.issues.async_create_comment(
            self.owner, self.repo, self.number, body=body
        )
        return response.parsed_data.id

    async def update_comment(self, comment_id: int, body: str) -> None:
        """Edit a comment in place."""
        await self.gh.rest.issues.async_update_comment(self.owner, self.repo, comment_id, body=body)

    async def add_labels(self, labels: Sequence[str]) -> None:
        """Add labels to the PR."""
        await self.gh.rest.issues.async_add_labels(self.owner, self.repo, self.number, labels=list(labels))

    async def remove_label(self, label: str) -> None:
        """Remove one label from the PR; one already gone (GitHub's 404: someone, or another evaluation,
        took it off since the PR was read) is what was wanted."""
        # githubkit puts path parameters in the URL as they are; `size/XS` must travel as `size%2FXS`.
        try:
            await self.gh.rest.issues.async_remove_label(
                self.owner, self.repo, self.number, quote(label, safe="")
            )
        except RequestFailed as error:
            if error.response.status_code != HTTPStatus.NOT_FOUND:
                raise
