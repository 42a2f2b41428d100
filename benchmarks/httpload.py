"""HTTP/1.1 load generators for loopback benchmarks: keep-alive connections, pre-built requests; closed-loop
(each connection sends its next request once answered) or open-loop (requests arrive as a Poisson process at
a set rate, and each one's latency counts from when it was due, so a server that falls behind is not
flattered by a generator that waits for it).

httpx tops out near 430 requests/s on a 2-core machine against a server that answers instantly, under the
rates being measured; this sends bytes built in advance and reads the replies with a bare asyncio protocol
on uvloop (tens of thousands a second), in processes of its own so the server never shares their GIL.
Processes are forked, not spawned: a spawned child re-imports the benchmark and the app (~2 s each).
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import random
import socket
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any, cast

import uvloop

# Every request gets this long; a bench that stalls beyond it fails rather than hangs.
REPLY_TIMEOUT_SECONDS = 30.0
START_TIMEOUT_SECONDS = 60.0

# Builds the requests of indices [start, stop) for a port: (index, the request's bytes) each.
RequestMaker = Callable[[int, int, int], list[tuple[int, bytes]]]


@dataclass(frozen=True, slots=True)
class Load:
    """What a run measured: per request its index, status and latency; when it began and ended (monotonic)."""

    indices: list[int]
    statuses: list[int]
    latencies: list[float]
    began: float
    ended: float
    cpu_seconds: float = 0.0  # the generator processes' own CPU while they drove the load

    @property
    def throughput(self) -> float:
        """Requests answered per second over the run."""
        return len(self.latencies) / (self.ended - self.began)

    def percentile_ms(self, percent: float) -> float:
        """The latency below which `percent` % of the requests were answered, in milliseconds."""
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[round(percent * 10) - 1] * 1000


class _Client(asyncio.Protocol):
    """One keep-alive connection: write a request, resolve `reply` with the status once the body is in."""

    def __init__(self) -> None:
        """A client not yet connected."""
        self.buffer = bytearray()
        self.reply: asyncio.Future[int] | None = None

    def data_received(self, data: bytes) -> None:
        """Complete the pending reply once its head and its Content-Length bytes of body have arrived."""
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        _, found, rest = head.partition(b"\r\ncontent-length:")
        if not found:
            self._fail(RuntimeError(f"a reply without Content-Length: {head[:200]!r}"))
            return
        total = end + 4 + int(rest.partition(b"\r\n")[0])
        if len(self.buffer) < total:
            return
        del self.buffer[:total]
        if self.reply is not None and not self.reply.done():
            self.reply.set_result(int(head[9:12]))

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail the pending reply: the server closed the connection."""
        self._fail(ConnectionError(f"connection closed: {exc}"))

    def _fail(self, error: Exception) -> None:
        """Fail the pending reply, if one is still waiting."""
        if self.reply is not None and not self.reply.done():
            self.reply.set_exception(error)


async def _drive(port: int, requests: list[tuple[int, bytes]], concurrency: int, start: Barrier) -> Load:
    """Open `concurrency` connections, wait at `start`, then send every request, one at a time on each."""
    loop = asyncio.get_running_loop()
    connections = [await loop.create_connection(_Client, "127.0.0.1", port) for _ in range(concurrency)]
    pending: Iterator[tuple[int, bytes]] = iter(requests)  # shared: each connection takes the next one
    indices: list[int] = []
    statuses: list[int] = []
    latencies: list[float] = []

    async def run(transport: asyncio.BaseTransport, client: _Client) -> None:
        """Send requests on one connection until none is left."""
        writer = cast(asyncio.WriteTransport, transport)
        for index, request in pending:
            client.reply = loop.create_future()
            sent = time.perf_counter()
            writer.write(request)
            status = await asyncio.wait_for(client.reply, REPLY_TIMEOUT_SECONDS)
            latencies.append(time.perf_counter() - sent)
            statuses.append(status)
            indices.append(index)
        transport.close()

    await asyncio.to_thread(start.wait, START_TIMEOUT_SECONDS)
    began, cpu = time.monotonic(), time.process_time()
    await asyncio.gather(*(run(transport, client) for transport, client in connections))
    return Load(indices, statuses, latencies, began, time.monotonic(), time.process_time() - cpu)


async def _drive_open(
    port: int, requests: list[tuple[int, bytes]], concurrency: int, start: Barrier, rate: float
) -> Load:
    """Send `requests` at Poisson arrival times of mean `rate` per second over `concurrency` connections:
    each request goes out when due on an idle connection (or waits for one), and its latency counts from
    when it was due."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[tuple[asyncio.WriteTransport, _Client]] = asyncio.Queue()
    for _ in range(concurrency):
        transport, client = await loop.create_connection(_Client, "127.0.0.1", port)
        idle.put_nowait((cast(asyncio.WriteTransport, transport), client))
    arrivals = random.Random(port)  # the schedule is the same for every phase of a run
    indices: list[int] = []
    statuses: list[int] = []
    latencies: list[float] = []

    async def send(index: int, request: bytes, due: float) -> None:
        """Send one request on the next idle connection; record it once answered."""
        writer, client = await idle.get()
        client.reply = loop.create_future()
        writer.write(request)
        status = await asyncio.wait_for(client.reply, REPLY_TIMEOUT_SECONDS)
        latencies.append(time.perf_counter() - due)
        statuses.append(status)
        indices.append(index)
        idle.put_nowait((writer, client))

    await asyncio.to_thread(start.wait, START_TIMEOUT_SECONDS)
    began, cpu = time.monotonic(), time.process_time()
    due = time.perf_counter()
    sending = []
    for index, request in requests:
        due += arrivals.expovariate(rate)
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        sending.append(asyncio.ensure_future(send(index, request, due)))
    await asyncio.gather(*sending)
    for _ in range(concurrency):
        writer, _client = idle.get_nowait()
        writer.close()
    return Load(indices, statuses, latencies, began, time.monotonic(), time.process_time() - cpu)


@dataclass(frozen=True, slots=True)
class _Share:
    """One generator process's part of a run: requests [first, stop) to `port` over `concurrency`."""

    port: int
    first: int
    stop: int
    concurrency: int
    rate: float | None  # per second, open-loop; None: closed-loop


def _generator(make: RequestMaker, share: _Share, start: Barrier, out: Connection) -> None:
    """A generator process: build its requests, then drive them and send back what it measured."""
    requests = make(share.port, share.first, share.stop)
    if share.rate is None:
        load = uvloop.run(_drive(share.port, requests, share.concurrency, start))
    else:
        load = uvloop.run(_drive_open(share.port, requests, share.concurrency, start, share.rate))
    out.send(load)
    out.close()


def run_load(
    make: RequestMaker,
    port: int,
    count: int,
    concurrency: int,
    processes: int,
    *,
    rate: float | None = None,
) -> Load:
    """Send `count` requests built by `make` over `concurrency` connections split across `processes`:
    closed-loop, or open-loop at `rate` requests per second in all."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(processes)
    shares = [
        _Share(port, first, stop, high - low, None if rate is None else rate / processes)
        for (first, stop), (low, high) in zip(
            _split(count, processes), _split(concurrency, processes), strict=True
        )
    ]
    pipes = [context.Pipe(duplex=False) for _ in range(processes)]
    children = [
        context.Process(target=_generator, args=(make, share, start, sender), daemon=True)
        for share, (_, sender) in zip(shares, pipes, strict=True)
    ]
    for child in children:
        child.start()
    try:
        results = [
            receiver.recv() if receiver.poll(START_TIMEOUT_SECONDS * 2) else None for receiver, _ in pipes
        ]
    finally:
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
    loads = [result for result in results if isinstance(result, Load)]
    if len(loads) < processes:
        raise RuntimeError("a load generator process did not report back")
    return Load(
        [index for load in loads for index in load.indices],
        [status for load in loads for status in load.statuses],
        [latency for load in loads for latency in load.latencies],
        min(load.began for load in loads),
        max(load.ended for load in loads),
        sum(load.cpu_seconds for load in loads),
    )


def _split(count: int, parts: int) -> list[tuple[int, int]]:
    """`range(count)` cut into `parts` consecutive spans as even as can be."""
    bounds = [count * i // parts for i in range(parts + 1)]
    return list(itertools.pairwise(bounds))


def get_request(path: str, port: int) -> bytes:
    """A bodiless keep-alive GET."""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: scopegate-bench\r\n\r\n".encode()


def post_request(path: str, port: int, headers: Sequence[tuple[str, str]], body: bytes) -> bytes:
    """A keep-alive POST of `body` with `headers` besides Host and Content-Length."""
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(frozen=True, slots=True)
class Served:
    """Server processes listening on a loopback port."""

    port: int
    pids: tuple[int, ...]

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server processes have used so far, from /proc (Linux)."""
        return sum(process_cpu_seconds(pid) for pid in self.pids)


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process `pid` has used so far, from /proc/<pid>/stat (Linux)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # the fields after the command name, which may itself hold spaces and parentheses
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serving(
    target: Callable[..., None], *args: Any, ready_path: str = "/", processes: int = 1
) -> Iterator[Served]:
    """Run `target(listener, *args)` in `processes` new processes on one free loopback port, until GET
    `ready_path` answers 200; stop them (SIGTERM, then SIGKILL) after the block."""
    # A listener each, bound with SO_REUSEPORT: the kernel then spreads connections over the processes,
    # where one shared listener lets whichever accepts first take every keep-alive connection.
    listeners = [_listener(0)]
    port: int = listeners[0].getsockname()[1]
    listeners += [_listener(port) for _ in range(processes - 1)]
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=target, args=(sock, *args), daemon=True) for sock in listeners]
    for child in children:
        child.start()
    try:
        _wait_ready(port, ready_path, children)
        yield Served(port, tuple(child.pid for child in children if child.pid is not None))
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join(10)
            if child.is_alive():
                child.kill()
                child.join()
        for sock in listeners:
            sock.close()


def _listener(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:`port` (0: a free one) that other listeners may share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1024)
    return sock


def _wait_ready(port: int, path: str, children: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """Poll GET `path` until it answers 200; RuntimeError when a process dies or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        for child in children:
            if not child.is_alive():
                raise RuntimeError(f"a server process exited with {child.exitcode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0) as probe:
                probe.sendall(get_request(path, port).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
                if probe.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(
        f"the server on port {port} did not answer GET {path} within {START_TIMEOUT_SECONDS} s"
    )


_CANNED = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"


class _Canned(asyncio.Protocol):
    """Answers every bodiless request with the same 200, as fast as Python can: the generator's ceiling."""

    def __init__(self) -> None:
        """A connection not yet made."""
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to answer on."""
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass it

    def data_received(self, data: bytes) -> None:
        """One canned reply per complete request head."""
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            del self.buffer[: end + 4]
            if self.transport is not None:
                self.transport.write(_CANNED)


def serve_canned(listener: socket.socket) -> None:
    """Serve canned 200s on `listener` until terminated (a `serving` target)."""

    async def forever() -> None:
        """Accept connections until the process ends."""
        server = await asyncio.get_running_loop().create_server(_Canned, sock=listener)
        await server.serve_forever()

    uvloop.run(forever())
