"""Events the experts context publishes to other deployables.

Only what may be public before the panel's result: the announcement of a draw's commitment
(``draw.announcement``). Never the pool, the excluded, the drawn or anyone's name — who sits on a
panel is secret until the result is published, and the full record travels with it later.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar

from zhengwu.platform.exchange.events import ExchangeEvent

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclasses.dataclass(frozen=True)
class DrawCommitted(ExchangeEvent):
    """A section's expert draw was committed: its commitment, published before the draw.

    The fields are exactly ``experts.draw.announcement(committed)`` (``reference`` is the
    section code); whoever later holds the full record checks it against this commitment with
    ``zhengwu experts verify-draw --commitment``.
    """

    event_type: ClassVar[str] = "experts.draw.committed"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    format: str
    suite: str
    commitment: str  # hex
    committed_at: str  # ISO 8601, Beijing time

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    @classmethod
    def from_announcement(cls, announcement: dict[str, Any]) -> DrawCommitted:
        return cls(
            section_code=announcement["reference"],
            format=announcement["format"],
            suite=announcement["suite"],
            commitment=announcement["commitment"],
            committed_at=announcement["committed_at"],
        )

    def announcement(self) -> dict[str, Any]:
        """The announcement as ``draw.announcement`` made it."""
        return {
            "format": self.format,
            "reference": self.section_code,
            "suite": self.suite,
            "commitment": self.commitment,
            "committed_at": self.committed_at,
        }

    def checked(self) -> DrawCommitted:
        """This event, once its fields are well formed; ValueError otherwise (a refused message)."""
        what = f"{self.event_type} {self.section_code}"
        if not isinstance(self.section_code, str) or not self.section_code.strip():
            raise ValueError(f"{what}: section code missing")
        if not isinstance(self.commitment, str) or not _HEX64.match(self.commitment):
            raise ValueError(f"{what}: commitment malformed")
        return self
