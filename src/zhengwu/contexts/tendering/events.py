"""Events the tendering context publishes to other deployables.

Notices are public facts once published: the public platform shows them, the supervision
platform watches them. Secrets never travel in these events (no bidder identities, no list of
who obtained documents, no bid contents).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from zhengwu.contexts.tendering.rules.model import Procedure
from zhengwu.platform.exchange.events import ExchangeEvent

# The values a notice's ``procedure`` may take: part of the event's contract with its readers.
NOTICE_PROCEDURES: tuple[str, ...] = tuple(p.value for p in Procedure)


@dataclasses.dataclass(frozen=True)
class NoticePublished(ExchangeEvent):
    """A notice was published: tender/procurement/land/property notice, invitation, pre-review
    notice, amendment or clarification, or termination. Published notices never change: an
    amendment is a new notice whose ``references_notice_id`` names the one it amends."""

    event_type: ClassVar[str] = "tendering.notice.published"
    aggregate_type: ClassVar[str] = "tendering.project"

    notice_id: str  # UUID of the notice
    kind: str  # tender | invitation | prequalification | amendment | termination | result
    trade_type: str  # construction | procurement | land | property
    procedure: str  # procedure code, e.g. construction.open, procurement.competitive_consultation
    project_code: str
    project_name: str
    section_codes: list[str]
    title: str
    body: str  # plain text with line breaks; rendered escaped
    tenderer_name: str
    agency_name: str  # "" when the tenderer tenders itself
    region_code: str
    budget_fen: int | None  # estimate or budget in fen; None where the notice withholds it
    published_at: str  # ISO 8601, server time
    bid_deadline: str | None  # ISO 8601; None for notices without one (termination)
    opening_at: str | None
    references_notice_id: str | None
    attachments: list[dict[str, Any]]  # [{"name", "sha256", "size"}] of public documents
    # Sealed-bid tenders: the opening keys bidders seal to, published with the notice —
    # [{"section", "envelope", "public_key" (base64 X25519), "fingerprint" (SHA-256 hex),
    #   "bidder_key_required" ("yes" | "no")}]. Absent from older messages.
    opening_keys: list[dict[str, str]] = dataclasses.field(default_factory=list)
    # Public facts of the notice that the national data standard's datasets need for the upward
    # push (TENDERER_CODE, UNIFIED_DEAL_CODE, CONTRACT_RECKON_PRICE, DOC_GET_START_TIME …).
    # Absent from older messages: "" / None / [].
    tenderer_uscc: str = ""
    agency_uscc: str = ""
    industry_code: str = ""  # GB/T 4754 门类 letter + 2-digit 大类, e.g. E48
    project_created_at: str | None = None  # ISO 8601
    doc_issue_start: str | None = None  # ISO 8601: documents obtainable from …
    doc_issue_end: str | None = None  # … until
    # The notice's sections: [{"code", "name", "deal_code", "estimate_fen", "bid_security_fen",
    #   "document_price_fen", "attempt", "created_at"}]; amounts in fen, "" deal code when none.
    sections: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def aggregate_id(self) -> str:
        return self.project_code


@dataclasses.dataclass(frozen=True)
class SectionStatusChanged(ExchangeEvent):
    """A section (标段/包) moved in its lifecycle; the supervision platform follows it live."""

    event_type: ClassVar[str] = "tendering.section.status_changed"
    aggregate_type: ClassVar[str] = "tendering.project"

    project_code: str
    section_code: str
    section_name: str
    status: str  # draft | published | accepting_bids | opening | evaluating | candidates | awarded | contracted
    #              | archived | terminated | failed
    previous_status: str
    reason: str
    bid_deadline: str | None
    changed_at: str

    @property
    def aggregate_id(self) -> str:
        return self.project_code


@dataclasses.dataclass(frozen=True)
class SectionFailed(ExchangeEvent):
    """A section failed (流标): the public site announces it with the reason; it is then tendered again.

    Published beside ``SectionStatusChanged`` (which only supervision follows) when a section
    moves to ``failed``. ``reason`` is the lifecycle's code (``insufficient_bids``,
    ``insufficient_qualified``, ``all_bids_rejected``).
    """

    event_type: ClassVar[str] = "tendering.section.failed"
    aggregate_type: ClassVar[str] = "tendering.project"

    project_code: str
    section_code: str
    section_name: str
    reason: str
    failed_at: str

    @property
    def aggregate_id(self) -> str:
        return self.project_code
