"""The committee's compliance decision on a bid from its members' marks (pure, no ORM).

The law has the committee decide (招标条例 第五十一条 lists the grounds, not the vote); this
platform takes the decision by majority of the whole committee, the usual rule of committee
work (少数服从多数): a bid is rejected when more than ``REJECT_SHARE`` of the members mark it
non-compliant. With an even committee a tie keeps the bid (strictly more than half is needed).
The decision's reason is the reason most rejecting members gave (ties: the order of
``DisqualificationReason``), with the first note given for it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from zhengwu.contexts.evaluation.rules import Disqualification, DisqualificationReason

REJECT_SHARE = Fraction(1, 2)


@dataclass(frozen=True)
class Mark:
    compliant: bool
    reason: str = ""
    note: str = ""


def compliance_decide(
    *, marks: Sequence[Mark], members: int, reject_share: Fraction = REJECT_SHARE
) -> Disqualification | None:
    """The committee's verdict on one bid: a ``Disqualification`` or None (compliant)."""
    against = [m for m in marks if not m.compliant]
    if members <= 0 or Fraction(len(against), members) <= reject_share:
        return None
    counts = Counter(m.reason for m in against)
    order = list(DisqualificationReason)
    reason = max(counts, key=lambda r: (counts[r], -order.index(DisqualificationReason(r))))
    note = next((m.note for m in against if m.reason == reason and m.note.strip()), "")
    return Disqualification(reason, note)
