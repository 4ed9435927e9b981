"""One construction tender and one procurement package as the public platform receives them, for the upward tests.

The codes have the standard's lengths (project 17, tender project 20, section 23, deal code 40);
the instants are ISO 8601 in UTC, as the trading platform sends them.
"""

from __future__ import annotations

from typing import Any

from zhengwu.contexts.bidding.events import RECORD_TYPE
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered
from zhengwu.contexts.tendering.events import NoticePublished

PROJECT = "E5301112026000122"
TENDER_PROJECT = "E5301112026000122001"
SECTION = "E5301112026000122001001"
DEAL = "E48-91530100MA6K12345T-20260803-000007-1"
TENDERER = ("昆明某城市建设投资有限公司", "91530100MA6K00001X")
AGENCY = ("云南某招标代理有限公司", "91530100MA7T00002Y")
BIDDERS = [
    ("昆明某路桥工程有限公司", "91530100MA6B00011A", 3_578_360_000, 300),
    ("云南某建设集团有限公司", "91530000MA6B00022B", 3_612_000_000, 320),
    ("某某市政工程有限公司", "91530100MA6B00033C", 3_655_500_000, 330),
]
NOTICE_ID = "01950000-0000-7000-8000-000000000001"
AMENDMENT_ID = "01950000-0000-7000-8000-000000000002"

PURCHASE_PROJECT = "G5301022026000051"
PURCHASE_SECTION = "G5301022026000051001001"
PURCHASE_DEAL = "F87-91530100MA6K12345T-20260901-000009-7"


def tender_notice(**overrides: Any) -> NoticePublished:
    """The construction tender's notice: one section, an agency, documents from 3 to 10 August."""
    fields: dict[str, Any] = {
        "notice_id": NOTICE_ID,
        "kind": "tender",
        "trade_type": "construction",
        "procedure": "construction.open",
        "project_code": PROJECT,
        "project_name": "呈贡区吴家营片区市政道路工程",
        "section_codes": [SECTION],
        "title": "呈贡区吴家营片区市政道路工程招标公告",
        "body": "一、招标条件\n本项目已具备招标条件。",
        "tenderer_name": TENDERER[0],
        "agency_name": AGENCY[0],
        "region_code": "530114",
        "budget_fen": 8_650_000_000,
        "published_at": "2026-08-03T01:00:00+00:00",
        "bid_deadline": "2026-08-25T01:30:00+00:00",
        "opening_at": "2026-08-25T01:30:00+00:00",
        "references_notice_id": None,
        "attachments": [],
        "tenderer_uscc": TENDERER[1],
        "agency_uscc": AGENCY[1],
        "industry_code": "E48",
        "project_created_at": "2026-07-27T02:00:00+00:00",
        "doc_issue_start": "2026-08-03T01:00:00+00:00",
        "doc_issue_end": "2026-08-10T09:00:00+00:00",
        "sections": [
            {
                "code": SECTION,
                "name": "第一标段",
                "deal_code": DEAL,
                "estimate_fen": 3_800_000_000,
                "bid_security_fen": 50_000_000,
                "document_price_fen": 0,
                "attempt": 1,
                "created_at": "2026-07-27T02:05:00+00:00",
            }
        ],
    }
    fields.update(overrides)
    return NoticePublished(**fields)


def amendment(**overrides: Any) -> NoticePublished:
    """An amendment of the tender notice that moves the deadline and the opening two days later."""
    fields: dict[str, Any] = {
        "notice_id": AMENDMENT_ID,
        "kind": "amendment",
        "title": "呈贡区吴家营片区市政道路工程招标文件澄清与修改",
        "body": "投标截止时间延期至2026年8月27日9时30分。",
        "published_at": "2026-08-12T01:00:00+00:00",
        "bid_deadline": "2026-08-27T01:30:00+00:00",
        "opening_at": "2026-08-27T01:30:00+00:00",
        "references_notice_id": NOTICE_ID,
        "doc_issue_start": None,
        "doc_issue_end": None,
        "sections": [],
    }
    fields.update(overrides)
    return tender_notice(**fields)


def opening_record(*, round_no: int = 1) -> dict[str, Any]:
    """The section's opening record as signed: three bids opened and read out, one objection answered."""
    return {
        "type": RECORD_TYPE,
        "section": SECTION,
        "round": round_no,
        "envelopes": ["single"],
        "started_at": "2026-08-25T01:30:00+00:00",
        "readout_at": "2026-08-25T01:52:00+00:00",
        "host": "agency",
        "freeze_root": "ab" * 32,
        "bids": [
            {
                "position": index,
                "bidder": name,
                "bidder_uscc": uscc,
                "envelope": "single",
                "digest": f"{index:064x}",
                "outcome": "opened",
                "failure_cause": None,
                "readout": {
                    "price_fen": price,
                    "duration_days": days,
                    "quality": "合格",
                    "key_personnel": f"项目经理{index}",
                },
            }
            for index, (name, uscc, price, days) in enumerate(BIDDERS)
        ],
        "objections": [
            {
                "bidder": BIDDERS[2][0],
                "text": "唱标价格有误",
                "reply": "已核对无误",
                "filed_at": "2026-08-25T01:55:00+00:00",
            }
        ],
        "recorded_at": "2026-08-25T02:10:00+00:00",
    }


def candidates() -> CandidatesPublished:
    return CandidatesPublished(
        section_code=SECTION,
        project_code=PROJECT,
        section_name="第一标段",
        method="comprehensive",
        outcome="candidates",
        starts_at="2026-08-28T01:00:00+00:00",
        ends_at="2026-08-31T09:59:59+00:00",
        candidates=[
            {"rank": rank, "bidder": name, "uscc": uscc, "price_fen": price, "score": score}
            for rank, ((name, uscc, price, _), score) in enumerate(
                zip(BIDDERS, ("92.50", "88.75", "85.00"), strict=True), start=1
            )
        ],
        rejected=[],
        committee=[{"name": "专家甲", "leader": True}],
        result_digest="cd" * 32,
    )


def award(*, section: str = SECTION, project: str = PROJECT) -> AwardDecided:
    return AwardDecided(
        section_code=section,
        project_code=project,
        section_name="第一标段",
        bidder=BIDDERS[0][0],
        uscc=BIDDERS[0][1],
        rank=1,
        price_fen=BIDDERS[0][2],
        budget_fen=3_800_000_000,
        savings_fen=3_800_000_000 - BIDDERS[0][2],
        notice_number="ZB-2026-0815",
        decided_at="2026-09-01T02:00:00+00:00",
        passed_over=[],
        contract_due="2026-10-01",
        report_due="2026-09-16",
    )


def contract() -> ContractRegistered:
    return ContractRegistered(
        section_code=SECTION,
        project_code=PROJECT,
        section_name="第一标段",
        contract_number="HT-2026-0815",
        supplier=BIDDERS[0][0],
        supplier_uscc=BIDDERS[0][1],
        subject="吴家营片区市政道路工程第一标段施工",
        amount_fen=BIDDERS[0][2],
        quality="合格",
        term="300日历天",
        signed_on="2026-09-10",
        registered_at="2026-09-11T03:00:00+00:00",
        late=False,
        security_return_due="2026-09-15",
    )


def procurement_notice() -> NoticePublished:
    """A procurement package (竞争性磋商) published by the purchaser through an agency."""
    return tender_notice(
        notice_id="01950000-0000-7000-8000-000000000009",
        trade_type="procurement",
        procedure="procurement.competitive_consultation",
        project_code=PURCHASE_PROJECT,
        project_name="五华区智慧社区平台采购项目",
        section_codes=[PURCHASE_SECTION],
        title="五华区智慧社区平台采购项目竞争性磋商公告",
        region_code="530102",
        sections=[
            {
                "code": PURCHASE_SECTION,
                "name": "第一包",
                "deal_code": PURCHASE_DEAL,
                "estimate_fen": 120_000_000,
                "bid_security_fen": 0,
                "document_price_fen": 0,
                "attempt": 1,
                "created_at": "2026-08-30T02:00:00+00:00",
            }
        ],
        industry_code="I65",
    )
