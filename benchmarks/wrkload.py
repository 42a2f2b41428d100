"""Debian's `wrk` as an independent closed-loop load generator: the same pre-built requests, sent by C.

`wrk` has no way to sign a body, so the requests (signed deliveries, each with its own delivery id) are
built here and handed to its Lua script in a file; each thread of `wrk` sends them in turn. A run that
sends more requests than the file holds starts over (duplicates, answered 200): `repeated` says so.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Reads the file of requests (each one preceded by its length in bytes and a newline) in every thread,
# hands them out one after the other, and prints what the benchmark reads back once done.
_SCRIPT = r"""
local requests, next = {}, 0
init = function(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  local at = 1
  while at <= #data do
    local newline = data:find("\n", at, true)
    local size = tonumber(data:sub(at, newline - 1))
    requests[#requests + 1] = data:sub(newline + 1, newline + size)
    at = newline + size + 1
  end
end
request = function()
  next = next % #requests + 1
  return requests[next]
end
done = function(summary, latency, _)
  io.write(string.format("scopegate-wrk %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
"""
_RESULT = re.compile(r"^scopegate-wrk (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class WrkLoad:
    """What one `wrk` run measured."""

    requests: int
    seconds: float
    not_2xx: int  # answers with a status of 400 or more, as wrk counts them
    socket_errors: int  # connect, read, write errors and timeouts
    p50_ms: float
    p99_ms: float
    cpu_seconds: float  # wrk's own CPU
    repeated: int  # requests sent again once the file ran out

    @property
    def throughput(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds


def wrk_path() -> str | None:
    """Where `wrk` is, or None when it is not installed."""
    return shutil.which("wrk")


def run_wrk(
    wrk: str, port: int, requests: list[bytes], *, connections: int, seconds: int, threads: int = 1
) -> WrkLoad:
    """Send `requests` (raw HTTP/1.1, keep-alive) to 127.0.0.1:`port` for `seconds` over `connections`."""
    with tempfile.TemporaryDirectory() as folder:
        script, data = Path(folder) / "requests.lua", Path(folder) / "requests.bin"
        script.write_text(_SCRIPT)
        with data.open("wb") as out:
            for request in requests:
                out.write(b"%d\n" % len(request))
                out.write(request)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [
                wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}/",
                "--",
                str(data),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = _RESULT.search(done.stdout)
    if found is None:
        raise RuntimeError(f"wrk printed no result: {done.stdout}{done.stderr}")
    sent, micros, not_2xx, socket_errors, timeouts, p50, p99 = (int(part) for part in found.groups())
    return WrkLoad(
        sent,
        micros / 1e6,
        not_2xx,
        socket_errors + timeouts,
        p50 / 1000,
        p99 / 1000,
        (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        max(0, sent - len(requests)),
    )
