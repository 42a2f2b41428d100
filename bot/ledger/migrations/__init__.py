"""Alembic migrations of the ledger; run them with `bot.ledger.migrate.upgrade`."""
