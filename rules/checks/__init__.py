"""The tree-sitter pre-review checks (DESIGN §5), one module per rule, configured under `checks:`."""
