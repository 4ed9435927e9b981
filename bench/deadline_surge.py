"""The deadline surge: N bidders upload their sealed bids at once to a running trading server.

Setup (not timed): a fresh PostgreSQL database, a published sealed-bid section, ``--bidders``
bidder organisations (user, registered keys, API token) and one sealed bid of ``--size-mb`` MiB
per bidder (see ``_surge_setup``). Then the real server: ``zhengwu --platform trading serve``
(gunicorn, ``--workers`` processes of 4 threads, as in production; ``--no-worker``: nothing on
the upload path needs the task worker), started with ``ZHENGWU_BENCH_SINK=1`` so that it also
mounts a body sink (``platform/web/bench_sink.py``) behind the same stack.

Baseline: every bidder, ``--concurrency`` at a time, sends the same requests with the same bytes
to the sink — a JSON POST, its file in ``--chunk-mb`` raw ``application/octet-stream`` PUTs, an
empty POST — authenticated with its token; the sink reads each body and drops it. Measured: the
real upload (start → chunks → commit) through the bid tool's API client, ending with a signed
receipt. Throughput is accepted bytes (receipts returned) over the wall time from the first
request to the last answer; time-to-receipt is per bidder, from its first request to its receipt.
The ratio measured/baseline has a goal of ≥ 0.7. Every receipt is checked with the platform's
published key against the bidder's file, and the database must hold exactly N accepted bids.

Also printed: the CPU seconds of the server's processes, of the database's backends and of this
client in each run, and server + database CPU per GiB. On a machine shared with other work the
wall-time ratio moves with the others' load; the CPU per GiB moves much less, and its ratio is
what the throughput ratio tends to when the cores are the limit (as on a 2-core machine).

    .venv/bin/python bench/deadline_surge.py [--bidders 200] [--size-mb 20] [--concurrency N]
        [--chunk-mb 4] [--workers 2] [--dir /tmp] [--keep]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import server_running as bench_server
from _surge_setup import PG_ADMIN_DSN, Surge, SurgeBidder, database_drop, progress_line, surge_prepare
from zhengwu.contexts.bidding.tool import SUBMIT_CHUNK_SIZE, ApiClient, ToolError, receipt_check

GOAL = 0.7


@dataclass
class Outcome:
    started: float
    ended: float
    accepted: int  # bytes the server acknowledged as accepted (a receipt's size; the sink's count)
    steps: dict[str, float]
    receipt: dict[str, Any] | None = None
    error: str = ""


@dataclass
class Phase:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    server_cpu: float = 0.0
    database_cpu: float = 0.0
    client_cpu: float = 0.0
    machine_busy: float = 0.0  # share of all cores busy during the phase (every process on the machine)

    @property
    def ok(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.error]

    @property
    def wall(self) -> float:
        return max(o.ended for o in self.outcomes) - min(o.started for o in self.outcomes)

    @property
    def accepted(self) -> int:
        return sum(o.accepted for o in self.ok)

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful bidders' time-to-receipt."""
        times = sorted(o.ended - o.started for o in self.ok)
        return times[max(0, math.ceil(p / 100 * len(times)) - 1)] if times else float("nan")


# --- the server ----------------------------------------------------------------------------------


@contextmanager
def server_running(surge: Surge, *, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """``zhengwu --platform trading serve`` with the sink mounted; yields its base URL and pid."""
    with bench_server(platform="trading", env=surge.env, workers=workers, log=log) as running:
        yield running


def _process_cpu() -> tuple[dict[int, float], dict[int, list[int]]]:
    """CPU seconds (user + system) of every process, and each process's children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    times: dict[int, float] = {}
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    return times, children


def _cpu_snapshot(server_pid: int, database_url: str) -> tuple[float, dict[int, float]]:
    """CPU seconds of the server's process tree, and of each PostgreSQL backend serving the database."""
    times, children = _process_cpu()
    server, todo = 0.0, [server_pid]
    while todo:
        current = todo.pop()
        server += times.get(current, 0.0)
        todo.extend(children.get(current, []))
    with psycopg.connect(database_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        backends = [int(row[0]) for row in conn.execute(sql).fetchall()]
    return server, {pid: times[pid] for pid in backends if pid in times}


def _machine_times() -> tuple[float, float]:
    """(busy, total) jiffies of all cores, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))


# --- the clients ---------------------------------------------------------------------------------


def _client(base: str, token: str, api: str | None = None) -> ApiClient:
    client = ApiClient(base, token, timeout=600)
    if api is not None:
        client.base = base + api  # the same client, pointed at the sink's router
    return client


def _start(bidder: SurgeBidder) -> dict[str, Any]:
    return {"envelope": "single", "size": bidder.info.total_size, "digest": bidder.info.commitment.digest}


class _Steps(dict[str, float]):
    """Seconds a bidder spent waiting for each kind of request: start, chunks, commit."""

    def call(self, kind: str, client: ApiClient, method: str, path: str, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return client.call(method, path, **kwargs)
        finally:
            self[kind] = self.get(kind, 0.0) + time.perf_counter() - began


def upload_real(bidder: SurgeBidder, *, base: str, section: str, chunk: int) -> Outcome:
    """start → chunks → commit, as ``zhengwu bid submit`` does (without its retries: a failure counts)."""
    client = _client(base, bidder.token)
    size = bidder.info.total_size
    steps = _Steps()
    started = time.perf_counter()
    try:
        path = f"/sections/{urllib.parse.quote(section)}/uploads"
        upload = steps.call("start", client, "POST", path, payload=_start(bidder))
        offset = 0
        with open(bidder.sealed, "rb") as stream:
            while offset < size:
                data = stream.read(chunk)
                path = f"/uploads/{upload['id']}/chunks"
                answer = steps.call("chunks", client, "PUT", path, data=data, query={"offset": offset})
                if int(answer["received"]) != offset + len(data):
                    raise ToolError(f"received {answer['received']}, expected {offset + len(data)}")
                offset += len(data)
        receipt = steps.call("commit", client, "POST", f"/uploads/{upload['id']}/commit")
    except ToolError as exc:
        return Outcome(started, time.perf_counter(), 0, steps, error=str(exc))
    return Outcome(started, time.perf_counter(), size, steps, receipt=receipt)


def upload_sink(bidder: SurgeBidder, *, base: str, section: str, chunk: int) -> Outcome:
    """The same requests with the same bodies, to the sink; counts the bytes it acknowledged."""
    client = _client(base, bidder.token, api="/trading/api/bench")
    size = bidder.info.total_size
    steps = _Steps()
    started = time.perf_counter()
    received = 0
    try:
        steps.call("start", client, "POST", "/sink", payload=_start(bidder))
        offset = 0
        with open(bidder.sealed, "rb") as stream:
            while offset < size:
                data = stream.read(chunk)
                answer = steps.call("chunks", client, "PUT", "/sink", data=data, query={"offset": offset})
                received += int(answer["received"])
                offset += len(data)
        steps.call("commit", client, "POST", "/sink")
    except ToolError as exc:
        return Outcome(started, time.perf_counter(), 0, steps, error=str(exc))
    return Outcome(started, time.perf_counter(), received, steps)


def phase_run(
    name: str, action: Callable[..., Outcome], surge: Surge, *, base: str, server_pid: int, chunk: int, concurrency: int
) -> Phase:
    """Run ``action`` for every bidder, ``concurrency`` at a time; outcomes in the bidders' order."""
    phase = Phase(name)
    (server0, backends0), client0 = _cpu_snapshot(server_pid, surge.database_url), time.process_time()
    busy0, total0 = _machine_times()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(action, b, base=base, section=surge.section_code, chunk=chunk) for b in surge.bidders]
        for done, _ in enumerate(as_completed(futures), 1):
            progress_line(name, done, len(futures), started)
        phase.outcomes = [f.result() for f in futures]
    busy1, total1 = _machine_times()
    server1, backends1 = _cpu_snapshot(server_pid, surge.database_url)
    phase.server_cpu = server1 - server0
    # Approximate: a backend that closed during the phase (connections live 60 s) is not counted.
    phase.database_cpu = sum(cpu - backends0.get(pid, 0.0) for pid, cpu in backends1.items())
    phase.client_cpu = time.process_time() - client0
    phase.machine_busy = (busy1 - busy0) / max(1.0, total1 - total0)
    return phase


def warm_up(surge: Surge, base: str) -> None:
    """Every gunicorn thread imports its code and connects to the database before anything is timed."""

    def ping(bidder: SurgeBidder) -> None:
        _client(base, bidder.token, api="/trading/api/bench").call("POST", "/sink", data=b"x")
        _client(base, bidder.token).call("GET", "/bids/mine")

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(ping, surge.bidders[:32]))


# --- checks and report ---------------------------------------------------------------------------


def receipts_check(surge: Surge, measured: Phase) -> tuple[int, int]:
    """Check every receipt with the platform's key against its bidder's file; the DB must hold exactly these bids.

    Returns the receipts checked and the accepted bids in the database (equal, or AssertionError).
    """
    from zhengwu.contexts.bidding.models import Bid
    from zhengwu.platform.signing import signing_key_get

    platform_key = signing_key_get().public  # what ``zhengwu --platform trading keys`` publishes
    named: set[str] = set()
    for bidder, outcome in zip(surge.bidders, measured.outcomes, strict=True):
        if outcome.receipt is not None:
            receipt_check(receipt=outcome.receipt, platform_key=platform_key, info=bidder.info)
            named.add(str(outcome.receipt["bid"]))
    stored = {
        str(u)
        for u in Bid.objects.filter(section_code=surge.section_code, status="accepted").values_list("uuid", flat=True)
    }
    if stored != named:
        raise AssertionError(f"the database holds {len(stored)} accepted bids, the receipts name {len(named)}")
    return len(named), len(stored)


def phase_print(phase: Phase) -> None:
    mib = phase.accepted / (1 << 20)
    print(
        f"{phase.name:<9} {mib:8,.0f} MiB accepted by {len(phase.ok)}/{len(phase.outcomes)} bidders "
        f"in {phase.wall:6.1f} s = {mib / phase.wall:6.1f} MiB/s; time-to-receipt "
        f"p50 {phase.percentile(50):5.1f} s, p99 {phase.percentile(99):5.1f} s; "
        f"CPU s: server {phase.server_cpu:.1f}, database {phase.database_cpu:.1f}, client {phase.client_cpu:.1f}; "
        f"machine busy {phase.machine_busy:.0%}"
    )
    waited = {kind: sum(o.steps.get(kind, 0.0) for o in phase.outcomes) for kind in ("start", "chunks", "commit")}
    total = sum(waited.values()) or 1.0
    print(
        "          bidders' waiting time by request: "
        + ", ".join(f"{kind} {seconds:,.0f} s ({seconds / total:.0%})" for kind, seconds in waited.items())
    )
    errors = sorted({o.error for o in phase.outcomes if o.error})
    for error in errors[:5]:
        print(f"          failure: {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bidders", type=int, default=200)
    parser.add_argument("--size-mb", type=int, default=20, help="plaintext MiB per bid")
    parser.add_argument("--concurrency", type=int, default=0, help="bidders uploading at once (default: all)")
    parser.add_argument("--chunk-mb", type=int, default=SUBMIT_CHUNK_SIZE >> 20, help="chunk MiB (the tool's: 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of 4 threads (production: 2)")
    parser.add_argument("--dir", default=None, help="where the sealed files and the server's files go")
    parser.add_argument("--pg-admin", default=PG_ADMIN_DSN, help="PostgreSQL URL to create the database with")
    parser.add_argument("--keep", action="store_true", help="keep the files and the database")
    args = parser.parse_args()
    concurrency = args.concurrency or args.bidders
    chunk = args.chunk_mb << 20

    work = Path(tempfile.mkdtemp(prefix="zw-bench-surge-", dir=args.dir))
    database: list[str] = []
    try:
        load = os.getloadavg()
        surge = surge_prepare(
            work=work, bidders=args.bidders, size_mb=args.size_mb, admin_dsn=args.pg_admin, on_database=database.append
        )
        from django.db import connections

        connections.close_all()  # the server gets the database to itself
        with server_running(surge, workers=args.workers, log=work / "server.log") as (base, pid):
            warm_up(surge, base)
            load = max(load, os.getloadavg())
            run = {"base": base, "server_pid": pid, "chunk": chunk, "concurrency": concurrency}
            baseline = phase_run("baseline", upload_sink, surge, **run)
            measured = phase_run("measured", upload_real, surge, **run)
            load = max(load, os.getloadavg())
        receipts, stored = receipts_check(surge, measured)
        connections.close_all()

        sealed_mib = sum(b.info.total_size for b in surge.bidders) / (1 << 20)
        print(
            f"deadline surge: {args.bidders} bidders × {args.size_mb} MiB sealed bids ({sealed_mib:,.0f} MiB), "
            f"{concurrency} at once, {args.chunk_mb} MiB chunks; gunicorn {args.workers} workers × 4 threads; "
            f"{os.cpu_count()} cores, load average up to {load[0]:.2f}"
        )
        phase_print(baseline)
        phase_print(measured)
        print(f"receipts verified with the platform key: {receipts}; accepted bids in the database: {stored}")
        if not (baseline.accepted and measured.accepted):
            print("nothing accepted in one of the runs: no ratio")
            return 1
        per_gib = [(p.server_cpu + p.database_cpu) / max(1, p.accepted) * (1 << 30) for p in (baseline, measured)]
        print(
            f"server + database CPU per GiB accepted: baseline {per_gib[0]:.1f} s, measured {per_gib[1]:.1f} s "
            f"(CPU-cost ratio {per_gib[0] / per_gib[1]:.2f}: what the ratio tends to when the cores are the limit)"
        )
        ratio = (measured.accepted / measured.wall) / (baseline.accepted / baseline.wall)
        verdict = "met" if ratio >= GOAL else "NOT met"
        print(f"ratio measured/baseline: {ratio:.2f} (goal ≥ {GOAL}: {verdict})")
        if len(measured.ok) != args.bidders or len(baseline.ok) != args.bidders:
            return 1
        return 0
    finally:
        if args.keep:
            print(f"kept: {work} and database {database[0] if database else '(none)'}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
            if database:
                from django.db import connections

                connections.close_all()
                database_drop(args.pg_admin, database[0])


if __name__ == "__main__":
    sys.exit(main())
