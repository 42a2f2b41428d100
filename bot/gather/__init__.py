"""The two snapshot gatherers: a local git repository (the CLI) and GitHub's API (the App)."""
