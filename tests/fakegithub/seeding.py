"""Seeding pull requests: contents at base and head, computed file rows, commits, reviews, comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from .diffs import file_changes
from .models import (
    Commit,
    FileChange,
    ForcePush,
    IssueComment,
    LabelEvent,
    PullRequest,
    Repo,
    Review,
    ReviewComment,
    ReviewRequestEvent,
    Signature,
)
from .state import GitHubState


class PullRequestSeeding(GitHubState):
    """`GitHubState` plus the helpers a test uses to open pull requests and move their heads."""

    def add_collaborator(self, owner: str, name: str, login: str, role: str = "write") -> None:
        """Give `login` a role (read, triage, write, maintain, admin) on the repository."""
        with self.lock:
            self.user(login)
            self._repo(owner, name).collaborators[login] = role

    def add_pull(
        self,
        owner: str,
        name: str,
        number: int | None = None,
        *,
        title: str = "Change things",
        body: str | None = None,
        author: str = "octocat",
        draft: bool = False,
        base_ref: str = "main",
        head_ref: str = "feature",
        base_files: Mapping[str, bytes] | None = None,
        head_files: Mapping[str, bytes | None] | None = None,
        files: Sequence[FileChange] | None = None,
        commits: Sequence[Commit] | None = None,
        base_sha: str | None = None,
        head_sha: str | None = None,
        labels: Sequence[str] = (),
    ) -> PullRequest:
        """Open a pull request.

        `base_files` seeds the base branch; `head_files` maps the paths the PR changes to their new bytes
        (None deletes). `files` is computed from the two unless given (use it for rows without contents,
        e.g. 3000 files). `commits` defaults to one commit at `head_sha`.
        """
        with self.lock:
            repo = self.repo(owner, name) or self.add_repo(owner, name, default_branch=base_ref)
            self.user(author)
            if base_files is not None or base_ref not in repo.branches:
                base_sha = base_sha or self.new_sha()
                repo.trees[base_sha] = dict(base_files or {})
                repo.commits.setdefault(base_sha, Commit(base_sha, "Base"))
                repo.branches[base_ref] = base_sha
            base_sha = base_sha or repo.branches[base_ref]
            head_sha = head_sha or (commits[-1].sha if commits else self.new_sha())
            now = self.now()
            pull = PullRequest(
                self.next_id(),
                number or max(repo.pulls, default=0) + 1,
                title,
                author,
                base_ref,
                base_sha,
                head_ref,
                base_sha,
                now,
                now,
                body=body,
                draft=draft,
            )
            for label in labels:
                self.ensure_label(repo, label)
                pull.labels.append(label)
            repo.pulls[pull.number] = pull
            default_commit = Commit(head_sha, title, Signature(login=author), Signature(login=author))
            self._advance(
                repo, pull, head_sha, head_files=head_files, files=files, commits=commits or [default_commit]
            )
            return pull

    def push(
        self,
        owner: str,
        name: str,
        number: int,
        head_sha: str,
        *,
        head_files: Mapping[str, bytes | None] | None = None,
        files: Sequence[FileChange] | None = None,
        commits: Sequence[Commit] | None = None,
    ) -> PullRequest:
        """Move the PR's head to `head_sha`: new contents, recomputed (or given) files, appended commits."""
        with self.lock:
            repo = self._repo(owner, name)
            pull = repo.pulls[number]
            default = Commit(head_sha, "Push", Signature(login=pull.author), Signature(login=pull.author))
            self._advance(
                repo, pull, head_sha, head_files=head_files, files=files, commits=commits or [default]
            )
            pull.updated_at = self.now()
            return pull

    def push_branch(
        self,
        owner: str,
        name: str,
        branch: str,
        files: Mapping[str, bytes | None],
        *,
        message: str = "Push",
        author: str | None = None,
    ) -> str:
        """Commit `files` (None deletes) on top of `branch`, which moves to the new commit; returns its sha.

        `author` (a login) writes the commit, else octocat. Open pull requests on that branch keep their
        `base.sha`: GitHub does not move it when the base branch moves
        (https://github.com/github/docs/issues/431), only the branch's ref shows the new tip.
        """
        with self.lock:
            repo = self._repo(owner, name)
            parent = repo.branches[branch]
            tree = dict(repo.trees[parent])
            for path, content in files.items():
                if content is None:
                    tree.pop(path, None)
                else:
                    tree[path] = content
            sha = self.new_sha()
            signature = (
                Signature(date=self.now())
                if author is None
                else Signature(author, f"{author}@example.com", author, self.now())
            )
            repo.trees[sha] = tree
            repo.commits[sha] = Commit(sha, message, signature, signature, [parent])
            repo.branches[branch] = sha
            return sha

    def _advance(
        self,
        repo: Repo,
        pull: PullRequest,
        head_sha: str,
        *,
        head_files: Mapping[str, bytes | None] | None,
        files: Sequence[FileChange] | None,
        commits: Sequence[Commit],
    ) -> None:
        """Store the head tree and commits of `pull` at `head_sha`, and its changed files."""
        tree = dict(repo.trees[pull.head_sha])
        for path, content in (head_files or {}).items():
            if content is None:
                tree.pop(path, None)
            else:
                tree[path] = content
        repo.trees[head_sha] = tree
        parent = pull.head_sha
        for commit in commits:
            commit.parents = commit.parents or [parent]
            commit.author = replace(commit.author, date=commit.author.date or self.now())
            commit.committer = replace(commit.committer, date=commit.committer.date or self.now())
            repo.commits[commit.sha] = commit
            parent = commit.sha
        pull.commits.extend(commits)
        pull.head_sha = head_sha
        repo.branches[pull.head_ref] = head_sha
        base = repo.trees[pull.base_sha]
        if files is not None:
            pull.files = list(files)
        elif head_files is not None:
            pull.files = file_changes(base, tree, set(base) | set(tree))

    def add_review(
        self, owner: str, name: str, number: int, user: str, *, state: str = "APPROVED", body: str = ""
    ) -> Review:
        """Submit a review on the PR's current head."""
        with self.lock:
            pull = self._repo(owner, name).pulls[number]
            self.user(user)
            review = Review(self.next_id(), user, state, body, pull.head_sha, self.now())
            pull.reviews.append(review)
            # A submitted review answers the request: GitHub takes the reviewer off the requested list.
            pull.requested_reviewers = [r for r in pull.requested_reviewers if r != user]
            return review

    def request_review(
        self, owner: str, name: str, number: int, reviewer: str, *, actor: str = "octocat", team: bool = False
    ) -> None:
        """`actor` requests a review from `reviewer` (a login, or a team slug when `team`), as in the web
        interface: the request and its timeline event."""
        with self.lock:
            pull = self._repo(owner, name).pulls[number]
            requested = pull.requested_teams if team else pull.requested_reviewers
            if reviewer not in requested:
                requested.append(reviewer)
            pull.review_request_events.append(ReviewRequestEvent(reviewer, team, actor, self.now()))

    def remove_review_request(self, owner: str, name: str, number: int, reviewer: str) -> None:
        """The request for `reviewer` (a login or a team slug) is removed; its timeline event stays."""
        with self.lock:
            pull = self._repo(owner, name).pulls[number]
            pull.requested_reviewers = [r for r in pull.requested_reviewers if r != reviewer]
            pull.requested_teams = [t for t in pull.requested_teams if t != reviewer]

    def set_draft(self, owner: str, name: str, number: int, draft: bool) -> None:
        """Convert the PR to a draft, or mark it ready for review (requests stay, as on GitHub)."""
        with self.lock:
            self._repo(owner, name).pulls[number].draft = draft

    def add_label(self, owner: str, name: str, number: int, label: str, actor: str) -> None:
        """`actor` adds `label` to the pull request, as in GitHub's web interface."""
        with self.lock:
            self.user(actor)
            repo = self._repo(owner, name)
            self.ensure_label(repo, label)
            item = repo.pulls[number]
            if label.lower() not in {existing.lower() for existing in item.labels}:
                item.labels.append(repo.labels[label.lower()].name)
                item.label_events.append(LabelEvent(label, actor, self.now()))

    def add_comment(self, owner: str, name: str, number: int, user: str, body: str) -> IssueComment:
        """A comment on the pull request by `user` (the bot's own comments come through the API)."""
        with self.lock:
            now = self.now()
            self.user(user)
            comment = IssueComment(self.next_id(), number, user, body, now, now)
            self._repo(owner, name).comments[comment.id] = comment
            return comment

    def add_review_comment(
        self, owner: str, name: str, number: int, review_id: int, user: str
    ) -> ReviewComment:
        """An inline comment by `user` in review `review_id` of the PR."""
        with self.lock:
            self.user(user)
            comment = ReviewComment(self.next_id(), review_id, user, self.now())
            self._repo(owner, name).pulls[number].review_comments.append(comment)
            return comment

    def force_push(
        self, owner: str, name: str, number: int, *, head_sha: str, tree: Mapping[str, bytes], parent: str
    ) -> PullRequest:
        """Replace the PR's head with commit `head_sha` of `tree` on `parent` (a rebase): its commits become
        that one commit, its base moves to `parent` when that is the base branch's tip, as on GitHub."""
        with self.lock:
            repo = self._repo(owner, name)
            pull = repo.pulls[number]
            signature = Signature(login=pull.author, date=self.now())
            repo.trees[head_sha] = dict(tree)
            repo.commits[head_sha] = Commit(head_sha, "Rebased", signature, signature, [parent])
            pull.force_pushes.append(ForcePush(pull.head_sha, head_sha, pull.author, self.now()))
            pull.commits = [repo.commits[head_sha]]
            pull.head_sha = head_sha
            repo.branches[pull.head_ref] = head_sha
            if repo.branches.get(pull.base_ref) == parent:
                pull.base_sha = parent
            base = repo.trees[pull.base_sha]
            pull.files = file_changes(base, tree, set(base) | set(tree))
            pull.updated_at = self.now()
            return pull

    def close(self, owner: str, name: str, number: int, *, merged: bool) -> PullRequest:
        """Close the PR, merged or not."""
        with self.lock:
            pull = self._repo(owner, name).pulls[number]
            pull.state, pull.merged, pull.closed_at = "closed", merged, self.now()
            pull.updated_at = pull.closed_at
            return pull
