"""The ledger: what scopegate saw and did, in SQL (SQLite embedded, PostgreSQL in production).

Write functions take a sync `Session` and never commit: the caller owns the transaction
(`with session_factory(engine).begin() as session: ...`; from async code, via `asyncio.to_thread`).
"""

from bot.ledger.credentials import current_app_credentials, save_app_credentials
from bot.ledger.engine import create_engine_for, default_database_url, ping, session_factory
from bot.ledger.evaluations import (
    EvaluationRecord,
    find_evaluation,
    pull_request_evaluations,
    record_evaluation,
)
from bot.ledger.installations import record_installation
from bot.ledger.migrate import current_revision, head_revision, schema_drift, upgrade, upgrade_engine
from bot.ledger.overrides import OverrideRecord, pull_request_overrides, record_override

__all__ = [
    "EvaluationRecord",
    "OverrideRecord",
    "create_engine_for",
    "current_app_credentials",
    "current_revision",
    "default_database_url",
    "find_evaluation",
    "head_revision",
    "ping",
    "pull_request_evaluations",
    "pull_request_overrides",
    "record_evaluation",
    "record_installation",
    "record_override",
    "save_app_credentials",
    "schema_drift",
    "session_factory",
    "upgrade",
    "upgrade_engine",
]
