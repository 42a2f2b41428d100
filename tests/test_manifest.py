"""app-manifest.yml: the events the App subscribes to are the ones it handles, with the least permissions."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.intake.events import HANDLED_EVENTS
from bot.web.manifest import build_manifest, creation_url, github_web_url, load_manifest

TOP_LEVEL = Path(__file__).parents[1] / "app-manifest.yml"
# GitHub delivers these to every App, subscribed or not (`ping` when a webhook is created).
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation
ALWAYS_DELIVERED = {"installation", "installation_repositories", "ping"}
# The permission each subscription needs, as the webhook documentation states it ("To subscribe to this
# event, a GitHub App must have at least read-level access for ...").
# https://docs.github.com/en/webhooks/webhook-events-and-payloads
EVENT_PERMISSION = {
    "pull_request": "pull_requests",
    "check_run": "checks",
    "check_suite": "checks",
    "push": "contents",
    "issue_comment": "pull_requests",  # "Issues" or "Pull requests"
    "merge_group": "merge_queues",
    "pull_request_review": "pull_requests",
    "pull_request_review_comment": "pull_requests",
    "pull_request_review_thread": "pull_requests",
}
LEAST = {
    "checks": "write",
    "pull_requests": "write",
    "contents": "read",
    "metadata": "read",
    "merge_queues": "read",
    "members": "read",
}


def test_packaged_manifest_is_the_top_level_file() -> None:
    """The manifest the setup page posts is the repository's app-manifest.yml, not a copy that could drift."""
    assert load_manifest() == YAML(typ="safe").load(TOP_LEVEL.read_text(encoding="utf-8"))


def test_subscribed_events_are_the_handled_ones() -> None:
    """Every event bot/events.py handles is subscribed to or delivered anyway, and nothing else is."""
    subscribed = set(load_manifest()["default_events"])
    assert subscribed | ALWAYS_DELIVERED == HANDLED_EVENTS
    assert not subscribed & ALWAYS_DELIVERED


def test_permissions_are_the_least_that_work() -> None:
    """Checks and pull requests to write; contents, metadata, merge queues and organisation members (the
    teams reviewer routing expands) to read; no issues."""
    assert load_manifest()["default_permissions"] == LEAST


@pytest.mark.parametrize("event", sorted(EVENT_PERMISSION))
def test_each_subscription_has_its_permission(event: str) -> None:
    """GitHub only delivers an event to an App holding the permission it needs."""
    manifest = load_manifest()
    assert event in manifest["default_events"]
    assert EVENT_PERMISSION[event] in manifest["default_permissions"]


@pytest.mark.parametrize("permission", sorted(LEAST))
def test_each_permission_says_why(permission: str) -> None:
    """The line above each permission is a comment (the reason it is asked for)."""
    lines = TOP_LEVEL.read_text(encoding="utf-8").splitlines()
    index = next(n for n, line in enumerate(lines) if line.startswith(f"  {permission}:"))
    assert lines[index - 1].lstrip().startswith("#")


def test_manifest_points_at_the_deployment() -> None:
    """The page, webhook, redirect and dashboard callback URLs are the deployment's; the rest is the
    shipped manifest's."""
    template = load_manifest()
    built = build_manifest(template, "https://gate.example.org")
    assert built["url"] == "https://gate.example.org/"
    assert built["hook_attributes"] == {"url": "https://gate.example.org/webhooks", "active": True}
    assert built["redirect_url"] == "https://gate.example.org/setup/callback"
    assert built["callback_urls"] == ["https://gate.example.org/dashboard/callback"]
    assert built["public"] is False
    placed = ("url", "hook_attributes", "redirect_url", "callback_urls")
    assert {k: v for k, v in built.items() if k not in placed} == {
        k: v for k, v in template.items() if k not in placed
    }


@pytest.mark.parametrize(
    ("api_url", "web_url"),
    [
        pytest.param("https://api.github.com", "https://github.com", id="github.com"),
        pytest.param("https://ghes.example.com/api/v3", "https://ghes.example.com", id="ghes"),
        pytest.param("https://api.octocorp.ghe.com", "https://octocorp.ghe.com", id="ghe.com"),
        pytest.param("http://127.0.0.1:8123", "http://127.0.0.1:8123", id="local"),
    ],
)
def test_github_web_url(api_url: str, web_url: str) -> None:
    """The manifest form goes to GitHub's web host that serves the configured API."""
    assert github_web_url(api_url) == web_url


@pytest.mark.parametrize(
    ("organization", "url"),
    [
        pytest.param(None, "https://github.com/settings/apps/new?state=s-1", id="user"),
        pytest.param(
            "octo-org", "https://github.com/organizations/octo-org/settings/apps/new?state=s-1", id="org"
        ),
    ],
)
def test_creation_url(organization: str | None, url: str) -> None:
    """A user's App is created under /settings/apps/new, an organisation's under its own settings."""
    assert creation_url("https://github.com", "s-1", organization) == url
