"""Canonical JSON: the one byte form that is hashed and signed.

Sorted keys, no insignificant whitespace, UTF-8, and no floats (a float's text form is not
stable across languages; amounts are integers in fen, ratios are strings).
"""

from __future__ import annotations

import json
from typing import Any


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON does not allow floats")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


def canonical_dumps(value: Any) -> bytes:
    """Serialise ``value`` to canonical JSON bytes."""
    _reject_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
