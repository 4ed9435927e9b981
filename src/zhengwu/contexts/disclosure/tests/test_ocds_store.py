"""The releases written with the read models: one per event, merged into the section's record, idempotent,
never blocking an event, and never touching the network."""

from __future__ import annotations

import datetime as dt
import io
import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from zhengwu.contexts.disclosure.models import Notice, OcdsRecord, OcdsRelease
from zhengwu.contexts.disclosure.ocds import store as ocds_store
from zhengwu.contexts.disclosure.ocds.check import versioned_release
from zhengwu.contexts.disclosure.tests import ocds_events as ev
from zhengwu.kernel.clock import clock_reset, clock_set

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 9, 15, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock(settings: Any) -> Iterator[None]:
    settings.ZHENGWU_OCDS_PREFIX = ev.PREFIX
    clock_set(NOW)
    yield
    clock_reset()


def _releases() -> list[tuple[str, str, list[str]]]:
    return [(r.ocid, r.release_id, r.tags) for r in OcdsRelease.objects.order_by("seq")]


def test_the_whole_way_is_one_release_per_event_compiled_into_the_current_state() -> None:
    ev.apply(*ev.whole_way())

    assert _releases() == [
        (ev.OCID, f"notice-{ev.NOTICE_ID}", ["tender"]),
        (ev.OCID, "freeze", ["tenderUpdate"]),
        (ev.OCID, "opening-1", ["tenderUpdate"]),
        (ev.OCID, "expert-draw-commitment", ["tenderUpdate"]),
        (ev.OCID, "candidates", ["tenderUpdate", "award"]),
        (ev.OCID, "award", ["award"]),
        (ev.OCID, "contract", ["contract"]),
    ]
    assert list(OcdsRelease.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6, 7]
    assert not OcdsRelease.objects.filter(valid=False).exists()
    record = OcdsRecord.objects.get(ocid=ev.OCID)
    assert (record.release_count, record.valid, record.errors) == (7, True, [])
    assert record.last_date == dt.datetime(2026, 9, 14, 7, 0, tzinfo=dt.UTC)

    compiled = record.compiled
    assert (compiled["tag"], compiled["date"]) == (["compiled"], "2026-09-14T15:00:00+08:00")
    assert compiled["tender"]["status"] == "complete"
    assert compiled["tender"]["title"] == "滇池路提升改造工程"  # from the notice, kept by the merge
    # The current bid statuses, with the tenderers and prices the opening gave.
    assert {
        d["tenderers"][0]["name"]: (d["status"], d.get("value", {}).get("amount")) for d in compiled["bids"]["details"]
    } == {
        ev.FIRST: ("valid", 36_125_800),
        ev.WINNER: ("valid", 35_783_600.12),
        ev.REJECTED: ("disqualified", 34_980_000),
        ev.BIDDERS[3][0]: ("withdrawn", None),
    }
    assert {s["measure"]: s["value"] for s in compiled["bids"]["statistics"]} == {
        "bids": 4,
        "bidders": 4,
        "electronicBids": 4,
        "validBids": 2,
        "disqualifiedBidders": 1,
        "lowestValidBidValue": 35_783_600.12,
    }
    assert [(a["id"], a["status"]) for a in compiled["awards"]] == [
        (f"award-{ev.FIRST_USCC}", "unsuccessful"),
        (f"award-{ev.WINNER_USCC}", "active"),
    ]
    # Roles are whole lists in a merge: the award and the contract re-sent the winner's full list.
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert roles == {
        ev.TENDERER: ["buyer"],
        ev.AGENCY: ["procuringEntity"],
        ev.FIRST: ["tenderer"],
        ev.WINNER: ["tenderer", "supplier"],
        ev.REJECTED: ["tenderer"],
        ev.BIDDERS[3][0]: ["tenderer"],
    }
    assert compiled["contracts"][0]["awardID"] == f"award-{ev.WINNER_USCC}"
    # The tender period: opened by the notice, closed at the deadline the freeze confirmed.
    assert compiled["tender"]["tenderPeriod"] == {
        "startDate": "2026-08-03T09:00:00+08:00",
        "endDate": "2026-08-25T09:30:00+08:00",
    }


def test_the_versioned_release_keeps_each_bids_status_history() -> None:
    ev.apply(*ev.whole_way())
    versioned = versioned_release([r.data for r in OcdsRelease.objects.filter(ocid=ev.OCID).order_by("seq")])
    rejected = next(b for b in versioned["bids"]["details"] if b["id"] == f"bid-{ev.BIDDERS[2][1]}")
    assert [(v["releaseID"], v["value"]) for v in rejected["status"]] == [
        ("opening-1", "pending"),
        ("candidates", "disqualified"),
    ]
    winner = next(p for p in versioned["parties"] if p["id"] == f"CN-USCC-{ev.WINNER_USCC}")
    assert [v["value"] for v in winner["roles"]] == [["tenderer"], ["tenderer", "supplier"]]


def test_a_redelivered_event_adds_no_release_and_changes_no_record() -> None:
    ev.apply(*ev.whole_way())
    before = (_releases(), list(OcdsRecord.objects.values("ocid", "compiled", "release_count")))
    ev.apply(*ev.whole_way())
    ev.apply(ev.candidates(), ev.notice())
    assert (_releases(), list(OcdsRecord.objects.values("ocid", "compiled", "release_count"))) == before


def test_a_failed_section_makes_the_tender_unsuccessful() -> None:
    ev.apply(ev.notice(), ev.failed())
    record = OcdsRecord.objects.get(ocid=ev.OCID)
    assert record.compiled["tender"]["status"] == "unsuccessful"
    assert record.compiled["tender"]["documents"][-1]["description"].startswith("提交投标文件的投标人少于3个")


def test_land_trades_get_no_release(settings: Any) -> None:
    land = ev.notice(trade_type="land", procedure="land.listing", section_codes=["L1"], opening_keys=[])
    ev.apply(land, ev.failed(section_code="L1"))
    assert Notice.objects.filter(section_codes__icontains='"L1"').exists()
    assert not OcdsRelease.objects.exists()


def test_an_invalid_release_is_kept_unpublished_and_the_event_still_lands(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    mapped = ocds_store.notice_releases

    def broken(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        releases = mapped(*args, **kwargs)
        for release in releases:
            release["tender"]["status"] = "opened"
        return releases

    monkeypatch.setattr(ocds_store, "notice_releases", broken)
    with caplog.at_level(logging.ERROR, logger="zhengwu.contexts.disclosure.ocds.store"):
        ev.apply(ev.notice())

    assert Notice.objects.filter(notice_id=ev.NOTICE_ID).exists()
    (stored,) = OcdsRelease.objects.all()
    assert (stored.valid, stored.release_id) == (False, f"notice-{ev.NOTICE_ID}")
    assert any(e.startswith("tender/status: 'opened' is not one of") for e in stored.errors)
    assert not OcdsRecord.objects.exists()
    assert "does not validate and is not published" in caplog.text
    # The operators' check fails on it.
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("ocds", "validate", "--no-progress", stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert f"release {ev.OCID}/notice-{ev.NOTICE_ID}: tender/status" in err.getvalue()


def test_a_failing_mapping_is_logged_and_the_event_still_lands(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def failing(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        raise KeyError("bug")

    monkeypatch.setattr(ocds_store, "notice_releases", failing)
    with caplog.at_level(logging.ERROR, logger="zhengwu.contexts.disclosure.ocds.store"):
        ev.apply(ev.notice())
    assert Notice.objects.filter(notice_id=ev.NOTICE_ID).exists()
    assert not OcdsRelease.objects.exists()
    assert "no OCDS release for tendering.notice.published" in caplog.text


def test_writing_merging_and_validating_never_touch_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    ev.apply(*ev.whole_way())
    assert OcdsRelease.objects.filter(valid=True).count() == 7
    assert versioned_release([r.data for r in OcdsRelease.objects.all()])["ocid"] == ev.OCID


def test_the_validate_command_counts_what_it_checked() -> None:
    ev.apply(*ev.whole_way())
    out = io.StringIO()
    call_command("ocds", "validate", "--no-progress", stdout=out)
    assert out.getvalue().strip() == "7 of 7 releases and 1 of 1 records valid"
