"""Events the supervision platform publishes to the trading platform."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent


@dataclasses.dataclass(frozen=True)
class CustodyShareReleased(ExchangeEvent):
    """A regulator released the supervision platform's share of an opening key, after the freeze.

    ``share`` is the decrypted SLIP-39 share; it travels only once the bids are frozen, when the
    opening may begin.
    """

    event_type: ClassVar[str] = "supervision.custody_share.released"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    envelope: str
    opening_fingerprint: str
    share: str
    released_by: str
    released_at: str

    @property
    def aggregate_id(self) -> str:
        return self.section_code
