"""The catalogue's check rules, each in each language: named bad cases, good cases and look-alikes."""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType

import pytest

from bot.core.checks.engine import run_check
from bot.core.checks.queries import captures
from bot.core.checks.source import sources
from bot.core.files import classify
from bot.core.findings import Finding, Scope, Severity
from bot.core.snapshot import ChangedFile, FileStatus, Hunk, PullRequestInfo, PullRequestSnapshot
from rules.base import Context
from rules.checks import (
    commented_out_code,
    debug_output,
    hardcoded_secret,
    optional_import_of_required_dependency,
    redundant_type_guard,
    skipped_or_focused_test,
    suppression_added,
    swallowed_exception,
    syntax_error,
    test_without_assertion,
    todo_added,
)
from rules.checks.candidates import captures_around, positions
from rules.checks.common import CheckConfig, added_file
from rules.checks.dependencies import required_python
from tests.test_checks import CASES as ENGINE_CASES

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
    (
        "java bare @Disabled",
        "src/test/java/ATest.java",
        "class ATest {\n  @Disabled\n  @Test\n  void a() {}\n}\n",
        [W],
    ),
    (
        "java bare @Ignore",
        "src/test/java/ATest.java",
        "class ATest {\n  @Ignore @Test public void a() {}\n}\n",
        [W],
    ),
    (
        "java qualified @org.junit.Ignore",
        "ATest.java",
        "class ATest {\n  @org.junit.Ignore\n  public void a() {}\n}\n",
        [W],
    ),
    (
        "java @Disabled with an empty reason",
        "ATest.java",
        'class ATest {\n  @Disabled("") void a() {}\n}\n',
        [W],
    ),
    (
        "java @Disabled with a reason",
        "ATest.java",
        'class ATest {\n  @Disabled("flaky, JDK-123") void a() {}\n}\n',
        [],
    ),
    (
        "java @Ignore(value = reason)",
        "ATest.java",
        'class ATest {\n  @Ignore(value = "slow") void a() {}\n}\n',
        [],
    ),
    (
        "java @DisabledOnOs is a condition",
        "ATest.java",
        "class ATest {\n  @DisabledOnOs(WINDOWS) void a() {}\n}\n",
        [],
    ),
    ("java @JsonIgnore is no test's", "A.java", "class A {\n  @JsonIgnore int a;\n}\n", []),
    ("rust bare #[ignore]", "tests/a.rs", "#[test]\n#[ignore]\nfn a() {}\n", [W]),
    ("rust #[ignore] with an empty reason", "tests/a.rs", '#[test]\n#[ignore = ""]\nfn a() {}\n', [W]),
    ("rust #[ignore] with a reason", "tests/a.rs", '#[test]\n#[ignore = "needs a network"]\nfn a() {}\n', []),
    (
        "rust cfg_attr ignore is a condition",
        "tests/a.rs",
        "#[test]\n#[cfg_attr(miri, ignore)]\nfn a() {}\n",
        [],
    ),
    ("rust serde(skip) is no test's", "src/a.rs", "struct A {\n    #[serde(skip)]\n    a: u8,\n}\n", []),
    ("ruby fit", "spec/a_spec.rb", 'fit "adds" do\n  expect(1).to eq(1)\nend\n', [E]),
    ("ruby fdescribe a class", "spec/a_spec.rb", "fdescribe Calculator do\nend\n", [E]),
    ("ruby focus: true", "spec/a_spec.rb", 'describe "sum", focus: true do\nend\n', [E]),
    ("ruby :focus", "spec/a_spec.rb", 'it "adds", :focus do\nend\n', [E]),
    ("ruby RSpec.describe focus: true", "spec/a_spec.rb", 'RSpec.describe "sum", focus: true do\nend\n', [E]),
    ("ruby xit", "spec/a_spec.rb", 'xit "adds" do\nend\n', [W]),
    ("ruby xdescribe", "spec/a_spec.rb", 'xdescribe "sum" do\nend\n', [W]),
    ("ruby bare skip", "spec/a_spec.rb", 'it "adds" do\n  skip\nend\n', [W]),
    ("ruby minitest bare skip", "test/a_test.rb", "def test_a\n  skip\n  assert true\nend\n", [W]),
    ("ruby skip with a reason", "spec/a_spec.rb", 'it "adds" do\n  skip "no network"\nend\n', []),
    ("ruby focus: false", "spec/a_spec.rb", 'it "adds", focus: false do\nend\n', []),
    ("ruby fit that is a model's", "spec/a_spec.rb", "model.fit(data)\n", []),
    ("ruby skip outside tests", "lib/scanner.rb", "def next_token\n  skip\nend\n", []),
    ("ruby fit outside tests", "lib/layout.rb", 'fit "box" do\nend\n', []),
    ("ruby scanner.skip", "spec/a_spec.rb", "scanner.skip(/\\s+/)\n", []),
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
    (
        "java empty catch of Exception",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (Exception e) {}\n  }\n}\n",
        [W],
    ),
    (
        "java empty catch of Throwable",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (Throwable t) {\n    }\n  }\n}\n",
        [W],
    ),
    (
        "java multi-catch with RuntimeException",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (IOException | RuntimeException e) {}\n  }\n}\n",
        [W],
    ),
    (
        "java qualified java.lang.Exception",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (final java.lang.Exception e) {}\n  }\n}\n",
        [W],
    ),
    (
        "java narrow empty catch",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (InterruptedException e) {}\n  }\n}\n",
        [],
    ),
    (
        "java catch named ignored",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (Exception ignored) {}\n  }\n}\n",
        [],
    ),
    (
        "java catch named expected",
        "ATest.java",
        "class ATest {\n  void f() {\n    try { g(); fail(); } catch (Exception expected) {}\n  }\n}\n",
        [],
    ),
    (
        "java catch explained in a comment",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (Exception e) {\n"
        "      // best effort\n    }\n  }\n}\n",
        [],
    ),
    (
        "java catch that logs",
        "A.java",
        "class A {\n  void f() {\n    try { g(); } catch (Exception e) { log(e); }\n  }\n}\n",
        [],
    ),
    ("ruby rescue => e with an empty body", "a.rb", "begin\n  run\nrescue => e\nend\n", [W]),
    ("ruby bare rescue with a nil value", "a.rb", "x = begin\n  run\nrescue\n  nil\nend\n", []),
    ("ruby rescue StandardError in a def", "a.rb", "def f\n  run\nrescue StandardError\nend\n", [W]),
    ("ruby rescue Exception", "a.rb", "begin\n  run\nrescue Exception => e\nend\n", [W]),
    ("ruby rescue nil modifier", "a.rb", "x = parse(s) rescue nil\n", [W]),
    ("ruby narrow rescue", "a.rb", "begin\n  require 'psych'\nrescue LoadError\nend\n", []),
    ("ruby rescue that logs", "a.rb", "begin\n  run\nrescue => e\n  log(e)\nend\n", []),
    ("ruby rescue explained in a comment", "a.rb", "begin\n  run\nrescue => e\n  # best effort\nend\n", []),
    ("ruby rescue modifier with a fallback", "a.rb", "x = Integer(s) rescue 0\n", []),
    ("rust let _ is not checked", "src/a.rs", "fn f() {\n    let _ = tx.send(1);\n}\n", []),
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
    ("java line comment", "A.java", "class A {\n  // TODO: close it\n}\n", [INFO]),
    ("java javadoc FIXME", "A.java", "/**\n * FIXME: not thread-safe\n */\nclass A {}\n", [INFO]),
    ("rust TODO", "src/a.rs", "fn f() {\n    // TODO: handle EINTR\n}\n", [INFO]),
    ("rust doc comment FIXME", "src/a.rs", "/// FIXME: overflows on 32-bit\nfn f() {}\n", [INFO]),
    ("ruby TODO", "lib/a.rb", "# TODO: cache this\nx = 1\n", [INFO]),
    ("ruby =begin block TODO", "lib/a.rb", "=begin\nTODO: document\n=end\nx = 1\n", [INFO]),
    ("java TODO with a tracker key", "A.java", "class A {\n  // TODO(JDK-8231): close it\n}\n", []),
    ("rust TODO in a string", "src/a.rs", 'const A: &str = "TODO";\n', []),
    ("ruby TODO with an issue", "lib/a.rb", "# TODO: see #42\nx = 1\n", []),
]
# Made-up credentials, split so this file holds none whole.
GH = "ghp_" + "R8mK2vQ7xLp4Tn9Wc3Hy6Bd1Zf5Gj0Sa7Ue2"
PAT = (
    "github_pat_"
    + "11AZ7Q4M2W8R5T1Y3U6KqL"
    + "_"
    + "m4Nv8Rt2Yx6Bw0Zc3Hd7Jf1Gk5Lp9Qs2Tu6Wv0Xy4Ab8Cd3Ef7Gh1Jk5Mn9"
)
AWS = "AKIA" + "Z7Q4M2W8R5T1Y3U6"
SLACK = "xoxb-" + "2048573619-4829175630-Kq2LmP4vR7tY1Zx9aB3cD5eF"
STRIPE = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
GOOGLE = "AIza" + "SyD8kL2mN4pQ6rS8tU0vW2xY4zA6bC8dE0f"
PEM = "-----BEGIN RSA " + "PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA7vbqajDw4o6gJy8UtmIbkcpnkO3Kwc4qsEnSZp\\n"
RANDOM = "Zx9Kq2LmP4vR7tY1"
SECRETS = [
    ("py GitHub token", "app.py", f'TOKEN = "{GH}"\n', [E]),
    ("py GitHub token in a header", "app.py", f'headers = {{"Authorization": "Bearer {GH}"}}\n', [E]),
    ("py GitHub fine-grained token", "app.py", f'client = Github("{PAT}")\n', [E]),
    ("py AWS key id", "app.py", f'boto3.client("s3", aws_access_key_id="{AWS}")\n', [E]),
    ("py Slack token", "app.py", f'slack = WebClient("{SLACK}")\n', [E]),
    ("py Stripe live key", "app.py", f'stripe.api_key = "{STRIPE}"\n', [E]),
    ("py private key", "app.py", f'KEY = "{PEM}"\n', [E]),
    ("js Google API key", "maps.js", f'const maps = load("{GOOGLE}");\n', [E]),
    ("ts token in an object", "client.ts", f'const auth = {{ token: "{GH}" }};\n', [E]),
    (
        "tsx token in a template",
        "App.tsx",
        f"const A = () => <Api url={{`https://x/?k=${{1}}{GOOGLE}`}} />;\n",
        [E],
    ),
    ("go raw string token", "a.go", f"package a\n\nvar token = `{GH}`\n", [E]),
    ("py token in a test warns", "tests/test_api.py", f'TOKEN = "{GH}"\n', [W]),
    ("js token in a fixture warns", "src/fixtures/auth.js", f'module.exports = "{AWS}";\n', [W]),
    ("py random password", "settings.py", f'DB_PASSWORD = "{RANDOM}"\n', [W]),
    ("py random keyword argument", "app.py", f'connect(password="{RANDOM}")\n', [W]),
    ("py random secret in a dict", "app.py", f'CONFIG = {{"client_secret": "{RANDOM}"}}\n', [W]),
    ("py random secret on an attribute", "app.py", f'self.api_key = "{RANDOM}"\n', [W]),
    ("js random apiKey", "a.js", f'const config = {{ apiKey: "{RANDOM}" }};\n', [W]),
    ("ts random token", "a.ts", f'let token: string = "{RANDOM}";\n', [W]),
    (
        "go random secret",
        "a.go",
        f'package a\n\nfunc f() {{\n\tsecret := "{RANDOM}"\n\t_ = secret\n}}\n',
        [W],
    ),
    ("go random password in a struct", "a.go", f'package a\n\nvar c = Config{{Password: "{RANDOM}"}}\n', [W]),
    ("py placeholder GitHub token", "app.py", 'TOKEN = "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"\n', []),
    ("py short ghp_ placeholder", "app.py", 'TOKEN = "ghp_xxxxxxxx"\n', []),
    ("py documented AWS example key", "app.py", 'KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n', []),
    ("py sequential look-alike", "app.py", 'TOKEN = "ghp_1234567890abcdefghijklmnopqrstuvwxyz"\n', []),
    ("py angle-bracket placeholder", "app.py", 'TOKEN = "<your-token>"\n', []),
    ("py environment lookup", "app.py", 'TOKEN = os.environ["GITHUB_TOKEN"]\n', []),
    ("py environment get", "app.py", 'api_key = os.getenv("API_KEY", "")\n', []),
    ("js environment lookup", "a.js", "const token = process.env.GITHUB_TOKEN;\n", []),
    ("go environment lookup", "a.go", 'package a\n\nvar token = os.Getenv("TOKEN")\n', []),
    (
        "py private key header alone",
        "app.py",
        'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n',
        [],
    ),
    ("py token in a comment", "app.py", f"# {GH[:4]}… is the token's prefix\n", []),
    ("py name about a token", "app.py", f'TOKEN_URL = "https://github.com/login/oauth/{RANDOM}"\n', []),
    ("py token type", "app.py", 'TOKEN_TYPE = "Bearer"\n', []),
    ("py word-like password", "app.py", 'password_hint = "accessTokenRefreshV2Key"\n', []),
    ("py placeholder password", "app.py", 'password = "your-password-here-123"\n', []),
    ("py random string under another name", "app.py", f'build_id = "{RANDOM}"\n', []),
    ("py random password in a test", "tests/test_db.py", f'PASSWORD = "{RANDOM}"\n', []),
    ("java token in a field", "A.java", f'class A {{\n  String token = "{GH}";\n}}\n', [E]),
    ("rust token in a const", "src/a.rs", f'const TOKEN: &str = "{GH}";\n', [E]),
    ("rust token in a raw string", "src/a.rs", f'const TOKEN: &str = r"{GH}";\n', [E]),
    ("ruby token in a constant", "lib/a.rb", f'TOKEN = "{GH}"\n', [E]),
    ("ruby token in a spec", "spec/a_spec.rb", f'let(:token) {{ "{GH}" }}\n', [W]),
    ("ruby random password in a hash", "lib/a.rb", f'CONFIG = {{ password: "{RANDOM}" }}\n', [W]),
    ("java token in a comment", "A.java", f"class A {{\n  // {GH}\n}}\n", []),
    ("ruby environment lookup", "lib/a.rb", 'TOKEN = ENV.fetch("GITHUB_TOKEN")\n', []),
]
COMMENTED = [
    ("py a commented-out call", "a.py", "def f(x):\n    # print(x)\n    return x\n", [W]),
    ("py a commented-out assignment", "a.py", "# total = compute(items)\nrun()\n", [W]),
    ("py a commented-out if block, one finding", "a.py", "# if debug:\n#     dump(state)\nrun()\n", [W]),
    ("py a commented-out debugger", "a.py", "# import pdb; pdb.set_trace()\n", [W]),
    ("py prose", "a.py", "# Retry once: the first call warms the cache.\nrun()\n", []),
    ("py prose with an aside in parentheses", "a.py", "# Compute the sum (roughly) of the items.\n", []),
    ("py type comments", "a.py", "x = []  # type: list[int]\n# type: ignore\n", []),
    ("py noqa", "a.py", "# noqa: E501\n", []),
    (
        "py license header",
        "a.py",
        '# Copyright (c) 2024 Acme\n# Licensed under the Apache License, Version 2.0 (the "License");\n',
        [],
    ),
    ("py prose the grammar reads as an annotation", "a.py", "# Note: see below\n", []),
    ("py doctest", "a.py", "# >>> f(1)\n# 2\n", []),
    ("py code example in a paragraph", "a.py", "# For example:\n#\n#     f(1)\n", []),
    ("py URL", "a.py", "# see https://example.com/a?b=(1)\n", []),
    ("py signature heading", "a.py", '# dict.get(key, default)\nmethod_op("get")\n', []),
    ("py heading without arguments", "a.py", "# psutil.cpu_times()\nscputimes = nt()\n", []),
    ("py doc example with an ellipsis", "a.py", "# await serve(...)\n", []),
    ("py hash lines in a string", "a.py", 'HELP = """\n# x = compute()\n"""\n', []),
    ("py shebang", "a.py", "#!/usr/bin/env python\nrun()\n", []),
    ("py a single keyword", "a.py", "# pass\n", []),
    ("js a commented-out declaration", "a.js", "// const limit = compute(items);\nrun();\n", [W]),
    ("js a commented-out console.log", "a.js", "// console.log(state);\n", [W]),
    ("js a commented-out if block", "a.js", "// if (debug) {\n//   dump(state);\n// }\n", [W]),
    ("js prose", "a.js", "// Returns the first item, or null when empty.\n", []),
    ("js eslint directive", "a.js", "// eslint-disable-next-line no-console\n", []),
    ("js URL the grammar reads as a label", "a.js", "// http://example.com\n", []),
    ("ts triple-slash directive", "a.ts", '/// <reference types="node" />\n', []),
    ("ts ts-expect-error", "a.ts", "// @ts-expect-error: the typings lag\nrun(1);\n", []),
    ("ts a commented-out typed declaration", "a.ts", "// let n: number = parse(s);\n", [W]),
    ("tsx a commented-out render", "a.tsx", "// render(<App />);\nconst A = () => <div />;\n", [W]),
    ("go a commented-out call", "a.go", "package a\n\nfunc f() {\n\t// fmt.Println(x)\n\trun()\n}\n", [W]),
    ("go a commented-out declaration", "a.go", "package a\n\nfunc f() {\n\t// x := compute(y)\n}\n", [W]),
    ("go doc comment", "a.go", "package a\n\n// F returns the bar.\nfunc F() {}\n", []),
    ("go directive", "a.go", "package a\n\n//go:generate stringer -type=Kind\n", []),
    (
        "go example output",
        "a_test.go",
        "package a\n\nfunc ExampleF() {\n\tF()\n\t// Output:\n\t// f(1)\n}\n",
        [],
    ),
    ("js block comments are not read", "a.js", "/* run(); */\n", []),
    ("py type notation of an operation", "a.py", "# list *= int\nmethod_op('__imul__')\n", []),
    ("py type notation of a call", "a.py", "# list(dict.items())\nfunction_op('list')\n", []),
    ("py a call on a value", "a.py", "# cache.update(dict(items))\nrun()\n", [W]),
    ("java a commented-out call", "A.java", "class A {\n  void f() {\n    // cache.clear();\n  }\n}\n", [W]),
    (
        "java a commented-out declaration",
        "A.java",
        "class A {\n  void f() {\n    // int n = size(x);\n  }\n}\n",
        [W],
    ),
    (
        "java prose",
        "A.java",
        "class A {\n  // Clears the cache before the next read.\n  void f() {}\n}\n",
        [],
    ),
    ("java a label-like line", "A.java", "class A {\n  // Note: see below\n  void f() {}\n}\n", []),
    ("java CHECKSTYLE:OFF", "A.java", "class A {\n  // CHECKSTYLE:OFF\n  void f() {}\n}\n", []),
    ("rust a commented-out let", "src/a.rs", "fn f() {\n    // let x = compute(y);\n}\n", [W]),
    ("rust a commented-out macro", "src/a.rs", 'fn f() {\n    // println!("{}", x);\n}\n', [W]),
    ("rust a commented-out if", "src/a.rs", "fn f() {\n    // if x { run(); }\n}\n", [W]),
    ("rust a doc example", "src/a.rs", "/// let x = parse(s);\nfn parse() {}\n", []),
    ("rust an inner doc example", "src/lib.rs", "//! use crate::a;\nfn f() {}\n", []),
    ("rust prose", "src/a.rs", "fn f() {\n    // Read the header first.\n}\n", []),
    ("ruby a commented-out call", "lib/a.rb", "def f\n  # cache.clear(true)\nend\n", [W]),
    ("ruby a commented-out assignment", "lib/a.rb", "def f\n  # @x = compute(y)\nend\n", [W]),
    ("ruby a commented-out require", "lib/a.rb", "# require 'pp'\nx = 1\n", [W]),
    ("ruby prose", "lib/a.rb", "# Returns the cached value.\ndef f; end\n", []),
    ("ruby magic comment", "lib/a.rb", "# frozen_string_literal: true\nx = 1\n", []),
    ("ruby rubocop directive", "lib/a.rb", "# rubocop:disable Style/Foo\nx = 1\n", []),
    ("ruby YARD tag", "lib/a.rb", "# @param name [String]\ndef f(name); end\n", []),
    ("ruby a name alone", "lib/a.rb", "# foo.bar\ndef f; end\n", []),
]


def _junit(annotation: str, body: str) -> str:
    """A JUnit test class with one test method of `body` under `annotation`."""
    return f"class SumTest {{\n  {annotation}\n  void adds() {{\n    {body}\n  }}\n}}\n"


ASSERTIONLESS = [
    ("py a test that only calls", "tests/test_a.py", "def test_sum():\n    total([1, 2])\n", [W]),
    (
        "py a unittest method that only calls",
        "tests/test_a.py",
        "class TestSum(TestCase):\n    def test_sum(self):\n        total([1, 2])\n",
        [W],
    ),
    ("py an empty test", "tests/test_a.py", 'def test_later():\n    """Checks the sum."""\n    pass\n', [W]),
    (
        "py an async test",
        "tests/test_a.py",
        "async def test_fetch(client):\n    await client.get('/')\n",
        [W],
    ),
    (
        "py a parametrized test",
        "tests/test_a.py",
        "@pytest.mark.parametrize('x', [1])\ndef test_x(x):\n    total([x])\n",
        [W],
    ),
    ("py assert", "tests/test_a.py", "def test_sum():\n    assert total([1, 2]) == 3\n", []),
    (
        "py unittest assertEqual",
        "tests/test_a.py",
        "class T(TestCase):\n    def test_sum(self):\n        self.assertEqual(total([1]), 1)\n",
        [],
    ),
    (
        "py pytest.raises",
        "tests/test_a.py",
        "def test_bad():\n    with pytest.raises(ValueError):\n        total(None)\n",
        [],
    ),
    (
        "py a mock verified",
        "tests/test_a.py",
        "def test_sends(mailer):\n    notify(mailer)\n    mailer.send.assert_called_once()\n",
        [],
    ),
    (
        "py an expected failure",
        "tests/test_a.py",
        "@pytest.mark.xfail(strict=True)\ndef test_bug():\n    total(None)\n",
        [],
    ),
    (
        "py a hypothesis property",
        "tests/test_a.py",
        "@given(st.lists(st.integers()))\ndef test_total(xs):\n    total(xs)\n",
        [],
    ),
    (
        "py a helper of the same file",
        "tests/test_a.py",
        "def check_sum(xs, n):\n    assert total(xs) == n\n\ndef test_sum():\n    check_sum([1], 1)\n"
        "def _run(case):\n    assert case\n\ndef test_run():\n    _run(1)\n",
        [],
    ),
    (
        "py a helper method",
        "tests/test_a.py",
        "class T:\n    def test_sum(self):\n        self._run_case([1], 1)\n",
        [],
    ),
    (
        "py a fixture that checks",
        "tests/test_a.py",
        "def test_float(do_numeric_test):\n    do_numeric_test(Float(), [1.5])\n",
        [],
    ),
    (
        "py a helper imported from the tests",
        "tests/test_a.py",
        "from .helpers import run_case\n\ndef test_sum():\n    run_case([1], 1)\n",
        [],
    ),
    (
        "py a generator of cases",
        "tests/test_a.py",
        "@collect_cases\ndef test_kinds():\n    yield Case(stub='x')\n",
        [],
    ),
    ("py a helper named like a test", "tests/test_a.py", "def testing_engine(url):\n    create(url)\n", []),
    ("py a function returning a value", "tests/conftest.py", "def test_data():\n    return load('x')\n", []),
    ("py a test function in library code", "pkg/a.py", "def test_sum():\n    total([1])\n", []),
    (
        "py a def test nested in a test",
        "tests/test_a.py",
        "def test_gen():\n    class C:\n        def test(self):\n            pass\n"
        "    assert stub(C) == 'x'\n",
        [],
    ),
    ("js it without expect", "a.test.js", "it('adds', () => {\n  sum(1, 2);\n});\n", [W]),
    (
        "js test with a function expression",
        "a.test.js",
        "test('adds', function () {\n  sum(1, 2);\n});\n",
        [W],
    ),
    ("ts async test without expect", "a.spec.ts", "test('loads', async () => {\n  await load();\n});\n", [W]),
    ("tsx render without a query", "App.test.tsx", "it('renders', () => {\n  render(<App />);\n});\n", [W]),
    ("js expect", "a.test.js", "it('adds', () => {\n  expect(sum(1, 2)).toBe(3);\n});\n", []),
    ("js chai should", "a.test.js", "it('adds', () => {\n  sum(1, 2).should.equal(3);\n});\n", []),
    ("js an expression body that expects", "a.test.js", "it('adds', () => expect(sum(1, 2)).toBe(3));\n", []),
    ("js node:test with t", "a.test.js", "test('adds', (t) => {\n  t.assert.equal(sum(1, 2), 3);\n});\n", []),
    ("js done callback", "a.test.js", "it('ends', (done) => {\n  stream.on('end', done);\n});\n", []),
    (
        "tsx a Testing Library query",
        "App.test.tsx",
        "it('renders', () => {\n  render(<App />);\n  screen.getByText('Hi');\n});\n",
        [],
    ),
    ("js it.todo without a callback", "a.test.js", "it.todo('adds');\nit('later');\n", []),
    ("js a call named it outside tests", "src/a.js", "it('adds', () => {\n  sum(1, 2);\n});\n", []),
    (
        "js a method named test",
        "a.test.js",
        "it('matches', () => {\n  expect(/a/.test('a')).toBe(true);\n});\n",
        [],
    ),
    ("java @Test that only calls", "src/test/java/SumTest.java", _junit("@Test", "sum(1, 2);"), [W]),
    ("java qualified @org.junit.Test", "SumTest.java", _junit("@org.junit.Test", "sum(1, 2);"), [W]),
    (
        "java @ParameterizedTest without assert",
        "SumTest.java",
        _junit("@ParameterizedTest", "sum(1, 2);"),
        [W],
    ),
    ("java @Test with assertEquals", "SumTest.java", _junit("@Test", "assertEquals(3, sum(1, 2));"), []),
    (
        "java @Test with assertThrows",
        "SumTest.java",
        _junit("@Test", "assertThrows(E.class, () -> f());"),
        [],
    ),
    (
        "java @Test with assertThat",
        "SumTest.java",
        _junit("@Test", "assertThat(sum(1, 2)).isEqualTo(3);"),
        [],
    ),
    ("java @Test with a mock's verify", "SumTest.java", _junit("@Test", "verify(mock).close();"), []),
    ("java @Test with fail", "SumTest.java", _junit("@Test", 'if (x) fail("x");'), []),
    ("java @Test(expected = …)", "SumTest.java", _junit("@Test(expected = E.class)", "sum(1, 2);"), []),
    (
        "java @Test calling its class's helper",
        "SumTest.java",
        _junit("@Test", "check(1, 2);").replace(
            "}\n}\n", "}\n  void check(int a, int b) { assert a < b; }\n}\n"
        ),
        [],
    ),
    ("java a method named test", "Sum.java", "class Sum {\n  void test() {\n    run();\n  }\n}\n", []),
    ("rust #[test] that only calls", "src/lib.rs", "#[test]\nfn adds() {\n    sum(1, 2);\n}\n", [W]),
    (
        "rust #[tokio::test] that only awaits",
        "tests/a.rs",
        "#[tokio::test]\nasync fn loads() {\n    load().await;\n}\n",
        [W],
    ),
    (
        "rust #[test] with assert_eq!",
        "src/lib.rs",
        "#[test]\nfn adds() {\n    assert_eq!(sum(1, 2), 3);\n}\n",
        [],
    ),
    ("rust #[test] with assert!", "tests/a.rs", "#[test]\nfn adds() {\n    assert!(ok());\n}\n", []),
    (
        "rust #[test] with panic!",
        "tests/a.rs",
        '#[test]\nfn adds() {\n    if bad() { panic!("bad"); }\n}\n',
        [],
    ),
    (
        "rust #[test] returning a Result with ?",
        "tests/a.rs",
        "#[test]\nfn parses() -> Result<(), E> {\n    parse(s)?;\n    Ok(())\n}\n",
        [],
    ),
    ("rust #[test] with unwrap", "tests/a.rs", "#[test]\nfn parses() {\n    parse(s).unwrap();\n}\n", []),
    (
        "rust #[should_panic]",
        "tests/a.rs",
        "#[test]\n#[should_panic]\nfn overflows() {\n    add(MAX, 1);\n}\n",
        [],
    ),
    (
        "rust #[test] calling a helper of its file",
        "tests/a.rs",
        "fn check(s: &str) {\n    assert!(parse(s).is_ok());\n}\n"
        '#[test]\nfn parses() {\n    check("a");\n}\n',
        [],
    ),
    (
        "rust #[test] handing its closure to a helper named test_…",
        "tests/a.rs",
        "fn test_with_runtimes(f: impl Fn()) {\n    assert!(run(f));\n}\n"
        "#[test]\nfn yields() {\n    test_with_runtimes(|| g());\n}\n",
        [],
    ),
    ("rust a fn without #[test]", "src/lib.rs", "fn adds() {\n    sum(1, 2);\n}\n", []),
    ("ruby it without expect", "spec/sum_spec.rb", 'it "adds" do\n  sum(1, 2)\nend\n', [W]),
    ("ruby specify with braces", "spec/sum_spec.rb", "specify { sum(1, 2) }\n", [W]),
    ("ruby minitest test without assert", "test/sum_test.rb", "def test_adds\n  sum(1, 2)\nend\n", [W]),
    ("ruby minitest empty test", "test/sum_test.rb", "def test_adds\nend\n", [W]),
    ("ruby it with expect", "spec/sum_spec.rb", 'it "adds" do\n  expect(sum(1, 2)).to eq(3)\nend\n', []),
    ("ruby it with is_expected", "spec/sum_spec.rb", "it { is_expected.to be_valid }\n", []),
    ("ruby it with should", "spec/sum_spec.rb", 'it "adds" do\n  sum(1, 2).should == 3\nend\n', []),
    (
        "ruby minitest test with assert_equal",
        "test/sum_test.rb",
        "def test_adds\n  assert_equal 3, sum(1, 2)\nend\n",
        [],
    ),
    (
        "ruby it calling a helper of its file",
        "spec/sum_spec.rb",
        'def check(a)\n  expect(a).to be_ok\nend\nit "adds" do\n  check sum(1, 2)\nend\n',
        [],
    ),
    ("ruby it without a block is pending", "spec/sum_spec.rb", 'it "adds"\n', []),
    ("ruby it outside tests", "lib/sum.rb", 'it "adds" do\n  sum(1, 2)\nend\n', []),
    ("ruby submit is no it", "spec/form_spec.rb", "submit do\n  run\nend\n", []),
]
SUPPRESSIONS = [
    ("py bare noqa", "a.py", "import os  # noqa\n", [W]),
    ("py noqa with codes", "a.py", "import os  # noqa: F401\n", [INFO]),
    ("py upper-case NOQA", "a.py", "import os  # NOQA\n", [W]),
    ("py file-level ruff noqa", "a.py", "# ruff: noqa\nimport os\n", [W]),
    ("py file-level ruff noqa with codes", "a.py", "# ruff: noqa: E501\n", [INFO]),
    ("py flake8 noqa for the file", "a.py", "# flake8: noqa\n", [W]),
    ("py bare type: ignore", "a.py", "x: int = f()  # type: ignore\n", [W]),
    ("py type: ignore with codes", "a.py", "x: int = f()  # type: ignore[assignment]\n", [INFO]),
    ("py type: ignore and noqa on one line", "a.py", "import x  # type: ignore  # noqa\n", [W, W]),
    ("py mypy ignore-errors", "a.py", "# mypy: ignore-errors\n", [W]),
    ("py pyright ignore", "a.py", "x = f()  # pyright: ignore\n", [W]),
    (
        "py pyright ignore with a rule",
        "a.py",
        "x = f()  # pyright: ignore[reportGeneralTypeIssues]\n",
        [INFO],
    ),
    ("py pylint disable", "a.py", "def f():  # pylint: disable=too-many-locals\n    pass\n", [INFO]),
    ("py pylint disable=all", "a.py", "# pylint: disable=all\n", [W]),
    ("py pylint skip-file", "a.py", "# pylint: skip-file\n", [W]),
    ("py bare nosec", "a.py", "subprocess.call(cmd, shell=True)  # nosec\n", [W]),
    ("py nosec with a test id", "a.py", "subprocess.call(cmd, shell=True)  # nosec B602\n", [INFO]),
    ("py pragma no cover", "a.py", "if TYPE_CHECKING:  # pragma: no cover\n    pass\n", [INFO]),
    ("py a noqa in a string", "a.py", 'HELP = "add # noqa to silence it"\n', []),
    ("py prose about noqa", "a.py", "# we never use noqa comments here\n", []),
    ("py a comment without directive", "a.py", "x = 1  # type of x: int\n", []),
    ("js bare eslint-disable-next-line", "a.js", "// eslint-disable-next-line\nconsole.log(x);\n", [W]),
    (
        "js eslint-disable-next-line with a rule",
        "a.js",
        "// eslint-disable-next-line no-console\nconsole.log(x);\n",
        [INFO],
    ),
    (
        "js eslint-disable-line with rules and a reason",
        "a.js",
        "run(); // eslint-disable-line no-undef, no-alert -- legacy\n",
        [INFO],
    ),
    ("js block eslint-disable for the file", "a.js", "/* eslint-disable */\nrun();\n", [W]),
    ("js block eslint-disable with rules", "a.js", "/* eslint-disable no-var */\nvar x = 1;\n", [INFO]),
    ("ts ts-ignore", "a.ts", "// @ts-ignore\nconst n: number = s;\n", [W]),
    ("ts ts-nocheck", "a.ts", "// @ts-nocheck\n", [W]),
    ("ts ts-expect-error", "a.ts", "// @ts-expect-error: the typings lag\nrun(1);\n", [INFO]),
    (
        "tsx ts-ignore in JSX",
        "a.tsx",
        "const A = () => (\n  <div>\n    {/* @ts-ignore */}\n    <B x={1} />\n  </div>\n);\n",
        [W],
    ),
    ("js istanbul ignore", "a.js", "/* istanbul ignore next */\nfunction f() {}\n", [INFO]),
    ("js eslint-disable in a string", "a.js", 'const hint = "// eslint-disable";\n', []),
    ("js eslint-enable", "a.js", "/* eslint-enable */\n", []),
    ("go bare nolint", "a.go", "package a\n\nfunc f() {\n\tx, _ := g() //nolint\n}\n", [W]),
    (
        "go nolint with a linter",
        "a.go",
        "package a\n\nfunc f() {\n\tx, _ := g() //nolint:errcheck\n}\n",
        [INFO],
    ),
    (
        "go lint:ignore",
        "a.go",
        "package a\n\n//lint:ignore SA1019 the old API is what we test\nfunc f() {}\n",
        [INFO],
    ),
    ("go bare nosec", "a.go", "package a\n\nvar k = md5.New() // #nosec\n", [W]),
    ("java SuppressWarnings all", "A.java", '@SuppressWarnings("all")\nclass A {}\n', [W]),
    (
        "java SuppressWarnings named",
        "A.java",
        'class A {\n  @SuppressWarnings("unchecked")\n  void f() {}\n}\n',
        [INFO],
    ),
    (
        "java SuppressWarnings array",
        "A.java",
        'class A {\n  @SuppressWarnings({"unchecked", "rawtypes"})\n  void f() {}\n}\n',
        [INFO],
    ),
    ("java NOSONAR", "A.java", "class A {\n  int x = f(); // NOSONAR\n}\n", [W]),
    ("java noinspection", "A.java", "class A {\n  //noinspection unchecked\n  int x = f();\n}\n", [INFO]),
    (
        "java SuppressWarnings in a string",
        "A.java",
        'class A {\n  String s = "@SuppressWarnings(all)";\n}\n',
        [],
    ),
    ("rust allow a lint", "src/a.rs", "#[allow(dead_code)]\nfn f() {}\n", [INFO]),
    ("rust allow warnings for the crate", "src/lib.rs", "#![allow(warnings)]\nfn f() {}\n", [W]),
    ("rust allow clippy::all", "src/a.rs", "#[allow(clippy::all)]\nfn f() {}\n", [W]),
    ("rust expect a lint", "src/a.rs", "#[expect(unused_variables)]\nfn f() {}\n", [INFO]),
    ("rust .expect() is no attribute", "src/a.rs", 'fn f() {\n    let x = g().expect("x");\n}\n', []),
    ("rust cfg_attr is no suppression", "src/a.rs", "#[cfg_attr(test, derive(Debug))]\nstruct A;\n", []),
    ("ruby rubocop disable a cop", "lib/a.rb", "x = 1 # rubocop:disable Style/NumericLiterals\n", [INFO]),
    (
        "ruby rubocop disable-next a cop",
        "lib/a.rb",
        "# rubocop:disable-next Metrics/AbcSize\ndef f; end\n",
        [INFO],
    ),
    ("ruby rubocop disable all", "lib/a.rb", "# rubocop:disable all\nx = 1\n", [W]),
    ("ruby rubocop todo", "lib/a.rb", "# rubocop:todo Metrics/AbcSize\ndef f; end\n", [INFO]),
    ("ruby rubocop enable is no suppression", "lib/a.rb", "# rubocop:enable Style/Foo\nx = 1\n", []),
    ("ruby nocov", "lib/a.rb", "# :nocov:\ndef f; end\n# :nocov:\n", [INFO, INFO]),
]
PYPROJECT = (
    '[project]\nname = "app"\n'
    'dependencies = ["PyYAML>=6", "pydantic>=2", "requests", "tomli; python_version < \'3.11\'"]\n'
    '[project.optional-dependencies]\npg = ["psycopg"]\n'
)
PACKAGE_JSON = (
    '{"dependencies": {"lodash": "^4", "@scope/pkg": "1"}, "peerDependencies": {"react": "*"}, '
    '"optionalDependencies": {"fsevents": "^2"}}'
)
# (name, path, text, the manifests at the head, the severities found)
GUARDED_IMPORTS = [
    (
        "py a guarded required import",
        "app/a.py",
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
        {"pyproject.toml": PYPROJECT},
        [W],
    ),
    (
        "py from-import of a required one",
        "app/a.py",
        "try:\n    from pydantic import BaseModel\nexcept ModuleNotFoundError:\n    BaseModel = object\n",
        {"pyproject.toml": PYPROJECT},
        [W],
    ),
    (
        "py a required module and its submodule",
        "app/a.py",
        "try:\n"
        "    import requests\n"
        "    from requests.adapters import HTTPAdapter\n"
        "except ImportError:\n"
        "    requests = None\n",
        {"pyproject.toml": PYPROJECT},
        [W],
    ),
    (
        "py caught in a tuple with as",
        "app/a.py",
        "try:\n    import requests\nexcept (ImportError, OSError) as e:\n    requests = None\n",
        {"pyproject.toml": PYPROJECT},
        [W],
    ),
    (
        "py requirements.txt",
        "a.py",
        "try:\n    import attr\nexcept ImportError:\n    attr = None\n",
        {"requirements.txt": "attrs==23.1\n# comment\n-r more.txt\n"},
        [W],
    ),
    (
        "py setup.cfg",
        "pkg/a.py",
        "try:\n    import click\nexcept ImportError:\n    click = None\n",
        {"setup.cfg": "[options]\ninstall_requires =\n    click>=8\n"},
        [W],
    ),
    (
        "py poetry",
        "a.py",
        "try:\n    import httpx\nexcept ImportError:\n    httpx = None\n",
        {"pyproject.toml": "[tool.poetry.dependencies]\npython = '^3.11'\nhttpx = '^0.27'\n"},
        [W],
    ),
    (
        "py the nearest manifest",
        "libs/x/a.py",
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
        {"pyproject.toml": PYPROJECT, "libs/x/pyproject.toml": "[project]\nname='x'\ndependencies=[]\n"},
        [],
    ),
    (
        "py an optional dependency",
        "app/a.py",
        "try:\n    import psycopg\nexcept ImportError:\n    psycopg = None\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py a marker",
        "app/a.py",
        "try:\n    import tomli\nexcept ImportError:\n    tomli = None\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py the stdlib shim",
        "app/a.py",
        "try:\n    import tomllib\nexcept ImportError:\n    import tomli as tomllib\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py a variant of the same distribution",
        "app/a.py",
        "try:\n"
        "    from yaml import CSafeLoader as Loader\n"
        "except ImportError:\n"
        "    from yaml import SafeLoader as Loader\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py a handler that re-raises",
        "app/a.py",
        "try:\n"
        "    import yaml\n"
        "except ImportError as e:\n"
        "    raise RuntimeError('pip install pyyaml') from e\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py a try that also imports an optional module",
        "app/a.py",
        "try:\n"
        "    import email_validator\n"
        "    from pydantic import EmailStr\n"
        "except ImportError:\n"
        "    EmailStr = str\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py a submodule",
        "app/a.py",
        "try:\n    from requests.packages import urllib3\nexcept ImportError:\n    urllib3 = None\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py another exception",
        "app/a.py",
        "try:\n    import yaml\nexcept AttributeError:\n    yaml = None\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py no manifest",
        "app/a.py",
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
        {},
        [],
    ),
    (
        "py in a test",
        "tests/test_a.py",
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py relative import",
        "app/a.py",
        "try:\n    from . import yaml\nexcept ImportError:\n    yaml = None\n",
        {"pyproject.toml": PYPROJECT},
        [],
    ),
    (
        "py a manifest that does not parse",
        "app/a.py",
        "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n",
        {"pyproject.toml": "[project\n"},
        [],
    ),
    (
        "js a guarded require",
        "src/a.js",
        "let _;\ntry {\n  _ = require('lodash');\n} catch (e) {\n  _ = null;\n}\n",
        {"package.json": PACKAGE_JSON},
        [W],
    ),
    (
        "ts a guarded dynamic import",
        "src/a.ts",
        "async function f() {\n"
        "  try {\n"
        "    const m = await import('@scope/pkg/sub');\n"
        "  } catch {\n"
        "    return null;\n"
        "  }\n"
        "}\n",
        {"package.json": PACKAGE_JSON},
        [W],
    ),
    (
        "js an optional dependency",
        "src/a.js",
        "let f;\ntry { f = require('fsevents'); } catch { f = null; }\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
    (
        "js a peer dependency",
        "src/a.js",
        "let r;\ntry { r = require('react'); } catch { r = null; }\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
    (
        "js a catch that rethrows",
        "src/a.js",
        "try { require('lodash'); } catch (e) { throw new Error('install lodash'); }\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
    (
        "js a require in a try around a whole program",
        "src/a.js",
        "try {\n  const args = parse();\n  log(require('lodash').join(args));\n"
        "} catch (e) {\n  exit(e);\n}\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
    (
        "js a require outside try",
        "src/a.js",
        "const _ = require('lodash');\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
    (
        "js a relative require",
        "src/a.js",
        "try { require('./local'); } catch {}\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
    (
        "js require in a function defined in the try",
        "src/a.js",
        "try {\n  load(() => require('lodash'));\n} catch {}\n",
        {"package.json": PACKAGE_JSON},
        [],
    ),
]
GUARDS = [
    (
        "py None test on a str parameter",
        "a.py",
        "def f(x: str) -> str:\n    if x is None:\n        return ''\n    return x\n",
        [INFO],
    ),
    (
        "py is not None on an int parameter",
        "a.py",
        "def f(n: int) -> int:\n    return n + 1 if n is not None else 0\n",
        [INFO],
    ),
    (
        "py None test on a class of this file",
        "a.py",
        "class Node: ...\n"
        "\n"
        "def f(node: Node) -> None:\n"
        "    if node is None:\n"
        "        return\n"
        "    use(node)\n",
        [INFO],
    ),
    (
        "py isinstance on the annotated type",
        "a.py",
        "def f(name: str) -> str:\n"
        "    if isinstance(name, str):\n"
        "        return name.strip()\n"
        "    return ''\n",
        [INFO],
    ),
    (
        "py assert isinstance on an imported class",
        "a.py",
        "def f(table: Table) -> None:\n    assert isinstance(table, Table)\n    table.drop()\n",
        [INFO],
    ),
    (
        "py isinstance on a dotted class",
        "a.py",
        "def f(c: x509.Certificate) -> None:\n    assert isinstance(c, x509.Certificate)\n",
        [INFO],
    ),
    (
        "py a method's parameter",
        "a.py",
        "class A:\n"
        "    def f(self, key: str) -> None:\n"
        "        if key is None:\n"
        "            return\n"
        "        self.k = key\n",
        [INFO],
    ),
    (
        "py isinstance after a literal",
        "a.py",
        "def f() -> list[int]:\n    xs = []\n    assert isinstance(xs, list)\n    return xs\n",
        [INFO],
    ),
    (
        "py isinstance after a constructor",
        "a.py",
        "def f() -> None:\n    p = Path('a')\n    if isinstance(p, Path):\n        use(p)\n",
        [INFO],
    ),
    (
        "py an Optional parameter",
        "a.py",
        "def f(x: Optional[str]) -> str:\n    if x is None:\n        return ''\n    return x\n",
        [],
    ),
    (
        "py a union with None",
        "a.py",
        "def f(x: str | None) -> str:\n    return x if x is not None else ''\n",
        [],
    ),
    (
        "py a None default",
        "a.py",
        "def f(x: str = None) -> str:\n    if x is None:\n        x = ''\n    return x\n",
        [],
    ),
    (
        "py a union narrowed",
        "a.py",
        "def f(x: int | str) -> str:\n    if isinstance(x, int):\n        return f'{x}'\n    return x\n",
        [],
    ),
    (
        "py a float taking an int",
        "a.py",
        "def f(x: float) -> str:\n    if isinstance(x, float):\n        return repr(x)\n    return str(x)\n",
        [],
    ),
    (
        "py a Sequence narrowed to a list",
        "a.py",
        "def f(xs: Sequence[int]) -> list[int]:\n"
        "    if isinstance(xs, list):\n"
        "        return xs\n"
        "    return list(xs)\n",
        [],
    ),
    (
        "py a subclass narrowed",
        "a.py",
        "def f(node: Node) -> None:\n    if isinstance(node, Call):\n        visit(node)\n",
        [],
    ),
    (
        "py a parameter given another value first",
        "a.py",
        "def f(x: str) -> str:\n    x = lookup(x)\n    if x is None:\n        return ''\n    return x\n",
        [],
    ),
    (
        "py the protocol's other",
        "a.py",
        "class V:\n"
        "    def __eq__(self, other: V) -> bool:\n"
        "        if not isinstance(other, V):\n"
        "            return NotImplemented\n"
        "        return True\n",
        [],
    ),
    (
        "py a run-time validation that raises",
        "a.py",
        "def f(flag: bool) -> None:\n"
        "    if not isinstance(flag, bool):\n"
        "        raise TypeError('flag must be a bool')\n",
        [],
    ),
    (
        "py None test on an imported name, maybe an alias",
        "a.py",
        "def f(value: JsonValue) -> None:\n    if value is None:\n        return\n",
        [],
    ),
    ("py no annotation", "a.py", "def f(x):\n    if x is None:\n        return\n", []),
    ("py a lambda's own parameter", "a.py", "def f(x: str) -> None:\n    g = lambda x: x is None\n", []),
    (
        "py isinstance after building another type",
        "a.py",
        "def f() -> None:\n    p = load()\n    if isinstance(p, Path):\n        use(p)\n",
        [],
    ),
    (
        "py a generic container tested for None",
        "a.py",
        "def f(xs: dict[str, Any]) -> None:\n    if xs is None:\n        return\n",
        [INFO],
    ),
    (
        "ts typeof on a string parameter",
        "a.ts",
        "function f(x: string): string {\n"
        "  if (typeof x !== 'string') {\n"
        "    return '';\n"
        "  }\n"
        "  return x;\n"
        "}\n",
        [INFO],
    ),
    (
        "ts typeof in an arrow function",
        "a.ts",
        'const g = (n: number): boolean => typeof n === "number";\n',
        [INFO],
    ),
    (
        "tsx typeof in a method",
        "a.tsx",
        "class C {\n  m(b: boolean) {\n    return typeof b == 'boolean' ? <i /> : null;\n  }\n}\n",
        [INFO],
    ),
    (
        "ts typeof narrowing a union",
        "a.ts",
        "function f(x: string | number): number {\n  return typeof x === 'string' ? x.length : x;\n}\n",
        [],
    ),
    (
        "ts typeof on an optional parameter",
        "a.ts",
        "function f(x?: string): string {\n  return typeof x === 'string' ? x : '';\n}\n",
        [],
    ),
    (
        "ts typeof of another kind",
        "a.ts",
        "function f(x: unknown): boolean {\n  return typeof x === 'string';\n}\n",
        [],
    ),
    (
        "ts typeof on a parameter given another value",
        "a.ts",
        "function f(x: string): void {\n  x = load();\n  if (typeof x === 'string') run(x);\n}\n",
        [],
    ),
    (
        "ts typeof on a local",
        "a.ts",
        "function f(): void {\n  const x: string = load();\n  if (typeof x === 'string') run(x);\n}\n",
        [],
    ),
    ("js typeof is not read", "a.js", "function f(x) {\n  return typeof x === 'string';\n}\n", []),
]
CASES = [
    *((name, skipped_or_focused_test, path, text, found) for name, path, text, found in FOCUSED),
    *((name, swallowed_exception, path, text, found) for name, path, text, found in SWALLOWED),
    *((name, todo_added, path, text, found) for name, path, text, found in TODOS),
    *((name, hardcoded_secret, path, text, found) for name, path, text, found in SECRETS),
    *((name, commented_out_code, path, text, found) for name, path, text, found in COMMENTED),
    *((name, test_without_assertion, path, text, found) for name, path, text, found in ASSERTIONLESS),
    *((name, suppression_added, path, text, found) for name, path, text, found in SUPPRESSIONS),
    *((name, redundant_type_guard, path, text, found) for name, path, text, found in GUARDS),
]


# debug-output's cases live with the engine's (tests/test_checks.py); here only their texts are needed.
PRINTS: list[tuple[str, str, str, list[Severity]]] = [
    (name, path, text, []) for name, module, path, text, _ in ENGINE_CASES if module is debug_output
]
WINDOWED = [
    (debug_output, PRINTS, ("print", "debugger", "trace")),
    (
        skipped_or_focused_test,
        FOCUSED,
        ("focused", "skipped", "skip", "go_skip", "java_skip", "rust_ignore", "rb_skip"),
    ),
    (swallowed_exception, SWALLOWED, ("handler", "empty", "discarded", "catch", "rescue", "modifier")),
]


@pytest.mark.parametrize(
    ("module", "cases", "names"),
    WINDOWED,
    ids=[m.ID for m, _, _ in WINDOWED],
)
def test_queries_run_around_markers_find_what_the_whole_tree_holds(
    module: ModuleType, cases: list[tuple[str, str, str, list[Severity]]], names: tuple[str, ...]
) -> None:
    """A rule runs its query only on the nodes around its markers; on every case that captures what the
    query captures over the whole tree (for the patterns every match of which holds a marker: the promise
    callback pattern matches any method, and is told `.catch` by its text), so no finding is lost."""
    for _, path, text, _ in cases:
        snapshot = added_file(path, text)
        (source,) = sources(snapshot.files, classify(snapshot))
        language, tree = source.language, source.tree
        assert language is not None
        assert tree is not None
        if language not in module.QUERIES:
            continue  # a language the rule leaves out (swallowed-exception's Rust)
        whole = captures(language, module.QUERIES[language], tree.root_node)
        offsets = positions(source.text, module.MARKERS[language])
        near = captures_around(source, module.QUERIES[language], offsets, module.ANCHORS[language])
        for name in names:
            assert [n.id for n in near.get(name, [])] == [n.id for n in whole.get(name, [])], (path, text)


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


def test_a_secret_finding_does_not_show_the_secret() -> None:
    """The message names the format, never the token (annotations are public on public repositories)."""
    (found,) = _findings(hardcoded_secret, "app.py", f'TOKEN = "{GH}"\n')
    assert GH not in found.message
    assert found.message.startswith("a GitHub token")


def test_secret_levels_are_configured_apart() -> None:
    """`in_tests: off` silences tokens in tests only; `entropy: off` the heuristic only."""
    config = hardcoded_secret.Config(in_tests="off", entropy="off")
    assert _run(hardcoded_secret, config, "tests/test_a.py", f'T = "{GH}"\n') == ()
    assert _run(hardcoded_secret, config, "app.py", f'password = "{RANDOM}"\n') == ()
    assert len(_run(hardcoded_secret, config, "app.py", f'T = "{GH}"\n')) == 1


def test_commented_out_code_is_one_finding_on_the_first_added_line_of_its_block() -> None:
    """A block of commented-out code is reported once, at the first line the pull request added to it;
    a block it did not touch is not its own."""
    text = b"# old = compute()\nrun()\n# if debug:\n#     dump(state)\n"
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    hunk = Hunk(1, 3, 1, 4, (4,), ())
    file = ChangedFile("a.py", FileStatus.MODIFIED, 1, 0, hunks=(hunk,), head=text, head_size=len(text))
    snapshot = PullRequestSnapshot(info, (file,))
    finder = commented_out_code.finder(commented_out_code.RULE.config())
    (found,) = run_check(commented_out_code.ID, Scope.ADDED, finder, snapshot, classify(snapshot))
    assert (found.line, found.end_line) == (4, 4)
    assert "2 lines" in found.message


def test_an_edited_test_without_assertion_is_reported_and_an_untouched_one_is_not() -> None:
    """`test-without-assertion` is a `touched` rule: a test whose body the pull request edits counts, even
    when its `def` line is old; a test it did not touch is not its own."""
    text = b"def test_old():\n    total([1])\n\n\ndef test_edited():\n    total([2])\n"
    info = PullRequestInfo(base_ref="main", head_ref="topic", base_sha="0" * 40, head_sha="1" * 40)
    hunk = Hunk(6, 1, 6, 1, (6,), (6,))
    file = ChangedFile(
        "tests/test_a.py", FileStatus.MODIFIED, 1, 1, hunks=(hunk,), head=text, head_size=len(text)
    )
    snapshot = PullRequestSnapshot(info, (file,))
    rule = test_without_assertion.RULE
    (found,) = rule.run(Context(snapshot, classify(snapshot)), rule.config()).findings
    assert (found.line, found.scope) == (5, Scope.TOUCHED)
    assert "test_edited" in found.message


def test_a_suppression_says_which_tool_and_what_it_silences() -> None:
    """The message names the directive, its tool and the rules it names, so the summary reads alone."""
    blanket, specific = _findings(
        suppression_added, "a.js", "// eslint-disable-next-line\nrun(); // eslint-disable-line no-undef\n"
    )
    assert blanket.message.startswith("`// eslint-disable-next-line` silences ESLint entirely")
    assert "ESLint (no-undef)" in specific.message
    assert (specific.line, specific.column) == (2, 8)


def test_specific_suppressions_can_be_turned_off_alone() -> None:
    """`specific: off` keeps blanket suppressions annotated and drops the ones that name their rules."""
    config = suppression_added.Config(specific="off")
    found = _run(suppression_added, config, "a.py", "import os  # noqa\nimport re  # noqa: F401\n")
    assert [(f.line, f.severity) for f in found] == [(1, W)]


@pytest.mark.parametrize(
    ("name", "path", "text", "manifests", "found"), GUARDED_IMPORTS, ids=[c[0] for c in GUARDED_IMPORTS]
)
def test_guarded_imports_of_required_dependencies(
    name: str, path: str, text: str, manifests: dict[str, str], found: list[Severity]
) -> None:
    """An import guarded by ImportError or try/catch is reported where the nearest manifest at the head
    requires the dependency without condition, and nowhere else."""
    snapshot = added_file(path, text)
    snapshot = replace(snapshot, repository=replace(snapshot.repository, manifests=manifests))
    rule = optional_import_of_required_dependency.RULE
    findings = rule.run(Context(snapshot, classify(snapshot)), rule.config()).findings
    assert [f.severity for f in findings] == found


def test_a_guarded_import_names_the_manifest_that_requires_it() -> None:
    """The message names the dependency and the manifest requiring it, on the import's own line."""
    snapshot = added_file("app/a.py", "try:\n    import yaml\nexcept ImportError:\n    yaml = None\n")
    snapshot = replace(
        snapshot, repository=replace(snapshot.repository, manifests={"pyproject.toml": PYPROJECT})
    )
    rule = optional_import_of_required_dependency.RULE
    (found,) = rule.run(Context(snapshot, classify(snapshot)), rule.config()).findings
    assert found.line == 2
    assert found.message.startswith("`yaml` is required by pyproject.toml")


def test_a_redundant_guard_says_what_rules_it_out() -> None:
    """The message names the parameter and the annotation the guard contradicts."""
    (found,) = _findings(
        redundant_type_guard,
        "a.py",
        "def f(x: str) -> str:\n    if x is None:\n        return ''\n    return x\n",
    )
    assert found.line == 2
    assert found.message == (
        "redundant guard: `x` is annotated `str`, which excludes None: this test is always the same"
    )


MANIFEST_CASES = [
    (
        "pyproject: markers and extras are not required",
        {
            "pyproject.toml": '[project]\ndependencies = ["Ruamel.YAML>=0.18", '
            '"tomli; python_version < \'3.11\'"]\n[project.optional-dependencies]\npg = ["psycopg"]\n'
        },
        {"ruamel-yaml"},
    ),
    (
        "poetry: optional and python-conditioned entries are not required",
        {
            "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nhttpx = "^0.27"\n'
            'rich = {version = "^13", optional = true}\ntomli = {version = "^2", python = "<3.11"}\n'
        },
        {"httpx"},
    ),
    (
        "requirements.txt: options, comments, URLs and markers left out",
        {
            "requirements.txt": "-r base.txt\n--hash=sha256:0\nattrs==23.1  # pinned\n"
            "git+https://x.dev/a.git\nuvloop; sys_platform != 'win32'\n"
        },
        {"attrs"},
    ),
    (
        "setup.cfg install_requires",
        {"setup.cfg": "[options]\ninstall_requires =\n    click>=8\n    colorama; os_name == 'nt'\n"},
        {"click"},
    ),
    ("a requirements-dev.txt is not read", {"requirements-dev.txt": "pytest\n"}, set()),
    ("a manifest that does not parse names nothing", {"pyproject.toml": "[project\n"}, set()),
]


@pytest.mark.parametrize(
    ("name", "manifests", "required"), MANIFEST_CASES, ids=[c[0] for c in MANIFEST_CASES]
)
def test_what_a_python_project_requires(name: str, manifests: dict[str, str], required: set[str]) -> None:
    """Only dependencies installed whatever the environment and extras count as required."""
    assert set(required_python(manifests, "pkg/a.py")) == required


def test_a_body_javascript_ends_before_a_spread_is_no_syntax_error() -> None:
    """`() => {…}` then a line opening with `[...a]` is two statements in JavaScript (automatic semicolon
    insertion; npm's lib/base-cmd.js does it), which tree-sitter-javascript reads as one subscript with an
    error: no finding. The same lines with a real error in them still fail."""
    valid = "const f = () => {\n  return 1\n}\n\n[...a, ...b].forEach(g)\n"
    broken = "const f = () => {\n  return 1\n}\n[...a, ...b.forEach(g)\n"
    assert _findings(syntax_error, "a.js", valid) == ()
    assert _findings(syntax_error, "a.ts", valid.replace("() =>", "(): number =>")) == ()
    assert {f.severity for f in _findings(syntax_error, "a.js", broken)} == {E}
    assert [f.severity for f in _findings(syntax_error, "a.js", "const x = f()[...a]\n")] == [E]


SYNTAX_LOOKALIKES = [
    (
        "rust 2015 try! macro (serde 1.0.152's de/impls.rs)",
        "src/de.rs",
        "fn f() -> Result<u8, E> {\n    while let Some(v) = try!(seq.next_element()) {\n        push(v);\n"
        "    }\n    Ok(1)\n}\n",
        [],
    ),
    (
        "rust a macro named str! (snapbox's, in ruff's tests)",
        "tests/formatter.rs",
        'fn t() {\n    let expected = str![[r#"\nerror: oops\n"#]];\n    check(expected);\n}\n',
        [],
    ),
    ("rust the type str is still read", "src/a.rs", "fn f(s: &str) -> &str {\n    s\n}\n", []),
    (
        "rust error beside a try! macro",
        "src/de.rs",
        "fn f() {\n    let x = try!(g());\n    let y = ;\n}\n",
        [E],
    ),
    (
        "ruby symbols of punctuation globals (rubocop's special_global_vars.rb)",
        "lib/vars.rb",
        "VARS = {\n  :$; => [:$FS],\n  :$, => [:$OFS],\n  :$' => [:$POSTMATCH],\n}\n",
        [],
    ),
    ("ruby when :$\\ and :$.", "lib/t.rb", "case var\nwhen :$_, :$/, :$\\, :$.\n  1\nend\n", []),
    (
        "ruby NUL bytes in a comment (a RubyGems stub line)",
        "digest.gemspec",
        "# stub: ext/a/extconf.rb\0ext/b/extconf.rb\n"
        "Gem::Specification.new do |s|\n  s.name = 'digest'\nend\n",
        [],
    ),
    ("ruby a real error", "lib/t.rb", "def f(x)\n  g(x))\nend\n", [E]),
    (
        "java NUL bytes in a string literal (commons-lang's ClassUtilsOssFuzzTest.java)",
        "src/test/java/FuzzTest.java",
        'class FuzzTest {\n  String input = "da~e]\0\0\0t $t ${.u";\n}\n',
        [],
    ),
    ("javascript a NUL byte in a string literal", "src/a.js", 'const s = "a\0b";\nf(s);\n', []),
    ("typescript a NUL byte in a string literal", "src/a.ts", 'const s: string = "a\0b";\n', []),
    ("java a NUL byte outside a literal", "src/A.java", "class A {\n  int\0 x;\n}\n", [E]),
    (
        "java an error beside a NUL in a literal",
        "src/A.java",
        'class A {\n  String s = "\0";\n  int x = ;\n}\n',
        [E],
    ),
    ("go refuses a NUL byte, as its grammar does", "a.go", 'package a\n\nvar s = "a\0b"\n', [E, E]),
    ("ruby a global symbol in a string is no excuse", "lib/t.rb", 'x = ":$;"\ny = (\n', [E]),
]


@pytest.mark.parametrize(
    ("name", "path", "text", "found"), SYNTAX_LOOKALIKES, ids=[c[0] for c in SYNTAX_LOOKALIKES]
)
def test_what_a_grammar_misreads_is_no_syntax_error(
    name: str, path: str, text: str, found: list[Severity]
) -> None:
    """Constructs a grammar misreads in mature code (found over Debian's crates, ruff, Ruby's standard
    library and RuboCop, every line counted as added) are no syntax error; a real error beside them
    still is."""
    assert [f.severity for f in _findings(syntax_error, path, text)] == found
