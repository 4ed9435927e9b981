"""Writes to the exchange. (Interface fixed; implementation in progress.)"""

from __future__ import annotations

from typing import Any

from zhengwu.platform.exchange.events import ExchangeEvent


def outbox_publish(*, event: ExchangeEvent) -> Any:
    """Record ``event`` in the outbox, inside the caller's transaction, for every route.

    The relay delivers it after commit; if the transaction rolls back, nothing is sent.
    """
    raise NotImplementedError("outbox_publish is being implemented")
