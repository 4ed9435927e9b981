"""Does the public notice list cost the same with a million notices as with ten thousand?

Setup (not timed): two fresh PostgreSQL databases, one with ``--small`` and one with
``--large`` generated notices (``_public_data``: realistic Chinese titles and texts, the search
terms computed as the read-model handler computes them; the large one holds the small one's
notices and more), loaded with COPY, the search index built after the load as a bulk import
would do, then VACUUM ANALYZE. Measured, in-process through Django's test client (view +
selectors + database, no HTTP server): the first page of the list, the list's API, and a
full-text search for one project's name (``MARKER_NAME``: the same 20 notices at every size),
page and API; ``--repeat`` rounds that alternate between the two databases, median reported.
Also shown, for information: a search for a common phrase (道路改造, about 6 %
of notices) and a filter matching about 4 % of notices, whose cost grows with the number of
notices they match until the count stops at its cap (``selectors.COUNT_CAP``).

The ratio large/small is the figure; the goal is ≤ 1.3 for the list, its API and
the one-project search: cost that does not grow with the data.

    .venv/bin/python bench/public_scale.py [--small 10000] [--large 1000000] [--repeat 30]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--keep]
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
    parser.add_argument("--keep", action="store_true", help="keep the databases (their names are printed) to inspect")
    args = parser.parse_args()

    base = args.database_url.rpartition("/")[0]
    token = secrets.token_hex(4)
    names = {"small": f"zw_bench_scale_{token}_s", "large": f"zw_bench_scale_{token}_l"}
    admin = base.replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["ZHENGWU_DATABASE_URL"] = f"{base}/{names['small']}"
    os.environ["ZHENGWU_VAR_DIR"] = tempfile.mkdtemp(prefix="zhengwu-bench-")
    os.environ["ZHENGWU_TASKS_IMMEDIATE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.public.settings")
    try:
        run(args, names)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept databases {names['small']} and {names['large']}")
        else:
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in names.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: argparse.Namespace, names: dict[str, str]) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from _public_data import MARKER_COUNT, notices_copy

    # The search index exactly as the migration creates it (a module name starting with a digit).
    index = importlib.import_module("zhengwu.contexts.disclosure.migrations.0008_notice_search")
    client = Client()

    def use(size: str) -> None:
        # Same process, same code, the other database: the next request connects to it.
        connection.close()
        connection.settings_dict["NAME"] = names[size]

    def load(start: int, count: int, label: str) -> float:
        began = time.perf_counter()
        connection.ensure_connection()
        with tqdm(total=count, unit="notices", desc=label, file=sys.stderr) as bar:
            with connection.cursor() as cursor:
                cursor.execute(index.DROP_SQL)
            notices_copy(connection.connection, start=start, count=count, progress=bar.update)
            with connection.cursor() as cursor:
                cursor.execute(index.INDEX_SQL)
                cursor.execute("VACUUM ANALYZE disclosure_notice")
        return time.perf_counter() - began

    for size, count in (("small", args.small), ("large", args.large)):
        use(size)
        call_command("migrate", verbosity=0, interactive=False)
        took = load(0, count, f"load {count:,}")
        print(f"{count:,} notices loaded in {took:.1f} s (search index built, analyzed)")

    def once(path: str, params: dict[str, str]) -> tuple[float, int]:
        began = time.perf_counter()
        response = client.get(path, params)
        took = time.perf_counter() - began
        assert response.status_code == 200, (path, params, response.status_code)
        rows = response.content.count(b"<tr data-notice=") if path.endswith("/") else len(response.json()["items"])
        return took, rows

    # Rounds alternate between the two databases, so that a machine running faster or slower
    # for a while weighs on both sizes alike; each round starts with untimed requests (the new
    # connection, the pages of the indexes in memory).
    times: dict[tuple[str, str], list[float]] = {}
    rows: dict[tuple[str, str], int] = {}
    for _round in range(args.repeat):
        for size in ("small", "large"):
            use(size)
            for _label, path, params, _held in CASES:
                once(path, params)
            for label, path, params, _held in CASES:
                took, found = once(path, params)
                times.setdefault((label, size), []).append(took)
                rows[(label, size)] = found

    print()
    print(f"{'request':<38} {args.small:>10,} {args.large:>12,}   ratio   rows   (median of {args.repeat})")
    worst = 0.0
    for label, _path, _params, held in CASES:
        t_small = statistics.median(times[(label, "small")])
        t_large = statistics.median(times[(label, "large")])
        ratio = t_large / t_small
        if held:
            worst = max(worst, ratio)
        note = "" if held else "  (information: grows with the matches)"
        found = f"{rows[(label, 'small')]}/{rows[(label, 'large')]}"
        print(f"{label:<38} {t_small * 1000:>8.2f}ms {t_large * 1000:>10.2f}ms   {ratio:5.2f}   {found}{note}")
    assert rows[("search one project (page)", "large")] == min(MARKER_COUNT, 20)
    assert rows[("search one project (page)", "small")] == rows[("search one project (page)", "large")]
    verdict = "meets" if worst <= GOAL else "MISSES"
    print(f"\nworst ratio of the held requests: {worst:.2f} ({verdict} the goal ≤ {GOAL})")


if __name__ == "__main__":
    main()
