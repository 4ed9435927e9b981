"""kernel.canonical: the one byte form that is hashed and signed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhengwu.kernel.canonical import canonical_dumps


def test_keys_are_sorted_at_every_level_without_whitespace() -> None:
    value = {"b": 1, "a": {"z": [3, 2, {"y": True, "x": None}], "c": "d"}}
    assert canonical_dumps(value) == b'{"a":{"c":"d","z":[3,2,{"x":null,"y":true}]},"b":1}'


def test_text_is_utf8_not_ascii_escapes() -> None:
    assert canonical_dumps({"名称": "昆明"}) == '{"名称":"昆明"}'.encode()
    assert canonical_dumps("元") == b'"\xe5\x85\x83"'


def test_insertion_order_does_not_change_the_bytes() -> None:
    assert canonical_dumps({"a": 1, "b": 2}) == canonical_dumps({"b": 2, "a": 1})


@pytest.mark.parametrize("value", [1.5, {"amount": 0.1}, [1, [2, 3.0]], {"a": {"b": [{"c": 1e3}]}}, (1.0,)])
def test_floats_are_refused_wherever_they_hide(value: Any) -> None:
    with pytest.raises(TypeError, match="floats"):
        canonical_dumps(value)


def test_integers_and_booleans_are_fine() -> None:
    assert canonical_dumps({"fen": 123456789012345, "ok": False}) == b'{"fen":123456789012345,"ok":false}'


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_canonical_bytes_parse_back_to_the_same_value_and_are_stable(value: Any) -> None:
    data = canonical_dumps(value)
    assert json.loads(data.decode("utf-8")) == value
    assert canonical_dumps(json.loads(data)) == data
