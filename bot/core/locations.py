"""Where GitHub and scopegate look for the files they read, in one place."""

from __future__ import annotations

# The rules file, read at the base branch's tip so a pull request can never loosen its own gate.
RULES_PATH = ".github/scopegate.yml"
# Organisation defaults, Probot's convention: the same file in the owner's `.github` repository.
ORG_RULES_REPOSITORY = ".github"
# Where GitHub looks for CODEOWNERS, in its order:
# https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners#codeowners-file-location
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
GITATTRIBUTES = ".gitattributes"


def org_rules_name(owner: str) -> str:
    """How the organisation's rules file is named in messages: `OWNER/.github:.github/scopegate.yml`."""
    return f"{owner}/{ORG_RULES_REPOSITORY}:{RULES_PATH}"


def is_gitattributes(path: str) -> bool:
    """Whether `path` is a `.gitattributes` file (at the root or in a folder)."""
    return path == GITATTRIBUTES or path.endswith(f"/{GITATTRIBUTES}")
