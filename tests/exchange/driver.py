"""Publish identity's ``MarketSubjectChanged`` events from a deployable, as a separate process.

Used by the cross-process tests: ``python -m tests.exchange.driver --first 1000 --count 10
--versions 5`` with the trading deployable's environment. Each event is published in its own
transaction, the way a service would; subjects are interleaved so that the order per subject
is what the exchange must keep, not the order of the outbox.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char


def uscc_make(n: int) -> str:
    """A valid unified social credit code for test subject ``n``."""
    body = f"{n:08d}"
    first17 = f"91530100{body}{uscc_org_check_char(body)}"
    return first17 + uscc_check_char(first17)


def status_of(n: int, version: int, versions: int, suspend_every: int) -> str:
    if version == 1:
        return "pending"
    if version == versions and suspend_every and n % suspend_every == 0:
        return "suspended"
    return "verified"


def plan(*, first: int, count: int, versions: int, suspend_every: int = 0) -> list[MarketSubjectChanged]:
    """The events, in publishing order: version 1 of every subject, then version 2, …"""
    return [
        MarketSubjectChanged(
            uscc=uscc_make(n),
            name=f"Subject {n} v{version}",
            status=status_of(n, version, versions, suspend_every),
            market_roles=["bidder"] if n % 2 else ["tenderer", "agency"],
            region_code="530100",
            version=version,
            changed_at=f"2026-03-02T08:00:{version % 60:02d}+08:00",
        )
        for version in range(1, versions + 1)
        for n in range(first, first + count)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--versions", type=int, required=True)
    parser.add_argument("--suspend-every", type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.deploy.trading.settings")
    import django

    django.setup()
    from django.db import transaction

    from zhengwu.platform.exchange.services import outbox_publish

    published = 0
    for event in plan(first=args.first, count=args.count, versions=args.versions, suspend_every=args.suspend_every):
        with transaction.atomic():
            outbox_publish(event=event)
        published += 1
    json.dump({"published": published}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
