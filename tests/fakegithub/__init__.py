"""A fake GitHub (REST and GraphQL) for tests and benchmarks: stateful, paginated, limited and validated."""

from .faults import Delay, Fault
from .models import Commit, FileChange, Signature
from .recording import InvalidRequest, RequestRecord
from .server import FakeGitHub

__all__ = [
    "Commit",
    "Delay",
    "FakeGitHub",
    "Fault",
    "FileChange",
    "InvalidRequest",
    "RequestRecord",
    "Signature",
]
