"""A fake GitHub (REST and GraphQL) for tests and benchmarks: stateful, paginated, limited and validated."""

from .faults import Fault
from .models import Commit, FileChange, Signature
from .recording import InvalidRequest, RequestRecord
from .server import FakeGitHub

__all__ = ["Commit", "FakeGitHub", "Fault", "FileChange", "InvalidRequest", "RequestRecord", "Signature"]
