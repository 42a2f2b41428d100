"""The tree-sitter engine of the pre-review checks: grammars, parse cache, queries, scopes, suppression."""
