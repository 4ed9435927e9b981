"""kernel.ids: UUIDv7 identifiers, time-ordered and unguessable."""

from __future__ import annotations

import datetime as dt
import uuid

from zhengwu.kernel.clock import clock_advance, clock_set
from zhengwu.kernel.ids import id_new

INSTANT = dt.datetime(2025, 6, 1, 8, 30, 0, 123000, tzinfo=dt.UTC)


def test_an_id_is_a_version_7_rfc_9562_uuid() -> None:
    value = id_new()
    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_the_first_48_bits_are_the_clock_in_unix_milliseconds() -> None:
    clock_set(INSTANT)
    value = id_new()
    assert value.int >> 80 == 1748766600123
    assert value.int >> 80 == int(INSTANT.timestamp() * 1000)


def test_ids_sort_by_creation_time() -> None:
    clock_set(INSTANT)
    made = []
    for _ in range(50):
        made.append(id_new())
        clock_advance(dt.timedelta(milliseconds=1))
    assert sorted(made) == made
    assert sorted(str(v) for v in made) == [str(v) for v in made]


def test_ids_made_in_the_same_millisecond_are_all_different() -> None:
    clock_set(INSTANT)
    made = {id_new() for _ in range(2000)}
    assert len(made) == 2000
    # 74 random bits: the part after the timestamp and version differs between them.
    assert len({v.int & ((1 << 76) - 1) for v in made}) == 2000
