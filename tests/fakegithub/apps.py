"""Routes an App calls as itself (JWT): tokens, installations, webhook deliveries; and `/rate_limit`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .calls import Call, Reply, error, not_found, paged, paginate
from .routing import Router
from .shapes import installation, repository, timestamp

if TYPE_CHECKING:
    from .models import Delivery
    from .state import GitHubState

router = Router()
INACCESSIBLE = (
    "There is at least one repository that does not exist or is not accessible to the parent installation."
)


@router.route("POST", "/app/installations/{installation_id}/access_tokens", auth="app")
def create_token(state: GitHubState, call: Call) -> Reply:
    """Exchange the App JWT for an installation token, optionally narrowed to some repositories."""
    install = state.installations.get(call.number("installation_id"))
    if install is None or install.app_id != call.caller_app.id:
        return not_found()
    names: list[str] = (call.body or {}).get("repositories") or []
    repos = [state.repo(install.account, name) for name in names]
    if any(repo is None or not state.covers(install, repo) for repo in repos):
        return error(422, INACCESSIBLE)
    token = state.issue_token(install, names)
    body: dict[str, Any] = {
        "token": token.value,
        # githubkit parses exactly this format: https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app
        "expires_at": timestamp(token.expires_at),
        "permissions": install.permissions,
        "repository_selection": "selected" if names or install.repositories is not None else "all",
    }
    if names:
        body["repositories"] = [repository(call.api, state, repo) for repo in repos if repo is not None]
    return Reply(201, body)


@router.route("GET", "/app/installations", auth="app")
def list_installations(state: GitHubState, call: Call) -> Reply:
    """The calling App's installations, oldest first, paginated by page."""
    mine = [
        i for i in sorted(state.installations.values(), key=lambda i: i.id) if i.app_id == call.caller_app.id
    ]
    return paged(call, mine, lambda install: installation(call.api, state, install))


@router.route("GET", "/installation/repositories")
def list_installation_repositories(state: GitHubState, call: Call) -> Reply:
    """The repositories the calling installation's token may read, by id, wrapped in `total_count`.

    https://docs.github.com/en/rest/apps/installations#list-repositories-accessible-to-the-app-installation
    """
    token, install = call.token, call.installation
    # An installation route: the gate answered 401 to any other caller.
    assert token is not None
    assert install is not None
    visible = [r for r in sorted(state.repos.values(), key=lambda r: r.id) if state.visible(token, r)]
    page, headers = paginate(call, visible)
    body = {
        "total_count": len(visible),
        "repositories": [repository(call.api, state, repo) for repo in page],
        "repository_selection": "all" if install.repositories is None else "selected",
    }
    return Reply(200, body, headers)


@router.route("GET", "/app/installations/{installation_id}", auth="app")
def get_installation(state: GitHubState, call: Call) -> Reply:
    """One installation of the calling App."""
    install = state.installations.get(call.number("installation_id"))
    if install is None or install.app_id != call.caller_app.id:
        return not_found()
    return Reply(200, installation(call.api, state, install))


@router.route("GET", "/repos/{owner}/{repo}/installation", auth="app")
def get_repo_installation(state: GitHubState, call: Call) -> Reply:
    """The calling App's installation that covers the repository."""
    install = state.installation_for(call.repo, app_id=call.caller_app.id)
    if install is None:
        return not_found()
    return Reply(200, installation(call.api, state, install))


def _delivery_item(delivery: Delivery) -> dict[str, Any]:
    """A `hook-delivery-item`."""
    ok = 200 <= delivery.status_code < 300
    return {
        "id": delivery.id,
        "guid": delivery.guid,
        "delivered_at": timestamp(delivery.delivered_at),
        "redelivery": delivery.redelivery,
        "duration": 0.05,
        "status": "OK" if ok else f"Invalid HTTP Response: {delivery.status_code}",
        "status_code": delivery.status_code,
        "event": delivery.event,
        "action": delivery.action,
        "installation_id": delivery.installation_id,
        "repository_id": delivery.repository_id,
        "throttled_at": None,
    }


@router.route("GET", "/app/hook/deliveries", auth="app")
def list_deliveries(state: GitHubState, call: Call) -> Reply:
    """Deliveries newest first, paginated by cursor as GitHub does for this endpoint (not by page)."""
    per_page = min(int(call.query.get("per_page", 30)), 100)
    wanted = call.query.get("status")
    newest_first = [
        d
        for d in reversed(state.deliveries)
        if wanted is None or (wanted == "success") == (200 <= d.status_code < 300)
    ]
    cursor = call.query.get("cursor", "")
    if cursor.startswith("v1_"):
        after = int(cursor.removeprefix("v1_"))
        newest_first = [d for d in newest_first if d.id < after]
    page = newest_first[:per_page]
    headers: dict[str, str] = {}
    if len(newest_first) > per_page:
        headers["link"] = f'<{call.link(per_page=per_page, cursor=f"v1_{page[-1].id}")}>; rel="next"'
    return Reply(200, [_delivery_item(d) for d in page], headers)


@router.route("GET", "/app/hook/deliveries/{delivery_id}", auth="app")
def get_delivery(state: GitHubState, call: Call) -> Reply:
    """One delivery with the request GitHub sent and the response it got."""
    delivery = next((d for d in state.deliveries if d.id == call.number("delivery_id")), None)
    if delivery is None:
        return not_found()
    body = {
        **_delivery_item(delivery),
        "url": "",
        "request": {"headers": delivery.headers, "payload": delivery.payload},
        "response": {"headers": {}, "payload": delivery.response_body},
    }
    return Reply(200, body)


@router.route("POST", "/app/hook/deliveries/{delivery_id}/attempts", auth="app")
def redeliver(state: GitHubState, call: Call) -> Reply:
    """Redeliver: a new attempt with the same guid, handed to `state.on_redeliver` after the reply."""
    original = next((d for d in state.deliveries if d.id == call.number("delivery_id")), None)
    if original is None:
        return not_found()
    attempt = state.add_delivery(
        original.event,
        original.payload,
        guid=original.guid,
        status_code=original.status_code,
        installation_id=original.installation_id,
        repository_id=original.repository_id,
    )
    attempt.redelivery = True
    callback = state.on_redeliver

    def forward() -> None:
        """Run the test's callback outside the request, as GitHub redelivers asynchronously."""
        if callback is not None:
            status = callback(attempt)
            if status is not None:
                attempt.status_code = status

    return Reply(202, {}, background=forward)


@router.route("GET", "/rate_limit", auth="any")
def rate_limit(state: GitHubState, call: Call) -> Reply:
    """The caller's windows; GitHub does not count this request against them."""
    key = call.installation.id if call.installation else 0
    resources = {name: _window(state, key, name) for name in ("core", "graphql", "search")}
    return Reply(200, {"resources": resources, "rate": resources["core"]})


def _window(state: GitHubState, key: int, resource: str) -> dict[str, int]:
    """A `rate-limit` object."""
    window = state.rate.window(key, resource)
    return {"limit": window.limit, "remaining": window.remaining, "reset": window.reset, "used": window.used}
