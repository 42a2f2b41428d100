"""The catalogue's check rules, each in each language: named bad cases, good cases and look-alikes."""

from __future__ import annotations

from types import ModuleType

import pytest

from bot.core.checks.engine import run_check
from bot.core.files import classify
from bot.core.findings import Finding, Scope, Severity
from rules.checks import skipped_or_focused_test, swallowed_exception, todo_added
from rules.checks.common import CheckConfig, added_file

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# (name, rule module, path, text, the severities found in order)
FOCUSED = [
    ("js it.only", "a.test.js", 'it.only("adds", () => {\n  expect(sum(1, 1)).toBe(2);\n});\n', [E]),
    ("js describe.only", "a.test.js", 'describe.only("sum", () => {});\n', [E]),
    ("js test.only with a template name", "a.test.js", "test.only(`sum`, function () {});\n", [E]),
    ("js fit", "a.spec.js", 'fit("adds", () => {});\n', [E]),
    ("ts fdescribe", "a.spec.ts", 'fdescribe("sum", (): void => {});\n', [E]),
    ("tsx test.only", "a.test.tsx", 'test.only("renders", () => {\n  render(<App />);\n});\n', [E]),
    ("js it.skip", "a.test.js", 'it.skip("adds", () => {});\n', [W]),
    ("js xit", "a.test.js", 'xit("adds", () => {});\n', [W]),
    ("ts xdescribe", "a.test.ts", 'xdescribe("sum", () => {});\n', [W]),
    ("tsx describe.skip", "a.test.tsx", 'describe.skip("App", () => {});\n', [W]),
    ("py bare pytest.mark.skip", "tests/test_a.py", "@pytest.mark.skip\ndef test_a():\n    pass\n", [W]),
    (
        "py skip with an empty reason",
        "tests/test_a.py",
        '@pytest.mark.skip(reason="")\ndef test_a(): ...\n',
        [W],
    ),
    ("py skipif without a reason", "tests/test_a.py", "@pytest.mark.skipif(WIN)\ndef test_a(): ...\n", [W]),
    (
        "py bare unittest.skip",
        "tests/test_a.py",
        "class T:\n    @unittest.skip\n    def test_a(self): ...\n",
        [W],
    ),
    (
        "py unittest.skipIf without a reason",
        "tests/test_a.py",
        "@unittest.skipIf(WIN)\ndef test_a(): ...\n",
        [W],
    ),
    ("go t.SkipNow", "a_test.go", "package a\nfunc TestA(t *testing.T) {\n\tt.SkipNow()\n}\n", [W]),
    (
        "go t.Skip without a reason",
        "a_test.go",
        "package a\nfunc TestA(t *testing.T) {\n\tt.Skip()\n}\n",
        [W],
    ),
    ("js plain it", "a.test.js", 'it("adds", () => {});\n', []),
    ("js fit that is a model fit", "train.js", "fit(model, data);\n", []),
    ("js only on another object", "a.js", 'query.only("id");\n', []),
    ("ts skip on another object", "a.ts", 'stream.skip("header");\n', []),
    (
        "py skipif with a condition and a reason",
        "tests/test_a.py",
        '@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")\ndef test_a(): ...\n',
        [],
    ),
    (
        "py skip with a reason",
        "tests/test_a.py",
        '@pytest.mark.skip(reason="flaky, see #12")\ndef test_a(): ...\n',
        [],
    ),
    (
        "py skip with a positional reason",
        "tests/test_a.py",
        '@pytest.mark.skip("slow")\ndef test_a(): ...\n',
        [],
    ),
    (
        "py unittest.skip with a reason",
        "tests/test_a.py",
        '@unittest.skip("needs a GPU")\ndef test_a(): ...\n',
        [],
    ),
    (
        "py unittest.skipUnless with a reason",
        "tests/test_a.py",
        '@unittest.skipUnless(GPU, "GPU")\ndef test_a(): ...\n',
        [],
    ),
    ("py other marks", "tests/test_a.py", "@pytest.mark.slow\n@pytest.mark.xfail\ndef test_a(): ...\n", []),
    (
        "go t.Skip with a reason",
        "a_test.go",
        'package a\nfunc TestA(t *testing.T) {\n\tt.Skip("slow")\n}\n',
        [],
    ),
]
TRY = "try:\n    run()\n"
SWALLOWED = [
    ("py except Exception: pass", "a.py", f"{TRY}except Exception:\n    pass\n", [W]),
    ("py bare except: ...", "a.py", f"{TRY}except:\n    ...\n", [W]),
    (
        "py BaseException as e in a tuple",
        "a.py",
        f"{TRY}except (OSError, BaseException) as e:\n    pass\n",
        [W],
    ),
    (
        "py continue in a loop",
        "a.py",
        "for x in xs:\n    try:\n        run(x)\n    except Exception:\n        continue\n",
        [W],
    ),
    (
        "py a tool's comment is no reason",
        "a.py",
        f"{TRY}except Exception:  # noqa: BLE001\n    pass  # noqa: S110\n",
        [W],
    ),
    ("js empty catch", "a.js", "try {\n  run();\n} catch (e) {}\n", [W]),
    ("js empty optional-binding catch", "a.js", "try {\n  run();\n} catch {}\n", [W]),
    ("js promise catch that does nothing", "a.js", "load().catch(() => {});\n", [W]),
    ("ts empty catch", "a.ts", "try {\n  run();\n} catch (e: unknown) {}\n", [W]),
    (
        "tsx empty catch",
        "a.tsx",
        "const A = () => {\n  try { run(); } catch {}\n  return <div />;\n};\n",
        [W],
    ),
    ("go _ = err", "a.go", "package a\nfunc f() {\n\terr := run()\n\t_ = err\n}\n", [W]),
    (
        "go empty if err != nil",
        "a.go",
        "package a\nfunc f() {\n\tif err := run(); err != nil {\n\t}\n}\n",
        [W],
    ),
    (
        "py narrow ImportError fallback",
        "a.py",
        "try:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n",
        [],
    ),
    ("py narrow handler that passes", "a.py", f"{TRY}except KeyError:\n    pass\n", []),
    ("py broad handler that logs", "a.py", f"{TRY}except Exception:\n    log.exception('run')\n", []),
    (
        "py broad handler that re-raises",
        "a.py",
        f"{TRY}except BaseException:\n    cleanup()\n    raise\n",
        [],
    ),
    (
        "py explained in a comment",
        "a.py",
        f"{TRY}except Exception:\n    # the cache is optional\n    pass\n",
        [],
    ),
    ("js catch that logs", "a.js", "try {\n  run();\n} catch (e) {\n  console.error(e);\n}\n", []),
    ("js catch explained in a comment", "a.js", "try {\n  run();\n} catch {\n  // optional feature\n}\n", []),
    ("js promise then with an empty callback", "a.js", "load().then(() => {});\n", []),
    (
        "go error returned",
        "a.go",
        "package a\nfunc f() error {\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn nil\n}\n",
        [],
    ),
    ("go empty if err == nil", "a.go", "package a\nfunc f() {\n\tif err == nil {\n\t}\n}\n", []),
    ("go a discarded Close", "a.go", "package a\nfunc f() {\n\t_ = file.Close()\n}\n", []),
]
TODOS = [
    ("py TODO", "a.py", "def f():\n    # TODO: handle the empty case\n    return 1\n", [INFO]),
    ("py FIXME after code", "a.py", "x = 1  # FIXME: off by one\n", [INFO]),
    ("py XXX and HACK lines", "a.py", "# XXX: why\nx = 1\n# HACK around the cache\n", [INFO, INFO]),
    ("py TODO(name) is no reference", "a.py", "# TODO(alice): later\n", [INFO]),
    ("js line comment", "a.js", "// TODO: retry\nrun();\n", [INFO]),
    ("js two markers in a block comment", "a.js", "/*\n * TODO: one\n * FIXME: two\n */\n", [INFO, INFO]),
    ("ts TODO", "a.ts", "const a: number = 1; // TODO widen\n", [INFO]),
    ("tsx TODO in JSX", "a.tsx", "const A = () => (\n  <div>{/* TODO: i18n */}</div>\n);\n", [INFO]),
    ("go TODO", "a.go", "package a\n\n// TODO: context\nfunc f() {}\n", [INFO]),
    ("py TODO with an issue number", "a.py", "# TODO(#123): drop with v2\n", []),
    ("py TODO with another repo's issue", "a.py", "# TODO: see acme/api#45\n", []),
    ("py TODO with a URL", "a.py", "# FIXME: https://github.com/acme/api/issues/7\n", []),
    ("py TODO with a tracker key", "a.py", "# HACK: until PROJ-481 ships\n", []),
    ("py reference on the next comment line", "a.py", "# TODO: refactor this\n#   tracked in gh-45\n", []),
    ("js TODO with a URL in a block comment", "a.js", "/* TODO: remove,\n   https://x.dev/i/9 */\n", []),
    ("go TODO with an issue", "a.go", "package a\n\n// TODO(#9): context\nfunc f() {}\n", []),
    ("py lower-case prose", "a.py", "# a todo list, and a hack we keep\n", []),
    ("py TODO in a string", "a.py", 'label = "TODO"\n', []),
    ("py TODO in a docstring", "a.py", 'def f():\n    """TODO items are listed here."""\n', []),
    ("js TODO in a string", "a.js", 'const hint = "TODO: fill in";\n', []),
    ("py a word that contains the marker", "a.py", "# TODOS and XXXL sizes\n", []),
]
CASES = [
    *((name, skipped_or_focused_test, path, text, found) for name, path, text, found in FOCUSED),
    *((name, swallowed_exception, path, text, found) for name, path, text, found in SWALLOWED),
    *((name, todo_added, path, text, found) for name, path, text, found in TODOS),
]


def _findings(module: ModuleType, path: str, text: str) -> tuple[Finding, ...]:
    """What `module`'s rule finds, under its own defaults, in a pull request adding `path`."""
    return _run(module, module.RULE.config(), path, text)


def _run(module: ModuleType, config: CheckConfig, path: str, text: str) -> tuple[Finding, ...]:
    snapshot = added_file(path, text)
    found = run_check(module.ID, Scope.ADDED, module.finder(config), snapshot, classify(snapshot))
    return tuple(sorted(found, key=lambda f: (f.line or 0, f.column or 0)))


@pytest.mark.parametrize(("name", "module", "path", "text", "found"), CASES, ids=[c[0] for c in CASES])
def test_rule_cases(name: str, module: ModuleType, path: str, text: str, found: list[Severity]) -> None:
    """Each rule finds what it should at its default severities, and look-alikes stay quiet."""
    assert [f.severity for f in _findings(module, path, text)] == found


def test_editing_a_focused_test_body_keeps_its_fingerprint() -> None:
    """A focused test is keyed by its callee and name, not its body: editing the body updates the finding."""
    before = _findings(skipped_or_focused_test, "a.test.js", 'it.only("adds", () => {\n  a();\n});\n')
    after = _findings(skipped_or_focused_test, "a.test.js", 'it.only("adds", () => {\n  b();\n});\n')
    assert before[0].fingerprint == after[0].fingerprint


def test_skips_can_be_turned_off_alone() -> None:
    """`skipped: off` silences skips and keeps focused tests failing."""
    config = skipped_or_focused_test.Config(skipped="off")
    found = _run(
        skipped_or_focused_test, config, "a.test.js", 'it.only("a", () => {});\nit.skip("b", () => {});\n'
    )
    assert [f.severity for f in found] == [E]


def test_a_todo_is_reported_on_its_own_line() -> None:
    """A marker inside a block comment is reported on its line, where the pull request added it."""
    (found,) = _findings(todo_added, "a.js", "/**\n * Sums.\n *\n * TODO: overflow\n */\n")
    assert (found.line, found.column) == (4, 4)
