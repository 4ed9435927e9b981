"""Events the evaluation context publishes: each step after the report, for the public and supervision platforms.

Amounts are integer fen, instants ISO 8601 in Beijing time, scores decimal strings. What each
event may carry follows who may know it then (ebidding-rules §6): the candidates, their prices
and scores and the committee's names become public with the candidate publicity (the panel is
secret until the result is published, so it travels first here, with the draw's full record for
``zhengwu experts verify-draw``); the written report goes to the supervision platform only.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

from zhengwu.platform.exchange.events import ExchangeEvent


def _required_text(event: ExchangeEvent, **values: Any) -> None:
    what = f"{event.event_type} {getattr(event, 'section_code', '')}"
    for name, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{what}: {name} missing")


def _fen(event: ExchangeEvent, name: str, value: Any, *, signed: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or (value < 0 and not signed):
        raise ValueError(f"{event.event_type}: {name} is not an amount in fen")


@dataclasses.dataclass(frozen=True)
class CandidatesPublished(ExchangeEvent):
    """The winning candidates of a section are published (中标候选人公示), with the committee and the draw.

    ``candidates``: ``[{"rank": 1, "bidder": name, "uscc": code, "price_fen": int,
    "score": "92.50" | None}]`` in rank order. ``committee``: ``[{"name": str, "leader": bool}]``.
    ``rejected``: ``[{"bidder": name, "reason": code, "reason_label": text}]`` — bids rejected in
    the review, with the reason (招标条例 第五十四条 requires none of this, but Chinese centres
    publish it; it is the committee's finding, not a secret). ``draw_record``: the draw's full
    record, or None when the panel was not drawn here. ``ends_at`` is the last instant of the
    publicity; objections to the result are filed until then.
    """

    event_type: ClassVar[str] = "evaluation.candidates.published"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    project_code: str
    section_name: str
    method: str  # the method kind (evaluation.rules.MethodKind)
    outcome: str
    starts_at: str
    ends_at: str
    candidates: list[dict[str, Any]]
    rejected: list[dict[str, Any]]
    committee: list[dict[str, Any]]
    result_digest: str
    draw_record: dict[str, Any] | None = None

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    def checked(self) -> CandidatesPublished:
        """This event, once its fields are well formed; ValueError otherwise (a refused message)."""
        _required_text(self, section_code=self.section_code, starts_at=self.starts_at, ends_at=self.ends_at)
        if not isinstance(self.candidates, list) or not self.candidates:
            raise ValueError(f"{self.event_type} {self.section_code}: no candidates")
        for row in self.candidates:
            if not isinstance(row, dict) or not isinstance(row.get("rank"), int):
                raise ValueError(f"{self.event_type} {self.section_code}: candidate malformed")
            _fen(self, "price_fen", row.get("price_fen"))
        if not isinstance(self.committee, list) or not isinstance(self.rejected, list):
            raise ValueError(f"{self.event_type} {self.section_code}: committee or rejected malformed")
        return self


@dataclasses.dataclass(frozen=True)
class AwardDecided(ExchangeEvent):
    """The tenderer decided the winner (定标) and issued the award notice (中标通知书): the result notice.

    ``passed_over``: candidates ranked above the winner who were not chosen, each with the
    recorded reason (``[{"rank": int, "bidder": name, "reason": code, "reason_label": text}]``).
    ``savings_fen`` = ``budget_fen`` − ``price_fen`` (预算金额 − 中标金额; negative if over budget).
    """

    event_type: ClassVar[str] = "evaluation.award.decided"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    project_code: str
    section_name: str
    bidder: str
    uscc: str
    rank: int
    price_fen: int
    budget_fen: int
    savings_fen: int
    notice_number: str
    decided_at: str
    passed_over: list[dict[str, Any]]
    contract_due: str  # the last day (ISO date); 招标投标法 第四十六条: within 30 days of the notice
    report_due: str  # the last day (ISO date), "" when none; 第四十七条: the written report within 15 days

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    def checked(self) -> AwardDecided:
        _required_text(self, section_code=self.section_code, bidder=self.bidder, decided_at=self.decided_at)
        _fen(self, "price_fen", self.price_fen)
        _fen(self, "budget_fen", self.budget_fen)
        _fen(self, "savings_fen", self.savings_fen, signed=True)
        if self.savings_fen != self.budget_fen - self.price_fen:
            raise ValueError(f"{self.event_type} {self.section_code}: savings do not add up")
        return self


@dataclasses.dataclass(frozen=True)
class ContractRegistered(ExchangeEvent):
    """The contract with the winner was signed and registered (合同备案/公开), with its key terms.

    ``late``: registered more than 30 days after the award notice (招标投标法 第四十六条) — recorded,
    not refused: the contract exists and must be on the record. ``security_return_due``: the day by
    which every bid security is returned with interest (招标条例 第五十七条: 5 days after signing).
    """

    event_type: ClassVar[str] = "evaluation.contract.registered"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    project_code: str
    section_name: str
    contract_number: str
    supplier: str
    supplier_uscc: str
    subject: str  # 合同标的
    amount_fen: int  # 合同价款
    quality: str  # 质量要求
    term: str  # 履行期限
    signed_on: str  # ISO date
    registered_at: str
    late: bool
    security_return_due: str  # the last day (ISO date)

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    def checked(self) -> ContractRegistered:
        _required_text(self, section_code=self.section_code, contract_number=self.contract_number)
        _fen(self, "amount_fen", self.amount_fen)
        return self


@dataclasses.dataclass(frozen=True)
class WrittenReportSubmitted(ExchangeEvent):
    """The tenderer's written report on the tender (招标投标情况书面报告) reached the supervision platform.

    招标投标法 第四十七条: within 15 days of deciding the winner, to the supervising department.
    ``late`` says whether it was submitted after ``due``. Supervision only: the report names the
    committee's work in detail.
    """

    event_type: ClassVar[str] = "evaluation.written_report.submitted"
    aggregate_type: ClassVar[str] = "tendering.section"

    section_code: str
    project_code: str
    section_name: str
    tenderer: str
    winner: str
    price_fen: int
    text: str
    submitted_at: str
    due: str  # the last day (ISO date)
    late: bool

    @property
    def aggregate_id(self) -> str:
        return self.section_code

    def checked(self) -> WrittenReportSubmitted:
        _required_text(self, section_code=self.section_code, text=self.text, submitted_at=self.submitted_at)
        _fen(self, "price_fen", self.price_fen)
        return self


_Received = TypeVar("_Received", CandidatesPublished, AwardDecided, ContractRegistered, WrittenReportSubmitted)


def event_received(kind: type[_Received], payload: dict[str, Any]) -> _Received:
    """The event of ``kind`` a receiving platform got, once well formed; ValueError otherwise (refused).

    A field missing from the payload is as malformed as a field that is there but wrong.
    """
    try:
        event = kind.from_payload(payload)
    except TypeError as exc:
        raise ValueError(f"{kind.event_type}: {exc}") from exc
    return event.checked()
