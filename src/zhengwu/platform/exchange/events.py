"""The base of every event that crosses deployables.

A context declares its events in its own ``events.py`` as frozen dataclasses deriving from
``ExchangeEvent``. Fields must be JSON-safe (str, int, bool, None, lists and dicts of them):
amounts are integer fen, instants are ISO 8601 strings. An event is a fact that happened,
named in the past tense by its ``event_type``; its ``aggregate_id`` orders it among the other
events of the same thing.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Self


@dataclasses.dataclass(frozen=True)
class ExchangeEvent:
    event_type: ClassVar[str]
    aggregate_type: ClassVar[str]

    @property
    def aggregate_id(self) -> str:
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in names})
