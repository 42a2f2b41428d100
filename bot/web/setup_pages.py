"""The setup page's HTML. Every value is escaped: names, URLs and errors may come from GitHub or the user."""

from __future__ import annotations

import json
from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlsplit

from bot.identity import AppIdentity

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
)
# GitHub refuses webhook URLs it cannot reach from the internet.
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def setup_form(
    action: str,
    manifest: Mapping[str, Any],
    organization: str | None,
    problem: str = "",
    *,
    token: str = "",
    url: str = "",
) -> str:
    """The form that sends the manifest to GitHub, and one to pick an organisation as the App's owner
    (carrying the setup token and the confirmed address, `url`, when there is one)."""
    hook_url = str(manifest["hook_attributes"]["url"])
    owner = f"the organisation {organization}" if organization else "your personal account"
    parts = [
        "<h1>Set up scopegate</h1>",
        "<p>This scopegate has no GitHub App yet. Create one from its manifest: GitHub shows what the App "
        "asks for, lets you rename it, and sends you back here with its credentials.</p>",
        f'<p class="problem">{escape(problem)}</p>' if problem else "",
        f'<form action="{escape(action)}" method="post">',
        f'<input type="hidden" name="manifest" value="{escape(json.dumps(manifest))}">',
        f"<button type=submit>Create the GitHub App for {escape(owner)}</button></form>",
        '<form action="/" method="get">',
        _hidden("token", token),
        _hidden("url", url) if url else "",
        "<label>Owned by an organisation instead: "
        f'<input name="organization" value="{escape(organization or "")}" placeholder="login"></label> '
        "<button type=submit>Use it</button></form>",
        f"<p>GitHub will send webhooks to <code>{escape(hook_url)}</code>.</p>",
    ]
    if (urlsplit(hook_url).hostname or "") in _LOCAL_HOSTS:
        parts.append(
            "<p><strong>GitHub cannot reach this address.</strong> Set <code>SCOPEGATE_PUBLIC_URL</code> "
            "to the address it reaches this server at (a tunnel works for a trial), then reload.</p>"
        )
    return _page("scopegate setup", "".join(parts))


def address_form(token: str, suggested: str, organization: str, problem: str = "") -> str:
    """Ask the setup token's holder for the address GitHub reaches this server at (SCOPEGATE_PUBLIC_URL
    unset): the App's webhook and callback URLs are built from it, never from the request's Host header."""
    return _page(
        "scopegate setup",
        "<h1>Set up scopegate</h1>"
        + (f'<p class="problem">{escape(problem)}</p>' if problem else "")
        + "<p>Which address does GitHub reach this server at? GitHub will send the App's webhooks there. "
        "Check it: it is the address your browser used, and a proxy may have rewritten it. "
        "(<code>SCOPEGATE_PUBLIC_URL</code> sets it for good.)</p>"
        '<form action="/" method="get">'
        + _hidden("token", token)
        + _hidden("organization", organization)
        + f'<label>Address: <input name="url" value="{escape(suggested)}" size="40"></label> '
        "<button type=submit>This is it</button></form>",
    )


def configured_page(identity: AppIdentity, health: Mapping[str, str]) -> str:
    """The App's name, install link and health."""
    stored = identity.stored
    if stored is not None and identity.credentials is not None and stored.app_id == identity.app_id:
        name = stored.name or stored.slug
        about = (
            f'<p>GitHub App <a href="{escape(stored.html_url)}">{escape(name)}</a>'
            f"{_owner(stored.owner_login)}, id {stored.app_id}.</p>"
            f'<p><a href="{escape(install_url(stored.html_url))}">Install it on repositories</a></p>'
        )
    else:
        about = f"<p>GitHub App id {identity.app_id}, configured by the environment.</p>"
    rows = "".join(f"<li>{escape(part)}: {escape(state)}</li>" for part, state in health.items())
    return _page("scopegate", f"<h1>scopegate</h1>{about}<h2>Health</h2><ul>{rows}</ul>")


def created_page(identity: AppIdentity) -> str:
    """After the manifest flow: the App exists; install it."""
    stored = identity.stored
    if stored is None:
        return message_page("scopegate", "The App is stored; reload / to see it.")
    return _page(
        "scopegate: App created",
        f"<h1>{escape(stored.name or stored.slug)} is ready</h1>"
        "<p>Its credentials are stored. Next, choose the repositories it gates:</p>"
        f'<p><a href="{escape(install_url(stored.html_url))}">Install {escape(stored.slug)}</a></p>',
    )


def message_page(title: str, message: str) -> str:
    """A page saying one thing, such as why the setup did not go through."""
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p><p><a href=/>Back</a></p>")


def install_url(html_url: str) -> str:
    """Where an App's installations are chosen: `{html_url}/installations/new`."""
    return f"{html_url.rstrip('/')}/installations/new"


def _hidden(name: str, value: str) -> str:
    """A hidden form field."""
    return f'<input type="hidden" name="{name}" value="{escape(value)}">'


def _owner(login: str | None) -> str:
    """` of LOGIN`, or nothing."""
    return f" of {escape(login)}" if login else ""


def _page(title: str, body: str) -> str:
    """A whole HTML document around `body` (already escaped)."""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width"><style>{_STYLE}</style></head>'
        f"<body>{body}</body></html>"
    )
