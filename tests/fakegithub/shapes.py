"""JSON as GitHub's REST API shapes it for accounts, repositories, Apps, installations, labels and teams."""

from __future__ import annotations

import base64
import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from .models import App, Installation, Label, Repo, User
    from .state import GitHubState

WEB = "https://github.com"
EVENTS = [
    "check_run",
    "issue_comment",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "pull_request_review_thread",
    "push",
]
# Hypermedia templates every repository object carries, relative to its API URL.
REPO_LINKS = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def node_id(kind: str, number: int) -> str:
    """A global node id in GitHub's legacy encoding (`MDQ6VXNlcjE=` is User 1)."""
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode()


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, GitHub's only timestamp format."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def user(api: str, account: User) -> dict[str, Any]:
    """A `simple-user`."""
    base = f"{api}/users/{quote(account.login)}"
    return {
        "login": account.login,
        "id": account.id,
        "node_id": node_id(account.kind, account.id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{account.id}?v=4",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{WEB}/{account.login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": account.kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def login(api: str, state: GitHubState, name: str) -> dict[str, Any]:
    """A `simple-user` for the account called `name`."""
    return user(api, state.user(name))


def repository(api: str, state: GitHubState, repo: Repo) -> dict[str, Any]:
    """A `full-repository` (also valid where a `repository` is expected)."""
    url = f"{api}/repos/{repo.owner}/{repo.name}"
    web = f"{WEB}/{repo.owner}/{repo.name}"
    created = timestamp(repo.created_at)
    open_count = sum(1 for pull in repo.pulls.values() if pull.state == "open")
    return {
        "id": repo.id,
        "node_id": node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "owner": login(api, state, repo.owner),
        "private": repo.private,
        "visibility": "private" if repo.private else "public",
        "html_url": web,
        "description": None,
        "fork": False,
        "url": url,
        **{key: url + suffix for key, suffix in REPO_LINKS.items()},
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"{web}.git",
        "svn_url": web,
        "mirror_url": None,
        "homepage": None,
        "language": None,
        "size": 0,
        "default_branch": repo.default_branch,
        "topics": [],
        "is_template": False,
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "license": None,
        "permissions": {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True},
        **dict.fromkeys(("forks", "forks_count", "stargazers_count", "watchers", "watchers_count"), 0),
        **dict.fromkeys(("network_count", "subscribers_count"), 0),
        "open_issues": open_count,
        "open_issues_count": open_count,
        "pushed_at": created,
        "created_at": created,
        "updated_at": created,
    }


def app(api: str, state: GitHubState, github_app: App) -> dict[str, Any]:
    """An `integration` (the App as check runs and comments name it)."""
    created = timestamp(state.now())
    return {
        "id": github_app.id,
        "slug": github_app.slug,
        "node_id": node_id("App", github_app.id),
        "client_id": github_app.client_id,
        "owner": login(api, state, github_app.owner),
        "name": github_app.name,
        "description": "Gates pull requests on size and scope.",
        "external_url": "https://scopegate.invalid",
        "html_url": f"{WEB}/apps/{github_app.slug}",
        "created_at": created,
        "updated_at": created,
        "permissions": {"checks": "write", "contents": "read", "issues": "write", "pull_requests": "write"},
        "events": EVENTS,
    }


def installation(api: str, state: GitHubState, install: Installation) -> dict[str, Any]:
    """An `installation`."""
    account = state.user(install.account)
    github_app = state.apps[install.app_id]
    return {
        "id": install.id,
        "account": user(api, account),
        "repository_selection": "all" if install.repositories is None else "selected",
        "access_tokens_url": f"{api}/app/installations/{install.id}/access_tokens",
        "repositories_url": f"{api}/installation/repositories",
        "html_url": f"{WEB}/organizations/{account.login}/settings/installations/{install.id}",
        "app_id": install.app_id,
        "app_slug": github_app.slug,
        "client_id": github_app.client_id,
        "target_id": account.id,
        "target_type": account.kind,
        "permissions": install.permissions,
        "events": EVENTS if install.events is None else install.events,
        "created_at": timestamp(install.created_at),
        "updated_at": timestamp(install.created_at),
        "single_file_name": None,
        "has_multiple_single_files": False,
        "single_file_paths": [],
        "suspended_by": None,
        "suspended_at": None,
    }


def label(api: str, repo: Repo, item: Label) -> dict[str, Any]:
    """A `label`."""
    return {
        "id": item.id,
        "node_id": node_id("Label", item.id),
        "url": f"{api}/repos/{repo.full_name}/labels/{quote(item.name, safe='')}",
        "name": item.name,
        "description": item.description,
        "color": item.color,
        "default": item.default,
        # Newer descriptions than the vendored one (githubkit's models among them) require these two.
        "archived_at": None,
        "archived_by": None,
    }


def team(api: str, org: str, slug: str) -> dict[str, Any]:
    """A `team` for a team slug (the fake keeps no other facts about teams)."""
    team_id = zlib.crc32(f"{org}/{slug}".encode())
    return {
        "id": team_id,
        "node_id": node_id("Team", team_id),
        "url": f"{api}/orgs/{org}/teams/{slug}",
        "html_url": f"{WEB}/orgs/{org}/teams/{slug}",
        "name": slug,
        "slug": slug,
        "description": None,
        "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": "pull",
        "members_url": f"{api}/orgs/{org}/teams/{slug}/members{{/member}}",
        "repositories_url": f"{api}/orgs/{org}/teams/{slug}/repos",
        "type": "organization",
        "parent": None,
    }
