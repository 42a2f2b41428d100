"""Extract the operations the fake serves, and what they reference, from `@octokit/openapi`.

Run: `python tests/fakegithub/vendor_openapi.py /tmp/octokit-openapi-23.0.2.tgz`
(the tarball comes from `npm pack @octokit/openapi@23.0.2`).
"""

from __future__ import annotations

import argparse
import json
import tarfile
from pathlib import Path
from typing import Any

MEMBER = "package/generated/api.github.com.json"
OUT = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "api.github.com.subset.json"

# (method, path) of every REST operation the fake answers; keep in step with the route modules.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("post", "/app/installations/{installation_id}/access_tokens"),
    ("get", "/app/installations"),
    ("get", "/app/installations/{installation_id}"),
    ("get", "/installation/repositories"),
    ("get", "/app/hook/deliveries"),
    ("get", "/app/hook/deliveries/{delivery_id}"),
    ("post", "/app/hook/deliveries/{delivery_id}/attempts"),
    ("get", "/rate_limit"),
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/installation"),
    ("get", "/repos/{owner}/{repo}/contents/{path}"),
    ("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}"),
    ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("get", "/repos/{owner}/{repo}/compare/{basehead}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}"),
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/commits"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    ("post", "/repos/{owner}/{repo}/check-runs"),
    ("get", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("patch", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("put", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("get", "/repos/{owner}/{repo}/labels"),
    ("post", "/repos/{owner}/{repo}/labels"),
    ("get", "/orgs/{org}/teams/{team_slug}/members"),
)

# Bulky and never read by a validator: worked examples, doc links, GitHub-internal metadata.
DROPPED_KEYS = frozenset({"examples", "example", "externalDocs", "x-github"})


def strip(node: Any) -> Any:
    """Return `node` without the keys in DROPPED_KEYS; names under `properties` are data, not keys."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: {name: strip(schema) for name, schema in value.items()} if key == "properties" else strip(value)
        for key, value in node.items()
        if key not in DROPPED_KEYS
    }


def references(node: Any) -> set[str]:
    """Every `$ref` target under `node`."""
    if isinstance(node, list):
        return set().union(*(references(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
    for value in node.values():
        found |= references(value)
    return found


def subset(spec: dict[str, Any]) -> dict[str, Any]:
    """The part of `spec` the fake needs: its operations and, transitively, their components."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        paths.setdefault(path, {})[method] = strip(spec["paths"][path][method])
    components: dict[str, dict[str, Any]] = {}
    pending = references(paths)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = strip(spec["components"][kind][name])
        components.setdefault(kind, {})[name] = node
        pending |= references(node) - seen
    return {
        "openapi": spec["openapi"],
        "info": {key: spec["info"][key] for key in ("title", "version", "license")},
        "servers": spec["servers"],
        "paths": paths,
        "components": {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())},
    }


def main() -> None:
    """Read the package tarball and write the subset beside the fixtures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tarball", type=Path, help="octokit-openapi-<version>.tgz from `npm pack`")
    args = parser.parse_args()
    with tarfile.open(args.tarball) as archive:
        member = archive.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{MEMBER} missing from {args.tarball}")
        spec = json.load(member)
    OUT.write_text(json.dumps(subset(spec), indent=1, sort_keys=False) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(OPERATIONS)} operations)")


if __name__ == "__main__":
    main()
