"""The fake GitHub answers githubkit over real HTTP as GitHub does: App auth, `Link` pagination, the limits of
DESIGN §9, injected faults, OpenAPI validation of requests, and GraphQL."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest
from githubkit.exception import (
    GraphQLFailed,
    PrimaryRateLimitExceeded,
    RequestFailed,
    SecondaryRateLimitExceeded,
)

from tests.fakegithub import Commit, FakeGitHub, FileChange
from tests.fakegithub.auth import generate_key_pair

if TYPE_CHECKING:
    from tests.fakegithub.fixtures import FakeInstallation


OWNER, REPO = "octo-org", "hello-world"
PULL_QUERY = (
    '{{ repository(owner: "octo-org", name: "hello-world") {{ pullRequest(number: 1) {{ {fields} }} }} }}'
)
ANNOTATION = {"path": "a.py", "start_line": 1, "end_line": 1, "annotation_level": "warning", "message": "m"}


def token_headers(fi: FakeInstallation) -> dict[str, str]:
    """Headers carrying a fresh installation token."""
    return {"Authorization": f"token {fi.fake.issue_token(fi.installation).value}"}


def app_jwt(fi: FakeInstallation, key: str | None = None, **claims: Any) -> str:
    """An App JWT as githubkit builds it, with some claims overridden."""
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": str(fi.app_id), "iat": now - 60, "exp": now + 540, **claims}
    return jwt.encode(payload, key or fi.private_key, algorithm="RS256")


def rows(count: int) -> list[FileChange]:
    """`count` one-line additions, named so they sort in order."""
    return [FileChange(f"src/f{i:04}.py", "added", 1, 0, "@@ -0,0 +1 @@\n+x = 1") for i in range(count)]


def test_token_exchange_once_then_reused(fake_installation: FakeInstallation) -> None:
    """githubkit trades the App JWT for one installation token (valid an hour) and reuses it."""
    client = fake_installation.client()
    client.rest.repos.get(OWNER, REPO)
    client.rest.repos.get(OWNER, REPO)
    fake = fake_installation.fake
    assert fake.count("POST", "/app/installations/") == 1
    assert fake.count("GET", f"/repos/{OWNER}/{REPO}") == 2
    (token,) = fake.tokens.values()
    assert timedelta(minutes=59) < token.expires_at - datetime.now(UTC) <= timedelta(hours=1)


def test_expired_token_gets_bad_credentials(fake_installation: FakeInstallation) -> None:
    """Once tokens expire GitHub answers 401 `Bad credentials`; a new client fetches a new token."""
    fake = fake_installation.fake
    client = fake_installation.client(auto_retry=False)
    client.rest.repos.get(OWNER, REPO)
    fake.expire_tokens()
    with pytest.raises(RequestFailed) as caught:
        client.rest.repos.get(OWNER, REPO)  # githubkit still holds the token it cached for an hour
    assert caught.value.response.status_code == 401
    assert caught.value.response.json()["message"] == "Bad credentials"
    fresh = fake_installation.client()  # a new cache, so a new token
    assert fresh.rest.repos.get(OWNER, REPO).status_code == 200


def test_token_lifetime_is_configurable(fake_installation: FakeInstallation) -> None:
    """`token_ttl` sets `expires_at` of new tokens."""
    fake_installation.fake.token_ttl = timedelta(minutes=5)
    answer = httpx.post(
        f"{fake_installation.fake.url}/app/installations/{fake_installation.installation_id}/access_tokens",
        headers={"Authorization": f"Bearer {app_jwt(fake_installation)}"},
    )
    expires = datetime.strptime(answer.json()["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert answer.status_code == 201
    assert timedelta(minutes=4) < expires - datetime.now(UTC) <= timedelta(minutes=5)


@pytest.mark.parametrize(
    ("claims", "foreign_key", "message"),
    [
        ({}, True, "A JSON web token could not be decoded"),
        ({"iss": "999"}, False, "A JSON web token could not be decoded"),
        ({"exp": int(datetime.now(UTC).timestamp()) - 5}, False, "'Expiration time' claim ('exp') must be"),
        (
            {"exp": int(datetime.now(UTC).timestamp()) + 3600},
            False,
            "'Expiration time' claim ('exp') is too far",
        ),
    ],
    ids=["signed-by-another-key", "unknown-issuer", "expired", "exp-too-far"],
)
def test_bad_app_jwt_is_refused(
    fake_installation: FakeInstallation, claims: dict[str, Any], foreign_key: bool, message: str
) -> None:
    """The token exchange checks the JWT's signature, issuer and lifetime like GitHub, answering 401."""
    key = generate_key_pair()[0] if foreign_key else None
    answer = httpx.post(
        f"{fake_installation.fake.url}/app/installations/{fake_installation.installation_id}/access_tokens",
        headers={"Authorization": f"Bearer {app_jwt(fake_installation, key, **claims)}"},
    )
    assert answer.status_code == 401
    assert answer.json()["message"].startswith(message)


def test_files_paginate_by_link_and_stop_at_3000(fake_installation: FakeInstallation) -> None:
    """100 files a page with GitHub's `Link` header; githubkit follows it to the 3000-file cap."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, files=rows(3005))
    url = f"{fake.url}/repos/{OWNER}/{REPO}/pulls/1/files"
    first = httpx.get(url, params={"per_page": 100}, headers=token_headers(fake_installation))
    assert first.headers["link"] == (
        f'<{url}?per_page=100&page=2>; rel="next", <{url}?per_page=100&page=30>; rel="last"'
    )
    client = fake_installation.client()
    listed = list(
        client.rest.paginate(
            client.rest.pulls.list_files, owner=OWNER, repo=REPO, pull_number=1, per_page=100
        )
    )
    assert [f.filename for f in listed] == [f"src/f{i:04}.py" for i in range(3000)]
    assert fake.count("GET", "/repos/octo-org/hello-world/pulls/1/files") == 1 + 30
    assert client.rest.pulls.get(OWNER, REPO, 1).parsed_data.changed_files == 3005


def test_default_page_is_30_and_last_page_links_back(fake_installation: FakeInstallation) -> None:
    """Without `per_page` a page holds 30; the last page links to `prev` and `first` only."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, files=rows(45))
    url = f"{fake.url}/repos/{OWNER}/{REPO}/pulls/1/files"
    first = httpx.get(url, headers=token_headers(fake_installation))
    last = httpx.get(url, params={"page": 2}, headers=token_headers(fake_installation))
    assert len(first.json()) == 30
    assert len(last.json()) == 15
    assert last.headers["link"] == f'<{url}?page=1>; rel="prev", <{url}?page=1>; rel="first"'


def test_commits_stop_at_250(fake_installation: FakeInstallation) -> None:
    """A pull request lists at most 250 commits, while `commits` counts them all."""
    commits = [Commit(f"{i:040x}", f"change {i}") for i in range(1, 261)]
    fake_installation.fake.add_pull(OWNER, REPO, 1, commits=commits)
    client = fake_installation.client()
    listed = list(
        client.rest.paginate(
            client.rest.pulls.list_commits, owner=OWNER, repo=REPO, pull_number=1, per_page=100
        )
    )
    assert [c.sha for c in listed] == [c.sha for c in commits[:250]]
    assert listed[0].commit.author is not None
    assert listed[0].commit.author.name == "Mona Lisa"
    assert client.rest.pulls.get(OWNER, REPO, 1).parsed_data.commits == 260


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        (rows(300), 200, None),
        (rows(301), 406, "Sorry, the diff exceeded the maximum number of files (300)."),
        (
            [FileChange("big.txt", "added", 20_001)],
            406,
            "Sorry, the diff exceeded the maximum number of lines (20000).",
        ),
    ],
    ids=["300-files", "301-files", "20001-lines"],
)
def test_diff_media_type_is_too_large_past_github_limits(
    fake_installation: FakeInstallation, files: list[FileChange], status: int, message: str | None
) -> None:
    """The `.diff` media type gives the diff, or 406 `too_large` past 300 files or 20,000 lines."""
    fake_installation.fake.add_pull(OWNER, REPO, 1, files=files)
    client = fake_installation.client(auto_retry=False)
    accept = {"Accept": "application/vnd.github.diff"}
    if status == 200:
        text = client.rest.pulls.get(OWNER, REPO, 1, headers=accept).text
        assert text.startswith("diff --git a/src/f0000.py b/src/f0000.py\nnew file mode 100644\n")
        assert text.count("diff --git") == 300
        return
    with pytest.raises(RequestFailed) as caught:
        client.rest.pulls.get(OWNER, REPO, 1, headers=accept)
    body = caught.value.response.json()
    assert caught.value.response.status_code == 406
    assert body["message"].startswith(str(message))
    assert body["errors"] == [{"resource": "PullRequest", "field": "diff", "code": "too_large"}]


def test_diff_is_built_from_contents(fake_installation: FakeInstallation) -> None:
    """Seeded base and head contents give GitHub-shaped file rows and the matching unified diff."""
    fake = fake_installation.fake
    fake.add_pull(
        OWNER,
        REPO,
        1,
        base_files={"a.py": b"x = 1\n", "gone.txt": b"bye\n", "logo.png": b"\x89PNG\0"},
        head_files={"a.py": b"x = 2\ny = 3", "gone.txt": None, "logo.png": b"\x89PNG\0\1"},
    )
    client = fake_installation.client()
    files = {f.filename: f for f in client.rest.pulls.list_files(OWNER, REPO, 1).parsed_data}
    assert (files["a.py"].status, files["a.py"].additions, files["a.py"].deletions) == ("modified", 2, 1)
    assert files["a.py"].patch == "@@ -1 +1,2 @@\n-x = 1\n+x = 2\n+y = 3\n\\ No newline at end of file"
    assert (files["gone.txt"].status, files["gone.txt"].deletions) == ("removed", 1)
    assert not files["logo.png"].patch  # binary: GitHub omits the patch
    diff = client.rest.pulls.get(OWNER, REPO, 1, headers={"Accept": "application/vnd.github.diff"}).text
    assert "deleted file mode 100644\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n" in diff
    assert "Binary files a/logo.png and b/logo.png differ" in diff


def test_push_moves_the_head(fake_installation: FakeInstallation) -> None:
    """`push` stores the new head's contents, recomputes the files and appends the commits."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, base_files={"a.py": b"1\n"}, head_files={"a.py": b"2\n"}, head_sha="a" * 40)
    fake.push(OWNER, REPO, 1, "b" * 40, head_files={"b.py": b"new\n"})
    client = fake_installation.client()
    pull = client.rest.pulls.get(OWNER, REPO, 1).parsed_data
    assert pull.head.sha == "b" * 40
    assert [f.filename for f in client.rest.pulls.list_files(OWNER, REPO, 1).parsed_data] == ["a.py", "b.py"]
    assert [c.sha for c in client.rest.pulls.list_commits(OWNER, REPO, 1).parsed_data] == ["a" * 40, "b" * 40]
    content = client.rest.repos.get_content(OWNER, REPO, "b.py", ref="b" * 40).parsed_data
    assert base64.b64decode(content.content) == b"new\n"  # type: ignore[union-attr]


def test_push_to_a_branch_leaves_base_sha_and_moves_base_ref(fake_installation: FakeInstallation) -> None:
    """`push_branch` moves the branch: a PR on it keeps `baseRefOid`, as on GitHub, while `baseRef` names the
    new tip, whose tree holds the pushed file."""
    fake = fake_installation.fake
    pull = fake.add_pull(OWNER, REPO, 1, base_files={"a.py": b"1\n"}, head_files={"a.py": b"2\n"})
    tip = fake.push_branch(OWNER, REPO, "main", {"rules.yml": b"x: 1\n"})
    client = fake_installation.client()
    found = client.graphql(PULL_QUERY.format(fields="baseRefOid baseRef { target { oid } }"))
    blob = (
        '{ repository(owner: "octo-org", name: "hello-world") '
        '{ object(expression: "main:rules.yml") { ... on Blob { text } } } }'
    )
    assert found["repository"]["pullRequest"] == {
        "baseRefOid": pull.base_sha,
        "baseRef": {"target": {"oid": tip}},
    }
    assert client.graphql(blob)["repository"]["object"] == {"text": "x: 1\n"}
    assert not fake.invalid_requests


def test_delayed_request_is_held_without_holding_up_others(fake_installation: FakeInstallation) -> None:
    """`delay_next` holds the matching request back (marking it arrived), while other requests are answered
    at once."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, files=rows(1))
    delay = fake.delay_next("GET", r"/pulls/1/files$", 1.0)
    client = fake_installation.client()
    answered: list[str] = []
    slow = threading.Thread(
        target=lambda: answered.append(client.rest.pulls.list_files(OWNER, REPO, 1).url.path)
    )
    slow.start()
    assert delay.arrived.wait(10)
    answered.append(client.rest.pulls.get(OWNER, REPO, 1).url.path)
    slow.join(10)
    assert answered == [f"/repos/{OWNER}/{REPO}/pulls/1", f"/repos/{OWNER}/{REPO}/pulls/1/files"]


@pytest.mark.parametrize(
    ("path", "ref", "status"),
    [("src/app.py", None, 200), ("src", None, 200), ("missing.py", None, 404), ("src/app.py", "nope", 404)],
    ids=["file", "directory", "absent-path", "unknown-ref"],
)
def test_contents(fake_installation: FakeInstallation, path: str, ref: str | None, status: int) -> None:
    """Contents give a base64 file or a directory listing at a ref (default branch by default), else 404."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, base_files={"src/app.py": b"print(1)\n"})
    params = {"ref": ref} if ref else {}
    url = f"{fake.url}/repos/{OWNER}/{REPO}/contents/{path}"
    answer = httpx.get(url, params=params, headers=token_headers(fake_installation))
    assert answer.status_code == status
    if path == "src/app.py" and status == 200:
        assert base64.b64decode(answer.json()["content"]) == b"print(1)\n"
    if path == "src" and status == 200:
        assert [entry["name"] for entry in answer.json()] == ["app.py"]


@pytest.mark.parametrize(
    ("output", "status"),
    [
        ({"title": "t", "summary": "s", "annotations": [ANNOTATION] * 50}, 201),
        ({"title": "t", "summary": "s", "annotations": [ANNOTATION] * 51}, 422),
        ({"title": "t", "summary": "x" * 65535}, 201),
        ({"title": "t", "summary": "x" * 65536}, 422),
        ({"title": "t", "summary": "s", "text": "x" * 65536}, 422),
    ],
    ids=["50-annotations", "51-annotations", "summary-65535", "summary-65536", "text-65536"],
)
def test_check_run_limits(fake_installation: FakeInstallation, output: dict[str, Any], status: int) -> None:
    """GitHub answers 422 past 50 annotations a request or 65535 characters of summary or text."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, head_sha="c" * 40)
    # githubkit refuses these bodies itself unless told not to; the fake must see what GitHub would.
    client = fake_installation.client(auto_retry=False, rest_api_validate_body=False)
    body = {"name": "scopegate", "head_sha": "c" * 40, "output": output}
    if status == 201:
        assert client.rest.checks.create(OWNER, REPO, data=body).status_code == 201  # type: ignore[call-overload]
        assert fake.invalid_requests == []
        return
    with pytest.raises(RequestFailed) as caught:
        client.rest.checks.create(OWNER, REPO, data=body)  # type: ignore[call-overload]
    assert caught.value.response.status_code == 422
    assert caught.value.response.json()["message"].startswith("Invalid request.")
    assert [r.path for r in fake.invalid_requests] == [f"/repos/{OWNER}/{REPO}/check-runs"]


def test_annotations_accumulate_across_updates(fake_installation: FakeInstallation) -> None:
    """Each update appends its annotations (100 in two requests); the run is found by name and ref."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, head_sha="c" * 40, head_ref="topic")
    client = fake_installation.client()
    output: Any = {"title": "t", "summary": "s", "annotations": [ANNOTATION] * 50}
    run = client.rest.checks.create(
        OWNER, REPO, name="scopegate", head_sha="c" * 40, output=output
    ).parsed_data
    updated = client.rest.checks.update(OWNER, REPO, run.id, conclusion="failure", output=output).parsed_data
    assert (updated.status, updated.conclusion, updated.output.annotations_count) == (
        "completed",
        "failure",
        100,
    )
    assert [p.number for p in updated.pull_requests] == [1]
    found = client.rest.checks.list_for_ref(OWNER, REPO, "topic", check_name="scopegate").parsed_data
    assert (found.total_count, found.check_runs[0].id) == (1, run.id)
    assert (
        client.rest.checks.list_for_ref(OWNER, REPO, "c" * 40, check_name="other").parsed_data.total_count
        == 0
    )


def test_invalid_request_is_refused_and_recorded(fake_installation: FakeInstallation) -> None:
    """A check run without `name` and `head_sha` breaks GitHub's description: 422, recorded with why."""
    client = fake_installation.client(auto_retry=False, rest_api_validate_body=False)
    with pytest.raises(RequestFailed) as caught:
        client.rest.checks.create(OWNER, REPO, data={"status": "queued"})  # type: ignore[call-overload]
    assert caught.value.response.status_code == 422
    (invalid,) = fake_installation.fake.invalid_requests
    assert (invalid.method, invalid.path, invalid.body) == (
        "POST",
        "/repos/octo-org/hello-world/check-runs",
        '{"status":"queued"}',
    )
    assert any("'name' is a required property" in e for e in invalid.errors)
    assert any("'head_sha' is a required property" in e for e in invalid.errors)


@pytest.mark.parametrize(
    ("status", "extra", "raised"),
    [
        (502, {}, RequestFailed),
        (403, {"retry-after": "1"}, SecondaryRateLimitExceeded),
        (429, {"retry-after": "1"}, SecondaryRateLimitExceeded),
    ],
    ids=["502", "403-secondary", "429-secondary"],
)
def test_injected_fault_surfaces(
    fake_installation: FakeInstallation, status: int, extra: dict[str, str], raised: type[RequestFailed]
) -> None:
    """An injected fault answers the next matching request with GitHub's status, headers and body."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1)
    fake.fail_next("GET", r"/pulls/1$", status, headers=extra)
    client = fake_installation.client(auto_retry=False)
    with pytest.raises(raised) as caught:
        client.rest.pulls.get(OWNER, REPO, 1)
    assert caught.value.response.status_code == status
    if extra:
        assert "secondary rate limit" in caught.value.response.json()["message"]
    assert client.rest.pulls.get(OWNER, REPO, 1).status_code == 200  # used up


@pytest.mark.parametrize("status", [502, 403], ids=["502", "403-secondary"])
def test_githubkit_retries_injected_fault(fake_installation: FakeInstallation, status: int) -> None:
    """githubkit's default retry waits (1 s here) and repeats the request; the fake counts both."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1)
    if status == 403:
        fake.rate_limit_next("GET", r"/pulls/1$", retry_after=1)
    else:
        fake.fail_next("GET", r"/pulls/1$", status)
    client = fake_installation.client()
    assert client.rest.pulls.get(OWNER, REPO, 1).status_code == 200
    assert fake.count("GET", "/repos/octo-org/hello-world/pulls/1", status=status) == 1
    assert fake.count("GET", "/repos/octo-org/hello-world/pulls/1", status=200) == 1


def test_primary_rate_limit_and_conditional_requests(fake_installation: FakeInstallation) -> None:
    """`x-ratelimit-*` count requests per installation; a 304 is free; an empty window answers 403."""
    fake = fake_installation.fake
    fake.rate.limit = 3
    url = f"{fake.url}/repos/{OWNER}/{REPO}"
    headers = token_headers(fake_installation)
    first = httpx.get(url, headers=headers)
    assert (first.headers["x-ratelimit-used"], first.headers["x-ratelimit-remaining"]) == ("1", "2")
    again = httpx.get(url, headers={**headers, "If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.headers["x-ratelimit-used"]) == (304, "1")
    httpx.get(url, headers=headers)
    httpx.get(url, headers=headers)
    client = fake_installation.client(auto_retry=False)
    with pytest.raises(PrimaryRateLimitExceeded):
        client.rest.repos.get(OWNER, REPO)


def test_request_log_counts_and_resets(fake_installation: FakeInstallation) -> None:
    """Every answered request is logged with method, path, query and status; counts filter and reset."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1)
    client = fake_installation.client(auto_retry=False)
    client.rest.pulls.list(OWNER, REPO, state="all")
    with pytest.raises(RequestFailed):
        client.rest.pulls.get(OWNER, REPO, 2)
    assert [(r.method, r.path, r.query, r.status) for r in fake.requests[1:]] == [
        ("GET", "/repos/octo-org/hello-world/pulls", "state=all", 200),
        ("GET", "/repos/octo-org/hello-world/pulls/2", "", 404),
    ]
    assert (fake.count(), fake.count("GET"), fake.count(path_prefix="/app/"), fake.count(status=404)) == (
        3,
        2,
        1,
        1,
    )
    fake.reset_counts()
    assert fake.count() == 0


@pytest.mark.parametrize(("length", "status"), [(65536, 201), (65537, 422)], ids=["65536", "65537"])
def test_comment_length_limit(fake_installation: FakeInstallation, length: int, status: int) -> None:
    """Comments up to 65536 characters are accepted, as the App's bot; longer ones get GitHub's 422."""
    fake_installation.fake.add_pull(OWNER, REPO, 1)
    answer = httpx.post(
        f"{fake_installation.fake.url}/repos/{OWNER}/{REPO}/issues/1/comments",
        json={"body": "x" * length},
        headers=token_headers(fake_installation),
    )
    assert answer.status_code == status
    if status == 201:
        assert answer.json()["user"]["login"] == "scopegate[bot]"
        assert answer.json()["performed_via_github_app"]["slug"] == "scopegate"
    else:
        assert answer.json()["errors"][0]["message"] == "Body is too long (maximum is 65536 characters)"


def test_comments_edit_and_delete(fake_installation: FakeInstallation) -> None:
    """A sticky comment is found among the PR's comments, edited in place, and can be deleted."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1)
    fake.add_comment(OWNER, REPO, 1, "alice", "LGTM")
    client = fake_installation.client()
    mine = client.rest.issues.create_comment(OWNER, REPO, 1, body="<!-- scopegate --> v1").parsed_data
    client.rest.issues.update_comment(OWNER, REPO, mine.id, body="<!-- scopegate --> v2")
    listed = client.rest.issues.list_comments(OWNER, REPO, 1).parsed_data
    assert [(c.user.login if c.user else None, c.body) for c in listed] == [
        ("alice", "LGTM"),
        ("scopegate[bot]", "<!-- scopegate --> v2"),
    ]
    client.rest.issues.delete_comment(OWNER, REPO, mine.id)
    assert len(client.rest.issues.list_comments(OWNER, REPO, 1).parsed_data) == 1


def test_labels(fake_installation: FakeInstallation) -> None:
    """Adding creates missing labels; removal is by (escaped) name, 404 when absent; duplicates get 422."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, labels=["bug"])
    client = fake_installation.client(auto_retry=False)
    added = client.rest.issues.add_labels(OWNER, REPO, 1, labels=["size/XS"]).parsed_data
    assert [label.name for label in added] == ["bug", "size/XS"]
    # githubkit puts path parameters in the URL as they are: the caller escapes a `/` in a label name.
    kept = client.rest.issues.remove_label(OWNER, REPO, 1, "size%2FXS").parsed_data
    assert [label.name for label in kept] == ["bug"]
    with pytest.raises(RequestFailed) as absent:
        client.rest.issues.remove_label(OWNER, REPO, 1, "size%2FXS")
    assert absent.value.response.json()["message"] == "Label does not exist"
    with pytest.raises(RequestFailed) as duplicate:
        client.rest.issues.create_label(OWNER, REPO, name="BUG")
    assert duplicate.value.response.json()["errors"][0]["code"] == "already_exists"
    assert {label.name for label in client.rest.issues.list_labels_for_repo(OWNER, REPO).parsed_data} == {
        "bug",
        "size/XS",
    }


@pytest.mark.parametrize(
    ("reviewers", "status"),
    [(["carol"], 201), (["mallory"], 422), (["octocat"], 422)],
    ids=["collaborator", "not-a-collaborator", "the-author"],
)
def test_review_requests(fake_installation: FakeInstallation, reviewers: list[str], status: int) -> None:
    """Reviews may be requested from collaborators other than the PR's author."""
    fake = fake_installation.fake
    fake.add_pull(OWNER, REPO, 1, author="octocat")
    fake.add_collaborator(OWNER, REPO, "carol", "write")
    fake.add_team(OWNER, "core", ["carol"])
    fake.add_review(OWNER, REPO, 1, "carol", state="CHANGES_REQUESTED")
    answer = httpx.post(
        f"{fake.url}/repos/{OWNER}/{REPO}/pulls/1/requested_reviewers",
        json={"reviewers": reviewers, "team_reviewers": ["core"]},
        headers=token_headers(fake_installation),
    )
    assert answer.status_code == status
    client = fake_installation.client()
    requested = client.rest.pulls.list_requested_reviewers(OWNER, REPO, 1).parsed_data
    assert [u.login for u in requested.users] == (reviewers if status == 201 else [])
    assert [r.state for r in client.rest.pulls.list_reviews(OWNER, REPO, 1).parsed_data] == [
        "CHANGES_REQUESTED"
    ]


@pytest.mark.parametrize(
    ("role", "permission"),
    [("admin", "admin"), ("maintain", "write"), ("triage", "read"), (None, "none")],
    ids=["admin", "maintain", "triage", "not-a-collaborator"],
)
def test_collaborator_permission(
    fake_installation: FakeInstallation, role: str | None, permission: str
) -> None:
    """The legacy `permission` folds roles into admin/write/read/none; `role_name` keeps the role."""
    fake = fake_installation.fake
    fake.user("dana")
    if role:
        fake.add_collaborator(OWNER, REPO, "dana", role)
    client = fake_installation.client()
    answer = client.rest.repos.get_collaborator_permission_level(OWNER, REPO, "dana")
    assert (answer.parsed_data.permission, answer.parsed_data.role_name) == (permission, role or "none")


def test_repository_outside_the_installation_is_not_found(fake_installation: FakeInstallation) -> None:
    """A token only sees its installation's repositories; others are 404, as GitHub hides them."""
    fake = fake_installation.fake
    fake.add_repo("someone-else", "secret")
    client = fake_installation.client(auto_retry=False)
    with pytest.raises(RequestFailed) as caught:
        client.rest.repos.get("someone-else", "secret")
    assert caught.value.response.status_code == 404


def test_graphql_batches_blobs_with_aliases(fake_installation: FakeInstallation) -> None:
    """One query reads many blobs by `REF:PATH`; binary blobs have null text, absent paths are null."""
    fake = fake_installation.fake
    fake.add_pull(
        OWNER,
        REPO,
        1,
        base_files={"a.py": b"print(1)\n", "logo.png": b"\x89PNG\r\n\x1a\n\0"},
        head_files={"a.py": b"print(2)\n"},
        head_sha="d" * 40,
    )
    query = """
    query($owner: String!, $name: String!) {
      repository(owner: $owner, name: $name) {
        base: object(expression: "main:a.py") { ... on Blob { text oid byteSize isBinary } }
        head: object(expression: "dddddddddddddddddddddddddddddddddddddddd:a.py") { ... on Blob { text } }
        logo: object(expression: "main:logo.png") { ... on Blob { text isBinary byteSize } }
        nope: object(expression: "main:missing.py") { ... on Blob { text } }
      }
    }"""
    client = fake_installation.client()
    data = client.graphql(query, {"owner": OWNER, "name": REPO})
    repo = data["repository"]
    # `git hash-object` of "print(1)\n"
    oid = "b917a726c93f902e43291d9009d6488385133b67"
    assert repo["base"] == {"text": "print(1)\n", "oid": oid, "byteSize": 9, "isBinary": False}
    assert repo["head"] == {"text": "print(2)\n"}
    assert repo["logo"] == {"text": None, "isBinary": True, "byteSize": 9}
    assert repo["nope"] is None
    assert fake.count("POST", "/graphql") == 1


def test_graphql_user_status_rate_limit_and_pull_request(fake_installation: FakeInstallation) -> None:
    """`user.status`, `rateLimit` and a pull request's paginated connections answer with GitHub's names."""
    fake = fake_installation.fake
    fake.set_user_status("alice", busy=True, message="On leave")
    fake.user("bob")
    fake.add_pull(OWNER, REPO, 7, files=rows(3), author="dependabot[bot]")
    query = """
    {
      alice: user(login: "alice") { status { indicatesLimitedAvailability message } }
      bob: user(login: "bob") { status { indicatesLimitedAvailability } }
      rateLimit { cost remaining resetAt }
      repository(owner: "octo-org", name: "hello-world") {
        pullRequest(number: 7) {
          author { __typename login }
          files(first: 2) { totalCount nodes { path changeType } pageInfo { hasNextPage endCursor } }
        }
      }
    }"""
    client = fake_installation.client()
    data = client.graphql(query)
    assert data["alice"] == {"status": {"indicatesLimitedAvailability": True, "message": "On leave"}}
    assert data["bob"] == {"status": None}
    assert data["rateLimit"]["cost"] == 1
    pull = data["repository"]["pullRequest"]
    assert pull["author"] == {"__typename": "Bot", "login": "dependabot"}  # GraphQL drops `[bot]`
    assert pull["files"]["totalCount"] == 3
    assert [n["path"] for n in pull["files"]["nodes"]] == ["src/f0000.py", "src/f0001.py"]
    assert pull["files"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize(
    ("query", "kind", "recorded"),
    [
        ('{ user(login: "ghost") { login } }', "NOT_FOUND", False),
        (
            PULL_QUERY.format(fields="files { totalCount }"),
            "MISSING_PAGINATION_BOUNDARIES",
            False,
        ),
        ('{ repository(owner: "octo-org", name: "hello-world") { bogus } }', None, True),
    ],
    ids=["unknown-user", "connection-without-first", "unknown-field"],
)
def test_graphql_errors(
    fake_installation: FakeInstallation, query: str, kind: str | None, recorded: bool
) -> None:
    """Execution errors carry GitHub's `type`; a query the schema rejects is also recorded as invalid."""
    fake_installation.fake.add_pull(OWNER, REPO, 1)
    client = fake_installation.client()
    with pytest.raises(GraphQLFailed) as caught:
        client.graphql(query)
    errors = caught.value.response.errors or []
    assert [e.type for e in errors] == [kind]
    assert bool(fake_installation.fake.invalid_requests) is recorded


def test_redelivery_reaches_the_callback(fake_installation: FakeInstallation) -> None:
    """`POST /app/hook/deliveries/{id}/attempts` records a redelivery with the same guid and forwards it."""
    fake = fake_installation.fake
    original = fake.add_delivery("pull_request", {"action": "opened", "number": 1}, status_code=500)
    forwarded: list[str] = []
    done = threading.Event()

    def forward(delivery: Any) -> int:
        forwarded.append(delivery.headers["X-GitHub-Delivery"])
        done.set()
        return 202

    fake.on_redeliver = forward
    app = fake_installation.app_client()
    failed = app.rest.apps.list_webhook_deliveries(status="failure").parsed_data
    assert [d.guid for d in failed] == [original.guid]
    assert app.rest.apps.redeliver_webhook_delivery(failed[0].id).status_code == 202
    assert done.wait(5)
    newest, oldest = app.rest.apps.list_webhook_deliveries().parsed_data
    assert forwarded == [original.guid]
    assert (newest.guid, newest.redelivery, newest.status_code) == (original.guid, True, 202)
    assert (oldest.redelivery, oldest.status_code) == (False, 500)


def test_repo_installation_and_rate_limit_endpoints(fake_installation: FakeInstallation) -> None:
    """The App finds its installation for a repository; `/rate_limit` reports windows without using them."""
    app = fake_installation.app_client()
    assert (
        app.rest.apps.get_repo_installation(OWNER, REPO).parsed_data.id == fake_installation.installation_id
    )
    client = fake_installation.client()
    client.rest.repos.get(OWNER, REPO)
    limits = client.rest.rate_limit.get().parsed_data
    assert (limits.resources.core.limit, limits.resources.core.used) == (5000, 1)
    assert limits.resources.graphql is not None


def test_served_fake_is_independent_per_context() -> None:
    """Each `serve()` runs its own server and state, and stops on exit."""
    with FakeGitHub.serve() as first, FakeGitHub.serve() as second:
        assert first.url != second.url
        assert httpx.get(f"{first.url}/rate_limit").status_code == 200
        url = first.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/rate_limit")
