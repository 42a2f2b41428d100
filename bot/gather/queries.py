"""GraphQL documents the gatherer sends; names follow GitHub's public schema
(https://docs.github.com/en/graphql/reference)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.locations import NOTES_REF, ORG_RULES_REPOSITORY, RULES_PATH

_COMMIT_FIELDS = """
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        commit {
          oid
          message
          author { name email user { login } }
          committer { name email user { login } }
        }
      }"""

# A review request's reviewer: a user, or a team (`combinedSlug` is `org/team`); bots and mannequins match
# neither fragment and come back empty.
_REVIEWER = " ... on User { login } ... on Team { combinedSlug } "

# The head commit's check runs of this App that the PR's query reads, so that a new head costs no lookup
# before its run is created (a head is re-run a few times at most; its newest runs come last), each with
# its annotation count: a run that carries annotations is replaced rather than updated, since GitHub
# appends those of every update. `first: 1` because a connection without `first` or `last` is refused.
HEAD_CHECK_RUNS = 20

PULL_REQUEST = f"""
query PullRequest($owner: String!, $name: String!, $number: Int!, $appId: Int!) {{
  repository(owner: $owner, name: $name) {{
    databaseId
    notes: object(expression: "{NOTES_REF}") {{ oid }}
    pullRequest(number: $number) {{
      number
      title
      isDraft
      state
      createdAt
      headRefName
      headRefOid
      baseRefName
      baseRefOid
      baseRef {{ target {{ oid }} }}
      changedFiles
      author {{ login }}
      labels(first: 100) {{ nodes {{ name }} }}
      commits(first: 100) {{{_COMMIT_FIELDS}
      }}
      comments(first: 100) {{ nodes {{ databaseId body author {{ login }} viewerDidAuthor }} }}
      timelineItems(last: 50, itemTypes: [LABELED_EVENT]) {{
        nodes {{ ... on LabeledEvent {{ createdAt actor {{ login }} label {{ name }} }} }}
      }}
      reviewRequests(first: 100) {{ nodes {{ requestedReviewer {{{_REVIEWER}}} }} }}
      latestOpinionatedReviews(first: 100) {{ nodes {{ state author {{ login }} }} }}
      reviewRequestEvents: timelineItems(first: 100, itemTypes: [REVIEW_REQUESTED_EVENT]) {{
        nodes {{ ... on ReviewRequestedEvent {{ requestedReviewer {{{_REVIEWER}}} }} }}
      }}
      head: commits(last: 1) {{
        nodes {{ commit {{ checkSuites(first: 1, filterBy: {{appId: $appId}}) {{
          nodes {{ checkRuns(last: {HEAD_CHECK_RUNS}) {{
            nodes {{ databaseId name annotations(first: 1) {{ totalCount }} }}
          }} }}
        }} }} }}
      }}
    }}
  }}
}}
"""

MORE_COMMITS = f"""
query MoreCommits($owner: String!, $name: String!, $number: Int!, $after: String!) {{
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      commits(first: 100, after: $after) {{{_COMMIT_FIELDS}
      }}
    }}
  }}
}}
"""


# The organisation's defaults, Probot's convention: the rules file in the owner's `.github` repository.
ORG_RULES = f"""
  org: repository(owner: $owner, name: "{ORG_RULES_REPOSITORY}") {{
    object(expression: "HEAD:{RULES_PATH}") {{ ... on Blob {{ text isBinary byteSize }} }}
  }}"""


_OBJECT = "... on Blob { text isBinary byteSize } ... on Tree { entries { name type } }"


def blobs_query(count: int, *, org_rules: bool = False) -> str:
    """A query reading `count` objects by expression (`REV:PATH`), passed as variables `$e0…`: a blob's text
    and size, a folder's entries; with `org_rules`, also the organisation's rules file (as `org`)."""
    params = "".join(f", $e{i}: String!" for i in range(count))
    fields = "\n".join(f"    b{i}: object(expression: $e{i}) {{ {_OBJECT} }}" for i in range(count))
    head = f"query Blobs($owner: String!, $name: String!{params}) {{"
    org = ORG_RULES if org_rules else ""
    return f"{head}\n  repository(owner: $owner, name: $name) {{\n{fields}\n  }}{org}\n}}\n"


def blob_variables(expressions: Sequence[str]) -> dict[str, str]:
    """The `$e0…` variables of `blobs_query`."""
    return {f"e{i}": expression for i, expression in enumerate(expressions)}


def blame_query(count: int) -> str:
    """A query reading the blame of `count` files (variables `$p0…`) at the commit `$oid`, as `f0…`."""
    params = "".join(f", $p{i}: String!" for i in range(count))
    ranges = "ranges { startingLine endingLine commit { oid } }"
    fields = "\n".join(f"        f{i}: blame(path: $p{i}) {{ {ranges} }}" for i in range(count))
    return (
        f"query Blame($owner: String!, $name: String!, $oid: GitObjectID!{params}) {{\n"
        "  repository(owner: $owner, name: $name) {\n"
        f"    object(oid: $oid) {{\n      ... on Commit {{\n{fields}\n      }}\n    }}\n  }}\n}}\n"
    )


def people_query(count: int) -> str:
    """A query reading, for `count` users (variables `$l0…`, with searches `$q0…`), their status as `u0…`
    and how many open pull requests the search finds (their review load) as `r0…`."""
    params = ", ".join(f"$l{i}: String!, $q{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  u{i}: user(login: $l{i}) {{ status {{ indicatesLimitedAvailability }} }}\n"
        f"  r{i}: search(query: $q{i}, type: ISSUE, first: 1) {{ issueCount }}"
        for i in range(count)
    )
    return f"query People({params}) {{\n{fields}\n}}\n"


def authored_blame_query(count: int) -> str:
    """A query reading the blame of `count` files (variables `$p0…`) at the commit `$oid`, as `f0…`, with
    each range's recency and the login of its commit's author."""
    ranges = "ranges { startingLine endingLine age commit { author { user { login } } } }"
    params = "".join(f", $p{i}: String!" for i in range(count))
    fields = "\n".join(f"        f{i}: blame(path: $p{i}) {{ {ranges} }}" for i in range(count))
    return (
        f"query AuthoredBlame($owner: String!, $name: String!, $oid: GitObjectID!{params}) {{\n"
        "  repository(owner: $owner, name: $name) {\n"
        f"    object(oid: $oid) {{\n      ... on Commit {{\n{fields}\n      }}\n    }}\n  }}\n}}\n"
    )
