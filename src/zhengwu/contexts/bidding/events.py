"""Events the bidding context publishes to other deployables.

Only what is public by law travels: the freeze root at the deadline (so anyone can check that
the set of bids did not change) and the signed opening record. Never a bid's content before the
opening, never who has bid before the deadline.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent


@dataclasses.dataclass(frozen=True)
class BidsFrozen(ExchangeEvent):
    """The accepted bids of a section were frozen at its deadline into a signed Merkle root."""

    event_type: ClassVar[str] = "bidding.bids.frozen"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    deadline: str  # ISO 8601
    frozen_at: str
    leaf_count: int
    root: str  # hex
    body: str  # the signed statement, canonical JSON
    signature: str  # base64 Ed25519 by the trading platform
    key_id: str

    @property
    def aggregate_id(self) -> str:
        return self.section_code


@dataclasses.dataclass(frozen=True)
class OpeningRecorded(ExchangeEvent):
    """The opening record (开标记录) of a section was signed and published."""

    event_type: ClassVar[str] = "bidding.opening.recorded"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    project_code: str
    record: str  # canonical JSON, exactly as signed
    signature: str
    key_id: str

    @property
    def aggregate_id(self) -> str:
        return self.section_code


@dataclasses.dataclass(frozen=True)
class CustodyShareIssued(ExchangeEvent):
    """The supervision platform's share of a section's opening key, sealed to the supervision custody key.

    Only the supervision deployable can decrypt it, and it releases it only after the bids of
    the section are frozen.
    """

    event_type: ClassVar[str] = "bidding.custody_share.issued"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    envelope: str
    opening_fingerprint: str
    custodian_fingerprint: str
    blob: str  # base64 of the sealed share

    @property
    def aggregate_id(self) -> str:
        return self.section_code
