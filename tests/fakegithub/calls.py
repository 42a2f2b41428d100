"""One request as a route handler sees it, its reply, GitHub's error bodies and `Link` pagination."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

if TYPE_CHECKING:
    from .models import App, Installation, Repo, Token, UserToken

DOCS = "https://docs.github.com/rest"
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """A request after routing and authentication: decoded path parameters, query, parsed JSON body."""

    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    api: str
    token: Token | None = None
    installation: Installation | None = None
    app: App | None = None
    found_repo: Repo | None = None
    user_token: UserToken | None = None

    @property
    def repo(self) -> Repo:
        """The repository named by `{owner}/{repo}`; the gate answered 404 already when there is none."""
        if self.found_repo is None:
            raise LookupError(f"{self.path} is not a repository route")
        return self.found_repo

    @property
    def caller_app(self) -> App:
        """The App making the call, itself or through an installation; the gate refused anonymous calls."""
        if self.app is None:
            raise LookupError(f"{self.path} was answered without authentication")
        return self.app

    def number(self, name: str) -> int:
        """An integer path parameter (OpenAPI validation has checked it is one)."""
        return int(self.params[name])

    def link(self, **changes: object) -> str:
        """This request's URL with some query parameters replaced."""
        query = {**self.query, **{key: str(value) for key, value in changes.items()}}
        return f"{self.api}{self.path}?{urlencode(query)}"


@dataclass
class Reply:
    """What a handler answers; `invalid` lists request problems to record (GraphQL validates its own)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json; charset=utf-8"
    background: Callable[[], None] | None = None
    invalid: list[str] = field(default_factory=list)


def error(
    status: int, message: str, *, errors: list[dict[str, Any]] | None = None, docs: str = DOCS
) -> Reply:
    """GitHub's error body: message, documentation_url, status (a string), and `errors` when given."""
    body: dict[str, Any] = {"message": message, "documentation_url": docs, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return Reply(status, body)


def not_found() -> Reply:
    """GitHub's 404, also its answer for things the caller may not see."""
    return error(404, "Not Found")


def validation_failed(resource: str, field_name: str, code: str, message: str | None = None) -> Reply:
    """GitHub's 422 `Validation Failed` with one entry in `errors`."""
    entry = {"resource": resource, "field": field_name, "code": code}
    if message is not None:
        entry["message"] = message
    return error(422, "Validation Failed", errors=[entry])


def paginate(call: Call, items: Sequence[T], *, cap: int | None = None) -> tuple[list[T], dict[str, str]]:
    """One page of `items` (30 by default, at most 100) and its RFC 8288 `Link` header, as GitHub builds it.

    https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
    """
    listed = items[:cap] if cap is not None else items
    per_page = min(max(int(call.query.get("per_page", 30)), 1), 100)
    page = max(int(call.query.get("page", 1)), 1)
    last = max((len(listed) + per_page - 1) // per_page, 1)
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels.append(("prev", page - 1))
    if page < last:
        rels += [("next", page + 1), ("last", last)]
    if page > 1:
        rels.append(("first", 1))
    headers = {"link": ", ".join(f'<{call.link(page=n)}>; rel="{rel}"' for rel, n in rels)} if rels else {}
    return list(listed[(page - 1) * per_page : page * per_page]), headers


def paged(call: Call, items: Sequence[Any], render: Callable[[Any], Any], *, cap: int | None = None) -> Reply:
    """A 200 reply with one rendered page of `items` and its `Link` header."""
    page, headers = paginate(call, items, cap=cap)
    return Reply(200, [render(item) for item in page], headers)
