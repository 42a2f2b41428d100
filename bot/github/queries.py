"""GraphQL documents the gatherer sends; names follow GitHub's public schema
(https://docs.github.com/en/graphql/reference)."""

from __future__ import annotations

from collections.abc import Sequence

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

PULL_REQUEST = f"""
query PullRequest($owner: String!, $name: String!, $number: Int!) {{
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      number
      title
      isDraft
      state
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
      comments(first: 100) {{ nodes {{ databaseId body author {{ login }} }} }}
      timelineItems(last: 50, itemTypes: [LABELED_EVENT]) {{
        nodes {{ ... on LabeledEvent {{ createdAt actor {{ login }} label {{ name }} }} }}
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


def blobs_query(count: int) -> str:
    """A query reading `count` blobs by expression (`REV:PATH`), passed as variables `$e0…`."""
    params = ", ".join(f"$e{i}: String!" for i in range(count))
    fields = "\n".join(
        f"    b{i}: object(expression: $e{i}) {{ ... on Blob {{ text isBinary byteSize }} }}"
        for i in range(count)
    )
    head = f"query Blobs($owner: String!, $name: String!, {params}) {{"
    return f"{head}\n  repository(owner: $owner, name: $name) {{\n{fields}\n  }}\n}}\n"


def blob_variables(expressions: Sequence[str]) -> dict[str, str]:
    """The `$e0…` variables of `blobs_query`."""
    return {f"e{i}": expression for i, expression in enumerate(expressions)}
