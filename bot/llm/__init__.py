"""The LLM review's pure parts: usage buckets, prices, token estimates and prompt packing (no I/O)."""
