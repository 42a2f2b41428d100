"""Webhook intake: signature, the pure event-to-jobs mapping, the job contract and the queue."""
