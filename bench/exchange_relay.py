"""What delivery costs: events relayed per second in the standalone deployable.

Each event is published to the outbox (two destinations: public and supervision), then the
relay signs, verifies, records it in the idempotent inbox and applies the handlers. Baseline:
the same number of plain single-row inserts, one transaction each, measured in the same run.

    .venv/bin/python bench/exchange_relay.py [-n 500] [--database-url postgres://…/x]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _django import bench_setup

args = bench_setup(__doc__ or "")

from django.db import connection, transaction  # noqa: E402

from zhengwu.contexts.identity.events import MarketSubjectChanged  # noqa: E402
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char  # noqa: E402
from zhengwu.platform.exchange.relay import relay_run_once  # noqa: E402
from zhengwu.platform.exchange.services import outbox_publish  # noqa: E402

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_plain (id integer PRIMARY KEY, body text)")


def uscc_make(n: int) -> str:
    body = f"{n:08d}"
    first17 = f"91530100{body}{uscc_org_check_char(body)}"
    return first17 + uscc_check_char(first17)


def plain(n: int, offset: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_plain VALUES (%s, %s)", [offset + i, "x" * 300])
    return time.perf_counter() - start


def publish_and_relay(n: int, offset: int) -> tuple[float, float, int]:
    start = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            outbox_publish(
                event=MarketSubjectChanged(
                    uscc=uscc_make(offset + i),
                    name=f"基准企业{offset + i}",
                    status="verified",
                    market_roles=["bidder"],
                    region_code="530100",
                    version=1,
                    changed_at="2026-11-28T10:00:00+08:00",
                )
            )
    published = time.perf_counter()
    delivered = 0
    while True:
        report = relay_run_once(limit=1000)
        delivered += report.delivered
        if report.attempted == 0:
            break
    return published - start, time.perf_counter() - published, delivered


best_plain = min(plain(args.n, r * args.n) for r in range(args.repeat))
runs = [publish_and_relay(args.n, (r + 1) * 100_000) for r in range(args.repeat)]
best_publish = min(r[0] for r in runs)
best_relay = min(r[1] for r in runs)
deliveries = runs[0][2]
assert deliveries == 2 * args.n, deliveries

print(f"database: {connection.vendor}; n={args.n} events, {deliveries} deliveries per run, best of {args.repeat}")
print(f"plain insert baseline: {args.n / best_plain:10.0f} rows/s")
print(f"outbox_publish:        {args.n / best_publish:10.0f} events/s   ratio {best_publish / best_plain:.2f}x")
print(
    f"relay (sign, verify, inbox, handler): {deliveries / best_relay:10.0f} deliveries/s   "
    f"ratio per delivery {best_relay / deliveries / (best_plain / args.n):.2f}x"
)
