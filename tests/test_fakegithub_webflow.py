"""The fake GitHub's OAuth web application flow speaks GitHub's wire format: the authorize redirect, the
code exchange in JSON or form encoding with its 200 errors, and `/user`, `/user/installations` for the
user access token only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.fakegithub import FakeGitHub
from tests.fakegithub.models import App

CALLBACK = "http://127.0.0.1:9/dashboard/callback"


@dataclass(frozen=True)
class Flow:
    """A fake with an App whose callback URL is CALLBACK, and octocat signed in to github.com."""

    fake: FakeGitHub
    app: App

    def code(self, **query: str) -> str:
        """A code from the authorize redirect."""
        params = {"client_id": self.app.client_id, "state": "s1", **query}
        back = httpx.get(f"{self.fake.url}/login/oauth/authorize", params=params)
        assert back.status_code == 302
        location = urlsplit(back.headers["location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
        answer = parse_qs(location.query)
        assert answer["state"] == ["s1"]
        return answer["code"][0]

    def exchange(self, code: str, *, accept: str = "application/json", **extra: str) -> httpx.Response:
        """POST /login/oauth/access_token with a form body, as most clients send it."""
        body = {
            "client_id": self.app.client_id,
            "client_secret": self.app.client_secret,
            "code": code,
            **extra,
        }
        return httpx.post(f"{self.fake.url}/login/oauth/access_token", data=body, headers={"Accept": accept})

    def token(self) -> str:
        """A user access token for the signed-in user."""
        token: str = self.exchange(self.code()).json()["access_token"]
        return token


@pytest.fixture
def flow() -> Iterator[Flow]:
    """A fake with the App installed on octocat's account and on two organisations."""
    with FakeGitHub.serve() as fake:
        app = fake.add_app()
        app.callback_urls.append(CALLBACK)
        fake.sign_in_on_web("octocat")
        yield Flow(fake, app)


def test_the_code_is_traded_once_for_a_user_token_in_json_or_form(flow: Flow) -> None:
    """JSON with Accept: application/json, form-encoded otherwise; the same code twice is a
    bad_verification_code, answered 200 as GitHub does."""
    answer = flow.exchange(flow.code())
    assert answer.status_code == 200
    body = answer.json()
    assert body["access_token"].startswith("ghu_")
    assert body["refresh_token"].startswith("ghr_")
    assert (body["token_type"], body["scope"], body["expires_in"]) == ("bearer", "", 28800)
    form = flow.exchange(flow.code(), accept="*/*")
    assert form.headers["content-type"].startswith("application/x-www-form-urlencoded")
    fields = parse_qs(form.text)
    assert fields["access_token"][0].startswith("ghu_")
    assert fields["token_type"] == ["bearer"]
    code = flow.code()
    assert "access_token" in flow.exchange(code).json()
    again = flow.exchange(code)
    assert again.status_code == 200
    assert again.json()["error"] == "bad_verification_code"
    assert again.json()["error_description"] == "The code passed is incorrect or expired."
    assert again.json()["error_uri"].endswith("#bad-verification-code")
    refused = parse_qs(flow.exchange(code, accept="*/*").text)
    assert refused["error"] == ["bad_verification_code"]


def test_the_exchange_checks_the_client_and_the_redirect_uri(flow: Flow) -> None:
    """A wrong secret: incorrect_client_credentials; a redirect_uri other than the code's:
    redirect_uri_mismatch; a JSON body is read like a form."""
    wrong = httpx.post(
        f"{flow.fake.url}/login/oauth/access_token",
        json={"client_id": flow.app.client_id, "client_secret": "nope", "code": flow.code()},
        headers={"Accept": "application/json"},
    )
    assert wrong.json()["error"] == "incorrect_client_credentials"
    code = flow.code(redirect_uri=CALLBACK)
    mismatch = flow.exchange(code, redirect_uri="http://127.0.0.1:9/elsewhere")
    assert mismatch.json()["error"] == "redirect_uri_mismatch"
    assert flow.exchange(code, redirect_uri=CALLBACK).json()["access_token"].startswith("ghu_")


def test_authorize_refuses_an_unregistered_redirect_uri_and_an_unknown_client(flow: Flow) -> None:
    """An unregistered redirect_uri is sent to the App's callback URL with error=redirect_uri_mismatch;
    an unknown client id is GitHub's 404 page; nobody signed in gets the sign-in page."""
    params = {"client_id": flow.app.client_id, "state": "s1", "redirect_uri": "https://evil.example/cb"}
    back = httpx.get(f"{flow.fake.url}/login/oauth/authorize", params=params)
    assert back.status_code == 302
    location = urlsplit(back.headers["location"])
    assert location.netloc == "127.0.0.1:9"
    assert parse_qs(location.query)["error"] == ["redirect_uri_mismatch"]
    assert "code" not in parse_qs(location.query)
    unknown = httpx.get(f"{flow.fake.url}/login/oauth/authorize", params={"client_id": "Iv23nobody"})
    assert unknown.status_code == 404
    flow.fake.sign_in_on_web(None)
    assert "Sign in to GitHub" in httpx.get(f"{flow.fake.url}/login/oauth/authorize", params=params).text


def test_user_installations_lists_what_the_user_may_see_paged(flow: Flow) -> None:
    """Installations on octocat's account and on organisations octocat is a member of, one a page with
    `Link` and total_count; not another App's, not an organisation octocat is not in."""
    fake = flow.fake
    own = fake.add_installation(flow.app, "octocat", ["dotfiles"], account_type="User")
    member = fake.add_installation(flow.app, "octo-org", ["app"])
    fake.add_installation(flow.app, "other-org", ["app"])
    fake.add_installation(fake.add_app(slug="another"), "octo-org", ["app"])
    fake.add_org_member("octo-org", "octocat")
    headers = {"Authorization": f"Bearer {flow.token()}", "Accept": "application/vnd.github+json"}
    user = httpx.get(f"{fake.url}/user", headers=headers)
    assert user.status_code == 200
    assert user.json()["login"] == "octocat"
    first = httpx.get(f"{fake.url}/user/installations", params={"per_page": 1}, headers=headers)
    assert first.status_code == 200
    assert first.json()["total_count"] == 2
    assert [i["id"] for i in first.json()["installations"]] == [own.id]
    second = httpx.get(first.links["next"]["url"], headers=headers)
    assert [i["id"] for i in second.json()["installations"]] == [member.id]
    assert second.json()["installations"][0]["account"]["login"] == "octo-org"
    assert "next" not in second.links


def test_user_routes_take_a_user_token_only(flow: Flow) -> None:
    """No token: 401; an installation token: 403 (not accessible by integration); an unknown or expired
    user token: 401 Bad credentials."""
    fake = flow.fake
    installation = fake.add_installation(flow.app, "octocat", ["dotfiles"], account_type="User")
    assert httpx.get(f"{fake.url}/user").status_code == 401
    server_token = fake.issue_token(installation).value
    as_app = httpx.get(f"{fake.url}/user/installations", headers={"Authorization": f"token {server_token}"})
    assert as_app.status_code == 403
    assert as_app.json()["message"] == "Resource not accessible by integration"
    assert httpx.get(f"{fake.url}/user", headers={"Authorization": "Bearer ghu_unknown"}).status_code == 401
    token = flow.token()
    for held in fake.user_tokens.values():
        held.expires_at = fake.now()
    expired = httpx.get(f"{fake.url}/user", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401
    assert expired.json()["message"] == "Bad credentials"
