"""A deployable served for real (``zhengwu --platform NAME serve``: gunicorn, as in production),
with the benchmark endpoints mounted (``ZHENGWU_BENCH_SINK=1``: ``platform/web/bench_sink.py``)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SINK_ENV = "ZHENGWU_BENCH_SINK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server_running(*, platform: str, env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """Serve ``platform`` without a task worker on a free port; yield its base URL and pid."""
    port = free_port()
    command = [sys.executable, "-m", "zhengwu.cli", "--platform", platform, "serve"]
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [*command, "--port", str(port), "--workers", str(workers), "--no-worker"],
            env={**env, SINK_ENV: "1"},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 - local
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"the server did not start; see {log}")
            time.sleep(0.2)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
