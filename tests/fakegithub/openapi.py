"""Validate requests (and the fake's own responses) against GitHub's OpenAPI description.

The description is the vendored subset of `@octokit/openapi` (see tests/fixtures/openapi/SOURCE.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema.exceptions import ValidationError
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

SUBSET = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "api.github.com.subset.json"
LONGEST_MESSAGE = 200


@dataclass
class _Request:
    """The request shape openapi-core reads (its `Request` protocol)."""

    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = "http://127.0.0.1"


@dataclass
class _Response:
    """The response shape openapi-core reads (its `Response` protocol)."""

    data: bytes
    status_code: int
    content_type: str
    headers: Headers


def _describe(error: ValidationError, subject: str) -> str:
    """A short line for one schema error, naming where in the body (or which parameter) it is."""
    where = "/".join(str(part) for part in error.absolute_path) or subject
    if len(error.message) <= LONGEST_MESSAGE:
        return f"For '{where}', {error.message}"
    return f"For '{where}', the value fails '{error.validator}: {error.validator_value}'"


def _tolerated(error: ValidationError) -> bool:
    """Whether a schema error comes from how the validator reads GitHub's description, not from the answer."""
    # OpenAPI 3.0's `nullable` does not add null to an `enum`, but GitHub's description relies on it
    # (a check run's `conclusion` is null until the run completes).
    if error.validator == "enum" and error.instance is None:
        return True
    # `GET /app/installations` joins an account's "Simple User" and "Enterprise" shapes with `allOf` where
    # the `installation` component says `anyOf`: an account is one or the other, never both.
    if "allOf" in error.absolute_schema_path and error.schema.get("title") == "Enterprise":
        return True
    # A `discriminator` cannot choose among alternatives when one of them is an array (a directory listing).
    return "discriminator" in error.schema and isinstance(error.instance, list)


def _messages(exc: BaseException, *, strict: bool = True) -> list[str]:
    """Readable messages for an openapi-core error and the schema errors under it."""
    schema_errors: list[ValidationError] = [
        error for link in (exc, exc.__cause__) for error in getattr(link, "schema_errors", ())
    ]
    if not schema_errors:
        return [str(exc) if not exc.__cause__ else f"{exc}: {exc.__cause__}"]
    name = getattr(exc, "name", None)  # set on parameter errors
    subject = f"{getattr(exc, 'location', '')} parameter {name}".strip() if name else "body"
    return [_describe(error, subject) for error in schema_errors if strict or not _tolerated(error)]


class OpenAPIValidator:
    """openapi-core over the vendored description, with GitHub's multi-segment path parameters."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        """Build the validator; servers become `/` because the fake answers on a loopback port."""
        self._api = OpenAPI.from_dict({**document, "servers": [{"url": "/"}]})
        self._spanning = [
            (_template_regex(path, names), names)
            for path, item in document["paths"].items()
            if (names := _multi_segment_names(item))
        ]

    def _openapi_path(self, raw_path: str) -> str:
        """`raw_path` with `/` escaped inside multi-segment parameters: openapi-core matches one segment."""
        for pattern, names in self._spanning:
            found = pattern.match(raw_path)
            if found:
                for name in names:
                    start, end = found.span(name)
                    raw_path = raw_path[:start] + quote(found[name], safe="%") + raw_path[end:]
                return raw_path
        return raw_path

    def request_errors(
        self, method: str, raw_path: str, query: Iterable[tuple[str, str]], body: bytes, content_type: str
    ) -> list[str]:
        """What GitHub's description says is wrong with the request; empty when it is valid."""
        request = _Request(
            method.lower(),
            self._openapi_path(raw_path),
            body or None,
            content_type or "application/json",
            RequestParameters(
                query=ImmutableMultiDict(list(query)), header=Headers(), cookie=ImmutableMultiDict()
            ),
        )
        try:
            self._api.validate_request(request)
        except (PathNotFound, OperationNotFound):
            return [f"{method} {raw_path} is not an operation of the vendored description (see SOURCE.md)"]
        except OpenAPIError as exc:
            return _messages(exc)
        return []

    def response_errors(self, method: str, raw_path: str, status: int, body: bytes) -> list[str]:
        """What the description says is wrong with a JSON response the fake produced."""
        parameters = RequestParameters(
            query=ImmutableMultiDict(), header=Headers(), cookie=ImmutableMultiDict()
        )
        request = _Request(method.lower(), self._openapi_path(raw_path), None, "application/json", parameters)
        response = _Response(body, status, "application/json", Headers())
        try:
            self._api.validate_response(request, response)
        except OpenAPIError as exc:
            return _messages(exc, strict=False)
        return []


def _template_regex(path: str, spanning: Iterable[str]) -> re.Pattern[str]:
    """A regex for an OpenAPI path template whose `spanning` parameters may contain `/`."""
    names = set(spanning)

    def group(found: re.Match[str]) -> str:
        return f"(?P<{found[1]}>{'.+' if found[1] in names else '[^/]+'})"

    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", group, re.escape(path)) + "$")


def _multi_segment_names(item: Mapping[str, Any]) -> list[str]:
    """Names of the `x-multi-segment` path parameters of a path item's operations."""
    return [
        parameter["name"]
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter.get("x-multi-segment")
    ]


@cache
def default_validator() -> OpenAPIValidator:
    """The validator over the vendored subset, built once per process (it takes a moment)."""
    return OpenAPIValidator(json.loads(SUBSET.read_text()))
