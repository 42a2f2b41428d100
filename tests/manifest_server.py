"""A tiny stand-in for GitHub's `POST /app-manifests/{code}/conversions`, on a loopback port, and a reader
of the setup page's form.

Its answer has the shape GitHub's documentation gives for "Create a GitHub App from a manifest" (the
values are made up): https://docs.github.com/en/rest/apps/apps#create-a-github-app-from-a-manifest
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_CODE = "5f2b8c61d0e94a37b1c2"
WEBHOOK_SECRET = "7c3a9e1f0b5d4c2a8e6f1b3d5a7c9e0f2b4d6a8c"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAscopegatetestkey\n-----END RSA PRIVATE KEY-----\n"
_PATH = re.compile(r"/app-manifests/([^/?]+)/conversions")


def conversion(base_url: str) -> dict[str, Any]:
    """GitHub's answer for a good code: the new App, its client secret, webhook secret and private key."""
    return {
        "id": 987654,
        "slug": "scopegate-octo-org",
        "node_id": "A_kwHOAAAmv84ADxJG",
        "client_id": "Iv23liQx7scopegate01",
        "owner": {
            "login": "octo-org",
            "id": 9919,
            "node_id": "O_kgDOAAAmvw",
            "avatar_url": "https://avatars.githubusercontent.com/u/9919?v=4",
            "html_url": "https://github.com/octo-org",
            "type": "Organization",
            "site_admin": False,
        },
        "name": "scopegate <octo-org>",
        "description": "Gates pull requests on scope discipline before a person spends time on them.",
        "external_url": f"{base_url}/",
        "html_url": "https://github.com/apps/scopegate-octo-org",
        "created_at": "2026-11-23T06:00:00Z",
        "updated_at": "2026-11-23T06:00:00Z",
        "permissions": {"checks": "write", "contents": "read", "metadata": "read", "pull_requests": "write"},
        "events": ["check_run", "check_suite", "issue_comment", "pull_request", "push"],
        "client_secret": "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
        "webhook_secret": WEBHOOK_SECRET,
        "pem": PEM,
    }


@dataclass
class ConversionServer:
    """The server's address and the requests it received: (method, path, headers)."""

    url: str
    calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    app_base_url: str = "http://scopegate.test"


@contextmanager
def conversion_server() -> Iterator[ConversionServer]:
    """Serve conversions in a thread for the block: GOOD_CODE converts, any other code is 404."""
    state = ConversionServer(url="")

    class Handler(BaseHTTPRequestHandler):
        """Answers POST /app-manifests/{code}/conversions like GitHub."""

        def do_POST(self) -> None:
            """One conversion request."""
            state.calls.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
            match = _PATH.fullmatch(self.path)
            if match and match[1] == GOOD_CODE:
                self._reply(201, conversion(state.app_base_url))
            else:
                self._reply(
                    404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
                )

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            """Send `body` as JSON."""
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def form(page: str) -> tuple[str, dict[str, Any]]:
    """The setup form's action and the manifest it posts."""
    action = re.search(r'<form action="([^"]+)" method="post">', page)
    manifest = re.search(r'<input type="hidden" name="manifest" value="([^"]+)">', page)
    assert action is not None
    assert manifest is not None
    return html.unescape(action[1]), json.loads(html.unescape(manifest[1]))
