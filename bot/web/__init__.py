"""The web app: webhook route, setup page with GitHub's manifest flow, probes and metrics."""
