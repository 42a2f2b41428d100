"""`hardcoded-secret`: credentials written into the code: known token formats, and random-looking strings
given to names such as `password` or `api_key`."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise

from pydantic import Field
from tree_sitter import Node, QueryCursor

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.queries import captures, compiled
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Severity
from rules.checks.common import CheckConfig, Level, check_rule, examples, hit, severity_of

ID = "hardcoded-secret"
_JS_STRINGS = "[(string) (template_string)] @string"
_JS_ASSIGNED = """
(variable_declarator name: (identifier) @name value: [(string) (template_string)] @value)
(assignment_expression left: [(identifier) (member_expression)] @name
  right: [(string) (template_string)] @value)
(pair key: [(property_identifier) (string)] @name value: [(string) (template_string)] @value)
"""
# Per language: the string literals (`@string`) and the strings given to a name (`@name`, `@value`).
QUERIES = {
    "python": (
        "(string) @string",
        """
        (assignment left: [(identifier) (attribute)] @name right: (string) @value)
        (keyword_argument name: (identifier) @name value: (string) @value)
        (pair key: (string) @name value: (string) @value)
        (default_parameter name: (identifier) @name value: (string) @value)
        (typed_default_parameter name: (identifier) @name value: (string) @value)
        """,
    ),
    "javascript": (_JS_STRINGS, _JS_ASSIGNED),
    "typescript": (_JS_STRINGS, _JS_ASSIGNED),
    "tsx": (_JS_STRINGS, _JS_ASSIGNED),
    "go": (
        "[(interpreted_string_literal) (raw_string_literal)] @string",
        """
        (const_spec name: (identifier) @name value: (expression_list . (interpreted_string_literal) @value .))
        (var_spec name: (identifier) @name value: (expression_list . (interpreted_string_literal) @value .))
        (short_var_declaration left: (expression_list . (identifier) @name .)
          right: (expression_list . (interpreted_string_literal) @value .))
        (keyed_element
          . (literal_element (identifier) @name) . (literal_element (interpreted_string_literal) @value))
        """,
    ),
}
_PRIVATE_KEY = "a private key"
# Known formats, each with the random part (`body`) the placeholder test reads.
FORMATS = (
    ("a GitHub token", rb"\bgh[pousr]_(?P<body>[A-Za-z0-9]{36})\b"),
    ("a GitHub fine-grained token", rb"\bgithub_pat_(?P<body>[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b"),
    ("an AWS access key id", rb"\b(?:AKIA|ASIA)(?P<body>[0-9A-Z]{16})\b"),
    ("a Slack token", rb"\bxox[baprs]-(?P<body>[0-9]{4,}-[0-9A-Za-z-]{8,})"),
    ("a Stripe live key", rb"\b[rs]k_live_(?P<body>[0-9A-Za-z]{24,})\b"),
    ("a Google API key", rb"\bAIza(?P<body>[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
    # Only a header with key material after it: code that looks for the header is no leak.
    (
        _PRIVATE_KEY,
        rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:\\[rn]|\s)+"
        rb"(?:[\w-]+: [^\n\\]*(?:\\[rn]|\s)+)*(?P<body>[A-Za-z0-9+/=]{40})",
    ),
)
_FORMATS = tuple((label, re.compile(pattern)) for label, pattern in FORMATS)
_ANY_FORMAT = re.compile(b"|".join(re.sub(rb"\(\?P<body>", b"(?:", p) for _, p in FORMATS))
_SECRET_NAME = re.compile(
    r"(passw(or)?d|secret|token(?!i[sz])|api_?key|apikey|access_?key|private_?key|auth_?key|credential)", re.I
)
# `token_url`, `password_field`, `SECRET_NAME`: names about a secret that do not hold one.
_ABOUT_A_SECRET = re.compile(
    r"(url|uri|endpoint|path|file|name|type|field|header|prefix|suffix|env|var|pattern|regex|id|ids|param|"
    r"format|label|dir|limit|expires?|expiry|ttl|method|scopes?|mode|style|length|len|count|kind|hash)$",
    re.I,
)
_ASSIGNED_PREFILTER = re.compile(
    rb"(?i)(passw|secret|token|api_?key|apikey|access_?key|private_?key|auth|credential)"
)
_QUOTED = re.compile(r"^[rbuRBUfF]{0,2}(\"\"\"|'''|\"|'|`)(.*)\1$", re.S)
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_\-.~!@#^&*]{16,200}")
_PLACEHOLDER = re.compile(
    r"(.)\1{3,}|example|sample|dummy|fake|test|your|placeholder|redacted|changeme|replace|secret|token|password",
    re.I,
)
_PLACEHOLDER_WORD = re.compile(r"example|sample|dummy|fake|your|placeholder|redacted|changeme", re.I)
_FIXTURE_DIRS = frozenset({"fixtures", "__fixtures__", "testdata"})


class Config(CheckConfig):
    """Known token formats fail the gate outside tests; the rest is annotated."""

    severity: Level = Field("error", description="A known token format in code; `off` turns the rule off.")
    in_tests: Level = Field("warning", description="A known token format in a test or a test fixture.")
    entropy: Level = Field("warning", description="A random-looking string given to a secret's name.")


def _level(level: Level) -> Severity | None:
    """`level` as a severity, None when off."""
    return None if level == "off" else Severity(level)


def _placeholder(body: str, runs: bool = True) -> bool:
    """Whether a token's random part is a stand-in: `xxxx`, `EXAMPLE`, `your…`, `1234567`, few letters
    (`runs=False` for key material, whose encoding repeats letters: `AAAAB3Nza…`)."""
    if len(set(body)) < max(6, len(body) // 3):
        return True
    if _PLACEHOLDER.search(body) if runs else _PLACEHOLDER_WORD.search(body):
        return True
    run = longest = 1
    for one, other in pairwise(body):
        run = run + 1 if ord(other) == ord(one) + 1 else 1
        longest = max(longest, run)
    return longest >= 6


def _entropy(text: str) -> float:
    """Shannon entropy of `text`, in bits per character."""
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(value: str) -> bool:
    """A token-shaped string that reads as random: letters and digits, high entropy, frequent changes
    of character class (words and `snake_case_names` change class rarely)."""
    if not _TOKEN_LIKE.fullmatch(value) or _placeholder(value):
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    classes = [c.isdigit() + 2 * c.isupper() + 3 * (not c.isalnum()) for c in value]
    changes = sum(a != b for a, b in pairwise(classes))
    return _entropy(value) >= 3.3 and changes / (len(value) - 1) >= 0.35


def _in_tests(source: Source) -> bool:
    """A test file or a fixture: credentials there are usually made up, so they only warn."""
    return source.kind is Kind.TEST or not _FIXTURE_DIRS.isdisjoint(source.path.split("/")[:-1])


def _known(language: str, root: Node, severity: Severity) -> Iterator[Hit]:
    """Hits on string literals holding a known token format."""
    for string in captures(language, QUERIES[language][0], root).get("string", ()):
        text = string.text or b""
        for label, pattern in _FORMATS:
            match = pattern.search(text)
            if match and not _placeholder(match["body"].decode(), runs=label != _PRIVATE_KEY):
                yield hit(
                    string, f"{label} in the code; revoke it and read it from the environment", severity
                )
                break


def _assigned(language: str, root: Node, severity: Severity) -> Iterator[Hit]:
    """Hits on random-looking strings given to a secret's name."""
    for _, match in QueryCursor(compiled(language, QUERIES[language][1])).matches(root):
        name = (match["name"][0].text or b"").decode("utf-8", "replace").strip("'\"").rsplit(".", 1)[-1]
        quoted = _QUOTED.match((match["value"][0].text or b"").decode("utf-8", "replace"))
        if not _SECRET_NAME.search(name) or _ABOUT_A_SECRET.search(name) or quoted is None:
            continue
        # A known format is the other half's finding, at its own severity.
        if _random_looking(quoted[2]) and not _ANY_FORMAT.search(quoted[2].encode()):
            message = f"`{name}` is given a random-looking string; read the secret from the environment"
            yield hit(match["value"][0], message, severity)


def finder(config: CheckConfig) -> Finder:
    """Hits on known token formats in string literals, and on random-looking strings a secret's name holds."""
    levels = Config.model_validate(config, from_attributes=True)
    known = severity_of(levels) or Severity.ERROR
    in_tests, entropy = _level(levels.in_tests), _level(levels.entropy)

    def find(source: Source) -> Iterator[Hit]:
        tree, language = source.tree, source.language
        if tree is None or language is None:
            return
        tests = _in_tests(source)
        # One scan of the bytes for each half spares most files the queries.
        severity = in_tests if tests else known
        if severity is not None and _ANY_FORMAT.search(source.text):
            yield from _known(language, tree.root_node, severity)
        if entropy is not None and not tests and _ASSIGNED_PREFILTER.search(source.text):
            yield from _assigned(language, tree.root_node, entropy)

    return find


# The examples' tokens are split here so this file holds none.
_TOKEN = "ghp_" + "R8mK2vQ7xLp4Tn9Wc3Hy6Bd1Zf5Gj0Sa7Ue2"

RULE = check_rule(
    id=ID,
    summary="Credentials in the code: known token formats, and random-looking strings named like secrets.",
    help=f"""\
A string literal holding a known credential format fails the gate (`severity`, default error): GitHub
tokens (`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_`, `github_pat_`), AWS access key ids (`AKIA…`, `ASIA…`),
Slack tokens (`xoxb-` and kin), Stripe live keys (`sk_live_`, `rk_live_`), Google API keys (`AIza…`) and
PEM private keys (the header with key material after it). In tests and under `fixtures/` or `testdata/` the
same is a warning (`in_tests`). A string of 16 characters or more that reads as random (letters and digits,
high entropy, frequent changes of character class) given to a name such as `password`, `secret`, `token` or
`api_key` is a warning (`entropy`; not in tests). Placeholders pass (`ghp_xxxx…`, `AKIA…EXAMPLE`,
`<your-token>`, `your-api-key`, runs like `123456`), and so do reads from the environment. Only string
literals in files a grammar reads are scanned. Languages: {", ".join(QUERIES)}.""",
    config=Config,
    finder=finder,
    examples=examples(
        ID,
        [
            ("a token read from the environment passes", "app.py", 'TOKEN = os.environ["GITHUB_TOKEN"]\n'),
            (
                "a placeholder passes",
                "config.js",
                'const token = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";\n',
            ),
        ],
        [
            ("a GitHub token in the code fails", "app.py", f'TOKEN = "{_TOKEN}"\n'),
            ("a GitHub token in TypeScript fails", "client.ts", f'const auth = {{ token: "{_TOKEN}" }};\n'),
        ],
    ),
)
