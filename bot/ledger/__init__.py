"""The ledger: what scopegate saw and did, in SQL (SQLite embedded, PostgreSQL in production).

Write functions take a sync `Session` and never commit: the caller owns the transaction
(`with session_factory(engine).begin() as session: ...`; from async code, via `asyncio.to_thread`).
"""
