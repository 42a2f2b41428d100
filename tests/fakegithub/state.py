"""The fake's world: accounts, Apps, installations, tokens, repositories, webhook deliveries."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from .auth import generate_key_pair
from .models import (
    App,
    Commit,
    Delivery,
    Installation,
    Label,
    OAuthCode,
    Repo,
    Team,
    Token,
    User,
    UserToken,
)
from .ratelimit import RateLimits

DEFAULT_PERMISSIONS = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "members": "read",
    "pull_requests": "write",
}

Redeliver = Callable[[Delivery], int | None]
# One id sequence for every fake in the process: githubkit caches tokens and JWTs process-wide by App and
# installation id, so ids reused by the next test's fake would hand it the previous fake's credentials.
_IDS = itertools.count(1001)


class GitHubState:
    """Everything the fake knows; public methods seed it, route handlers read and change it."""

    def __init__(self, *, token_ttl: timedelta = timedelta(hours=1), rate_limit: int = 5000) -> None:
        """An empty GitHub; installation tokens live `token_ttl` (GitHub: one hour)."""
        self.lock = threading.RLock()
        self.token_ttl = token_ttl
        self.rate = RateLimits(limit=rate_limit)
        self.users: dict[str, User] = {}
        self.apps: dict[int, App] = {}
        self.installations: dict[int, Installation] = {}
        self.tokens: dict[str, Token] = {}
        self.repos: dict[str, Repo] = {}
        self.teams: dict[str, Team] = {}  # by `org/slug`, lower-cased
        self.deliveries: list[Delivery] = []
        self.on_redeliver: Redeliver | None = None
        # The web application flow: who is signed in to github.com in the test's browser, the codes
        # and user tokens handed out, and organisation members (who may see an organisation's installation).
        self.web_login: str | None = None
        self.oauth_codes: dict[str, OAuthCode] = {}
        self.user_tokens: dict[str, UserToken] = {}
        self.org_members: dict[str, set[str]] = {}

    def now(self) -> datetime:
        """The current time, to the second as GitHub reports it."""
        return datetime.now(UTC).replace(microsecond=0)

    def next_id(self) -> int:
        """A fresh numeric id (one sequence for every kind of object)."""
        return next(_IDS)

    def new_sha(self) -> str:
        """A fresh 40-hex object id."""
        return hashlib.sha1(str(self.next_id()).encode(), usedforsecurity=False).hexdigest()

    def user(self, login: str, *, kind: str | None = None) -> User:
        """The account `login`, created on first mention."""
        with self.lock:
            if login not in self.users:
                guessed = "Bot" if login.endswith("[bot]") else "User"
                self.users[login] = User(login=login, id=self.next_id(), kind=kind or guessed)
            elif kind is not None:
                self.users[login].kind = kind
            return self.users[login]

    def set_user_status(self, login: str, *, busy: bool, message: str | None = None) -> None:
        """Set what GraphQL `user { status }` says about `login`."""
        account = self.user(login)
        account.busy, account.status_message = busy, message

    def add_team(
        self, org: str, slug: str, members: Sequence[str] = (), *, repositories: Sequence[str] | None = None
    ) -> Team:
        """A team of `org` with `members`, having access to the named repositories (or all of `org`'s)."""
        with self.lock:
            for member in members:
                self.user(member)
            names = None if repositories is None else {f"{org}/{name}".lower() for name in repositories}
            team = Team(self.next_id(), org, slug, list(members), names)
            self.teams[f"{org}/{slug}".lower()] = team
            return team

    def team(self, org: str, slug: str) -> Team | None:
        """The team `org/slug` (case-insensitive, as GitHub), or None."""
        return self.teams.get(f"{org}/{slug}".lower())

    # Apps, installations and their tokens.

    def add_app(
        self, app_id: int | None = None, private_key_pem: str | None = None, *, slug: str = "scopegate"
    ) -> App:
        """Register an App; without a key one is generated (read it back from `app.private_key_pem`)."""
        private_pem, public_pem = generate_key_pair(private_key_pem)
        with self.lock:
            app_id = app_id or self.next_id()
            app = App(app_id, slug, slug.title(), "octo-org", f"Iv23li{app_id:010d}", private_pem, public_pem)
            app.client_secret = secrets.token_hex(20)
            self.apps[app_id] = app
            self.user(f"{slug}[bot]")
            return app

    def add_installation(
        self,
        app: App | int,
        account: str,
        repositories: Sequence[str] | None = None,
        *,
        installation_id: int | None = None,
        permissions: Mapping[str, str] | None = None,
        account_type: str = "Organization",
    ) -> Installation:
        """Install `app` on `account`, for the named repositories (or all of them); creates the repos."""
        app_id = app if isinstance(app, int) else app.id
        with self.lock:
            self.user(account, kind=account_type)
            for name in repositories or ():
                if self.repo(account, name) is None:
                    self.add_repo(account, name)
            chosen = None if repositories is None else {f"{account}/{name}".lower() for name in repositories}
            installation = Installation(
                installation_id or self.next_id(),
                app_id,
                account,
                chosen,
                dict(permissions or DEFAULT_PERMISSIONS),
                self.now(),
            )
            self.installations[installation.id] = installation
            return installation

    def issue_token(self, installation: Installation, repositories: Sequence[str] | None = None) -> Token:
        """A new installation access token, valid for `token_ttl`."""
        with self.lock:
            names = (
                None if not repositories else {f"{installation.account}/{n}".lower() for n in repositories}
            )
            # Real tokens are `ghs_` + 36 characters today; GitHub says not to rely on the length.
            token = Token(
                f"ghs_{secrets.token_urlsafe(27)}", installation.id, self.now() + self.token_ttl, names
            )
            self.tokens[token.value] = token
            return token

    def sign_in_on_web(self, login: str | None) -> None:
        """Who the web flow's authorize page finds signed in to github.com (None: nobody)."""
        with self.lock:
            if login is not None:
                self.user(login)
            self.web_login = login

    def add_org_member(self, org: str, login: str) -> None:
        """Make `login` a member of the organisation `org`: they may see its installations."""
        with self.lock:
            self.user(login)
            self.org_members.setdefault(org.lower(), set()).add(login.lower())

    def user_installations(self, app_id: int, login: str) -> list[Installation]:
        """The App's installations `login` may see: on their own account or an organisation they are a
        member of, oldest first (what `GET /user/installations` lists)."""
        return [
            i
            for i in sorted(self.installations.values(), key=lambda i: i.id)
            if i.app_id == app_id
            and (
                i.account.lower() == login.lower()
                or login.lower() in self.org_members.get(i.account.lower(), ())
            )
        ]

    def expire_tokens(self) -> None:
        """Make every token issued so far expired, as if an hour had passed."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = self.now() - timedelta(seconds=1)

    def covers(self, installation: Installation, repo: Repo) -> bool:
        """Whether `installation` has access to `repo`."""
        if installation.account.lower() != repo.owner.lower():
            return False
        return installation.repositories is None or repo.full_name.lower() in installation.repositories

    def installation_for(self, repo: Repo, app_id: int | None = None) -> Installation | None:
        """The installation (of `app_id`, when given) that covers `repo`, if any."""
        for installation in self.installations.values():
            if (app_id is None or installation.app_id == app_id) and self.covers(installation, repo):
                return installation
        return None

    def visible(self, token: Token, repo: Repo) -> bool:
        """Whether `token` may read `repo`: its installation covers it and the token was not narrowed away."""
        if not self.covers(self.installations[token.installation_id], repo):
            return False
        return token.repositories is None or repo.full_name.lower() in token.repositories

    # Repositories, pull requests and what hangs on them.

    def repo(self, owner: str, name: str) -> Repo | None:
        """The repository `owner/name` (case-insensitive, as GitHub), or None."""
        return self.repos.get(f"{owner}/{name}".lower())

    def add_repo(
        self,
        owner: str,
        name: str,
        *,
        files: Mapping[str, bytes] | None = None,
        default_branch: str = "main",
        private: bool = False,
    ) -> Repo:
        """Create a repository whose default branch holds `files`."""
        with self.lock:
            if owner not in self.users:
                self.user(owner, kind="Organization")
            repo = Repo(self.next_id(), owner, name, default_branch, private)
            sha = self.new_sha()
            repo.trees[sha] = dict(files or {})
            repo.branches[default_branch] = sha
            repo.commits[sha] = Commit(sha, "Initial commit")
            self.repos[repo.full_name.lower()] = repo
            return repo

    def resolve(self, repo: Repo, ref: str | None) -> str | None:
        """The commit sha that `ref` (branch, `refs/heads/…`, another full ref name, sha or None for the
        default branch) names."""
        ref = ref or repo.default_branch
        if ref in repo.refs:
            return repo.refs[ref]
        ref = ref.removeprefix("refs/heads/")
        if ref in repo.branches:
            return repo.branches[ref]
        return ref if ref in repo.trees else None

    def ensure_label(self, repo: Repo, name: str) -> None:
        """Create the repo label `name` unless it exists (GitHub does this when a label is added)."""
        if name.lower() not in repo.labels:
            repo.labels[name.lower()] = Label(self.next_id(), name)

    # App webhook deliveries.

    def add_delivery(
        self,
        event: str,
        payload: dict[str, Any],
        *,
        guid: str | None = None,
        status_code: int = 200,
        installation_id: int | None = None,
        repository_id: int | None = None,
    ) -> Delivery:
        """Record a webhook delivery as GitHub's `GET /app/hook/deliveries` will list it."""
        with self.lock:
            action = payload.get("action")
            delivery = Delivery(
                self.next_id(),
                guid or str(uuid.uuid4()),
                event,
                action if isinstance(action, str) else None,
                payload,
                self.now(),
                status_code,
                installation_id=installation_id,
                repository_id=repository_id,
            )
            self.deliveries.append(delivery)
            return delivery

    def _repo(self, owner: str, name: str) -> Repo:
        """The repository `owner/name`; a seeding mistake if absent."""
        repo = self.repo(owner, name)
        if repo is None:
            raise KeyError(f"no repository {owner}/{name}; seed it with add_repo or add_pull")
        return repo
