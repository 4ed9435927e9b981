"""The audit log's one event: a signed tree head, sent to the public platform to be published.

Publishing every platform's heads in one place that the operator of a platform does not
control alone is what makes a rewritten log detectable by anyone who kept an older head.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent


@dataclasses.dataclass(frozen=True)
class TreeHeadSealed(ExchangeEvent):
    """A platform signed a tree head over its first ``tree_size`` audit entries."""

    event_type: ClassVar[str] = "audit.tree_head.sealed"
    aggregate_type: ClassVar[str] = "audit.log"

    platform: str  # the deployable whose log this is (standalone, trading, supervision…)
    tree_size: int
    root_hash: str
    created_at: str  # ``chain.instant_text``: the exact text the signature covers
    suite: str
    key_id: str
    public_key: str  # base64 Ed25519 public key
    signature: str  # base64, over ``chain.tree_head_payload``

    @property
    def aggregate_id(self) -> str:
        return self.platform
