"""A route table: method and path template to handler, with the authentication each route needs."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

if TYPE_CHECKING:
    from .calls import Call, Reply
    from .state import GitHubState

Handler = Callable[["GitHubState", "Call"], "Reply"]
# "user": a user access token of the web flow only; "none": no credential read (github.com's OAuth pages).
AuthKind = Literal["installation", "app", "any", "user", "none"]


@dataclass(frozen=True)
class Route:
    """One operation the fake serves; `openapi` False for what the REST description does not cover."""

    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: AuthKind
    openapi: bool


def compile_template(template: str) -> re.Pattern[str]:
    """A regex for an OpenAPI path template, matched against the raw (still %-encoded) path.

    `{name:path}` may span segments, like `/contents/{path}` (`x-multi-segment` in GitHub's description).
    """
    regex = re.sub(
        r"\{(\w+)(:path)?\}",
        lambda m: f"(?P<{m[1]}>{'.+' if m[2] else '[^/]+'})",
        re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
    )
    return re.compile(f"^{regex}$")


class Router:
    """Routes registered with the `route` decorator."""

    def __init__(self) -> None:
        """No routes yet."""
        self.routes: list[Route] = []

    def route(
        self, method: str, template: str, *, auth: AuthKind = "installation", openapi: bool = True
    ) -> Callable[[Handler], Handler]:
        """Register the decorated handler for `method` and `template`."""

        def register(handler: Handler) -> Handler:
            pattern = compile_template(template)
            self.routes.append(Route(method, template.replace(":path", ""), pattern, handler, auth, openapi))
            return handler

        return register

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for the request and its decoded path parameters."""
        for route in self.routes:
            found = route.pattern.match(raw_path)
            if found and route.method == method:
                return route, {key: unquote(value) for key, value in found.groupdict().items()}
        return None

    def extend(self, *others: Router) -> Router:
        """This router with the routes of `others` appended."""
        for other in others:
            self.routes.extend(other.routes)
        return self
