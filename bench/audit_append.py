"""What the hash chain costs: audit entries appended per second, against plain inserts.

Baseline: the same number of rows of the same size inserted one per transaction into a plain
table with no chain (no head lock, no hashing). The ratio is the price of tamper evidence.

    .venv/bin/python bench/audit_append.py [--database-url postgres://postgres@127.0.0.1:5432/x]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import bench_setup

args = bench_setup(__doc__ or "")

from django.db import connection, transaction  # noqa: E402

from zhengwu.kernel.actor import Actor  # noqa: E402
from zhengwu.platform.audit.services import audit_append, audit_verify  # noqa: E402

ACTOR = Actor(user_id=1, username="bench", display_name="基准", roles=frozenset({"centre_staff"}), ip="127.0.0.1")
AFTER = {"name": "云南某建设工程有限公司", "status": "verified", "roles": ["bidder"]}

with connection.cursor() as cursor:
    cursor.execute(
        "CREATE TABLE bench_plain (id integer PRIMARY KEY, created_at varchar(40), actor varchar(150),"
        " action varchar(100), object_id varchar(200), after text, hash varchar(64))"
    )


def plain(n: int, offset: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_plain VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    offset + i,
                    "2026-11-28T00:00:00+00:00",
                    "bench",
                    "bench.thing.change",
                    str(i),
                    json.dumps(AFTER, ensure_ascii=False),
                    "0" * 64,
                ],
            )
    return time.perf_counter() - start


def chained(n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        audit_append(actor=ACTOR, action="bench.thing.change", object_type="bench.thing", object_id=str(i), after=AFTER)
    return time.perf_counter() - start


best_plain = min(plain(args.n, r * args.n) for r in range(args.repeat))
best_chain = min(chained(args.n) for _ in range(args.repeat))
start = time.perf_counter()
result = audit_verify()
verify_seconds = time.perf_counter() - start
assert result.ok, result

print(f"database: {connection.vendor}; n={args.n}, best of {args.repeat}")
print(f"plain insert baseline: {args.n / best_plain:10.0f} rows/s")
print(f"audit_append:          {args.n / best_chain:10.0f} entries/s")
print(f"ratio (audit / plain time): {best_chain / best_plain:.2f}x")
print(
    f"audit verify: {result.entries_checked} entries in {verify_seconds:.2f}s "
    f"({result.entries_checked / verify_seconds:.0f} entries/s)"
)
