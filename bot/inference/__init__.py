"""The LLM review's I/O edges around the pure `bot.llm`: provider SDK calls, the Redis budget and the
circuit breaker."""
