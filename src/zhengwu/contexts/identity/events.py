"""Events the identity context publishes to other deployables."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent


@dataclasses.dataclass(frozen=True)
class MarketSubjectChanged(ExchangeEvent):
    """A registered market subject (tenderer, agency, bidder) was registered or changed.

    The public platform lists verified subjects; the supervision platform keeps its register
    of market subjects from these events, never from the trading platform's tables.
    """

    event_type: ClassVar[str] = "identity.market_subject.changed"
    aggregate_type: ClassVar[str] = "identity.organisation"

    uscc: str
    name: str
    status: str  # pending | verified | rejected | suspended
    market_roles: list[str]
    region_code: str
    version: int  # the organisation's version after the change; 1 for the registration
    changed_at: str  # ISO 8601, server time

    @property
    def aggregate_id(self) -> str:
        return self.uscc
