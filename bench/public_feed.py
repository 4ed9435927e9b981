"""The public platform under concurrent load: the notice list and the OCDS release feed,
against a trivial JSON endpoint on the same server stack.

Setup (not timed): a fresh PostgreSQL database with ``--notices`` generated notices
(``_public_data``) and the OCDS releases of ``--processes`` generated tenders (each a tender
notice, its bid freeze and opening record, candidates, award and contract, applied through the
public platform's own event handlers, so the feed holds what the real one would). Then the real
server: ``zhengwu --platform public serve`` (gunicorn, ``--workers`` processes of 4 threads, as
in production), with ``ZHENGWU_BENCH_SINK=1`` so that it also mounts ``/api/bench/ping``, a
trivial JSON answer behind the same middleware and API layer, touching no database.

Load: ``wrk`` (installed from Debian's packages if missing), ``--connections`` keep-alive
connections for ``--seconds`` per URL. Measured: requests/s of the notice list page, the notice
list API, the first page of ``/api/ocds/releases`` and a page deep in it (followed through
``links.next``, page 6 by default), each as a ratio of the ping's requests/s measured in the same run. Every URL
is checked to answer 200 with what it should hold before it is loaded.

    .venv/bin/python bench/public_feed.py [--notices 10000] [--processes 200] [--workers 2]
        [--connections 16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import server_running


def wrk_path() -> str:
    """The wrk binary, installed from Debian's packages when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install wrk)…", file=sys.stderr)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "wrk"], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    )
    return shutil.which("wrk") or "wrk"


def load(url: str, *, wrk: str, connections: int, seconds: int) -> float:
    """Requests/s that wrk measured on ``url`` (non-2xx answers make the run fail)."""
    out = subprocess.run(
        [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    match = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    if match is None:
        raise RuntimeError(out)
    return float(match[1])


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local
        assert response.status == 200, (url, response.status)
        return bytes(response.read())


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Migrate and fill the database in this process (the server runs in others)."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from _public_data import notices_copy
    from _public_feed_data import processes_publish

    call_command("migrate", verbosity=0, interactive=False)
    connection.ensure_connection()
    notices_copy(connection.connection, start=0, count=args.notices)
    processes_publish(count=args.processes)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    wrk = wrk_path()

    base_url = args.database_url.rpartition("/")[0]
    name = f"zw_bench_feed_{secrets.token_hex(4)}"
    admin = base_url.replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    var_dir = tempfile.mkdtemp(prefix="zhengwu-bench-")
    env = {
        **os.environ,
        "ZHENGWU_DATABASE_URL": f"{base_url}/{name}",
        "ZHENGWU_VAR_DIR": var_dir,
        "ZHENGWU_TASKS_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "zhengwu.deploy.public.settings",
        "ZHENGWU_SECRET_KEY": secrets.token_urlsafe(32),
        "ZHENGWU_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ZHENGWU_LOG_LEVEL": "WARNING",
    }
    try:
        began = time.perf_counter()
        # Prepared as the standalone deployable (see ``_public_feed_data``), served as the public one.
        standalone = {**env, "DJANGO_SETTINGS_MODULE": "zhengwu.deploy.standalone.settings"}
        subprocess.run([sys.executable, __file__, "--prepare-only", json.dumps(vars(args))], env=standalone, check=True)
        took = time.perf_counter() - began
        print(f"prepared {args.notices:,} notices and {args.processes:,} tenders' releases in {took:.1f} s")
        with server_running(platform="public", env=env, workers=args.workers, log=Path(var_dir) / "server.log") as (
            base,
            _pid,
        ):
            feed = json.loads(fetch(base + "/api/ocds/releases"))
            deep_url, deep = base + "/api/ocds/releases", feed
            for _ in range(5):  # as deep as page 6, or the last page
                if "next" not in deep.get("links", {}):
                    break
                deep_url = deep["links"]["next"]
                deep = json.loads(fetch(deep_url))
            notices = fetch(base + "/notices/")
            assert notices.count(b"<tr data-notice=") == 20
            assert len(feed["releases"]) > 0
            assert "next" in feed["links"]
            urls = {
                "ping (baseline)": base + "/api/bench/ping",
                "notice list page": base + "/notices/",
                "notice list API": base + "/api/disclosure/notices",
                "OCDS releases, first page": base + "/api/ocds/releases",
                "OCDS releases, a deep page": deep_url,
            }
            rates = {
                label: load(url, wrk=wrk, connections=args.connections, seconds=args.seconds)
                for label, url in urls.items()
            }
        baseline = rates["ping (baseline)"]
        print(f"\n{'URL':<30} {'requests/s':>11}   ratio to ping")
        for label, rate in rates.items():
            print(f"{label:<30} {rate:>11.1f}   {rate / baseline:6.3f}")
        print(
            f"\n{args.workers} gunicorn workers × 4 threads, {args.connections} connections,"
            f" {args.seconds} s per URL, wrk"
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--prepare-only":
        prepare(argparse.Namespace(**json.loads(sys.argv[2])), dict(os.environ))
    else:
        main()
