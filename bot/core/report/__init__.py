"""Renderers of a verdict: Markdown (what the App posts), the JSON contract, SARIF and the terminal."""
