"""The events of one construction section's whole way, for the open-data tests: built, signed, applied.

A notice (tenderer and agency), the freeze of four bids, the opening record (three opened, one
withdrawn), the expert draw's commitment, the candidates (one bid rejected), the award to the
second-ranked candidate and the contract. ``apply`` runs the public platform's handler as the
exchange does.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from zhengwu.contexts.bidding.events import FREEZE_TYPE, RECORD_TYPE, BidsFrozen, OpeningRecorded
from zhengwu.contexts.disclosure.handlers import HANDLERS
from zhengwu.contexts.disclosure.ocds.releases import Site
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.tendering.events import NoticePublished, SectionFailed
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.signing import signing_key_get

PREFIX = "ocds-213czf"
PROJECT = "E530102202600007X"
SECTION = "E530102202600007X001001"
OCID = f"{PREFIX}-{SECTION}"
NOTICE_ID = "01950000-0000-7000-8000-000000000007"
SITE = Site(prefix=PREFIX, base_url="https://ggzy.example.cn")
TENDERER, TENDERER_USCC = "昆明某城市建设投资有限公司", "91530100MA6K60068D"
AGENCY, AGENCY_USCC = "云南某招标代理有限公司", "91530100MA6K500548"
# (name, USCC, read-out price in fen, opening outcome)
BIDDERS = (
    ("云南某建设工程有限公司", "91530102MA6K70012A", 3_612_580_000, "opened"),
    ("昆明某路桥工程有限公司", "91530103MA6K70020K", 3_578_360_012, "opened"),
    ("昆明某建筑安装有限公司", "91530103MA6K700631", 3_498_000_000, "opened"),
    ("云南某水利水电工程有限公司", "91530111MA6K700393", None, "withdrawn"),
)
WINNER, WINNER_USCC = BIDDERS[1][0], BIDDERS[1][1]
FIRST, FIRST_USCC = BIDDERS[0][0], BIDDERS[0][1]
REJECTED = BIDDERS[2][0]


def notice(**overrides: Any) -> NoticePublished:
    """The tender notice of the section (override any field)."""
    fields: dict[str, Any] = {
        "notice_id": NOTICE_ID,
        "kind": "tender",
        "trade_type": "construction",
        "procedure": "construction.open",
        "project_code": PROJECT,
        "project_name": "滇池路提升改造工程",
        "section_codes": [SECTION],
        "title": "滇池路提升改造工程招标公告",
        "body": "正文",
        "tenderer_name": TENDERER,
        "agency_name": AGENCY,
        "region_code": "530102",
        "budget_fen": 4_120_000_000,
        "published_at": "2026-08-03T01:00:00+00:00",
        "bid_deadline": "2026-08-25T01:30:00+00:00",
        "opening_at": "2026-08-25T01:30:00+00:00",
        "references_notice_id": None,
        "attachments": [{"name": "招标文件.pdf", "sha256": "ab" * 32, "size": 1024}],
        "opening_keys": [{"section": SECTION, "envelope": "single"}],
        "tenderer_uscc": TENDERER_USCC,
        "agency_uscc": AGENCY_USCC,
    }
    fields.update(overrides)
    return NoticePublished(**fields)


def _signed(statement: dict[str, Any]) -> tuple[str, str, str]:
    key = signing_key_get()
    body = canonical_dumps(statement)
    return body.decode("utf-8"), base64.b64encode(key.sign(body)).decode("ascii"), key.public.key_id


def freeze() -> BidsFrozen:
    """The freeze of the four bids at the deadline, signed by this deployable's key."""
    fields = {"deadline": "2026-08-25T01:30:00+00:00", "frozen_at": "2026-08-25T01:30:00+00:00", "leaf_count": 4}
    root = "7b" * 32
    body, signature, key_id = _signed({"type": FREEZE_TYPE, "section": SECTION, "root": root, **fields})
    return BidsFrozen(section_code=SECTION, root=root, body=body, signature=signature, key_id=key_id, **fields)


def opening_record() -> dict[str, Any]:
    """The opening record's content (as bidding signs it)."""
    return {
        "type": RECORD_TYPE,
        "section": SECTION,
        "round": 1,
        "envelopes": ["single"],
        "started_at": "2026-08-25T09:30:00+08:00",
        "readout_at": "2026-08-25T09:45:00+08:00",
        "recorded_at": "2026-08-25T09:56:00.123456+08:00",
        "host": "agency",
        "freeze_root": "7b" * 32,
        "bids": [
            {
                "position": position,
                "bidder": name,
                "bidder_uscc": uscc,
                "envelope": "single",
                "digest": f"{position}" * 64,
                "outcome": outcome,
                "failure_cause": None if outcome == "opened" else "bidder_share_missing",
                "readout": {"price_fen": price, "duration_days": 365} if price is not None else None,
            }
            for position, (name, uscc, price, outcome) in enumerate(BIDDERS)
        ],
        "objections": [],
    }


def opening() -> OpeningRecorded:
    """The signed opening record."""
    body, signature, key_id = _signed(opening_record())
    return OpeningRecorded(section_code=SECTION, project_code=PROJECT, record=body, signature=signature, key_id=key_id)


def draw() -> DrawCommitted:
    """The commitment of the section's expert draw."""
    return DrawCommitted(
        section_code=SECTION,
        format="zhengwu-expert-draw-announcement/1",
        suite="intl",
        commitment="83" * 32,
        committed_at="2026-08-25T10:05:00+08:00",
    )


def candidates() -> CandidatesPublished:
    """Two candidates (the first-ranked is later passed over), one bid rejected."""
    return CandidatesPublished(
        section_code=SECTION,
        project_code=PROJECT,
        section_name="施工标段",
        method="comprehensive",
        outcome="candidates",
        starts_at="2026-08-26T09:00:00+08:00",
        ends_at="2026-08-29T23:59:59.999999+08:00",
        candidates=[
            {"rank": 1, "bidder": FIRST, "uscc": FIRST_USCC, "price_fen": BIDDERS[0][2], "score": "91.63"},
            {"rank": 2, "bidder": WINNER, "uscc": WINNER_USCC, "price_fen": BIDDERS[1][2], "score": None},
        ],
        rejected=[{"bidder": REJECTED, "reason": "not_responsive", "reason_label": "未实质性响应"}],
        committee=[{"name": "陈秀英", "leader": True}, {"name": "何桂兰", "leader": False}],
        result_digest="5d" * 32,
    )


def award() -> AwardDecided:
    """The award to the second-ranked candidate (the first declined)."""
    return AwardDecided(
        section_code=SECTION,
        project_code=PROJECT,
        section_name="施工标段",
        bidder=WINNER,
        uscc=WINNER_USCC,
        rank=2,
        price_fen=BIDDERS[1][2] or 0,
        budget_fen=3_860_000_000,
        savings_fen=3_860_000_000 - (BIDDERS[1][2] or 0),
        notice_number="ZB-0007",
        decided_at="2026-08-31T10:00:00+08:00",
        passed_over=[{"rank": 1, "bidder": FIRST, "reason": "declined", "reason_label": "放弃中标"}],
        contract_due="2026-09-30",
        report_due="2026-09-15",
    )


def contract() -> ContractRegistered:
    """The registered contract."""
    return ContractRegistered(
        section_code=SECTION,
        project_code=PROJECT,
        section_name="施工标段",
        contract_number="HT-0007",
        supplier=WINNER,
        supplier_uscc=WINNER_USCC,
        subject="滇池路提升改造工程施工",
        amount_fen=BIDDERS[1][2] or 0,
        quality="合格",
        term="360日历天",
        signed_on="2026-09-14",
        registered_at="2026-09-14T15:00:00+08:00",
        late=False,
        security_return_due="2026-09-20",
    )


def failed(section_code: str = SECTION) -> SectionFailed:
    """The section failed: too few bids."""
    return SectionFailed(
        project_code=PROJECT,
        section_code=section_code,
        section_name="施工标段",
        reason="insufficient_bids",
        failed_at="2026-08-25T09:31:00+08:00",
    )


def whole_way() -> list[Any]:
    """Every event of the section, in the order the public platform receives them."""
    return [notice(), freeze(), opening(), draw(), candidates(), award(), contract()]


def envelope_of(event: Any) -> Envelope:
    """The envelope the exchange would hand the handler."""
    return Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination="public",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=1,
        occurred_at="2026-09-14T07:00:05+00:00",
        payload=event.payload(),
    )


def apply(*events: Any) -> None:
    """Apply the events as the public platform's inbox does (read model, then releases)."""
    for event in events:
        HANDLERS[event.event_type](json.loads(json.dumps(event.payload())), envelope_of(event))
