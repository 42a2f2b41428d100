"""Line roles for packing: comment-only, docstring-only, import and blank lines, per language."""

from __future__ import annotations

import pytest

from bot.llm.roles import Role, line_roles

C, D, M, B, X = Role.COMMENT, Role.DOCSTRING, Role.IMPORT, Role.BLANK, Role.CODE  # M: module import
CASES = {
    "python": (
        "m.py",
        '"""Module.\n\nMore."""\nimport os\nfrom a import (\n    b,\n)\n# note\nx = 1  # trailing\n'
        'def f():\n    """One."""\n    return """text""".strip()\n',
        [D, D, D, M, M, M, M, C, X, X, D, X],
    ),
    "typescript": (
        "m.ts",
        'import {\n  a,\n} from "b";\n/**\n * Doc.\n */\n'
        '/* c */ const y = 1;\nconst z = require("z");\n// end\n',
        [M, M, M, C, C, C, X, M, C],
    ),
    "go": ("m.go", 'package m\n\nimport (\n\t"fmt"\n)\n// Doc\nfunc F() {}\n', [X, B, M, M, M, C, X]),
    "rust": ("m.rs", "use std::{\n    io,\n};\n/// Doc\nfn f() {}\n", [M, M, M, C, X]),
    "sql": ("m.sql", "-- a\nSELECT 1; /* b */\n/* c\n d */\n", [C, X, C, C]),
    "plain_text_is_code": ("notes.txt", "# not a comment here\n\nimport x\n", [X, B, X]),
}


@pytest.mark.parametrize(("path", "text", "roles"), list(CASES.values()), ids=list(CASES))
def test_line_roles(path: str, text: str, roles: list[Role]) -> None:
    """Each line gets its role; a line with code and a comment is code (kept); unknown languages are all
    code."""
    assert line_roles(path, text) == roles
