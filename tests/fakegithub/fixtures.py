"""pytest fixtures for the fake GitHub; load with `pytest_plugins = ["tests.fakegithub.fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from githubkit import AppAuthStrategy, AppInstallationAuthStrategy, GitHub
from githubkit.cache import MemCacheStrategy

from .models import App, Installation
from .server import FakeGitHub


@dataclass(frozen=True)
class FakeInstallation:
    """An App installed on one repository of the fake: what the bot needs to be configured with."""

    fake: FakeGitHub
    app: App
    installation: Installation
    owner: str
    repo: str

    @property
    def app_id(self) -> int:
        """The App's id."""
        return self.app.id

    @property
    def private_key(self) -> str:
        """The App's PEM private key."""
        return self.app.private_key_pem

    @property
    def installation_id(self) -> int:
        """The installation's id."""
        return self.installation.id

    def app_client(self, **options: Any) -> GitHub[AppAuthStrategy]:
        """A githubkit client acting as the App itself (JWT), for the `/app/...` endpoints."""
        auth = AppAuthStrategy(self.app.id, self.app.private_key_pem)
        return GitHub(auth, **{"base_url": self.fake.url, "cache_strategy": MemCacheStrategy(), **options})

    def client(self, **options: Any) -> GitHub[AppInstallationAuthStrategy]:
        """A githubkit client acting as the installation against the fake (options go to `GitHub`)."""
        auth = AppInstallationAuthStrategy(self.app.id, self.app.private_key_pem, self.installation.id)
        # A cache of its own, so no token or JWT outlives the client (githubkit's default one is global).
        return GitHub(auth, **{"base_url": self.fake.url, "cache_strategy": MemCacheStrategy(), **options})


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    """A running fake GitHub, empty; fails at teardown if it answered something GitHub never would."""
    with FakeGitHub.serve() as fake:
        yield fake
    assert not fake.invalid_responses, (
        f"the fake's own answers broke GitHub's description: {fake.invalid_responses}"
    )


@pytest.fixture
def fake_installation(fake_github: FakeGitHub) -> FakeInstallation:
    """The App `scopegate` installed on `octo-org/hello-world` in a running fake."""
    app = fake_github.add_app(slug="scopegate")
    installation = fake_github.add_installation(app, "octo-org", ["hello-world"])
    return FakeInstallation(fake_github, app, installation, "octo-org", "hello-world")
