"""Events the disclosure context publishes: the records it reports to the higher-level platform.

They go to the ``upward`` destination, whose transport (``upward.transport``) speaks the national
data standard's push protocol rather than the exchange's; the relay gives them its retries,
back-off, dead letters and order per tender project all the same.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent


@dataclasses.dataclass(frozen=True)
class UpwardRecordQueued(ExchangeEvent):
    """A version of a record of a national dataset, queued for the higher-level platform.

    ``fields`` are the dataset's fields in order (``[[name, value], …]``); the envelope's TITLE and
    its platform fields (PLATFORM_CODE …) are added when it is sent. ``stream`` is the tender
    project: its records reach the higher level in the order they were produced, parents first.
    """

    event_type: ClassVar[str] = "disclosure.upward.record"
    aggregate_type: ClassVar[str] = "disclosure.upward"

    stream: str
    data_no: int
    data_key: str
    data_type: int  # 1 新增, 2 修改, 3 删除
    version: int
    data_timestamp: str  # yyyyMMddHHmmss
    fields: list[list[str]]

    @property
    def aggregate_id(self) -> str:
        return self.stream
