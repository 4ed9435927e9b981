"""Acceptance, replacement and the freeze at once (PostgreSQL row locks): no lost bid, no double bid."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction

from tests.bidding.test_submission import DEADLINE, BidderTool, Tender, _trailer
from zhengwu.contexts.bidding.models import Bid, Freeze, Receipt
from zhengwu.contexts.bidding.services import bid_upload_chunk, bid_upload_commit, bid_upload_start, bids_freeze
from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, World, at, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.workdays.services import calendar_defaults_load


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def pg_world(transactional_db: Any, settings: Any, tmp_path: Path) -> World:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    calendar_defaults_load(by=SYSTEM)  # transactional tests flush the shipped calendar
    return world_build()


def _run_together(*targets: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(targets))
    results: list[Any] = []

    def run(target: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(target())
        except Exception as exc:  # the assertions name it
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _uploaded(bidder: BidderTool, tender: Tender, sealed: bytes) -> Any:
    digest = json.loads(_trailer(sealed))["commitment"]["digest"]
    upload = bid_upload_start(
        section=tender.section, envelope="single", size=len(sealed), digest=digest, by=bidder.actor
    )
    bid_upload_chunk(upload=upload, offset=0, data=sealed, by=bidder.actor)
    return upload


def test_two_commits_of_one_bidder_at_once_leave_exactly_one_accepted_bid(pg_world: World, tmp_path: Path) -> None:
    tender = Tender(pg_world)
    bidder = BidderTool(pg_world, "bidder1")
    uploads = [_uploaded(bidder, tender, bidder.seal(tender, tmp_path, price_fen=p)) for p in (1_000_00, 2_000_00)]
    results = _run_together(*(lambda u=u: bid_upload_commit(upload=u, by=bidder.actor) for u in uploads))
    assert all(isinstance(r, Receipt) for r in results), results
    assert sorted(Bid.objects.values_list("status", flat=True)) == ["accepted", "replaced"]


def test_a_bid_accepted_a_moment_before_the_deadline_is_in_the_freeze_that_started_meanwhile(
    pg_world: World, tmp_path: Path
) -> None:
    tender = Tender(pg_world)
    bidders = [BidderTool(pg_world, name) for name in ("bidder1", "bidder2", "bidder3")]
    uploads = [_uploaded(b, tender, b.seal(tender, tmp_path)) for b in bidders]
    for bidder, upload in zip(bidders[:2], uploads[:2], strict=True):
        bid_upload_commit(upload=upload, by=bidder.actor)
    clock_set(at(2026, 3, 24, 9, 29, 59))
    accepted, finish = threading.Event(), threading.Event()
    results: list[Any] = []

    def late_commit() -> None:
        # The acceptance is in flight — accepted at 09:29:59, not yet committed — when the freeze starts.
        try:
            with transaction.atomic():
                results.append(bid_upload_commit(upload=uploads[2], by=bidders[2].actor))
                accepted.set()
                finish.wait(timeout=10)
        except Exception as exc:
            results.append(exc)
            accepted.set()
        finally:
            connections.close_all()

    def freeze() -> None:
        try:
            results.append(bids_freeze(section=tender.section, by=SYSTEM))
        except Exception as exc:
            results.append(exc)
        finally:
            connections.close_all()

    committer = threading.Thread(target=late_commit)
    committer.start()
    assert accepted.wait(timeout=10)
    clock_set(DEADLINE)
    freezer = threading.Thread(target=freeze)
    freezer.start()
    freezer.join(timeout=1)
    assert freezer.is_alive()  # the freeze waits for the acceptance in flight
    finish.set()
    committer.join(timeout=30)
    freezer.join(timeout=30)
    assert [type(r).__name__ for r in results] == ["Receipt", "Freeze"], results
    freeze_row = Freeze.objects.get()
    assert freeze_row.leaf_count == 3
    assert str(results[0].uuid) in freeze_row.receipts
