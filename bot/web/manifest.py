"""The App manifest (`app-manifest.yml`) and where GitHub's manifest flow starts: pure, no I/O but the file.

https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import copy
import re
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from ruamel.yaml import YAML

# Shipped inside the package (a link to the repository's top-level file), so installed copies find it.
MANIFEST_FILE = "app-manifest.yml"
WEBHOOK_PATH = "/webhooks"
CALLBACK_PATH = "/setup/callback"
# Where GitHub sends a user back after signing in to the dashboard: the App's first callback URL.
DASHBOARD_CALLBACK_PATH = "/dashboard/callback"
# GitHub logins: alphanumerics and single hyphens, at most 39 characters, not starting with a hyphen.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")


def load_manifest() -> dict[str, Any]:
    """The manifest as shipped, with its placeholder URLs."""
    text = resources.files("bot").joinpath(MANIFEST_FILE).read_text(encoding="utf-8")
    manifest: dict[str, Any] = YAML(typ="safe").load(text)
    return manifest


def build_manifest(template: dict[str, Any], base_url: str) -> dict[str, Any]:
    """`template` pointed at the deployment at `base_url`: its page, its webhook URL, its setup callback,
    the dashboard's sign-in callback."""
    manifest = copy.deepcopy(template)
    manifest["url"] = f"{base_url}/"
    manifest["hook_attributes"] = {**manifest.get("hook_attributes", {}), "url": base_url + WEBHOOK_PATH}
    manifest["redirect_url"] = base_url + CALLBACK_PATH
    manifest["callback_urls"] = [base_url + DASHBOARD_CALLBACK_PATH]
    return manifest


def is_login(name: str) -> bool:
    """Whether `name` can be a GitHub user or organisation login."""
    return _LOGIN.fullmatch(name) is not None


def creation_url(web_url: str, state: str, organization: str | None = None) -> str:
    """Where the manifest form posts: the user's App settings, or an organisation's."""
    owner = f"/organizations/{quote(organization, safe='')}" if organization else ""
    return f"{web_url}{owner}/settings/apps/new?{urlencode({'state': state})}"


def github_web_url(api_url: str) -> str:
    """GitHub's web address for a REST API root: api.github.com → github.com, https://HOST/api/v3 → HOST
    (GitHub Enterprise Server), api.SUBDOMAIN.ghe.com → SUBDOMAIN.ghe.com (GitHub Enterprise Cloud)."""
    parts = urlsplit(api_url)
    path = parts.path.rstrip("/")
    if path.endswith("/api/v3"):
        return f"{parts.scheme}://{parts.netloc}{path.removesuffix('/api/v3')}"
    host = parts.netloc.removeprefix("api.")
    return f"{parts.scheme}://{host}"
