"""OCDS releases of a section's outcome: candidates, award, contract, failure (pure functions, no ORM).

The rest of the mapping, and why it is shaped so, is in ``ocds.py``. The candidates' publicity
updates the bids the opening listed (same ids: the merge keeps their tenderers and prices) and
proposes one pending award per candidate; the result makes the winner's active and the others
unsuccessful, and gives the winner the full role list ``["tenderer", "supplier"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from zhengwu.contexts.disclosure.ocds.releases import (
    AWARD_CRITERIA,
    CURRENCY,
    OpenedBid,
    Release,
    Site,
    amount,
    award_id,
    bid_id,
    day_start,
    document_page,
    instant,
    org_ref,
    party,
    release_base,
    value_of,
)
from zhengwu.contexts.evaluation.events import AwardDecided, CandidatesPublished, ContractRegistered
from zhengwu.contexts.tendering.events import SectionFailed


def _price(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _beijing_text(value: str) -> str:
    return instant(value)[:16].replace("T", " ")


def candidates_release(event: CandidatesPublished, *, site: Site, opened: Sequence[OpenedBid]) -> Release:
    """The candidates' publicity: each opened bid valid or disqualified, a pending award per candidate.

    ``opened``: the section's bids as its opening records listed them (the bids a rejection names
    only by the bidder's name are found there).
    """
    date = instant(event.starts_at)
    release = release_base(
        site, section_code=event.section_code, release_id="candidates", date=date, tags=["tenderUpdate", "award"]
    )
    by_name = {bid.name: bid for bid in opened}
    bids: dict[str, dict[str, Any]] = {}
    bidders: dict[str, tuple[str, str]] = {}

    def _bid(uscc: str, name: str, status: str, price_fen: int | None) -> None:
        entry: dict[str, Any] = {"id": bid_id(uscc, name), "status": status, "tenderers": [org_ref(uscc, name)]}
        if price_fen is not None:
            entry["value"] = value_of(price_fen)
        bids[entry["id"]] = {**bids.get(entry["id"], {}), **entry}
        bidders[entry["id"]] = (uscc, name)

    # A bid the review did not reject stayed in: valid, whether or not it ranked among the candidates.
    for bid in opened:
        if bid.outcome == "opened":
            _bid(bid.uscc, bid.name, "valid", bid.price_fen)
    for row in event.rejected:
        name = str(row.get("bidder", ""))
        known = by_name.get(name)
        _bid(known.uscc if known else "", name, "disqualified", known.price_fen if known else None)
    candidates = sorted(event.candidates, key=lambda row: row["rank"])
    for row in candidates:
        _bid(str(row.get("uscc", "")), str(row.get("bidder", "")), "valid", _price(row.get("price_fen")))

    valid_prices = [
        d["value"]["amount"] for d in bids.values() if d["status"] == "valid" and isinstance(d.get("value"), dict)
    ]
    statistics: list[dict[str, Any]] = [
        {"id": "validBids", "measure": "validBids", "value": sum(d["status"] == "valid" for d in bids.values())},
        {
            "id": "disqualifiedBidders",
            "measure": "disqualifiedBidders",
            "value": sum(d["status"] == "disqualified" for d in bids.values()),
        },
    ]
    if valid_prices:
        lowest = {"measure": "lowestValidBidValue", "value": min(valid_prices), "currency": CURRENCY}
        statistics.append({"id": "lowestValidBidValue", **lowest})
    for statistic in statistics:
        statistic["date"] = date

    period = f"{_beijing_text(event.starts_at)} 至 {_beijing_text(event.ends_at)}"
    awards = []
    for row in candidates:
        uscc, name = str(row.get("uscc", "")), str(row.get("bidder", ""))
        score = f"，评标得分 {row['score']}" if row.get("score") else ""
        award: dict[str, Any] = {
            "id": award_id(uscc, name),
            "title": f"第{row['rank']}名中标候选人",
            "description": f"中标候选人公示（{period}）{score}",
            "status": "pending",
            "suppliers": [org_ref(uscc, name)],
            "relatedBid": bid_id(uscc, name),
        }
        price = _price(row.get("price_fen"))
        if price is not None:
            award["value"] = value_of(price)
        awards.append(award)

    committee = "、".join(
        str(m.get("name", "")) + ("（组长）" if m.get("leader") else "") for m in event.committee if isinstance(m, dict)
    )
    tender: dict[str, Any] = {"id": event.section_code}
    if event.method in AWARD_CRITERIA:
        tender["awardCriteria"], tender["awardCriteriaDetails"] = AWARD_CRITERIA[event.method]
    tender["documents"] = [
        document_page(
            doc_id="candidate-publicity",
            kind="evaluationReports",
            title="中标候选人公示",
            description=f"公示期 {period}；评标结果摘要 {event.result_digest}"
            + (f"；评标委员会：{committee}" if committee else ""),
            url=site.section_url(event.section_code),
            date=date,
        )
    ]
    release["parties"] = [party(uscc, name, ["tenderer"]) for uscc, name in bidders.values()]
    release["tender"] = tender
    release["bids"] = {"statistics": statistics, "details": list(bids.values())}
    release["awards"] = awards
    return release


def award_release(event: AwardDecided, *, site: Site, candidates: Sequence[Mapping[str, Any]]) -> Release:
    """The result (中标结果): the winner's award active, the other candidates' unsuccessful, the tender complete.

    ``candidates``: the section's published candidates (none when there was no publicity).
    """
    date = instant(event.decided_at)
    release = release_base(site, section_code=event.section_code, release_id="award", date=date, tags=["award"])
    winner = award_id(event.uscc, event.bidder)
    awards: list[dict[str, Any]] = [
        {
            "id": winner,
            "title": "中标结果",
            "description": f"第{event.rank}名中标候选人中标；中标通知书编号 {event.notice_number}",
            "status": "active",
            "date": date,
            "value": value_of(event.price_fen),
            "suppliers": [org_ref(event.uscc, event.bidder)],
            "relatedBid": bid_id(event.uscc, event.bidder),
            "documents": [
                document_page(
                    doc_id="award-notice",
                    kind="awardNotice",
                    title=f"中标结果公告（中标通知书 {event.notice_number}）",
                    url=site.section_url(event.section_code),
                    date=date,
                )
            ],
        }
    ]
    reasons = {
        str(row.get("bidder", "")): str(row.get("reason_label") or row.get("reason") or "")
        for row in event.passed_over
        if isinstance(row, dict)
    }
    for row in candidates:
        uscc, name = str(row.get("uscc", "")), str(row.get("bidder", ""))
        if award_id(uscc, name) == winner:
            continue
        other: dict[str, Any] = {"id": award_id(uscc, name), "status": "unsuccessful"}
        if reasons.get(name):
            other["description"] = f"排名在前但未被确定为中标人：{reasons[name]}"
        awards.append(other)
    release["parties"] = [party(event.uscc, event.bidder, ["tenderer", "supplier"])]
    # The section's budget (预算金额) against which the savings are counted.
    release["tender"] = {"id": event.section_code, "status": "complete", "value": value_of(event.budget_fen)}
    release["awards"] = awards
    return release


def contract_release(event: ContractRegistered, *, site: Site) -> Release:
    """The signed and registered contract with its key terms."""
    date = instant(event.registered_at)
    release = release_base(site, section_code=event.section_code, release_id="contract", date=date, tags=["contract"])
    terms = [f"{label}：{text}" for label, text in (("质量要求", event.quality), ("履行期限", event.term)) if text]
    contract: dict[str, Any] = {
        "id": event.contract_number,
        "awardID": award_id(event.supplier_uscc, event.supplier),
        "title": event.subject,
    }
    if terms:
        contract["description"] = "；".join(terms)
    contract.update(
        {
            "status": "active",
            "value": {"amount": amount(event.amount_fen), "currency": CURRENCY},
            "dateSigned": day_start(event.signed_on),
            "documents": [
                document_page(
                    doc_id="contract-notice",
                    kind="contractNotice",
                    title=f"合同公开（合同编号 {event.contract_number}）",
                    url=site.section_url(event.section_code),
                    date=date,
                )
            ],
        }
    )
    release["parties"] = [party(event.supplier_uscc, event.supplier, ["supplier"])]
    release["contracts"] = [contract]
    return release


def failure_release(event: SectionFailed, *, site: Site, reason_label: str) -> Release:
    """A failed section (流标): the tender unsuccessful, with why; it is tendered again under a new ocid."""
    date = instant(event.failed_at)
    release = release_base(
        site, section_code=event.section_code, release_id="failure", date=date, tags=["tenderUpdate"]
    )
    release["tender"] = {
        "id": event.section_code,
        "status": "unsuccessful",
        "documents": [
            document_page(
                doc_id="failure-notice",
                kind="cancellationDetails",
                title="流标公告",
                description=reason_label or event.reason,
                url=site.section_url(event.section_code),
                date=date,
            )
        ],
    }
    return release
