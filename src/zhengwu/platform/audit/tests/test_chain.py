"""The hashed byte forms of entries and tree heads. Pure: no database."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from zhengwu.kernel.crypto import suite_get
from zhengwu.platform.audit.chain import (
    GENESIS_HASH,
    EntryContent,
    instant_text,
    json_summary_normalize,
    tree_head_payload,
)

BEIJING = dt.timezone(dt.timedelta(hours=8))


def content(**changes: object) -> EntryContent:
    fields: dict[str, object] = {
        "position": 1,
        "prev_hash": GENESIS_HASH,
        "suite": "intl",
        "created_at": dt.datetime(2025, 3, 10, 9, 2, 3, 456789, tzinfo=BEIJING),
        "actor_user_id": 42,
        "actor_username": "zhang.san",
        "actor_display_name": "张三",
        "actor_roles": ("agency", "tenderer"),
        "organisation_id": 7,
        "organisation_name": "某公司",
        "ip": "203.0.113.9",
        "action": "tendering.tender.publish",
        "object_type": "tendering.tender",
        "object_id": "T-1",
        "before": {"status": "draft"},
        "after": {"status": "published"},
    }
    fields.update(changes)
    return EntryContent(**fields)  # type: ignore[arg-type]


EXPECTED_CANONICAL = (
    '{"action":"tendering.tender.publish",'
    '"actor":{"display_name":"张三","ip":"203.0.113.9","organisation_id":7,"organisation_name":"某公司",'
    '"roles":["agency","tenderer"],"user_id":42,"username":"zhang.san"},'
    '"after":{"status":"published"},"before":{"status":"draft"},'
    '"created_at":"2025-03-10T01:02:03.456789+00:00","format":"zhengwu.audit.entry/1",'
    '"object_id":"T-1","object_type":"tendering.tender","position":1,'
    '"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","suite":"intl"}'
)


def test_entry_canonical_form_is_exactly_this_json() -> None:
    assert content().canonical() == EXPECTED_CANONICAL.encode("utf-8")


def test_entry_hash_is_the_suite_digest_of_the_canonical_form() -> None:
    expected = hashlib.sha256(EXPECTED_CANONICAL.encode("utf-8")).hexdigest()
    assert content().hash_hex(suite_get("intl")) == expected
    gm = content(suite="gm")
    assert gm.hash_hex(suite_get("gm")) == suite_get("gm").hexdigest(gm.canonical())
    assert gm.hash_hex(suite_get("gm")) != expected


def test_entry_hash_refuses_a_suite_other_than_the_one_it_names() -> None:
    with pytest.raises(ValueError, match="entry names suite 'intl' but 'gm' was given"):
        content().hash_hex(suite_get("gm"))


@pytest.mark.parametrize(
    "change",
    [
        {"position": 2},
        {"prev_hash": "1" * 64},
        {"created_at": dt.datetime(2025, 3, 10, 9, 2, 3, 456790, tzinfo=BEIJING)},
        {"actor_user_id": None},
        {"actor_roles": ("agency",)},
        {"ip": None},
        {"action": "tendering.tender.withdraw"},
        {"object_id": "T-2"},
        {"before": None},
        {"after": {"status": "draft"}},
    ],
)
def test_every_field_changes_the_hash(change: dict[str, object]) -> None:
    suite = suite_get("intl")
    assert content(**change).hash_hex(suite) != content().hash_hex(suite)


def test_instants_are_written_in_utc_with_microseconds() -> None:
    assert instant_text(dt.datetime(2025, 1, 1, 8, 0, tzinfo=BEIJING)) == "2025-01-01T00:00:00.000000+00:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        instant_text(dt.datetime(2025, 1, 1))


def test_summaries_are_normalised_to_what_the_database_returns() -> None:
    assert json_summary_normalize(None, name="before") is None
    assert json_summary_normalize({"a": (1, 2), "b": {"c": None, "d": True}}, name="after") == {
        "a": [1, 2],
        "b": {"c": None, "d": True},
    }
    assert json_summary_normalize({3: "x"}, name="after") == {"3": "x"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"price": 1.5}, "audit after is not JSON-safe"),
        ({"when": dt.date(2025, 1, 1)}, "audit after is not JSON-safe"),
        ({"a": 1, 3: "x"}, "audit after is not JSON-safe"),
        (["a"], "audit after must be a dict or None, not list"),
    ],
)
def test_summaries_that_are_not_json_safe_are_refused(value: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        json_summary_normalize(value, name="after")  # type: ignore[arg-type]


def test_tree_head_payload_is_exactly_this_json() -> None:
    payload = tree_head_payload(
        tree_size=5,
        root_hash="ab" * 32,
        created_at=dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.UTC),
        suite="intl",
        key_id="0123456789abcdef",
    )
    assert (
        payload
        == (
            '{"created_at":"2025-03-10T01:00:00.000000+00:00","format":"zhengwu.audit.tree_head/1",'
            '"key_id":"0123456789abcdef","root_hash":"' + "ab" * 32 + '","suite":"intl","tree_size":5}'
        ).encode()
    )
