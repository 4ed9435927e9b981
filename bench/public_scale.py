"""Does the public notice list cost the same with a million notices as with ten thousand?

Setup (not timed): a fresh PostgreSQL database with ``--small`` generated notices
(``_public_data``: realistic Chinese titles and texts, the search terms computed as the
read-model handler computes them), loaded with COPY. Measured, in-process through Django's
test client (view + selectors + database, no HTTP server): the first page of the list, the
list's API, the list filtered by trade type and district, and a full-text search for one
project's name (``MARKER_NAME``: the same 20 notices at every size), each ``--repeat`` times,
median reported. Then the table grows to ``--large`` notices (search index dropped during the
load and rebuilt after, as a bulk import would do; ANALYZE after) and the same requests are
measured again. Also shown, for information: a search for a common phrase (道路改造, about 6 %
of notices) and a filter matching about 4 % of notices, whose cost grows with the number of
notices they match until the count stops at its cap (``selectors.COUNT_CAP``).

The ratio large/small is the figure; the goal is ≤ 1.3 for the list, its API and
the one-project search: cost that does not grow with the data.

    .venv/bin/python bench/public_scale.py [--small 10000] [--large 1000000] [--repeat 30]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import importlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

GOAL = 1.3
CASES: list[tuple[str, str, dict[str, str], bool]] = [
    ("list page", "/notices/", {}, True),
    ("list API", "/api/disclosure/notices", {}, True),
    ("filtered page (procurement, 呈贡区)", "/notices/", {"trade_type": "procurement", "region": "530114"}, False),
    ("search one project (page)", "/notices/", {"q": "滇池东岸湿地生态修复工程"}, True),
    ("search one project (API)", "/api/disclosure/notices", {"q": "滇池东岸湿地生态修复工程"}, True),
    ("search a common phrase (page)", "/notices/", {"q": "道路改造"}, False),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    base = args.database_url.rpartition("/")[0]
    name = f"zw_bench_scale_{secrets.token_hex(4)}"
    admin = base.replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["ZHENGWU_DATABASE_URL"] = f"{base}/{name}"
    os.environ["ZHENGWU_VAR_DIR"] = tempfile.mkdtemp(prefix="zhengwu-bench-")
    os.environ["ZHENGWU_TASKS_IMMEDIATE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.public.settings")
    try:
        run(args)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from _public_data import MARKER_COUNT, notices_copy

    # The search index exactly as the migration creates it (a module name starting with a digit).
    index = importlib.import_module("zhengwu.contexts.disclosure.migrations.0008_notice_search")

    call_command("migrate", verbosity=0, interactive=False)
    client = Client()

    def load(start: int, count: int, label: str) -> float:
        began = time.perf_counter()
        connection.ensure_connection()
        with tqdm(total=count, unit="notices", desc=label, file=sys.stderr) as bar:
            with connection.cursor() as cursor:
                cursor.execute(index.DROP_SQL)
            notices_copy(connection.connection, start=start, count=count, progress=bar.update)
            with connection.cursor() as cursor:
                cursor.execute(index.INDEX_SQL)
                cursor.execute("ANALYZE disclosure_notice")
        return time.perf_counter() - began

    def measure(path: str, params: dict[str, str]) -> tuple[float, int]:
        for _ in range(3):  # warm: templates compiled, the pages of the index in memory
            client.get(path, params)
        times = []
        found = 0
        for _ in range(args.repeat):
            began = time.perf_counter()
            response = client.get(path, params)
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, (path, params, response.status_code)
            found = response.content.count(b"<tr data-notice=") if path.endswith("/") else len(response.json()["items"])
        return statistics.median(times), found

    def measure_all() -> dict[str, tuple[float, int]]:
        return {label: measure(path, params) for label, path, params, _ in CASES}

    loaded = load(0, args.small, f"load {args.small:,}")
    print(f"loaded {args.small:,} notices in {loaded:.1f} s")
    small = measure_all()
    grown = load(args.small, args.large - args.small, f"grow to {args.large:,}")
    print(f"grew to {args.large:,} notices in {grown:.1f} s (search index rebuilt, analyzed)")
    large = measure_all()

    print()
    print(f"{'request':<38} {args.small:>10,} {args.large:>12,}   ratio   rows")
    worst = 0.0
    for label, _path, _params, held in CASES:
        (t_small, n_small), (t_large, n_large) = small[label], large[label]
        ratio = t_large / t_small
        if held:
            worst = max(worst, ratio)
        note = "" if held else "  (information: grows with the matches)"
        print(
            f"{label:<38} {t_small * 1000:>8.2f}ms {t_large * 1000:>10.2f}ms   {ratio:5.2f}   {n_small}/{n_large}{note}"
        )
    one_project = large["search one project (page)"][1]
    assert one_project == min(MARKER_COUNT, 20), one_project
    verdict = "meets" if worst <= GOAL else "MISSES"
    print(f"\nworst ratio of the held requests: {worst:.2f} ({verdict} the goal ≤ {GOAL})")


if __name__ == "__main__":
    main()
