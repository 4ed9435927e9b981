"""Records of the datasets that follow the deadline: opening, candidates, result, contract. Pure, no ORM.

Each takes the event and what the platform already holds about the section
(``SectionContext``: its 502/550 record with the notice's facts, its opening records, the
market subjects' regions). A section whose tender notice never arrived gives
nothing: neither its dataset family nor its parent record is known. See ``upward.datasets`` for
the values' formats, the code table and the fields sent as ``NOT_RECORDED``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zhengwu.contexts.disclosure.upward.datasets import (
    CODES,
    CURRENCY,
    METHOD_LABELS,
    OUTCOME_LABELS,
    DatasetRecord,
    SectionContext,
    Site,
    beijing_text,
    city_region,
    fit,
    record_make,
    registered_region,
    stamp,
    tender_project_code_of,
    yuan,
)
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    return "" if value is None else str(value)


def readouts(openings: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    """Each bidder's read-out (唱标) by USCC, later rounds adding to earlier ones (the prices of a commercial round)."""
    merged: dict[str, dict[str, Any]] = {}
    for record in openings:
        for bid in record.get("bids", []):
            if isinstance(bid, dict) and isinstance(bid.get("readout"), dict):
                merged.setdefault(str(bid.get("bidder_uscc", "")), {}).update(bid["readout"])
    return merged


def _title(facts: Mapping[str, Any], code: str) -> str:
    """The section as a title names it: the project's name, then the section's."""
    return f"{facts.get('project_name', '')}{facts.get('section_name', code)}"


def _base(ctx: SectionContext) -> tuple[str, str, dict[str, Any]]:
    assert ctx.section is not None
    facts = ctx.facts
    code = ctx.section.section_code
    return code, tender_project_code_of(code, str(facts.get("project_code", ""))), facts


def _bid_line(index: int, bid: Mapping[str, Any], readout: Mapping[str, Any]) -> str:
    parts = [f"{index}. {bid.get('bidder', '')}（{bid.get('bidder_uscc', '')}）"]
    if yuan(readout.get("price_fen")):
        parts.append(f"投标报价{yuan(readout.get('price_fen'))}元")
    if readout.get("duration_days") is not None:
        parts.append(f"工期{_text(readout.get('duration_days'))}日")
    if readout.get("quality"):
        parts.append(f"质量{_text(readout.get('quality'))}")
    if readout.get("key_personnel"):
        parts.append(f"项目负责人{_text(readout.get('key_personnel'))}")
    outcome = str(bid.get("outcome", ""))
    return "；".join(parts) + f"——{OUTCOME_LABELS.get(outcome, outcome)}"


def opening_content(record: Mapping[str, Any]) -> str:
    """The opening record as text: when, the bids with their read-out and outcome, the objections and replies."""
    bids = sorted((b for b in record.get("bids", []) if isinstance(b, dict)), key=lambda b: b.get("position", 0))
    lines = [f"开标时间：{beijing_text(record.get('started_at'))}", f"投标文件：{len(bids)}份"]
    for index, bid in enumerate(bids, start=1):
        readout = bid.get("readout") if isinstance(bid.get("readout"), dict) else {}
        lines.append(_bid_line(index, bid, readout or {}))
    for objection in (o for o in record.get("objections", []) if isinstance(o, dict)):
        lines.append(
            f"异议：{objection.get('bidder', '')}：{objection.get('text', '')}（答复：{objection.get('reply', '')}）"
        )
    return "\n".join(lines)


def opening_records(record: Mapping[str, Any], *, ctx: SectionContext, site: Site) -> list[DatasetRecord]:
    """506 BID_OPENING_RECORD for this round and 507 TENDER_LIST for every bidder (556 for procurement)."""
    if ctx.section is None:
        return []
    code, tender_code, facts = _base(ctx)
    bids = [b for b in record.get("bids", []) if isinstance(b, dict)]
    opening_round = record.get("round", 1)
    name = f"{_title(facts, code)}开标记录" + (f"（第{opening_round}轮）" if opening_round != 1 else "")
    actors = "投标人：" + "、".join(str(b.get("bidder", "")) for b in bids)
    actors += f"；招标人：{facts.get('tenderer_name', '')}"
    if facts.get("agency_name"):
        actors += f"；招标代理机构：{facts['agency_name']}"
    common = {
        "UNIFIED_DEAL_CODES": facts.get("deal_code", ""),
        "UNIFIED_DEAL_CODE": facts.get("deal_code", ""),
        "NOTICE_NAME": name,
        "BID_OPENING_ACTOR": fit(actors, 500),
        "BID_OPENING_CONTENT": opening_content(record),
        "BID_OPENING_ADDRESS": "不见面开标（网上开标大厅）",
        "BID_OPENING_TIME": stamp(record.get("started_at")) or stamp(record.get("recorded_at")),
        "URL": facts.get("url", ""),
    }
    identity = f"{code}/{opening_round}"
    if not ctx.construction:
        values = {**common, "PURCHASE_PROJECT_CODE": facts.get("project_code", ""), "PURCHASE_SECTION_CODE": code}
        return [record_make(556, identity, tender_code, values, section_code=code)]
    values = {
        **common,
        "TENDER_PROJECT_CODE": tender_code,
        "BID_SECTION_CODES": code,
        "OPEN_COMPERE": record.get("host", ""),
    }
    out = [record_make(506, identity, tender_code, values, section_code=code)]
    return out + tender_list_records(ctx=ctx)


def tender_list_records(*, ctx: SectionContext) -> list[DatasetRecord]:
    """507 TENDER_LIST: every bidder of the first round's record, with its read-out from every round."""
    if not ctx.construction or not ctx.openings:
        return []
    code, tender_code, facts = _base(ctx)
    merged = readouts(ctx.openings)
    # Bid receipt times are not in the opening record; the deadline is the latest they can be.
    deadline = stamp(ctx.bid_deadline) or stamp(ctx.openings[0].get("started_at"))
    secured = int(facts.get("bid_security_fen") or 0) > 0
    out = []
    for bid in (b for b in ctx.openings[0].get("bids", []) if isinstance(b, dict)):
        uscc = str(bid.get("bidder_uscc", ""))
        readout = merged.get(uscc, {})
        values = {
            "TENDER_PROJECT_CODE": tender_code,
            "BID_SECTION_CODE": code,
            "UNIFIED_DEAL_CODE": facts.get("deal_code", ""),
            "BIDDER_NAME": bid.get("bidder", ""),
            "IS_LOST": CODES["no"],
            "BIDDER_CODE_TYPE": CODES["code_type_uscc"],
            "BIDDER_ORG_CODE": uscc,
            "BIDDER_ROLE": CODES["role_bidder"],
            "BID_MANAGER": _text(readout.get("key_personnel")),
            "IS_COMMIT_MARGIN": CODES["yes" if secured else "no"],
            "MARGIN_PAY_FORM": CODES["margin_pay_form"],
            "PRICE_FORM_CODE": CODES["price_form_amount"],
            "MARGIN_RECEIVE_TIME": deadline,
            "BID_PRICE": yuan(readout.get("price_fen")),
            "PRICE_CURRENCY": CURRENCY if yuan(readout.get("price_fen")) else "",
            "PRICE_UNIT": CODES["price_unit_yuan"] if yuan(readout.get("price_fen")) else "",
            "TIME_LIMIT": readout.get("duration_days") if isinstance(readout.get("duration_days"), int) else None,
            "CHECKIN_TIME": deadline,
            "BIDDER_REGION_CODE": registered_region(uscc, ctx.regions),
            "BIDDER_PROPERTY": CODES["enterprise_property_other"],
        }
        out.append(record_make(507, f"{code}/{uscc}", tender_code, values, section_code=code))
    return out


def candidate_records(event: CandidatesPublished, *, ctx: SectionContext, site: Site) -> list[DatasetRecord]:
    """510 TENDER_CANDIDATE per candidate and 511 中标候选人公示 (construction only)."""
    if not ctx.construction:
        return []
    code, tender_code, facts = _base(ctx)
    merged = readouts(ctx.openings)
    method = METHOD_LABELS.get(event.method, event.method)
    ranked = sorted((c for c in event.candidates if isinstance(c, dict)), key=lambda c: c.get("rank", 0))
    out = []
    for row in ranked:
        uscc, rank = str(row.get("uscc", "")), row.get("rank", 0)
        values = {
            "TENDER_PROJECT_CODE": tender_code,
            "BID_SECTION_CODE": code,
            "UNIFIED_DEAL_CODE": facts.get("deal_code", ""),
            "WIN_CANDIDATE_NAME": row.get("bidder", ""),
            "BIDDER_CODE_TYPE": CODES["code_type_uscc"],
            "WIN_CANDIDATE_CODE": uscc,
            "BIDDER_ROLE": CODES["role_bidder"],
            "WIN_CANDIDATE_ORDER": rank,
            "IS_FLOAT_RATE": CODES["no"],
            "EVALUATION_RESULT": row.get("score") or f"第{rank}名",
            "PRICE_FORM_CODE": CODES["price_form_amount"],
            "BID_PRICE": yuan(row.get("price_fen")),
            "PRICE_CURRENCY": CURRENCY,
            "PRICE_UINT": CODES["price_unit_yuan"],
            "QUALITY": _text(merged.get(uscc, {}).get("quality")),
            "EVALUATION_STATUS": f"{method}评审，排名第{rank}",
            "WIN_CANDIDATE_QUALIFICATION": "满足招标文件规定的资格条件",
            "BIDDER_REGION_CODE": registered_region(uscc, ctx.regions),
            "BIDDER_PROPERTY": CODES["enterprise_property_other"],
        }
        out.append(record_make(510, f"{code}/{uscc}", tender_code, values, section_code=code))
    lines = [f"{_title(facts, code)}（{code}）中标候选人（{method}）："]
    lines += [f"第{c.get('rank')}名：{c.get('bidder', '')}，投标报价{yuan(c.get('price_fen'))}元" for c in ranked]
    lines.append(f"公示期：{beijing_text(event.starts_at)}至{beijing_text(event.ends_at)}")
    publicity = {
        "TENDER_PROJECT_CODE": tender_code,
        "BID_SECTION_CODES": code,
        "UNIFIED_DEAL_CODE": facts.get("deal_code", ""),
        "PUBLICITY_NAME": f"{_title(facts, code)}中标候选人公示",
        "PUBLICITY_CONTENT": "\n".join(lines),
        "PUBLICITY_REFER_TIME": stamp(event.starts_at),
        "NOTICE_MEDIA": site.media,
        "URL": facts.get("url", ""),
        "PUBLICITY_TYPE": CODES["publicity_candidates"],
        "PUBLICITY_START_TIME": stamp(event.starts_at),
        "PUBLICITY_END_TIME": stamp(event.ends_at),
        # 招标投标法实施条例 第五十四条: objections to the result during the publicity, to the tenderer.
        "OBJECTION_METHOD": "公示期内通过交易平台向招标人提出异议",
    }
    for position, row in zip(("FIRST", "SECOND", "THIRD"), ranked, strict=False):
        publicity[f"{position}_BIDDER_NAME"] = row.get("bidder", "")
        publicity[f"{position}_BIDDER_CODE"] = row.get("uscc", "")
    return [*out, record_make(511, code, tender_code, publicity, section_code=code)]


def award_records(event: AwardDecided, *, ctx: SectionContext, site: Site) -> list[DatasetRecord]:
    """513 WIN_RESULT_ANNO (construction) or 553 中标(成交)结果公告 (procurement)."""
    if ctx.section is None:
        return []
    code, tender_code, facts = _base(ctx)
    section_name = _title(facts, code)
    content = "\n".join(
        [
            f"{section_name}（{code}）",
            f"中标人：{event.bidder}（{event.uscc}）",
            f"中标金额：{yuan(event.price_fen)}元",
            f"中标通知书编号：{event.notice_number}",
            f"定标时间：{beijing_text(event.decided_at)}",
        ]
    )
    common = {
        "UNIFIED_DEAL_CODE": facts.get("deal_code", ""),
        "REGION_CODE": facts.get("region_code", ""),
        "TRA_PLACE_CODE": city_region(str(facts.get("region_code", ""))),
        "URL": facts.get("url", ""),
        "PRICE_FORM_CODE": CODES["price_form_amount"],
        "PRICE_UNIT": CODES["price_unit_yuan"],
    }
    if not ctx.construction:
        values = {
            **common,
            "PURCHASE_PROJECT_CODE": facts.get("project_code", ""),
            "PURCHASE_PROJECT_NAME": facts.get("project_name", ""),
            "PURCHASE_SECTION_CODE": code,
            "PURCHASER_AGENCY_NAME": facts.get("agency_name", ""),
            "PURCHASER_AGENCY_CODE": facts.get("agency_uscc", ""),
            "WIN_BID_BULLETIN_TITLE": fit(f"{section_name}中标（成交）结果公告", 200),
            "WIN_BID_BULLETIN_CONTENT": content,
            "WIN_BID_BULLETIN_START_TIME": stamp(event.decided_at),
            "WINNINGBIDDER_NAME": event.bidder,
            "WINNINGBIDDER_TYPE": CODES["code_type_uscc"],
            "WINNINGBIDDER_CODE": event.uscc,
            "WIN_BID_PRICE": yuan(event.price_fen),
            "CURRENCY_CODE": CURRENCY,
        }
        return [record_make(553, code, tender_code, values, section_code=code)]
    lead = _text(readouts(ctx.openings).get(event.uscc, {}).get("key_personnel"))
    values = {
        **common,
        "TENDER_PROJECT_CODE": tender_code,
        "BID_SECTION_CODE": code,
        "TENDER_AGENCY_NAME": facts.get("agency_name", ""),
        "TENDER_AGENCY_CODE": facts.get("agency_uscc", ""),
        "NOTICE_NAME": f"{section_name}中标结果公告",
        "NOTICE_CONTENT": content,
        "NOTICE_SEND_TIME": stamp(event.decided_at),
        "NOTICE_MEDIA": site.media,
        "NOTICE_NATURE": CODES["notice_nature_normal"],
        "BULLETIN_TYPE": CODES["bulletin_result"],
        "WIN_BIDDER_NAME": event.bidder,
        "BIDDER_CODE_TYPE": CODES["code_type_uscc"],
        "WIN_BIDDER_CODE": event.uscc,
        "BIDDER_ROLE": CODES["role_bidder"],
        "BID_AMOUNT": yuan(event.price_fen),
        "BID_CURRENCY": CURRENCY,
        "BIDDER_REGION_CODE": registered_region(event.uscc, ctx.regions),
        "BIDDER_PROPERTY": CODES["enterprise_property_other"],
        "PROJECT_LEAD": fit(lead, 200),
    }
    return [record_make(513, code, tender_code, values, section_code=code)]


def _days(term: str) -> int | None:
    digits = ""
    for char in term.strip():
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


def contract_records(event: ContractRegistered, *, ctx: SectionContext) -> list[DatasetRecord]:
    """512 CONTRACT_PERFORMANCE (construction; procurement's 554 has no field list here)."""
    if not ctx.construction:
        return []
    code, tender_code, facts = _base(ctx)
    values = {
        "TENDER_PROJECT_CODE": tender_code,
        "BID_SECTION_CODE": code,
        "UNIFIED_DEAL_CODE": facts.get("deal_code", ""),
        "CONTRACT_NAME": f"{_title(facts, code)}合同",
        "TENDERER_NAME": facts.get("tenderer_name", ""),
        "TENDER_CODE": facts.get("tenderer_uscc", ""),
        "BIDDER_NAME": event.supplier,
        "BIDDER_CODE": event.supplier_uscc,
        "CONTRACT_PRICE": yuan(event.amount_fen),
        "PRICE_CURRENCY": CURRENCY,
        "PRICE_UNIT": CODES["price_unit_yuan"],
        "PRICE_FORM_CODE": CODES["price_form_amount"],
        "CONTRACT_CONTENT": event.subject,
        # A term written as "365日历天" gives 365; a term in words is not a number and is left out.
        "LIMITE_TIME": _days(event.term or ""),
        "QUALITY_REQUIRE": event.quality,
        "SUBMIT_TIME": stamp(event.registered_at),
        "CONTRACT_SIGN_TIME": stamp(event.signed_on),
        "CONTRACT_CODE": event.contract_number,
    }
    return [record_make(512, code, tender_code, values, section_code=code)]
