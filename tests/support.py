"""Helpers for tests that run deployables as real processes against their own databases."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

PG_ADMIN_DSN = os.environ.get("ZHENGWU_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_query(database_url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` on another deployable's database (as the tests' superuser) and return its rows."""
    with psycopg.connect(database_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        cursor = conn.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description is not None else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """Create a fresh PostgreSQL database for one test and drop it afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def zhengwu(platform: str, *args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run ``zhengwu --platform PLATFORM ARGS`` to completion and return its result."""
    return subprocess.run(
        [sys.executable, "-m", "zhengwu.cli", "--platform", platform, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def base_env(*, database_url: str, var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    env.update(
        ZHENGWU_DATABASE_URL=database_url,
        ZHENGWU_VAR_DIR=str(var_dir),
        ZHENGWU_SECRET_KEY="test-" + secrets.token_hex(16),
        ZHENGWU_TASKS_IMMEDIATE="1",
        ZHENGWU_DEMO_APPRAISAL_QUARTERS="0",
        ZHENGWU_DEMO_CENTER_RECORDS="0",
    )
    env.update(extra)
    return env


def wait_http(url: str, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local test server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s: {last}")


@contextmanager
def served(platform: str, *, env: dict[str, str], port: int | None = None) -> Iterator[str]:
    """Serve one deployable with gunicorn on a free port; yield its base URL."""
    port = port or free_port()
    log = Path(env["ZHENGWU_VAR_DIR"]) / f"serve-{platform}-{port}.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zhengwu.cli",
                "--platform",
                platform,
                "serve",
                "--port",
                str(port),
                "--workers",
                "1",
                "--no-worker",
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def http_get(url: str) -> tuple[int, str]:
    """GET ``url`` and return (status, body) without raising for error statuses."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local test server
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")
