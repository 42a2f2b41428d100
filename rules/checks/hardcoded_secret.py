"""`hardcoded-secret`: credentials written into the code: known token formats, and random-looking strings
given to names such as `password` or `api_key`."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise

from pydantic import Field
from tree_sitter import Node

from bot.core.checks.engine import Finder, Hit
from bot.core.checks.source import Source
from bot.core.files import Kind
from bot.core.findings import Severity
from rules.checks.candidates import captures_around, enclosing, positions, text_of
from rules.checks.common import CheckConfig, Level, check_rule, examples, hit, severity_of

ID = "hardcoded-secret"
_JS_STRINGS = frozenset({"string", "template_string"})
_JS_GIVEN = frozenset({"variable_declarator", "assignment_expression", "pair", "public_field_definition"})
# Per language: the string literals, and the nodes that give a string to a name.
STRINGS = {
    "python": frozenset({"string"}),
    "javascript": _JS_STRINGS,
    "typescript": _JS_STRINGS,
    "tsx": _JS_STRINGS,
    "go": frozenset({"interpreted_string_literal", "raw_string_literal"}),
    "java": frozenset({"string_literal"}),
    "rust": frozenset({"string_literal", "raw_string_literal"}),
    "ruby": frozenset({"string"}),
}
GIVEN = {
    "python": frozenset(
        {"assignment", "keyword_argument", "pair", "default_parameter", "typed_default_parameter"}
    ),
    "javascript": _JS_GIVEN,
    "typescript": _JS_GIVEN,
    "tsx": _JS_GIVEN,
    "go": frozenset(
        {"const_spec", "var_spec", "short_var_declaration", "assignment_statement", "keyed_element"}
    ),
    "java": frozenset({"variable_declarator", "assignment_expression", "element_value_pair"}),
    "rust": frozenset(
        {"let_declaration", "const_item", "static_item", "assignment_expression", "field_initializer"}
    ),
    "ruby": frozenset({"assignment", "pair"}),
}
QUERIES = {
    language: f"[{' '.join(f'({t})' for t in sorted(types))}] @string" for language, types in STRINGS.items()
}
_PRIVATE_KEY = "a private key"
# Known formats: a label, the literal prefixes the bytes are scanned for, and the whole format, whose
# random part (`body`) the placeholder test reads.
FORMATS = (
    (
        "a GitHub token",
        (b"ghp_", b"gho_", b"ghu_", b"ghs_", b"ghr_"),
        rb"\bgh[pousr]_(?P<body>[A-Za-z0-9]{36})\b",
    ),
    (
        "a GitHub fine-grained token",
        (b"github_pat_",),
        rb"\bgithub_pat_(?P<body>[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b",
    ),
    ("an AWS access key id", (b"AKIA", b"ASIA"), rb"\b(?:AKIA|ASIA)(?P<body>[0-9A-Z]{16})\b"),
    ("a Slack token", (b"xox",), rb"\bxox[baprs]-(?P<body>[0-9]{4,}-[0-9A-Za-z-]{8,})"),
    ("a Stripe live key", (b"k_live_",), rb"\b[rs]k_live_(?P<body>[0-9A-Za-z]{24,})\b"),
    ("a Google API key", (b"AIza",), rb"\bAIza(?P<body>[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
    # Only a header with key material after it: code that looks for the header is no leak.
    (
        _PRIVATE_KEY,
        (b"PRIVATE KEY",),
        rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:\\[rn]|\s)+"
        rb"(?:[\w-]+: [^\n\\]*(?:\\[rn]|\s)+)*(?P<body>[A-Za-z0-9+/=]{40})",
    ),
)
_FORMATS = tuple((label, re.compile(pattern)) for label, _, pattern in FORMATS)
_FORMAT_MARKERS = tuple(marker for _, markers, _ in FORMATS for marker in markers)
# Where a secret's name may be, in the file's bytes in lower case; then the line's `name = "value"`.
_NAME_MARKERS = (
    b"passw",
    b"secret",
    b"token",
    b"api_key",
    b"apikey",
    b"access_key",
    b"private_key",
    b"credential",
)
_GIVEN = re.compile(
    rb"(?P<name>[A-Za-z_][\w.]*)[\"']?(?:\s+[A-Za-z_][\w.*\[\]]*)?"  # Go: `var token string = …`
    rb"\s*(?::\s*[\w\[\]|., ]{1,40}?)?\s*(?::=|=|:)\s*"  # an annotation, then `=`, `:=` or `:`
    rb"(?P<value>[rbuRBU]{0,2}(?P<quote>[\"'`])(?P<body>[A-Za-z0-9+/=_\-.~!@#^&*]{16,200})(?P=quote))"
)
_SECRET_NAME = re.compile(
    r"(passw(or)?d|secret|token(?!i[sz])|api_?key|apikey|access_?key|private_?key|auth_?key|credential)", re.I
)
_NAME_BYTES = frozenset(
    bytes([c]) for c in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_."
)
# `token_url`, `password_field`, `SECRET_NAME`: names about a secret that do not hold one.
_ABOUT_A_SECRET = re.compile(
    r"(url|uri|endpoint|path|file|name|type|field|header|prefix|suffix|env|var|pattern|regex|id|ids|param|"
    r"format|label|dir|limit|expires?|expiry|ttl|method|scopes?|mode|style|length|len|count|kind|hash)$",
    re.I,
)
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
    if _placeholder(value) or not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    classes = [c.isdigit() + 2 * c.isupper() + 3 * (not c.isalnum()) for c in value]
    changes = sum(a != b for a, b in pairwise(classes))
    return _entropy(value) >= 3.3 and changes / (len(value) - 1) >= 0.35


def _in_tests(source: Source) -> bool:
    """A test file or a fixture: credentials there are usually made up, so they only warn."""
    return source.kind is Kind.TEST or not _FIXTURE_DIRS.isdisjoint(source.path.split("/")[:-1])


def _known(source: Source, language: str, severity: Severity) -> Iterator[Hit]:
    """Hits on string literals holding a known token format."""
    offsets = positions(source.text, _FORMAT_MARKERS)
    for string in captures_around(source, QUERIES[language], offsets, STRINGS[language]).get("string", ()):
        text = text_of(source, string)
        for label, pattern in _FORMATS:
            match = pattern.search(text)
            if match and not _placeholder(match["body"].decode(), runs=label != _PRIVATE_KEY):
                yield hit(
                    string, f"{label} in the code; revoke it and read it from the environment", severity
                )
                break


def _name_start(text: bytes, at: int) -> int:
    """Where the name around offset `at` begins (a name runs over letters, digits, `_` and `.`)."""
    while at > 0 and text[at - 1 : at] in _NAME_BYTES:
        at -= 1
    return at


def _given(source: Source, language: str, root: Node, severity: Severity) -> Iterator[Hit]:
    """Hits on random-looking strings given to a secret's name (a string literal the tree confirms)."""
    text = source.text
    for start in sorted({_name_start(text, at) for at in positions(text.lower(), _NAME_MARKERS)}):
        line_end = text.find(b"\n", start)
        match = _GIVEN.match(text, start, len(text) if line_end < 0 else line_end)
        if match is None:
            continue
        name = match["name"].decode("utf-8", "replace").rsplit(".", 1)[-1]
        value = match["body"].decode("utf-8", "replace")
        if not _SECRET_NAME.search(name) or _ABOUT_A_SECRET.search(name) or not _random_looking(value):
            continue
        string = enclosing(root, match.start("quote"), match.start("quote") + 1, STRINGS[language], 2)
        if string is None or (string.start_byte, string.end_byte) != match.span("value"):
            continue  # in a comment or a docstring, or a longer expression
        if enclosing(root, string.start_byte, string.end_byte, GIVEN[language], 3) is None:
            continue
        # A known format is the other half's finding, at its own severity.
        if not any(pattern.search(match["body"]) for _, pattern in _FORMATS):
            message = f"`{name}` is given a random-looking string; read the secret from the environment"
            yield hit(string, message, severity)


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
        severity = in_tests if tests else known
        if severity is not None:
            yield from _known(source, language, severity)
        if entropy is not None and not tests:
            yield from _given(source, language, tree.root_node, entropy)

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
            (
                "a Java token read from the environment passes",
                "Client.java",
                'class Client {\n  String token = System.getenv("GITHUB_TOKEN");\n}\n',
            ),
            (
                "a Rust token read from the environment passes",
                "src/lib.rs",
                'let token = env::var("TOKEN")?;\n',
            ),
            ("a Ruby token in a comment passes", "lib/a.rb", f"# e.g. {_TOKEN}\nx = 1\n"),
        ],
        [
            ("a GitHub token in the code fails", "app.py", f'TOKEN = "{_TOKEN}"\n'),
            ("a GitHub token in TypeScript fails", "client.ts", f'const auth = {{ token: "{_TOKEN}" }};\n'),
            (
                "a GitHub token in Java fails",
                "Client.java",
                f'class Client {{\n  String token = "{_TOKEN}";\n}}\n',
            ),
            ("a GitHub token in Rust fails", "src/lib.rs", f'const TOKEN: &str = "{_TOKEN}";\n'),
            ("a GitHub token in Ruby fails", "lib/client.rb", f'TOKEN = "{_TOKEN}"\n'),
        ],
    ),
)
