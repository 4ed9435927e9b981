"""Identifiers.

Public identifiers are time-ordered UUIDs (version 7 layout, RFC 9562) so that they sort by
creation and index well, and carry 74 random bits from the operating system's CSPRNG so that
they cannot be guessed.
"""

from __future__ import annotations

import os
import uuid

from zhengwu.kernel.clock import clock_now


def id_new() -> uuid.UUID:
    """Return a new UUIDv7: 48-bit Unix milliseconds, version, variant, random bits."""
    millis = int(clock_now().timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68 & 0xFFF
    rand_b = rand & ((1 << 62) - 1)
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)
