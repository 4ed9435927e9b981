"""OCDS 1.1.5 releases from the events the public platform receives: pure functions, no ORM.

One contracting process (one ``ocid``) is one section (标段/包): ``{prefix}-{section_code}``. Each
event that concerns a section becomes one release of that section (a notice covering two sections
becomes two releases), with a release id that is stable across redeliveries (``notice-<uuid>``,
``freeze``, ``opening-<round>``, ``candidates``, ``award``, ``contract``, ``failure``), so the store
keeps the first and a replay adds nothing. Land and property trades are not procurement: OCDS has
no model for them (ocds.md §1.5), so they get no releases.

Merging replaces arrays of strings wholesale (ocds.md §2): a release lists each party with the roles
this event gives it, and ``parties_completed`` adds the roles earlier releases gave, so a later
release never erases one. Amounts are integer fen in the events and JSON numbers in yuan here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from zhengwu.contexts.bidding.events import BidsFrozen
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.money import FEN_PER_YUAN

Release = dict[str, Any]

CURRENCY = "CNY"
# org-id.guide's code for China's business registry, as ocds.md §1.2 read it from a vendored copy of
# the list (unverified against org-id.guide itself: confirm before go-live). The identifier is the
# 18-character 统一社会信用代码.
ORG_SCHEME = "CN-SAIC"
PUBLISHED_TRADE_TYPES = frozenset({"construction", "procurement"})

# The national procedures as OCDS methods. Tendering with pre-qualification admits only the
# qualified applicants, which is what the codelist calls "selective" (the EU's restricted procedure
# maps there too). Negotiation, consultation and inquiry are negotiated methods of the 政府采购法: the
# purchaser negotiates with, or asks prices of, the suppliers it has admitted (by announcement, from
# a supplier pool or on recommendation — 财库〔2014〕214号 第六条), not a call for sealed tenders; the
# nearest code is "limited", and procurementMethodDetails names the exact method.
PROCUREMENT_METHODS: dict[str, str] = {
    "construction.open": "open",
    "construction.open_prequalification": "selective",
    "construction.invited": "selective",
    "construction.invited_prequalification": "selective",
    "procurement.open": "open",
    "procurement.invited": "selective",
    "procurement.competitive_negotiation": "limited",
    "procurement.competitive_consultation": "limited",
    "procurement.inquiry": "limited",
    "procurement.single_source": "direct",
    # A framework call (征集公告) is open to every supplier that meets its conditions.
    "procurement.framework": "open",
}
PROCEDURE_NAMES: dict[str, str] = {
    "construction.open": "工程建设项目公开招标",
    "construction.open_prequalification": "工程建设项目公开招标（资格预审）",
    "construction.invited": "工程建设项目邀请招标",
    "construction.invited_prequalification": "工程建设项目邀请招标（资格预审）",
    "procurement.open": "政府采购公开招标",
    "procurement.invited": "政府采购邀请招标",
    "procurement.competitive_negotiation": "政府采购竞争性谈判",
    "procurement.competitive_consultation": "政府采购竞争性磋商",
    "procurement.inquiry": "政府采购询价",
    "procurement.single_source": "政府采购单一来源",
    "procurement.framework": "政府采购框架协议采购",
}
# Goods or services cannot be told apart from the event; only works are certain.
MAIN_CATEGORIES = {"construction": "works"}
# The evaluation methods (evaluation.rules.MethodKind) as awardCriteria codes, and their names.
AWARD_CRITERIA: dict[str, tuple[str, str]] = {
    "comprehensive": ("ratedCriteria", "综合评估法"),
    "procurement_scoring": ("ratedCriteria", "综合评分法"),
    "lowest_evaluated_price": ("priceOnly", "经评审的最低投标价法"),
}
# An opened bid is pending evaluation; a bid the opening could not decrypt is out of the tender:
# 视为撤回 (not the bidder's fault) is a withdrawal, 视为撤销 (the bidder's fault) a disqualification.
BID_STATUSES = {"opened": "pending", "pending": "pending", "withdrawn": "withdrawn", "revoked": "disqualified"}
NOTICE_DOCUMENT_TYPES = {
    "tender": "tenderNotice",
    "invitation": "tenderNotice",
    "prequalification": "tenderNotice",
    "amendment": "clarifications",
    "termination": "cancellationDetails",
    "result": "awardNotice",
}
OPENING_KINDS = frozenset({"tender", "invitation", "prequalification"})


@dataclasses.dataclass(frozen=True)
class Site:
    """Where the releases live: the ocid prefix and the public pages their documents link to."""

    prefix: str
    base_url: str  # e.g. "https://ggzy.example.gov.cn", no trailing slash
    notice_path: str = "/notices/{}/"
    section_path: str = "/sections/{}/"

    def ocid(self, section_code: str) -> str:
        """The ocid of a section's contracting process."""
        return f"{self.prefix}-{section_code}"

    def notice_url(self, notice_id: str) -> str:
        """The public page of a notice."""
        return self.base_url + self.notice_path.format(notice_id)

    def section_url(self, section_code: str) -> str:
        """The public page of a section (freeze, opening record, candidates, result, contract)."""
        return self.base_url + self.section_path.format(section_code)


@dataclasses.dataclass(frozen=True)
class OpenedBid:
    """A bid as the section's opening records show it (the public platform's own read model)."""

    uscc: str
    name: str
    outcome: str
    price_fen: int | None


# -- values ---------------------------------------------------------------------------------------


def amount(fen: int) -> int | float:
    """Yuan as a JSON number: an int when whole, else the float of the exact two-place decimal."""
    yuan = Decimal(fen) / FEN_PER_YUAN
    return int(yuan) if yuan == yuan.to_integral_value() else float(yuan)


def value_of(fen: int) -> dict[str, Any]:
    """An OCDS Value in yuan."""
    return {"amount": amount(fen), "currency": CURRENCY}


def instant(value: str) -> str:
    """An event's ISO 8601 instant as RFC 3339 in Beijing time to the second; ValueError without a zone.

    One offset and one precision for every date, because ocdsmerge orders releases by comparing
    their ``date`` strings.
    """
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed.astimezone(CHINA_TZ).replace(microsecond=0).isoformat()


def day_start(value: str) -> str:
    """The first instant, in Beijing, of an ISO date (OCDS has date-times only)."""
    return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), tzinfo=CHINA_TZ).isoformat()


# -- organisations --------------------------------------------------------------------------------


def _key(uscc: str, name: str) -> str:
    # An organisation without a USCC (older messages) keeps a stable key derived from its name.
    return uscc.strip() or "name-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]


def party_id(uscc: str, name: str) -> str:
    """The stable local id of an organisation in ``parties``."""
    return f"CN-USCC-{uscc.strip()}" if uscc.strip() else _key(uscc, name)


def bid_id(uscc: str, name: str) -> str:
    """One bid per bidder and section (a two-envelope tender's second opening updates the same bid)."""
    return f"bid-{_key(uscc, name)}"


def award_id(uscc: str, name: str) -> str:
    """A candidate's award, pending during the publicity and decided by the result."""
    return f"award-{_key(uscc, name)}"


def org_ref(uscc: str, name: str) -> dict[str, str]:
    """An OrganizationReference."""
    return {"id": party_id(uscc, name), "name": name}


def party(uscc: str, name: str, roles: Sequence[str]) -> dict[str, Any]:
    """An Organization in ``parties`` with the roles this release gives it."""
    found: dict[str, Any] = {"id": party_id(uscc, name), "name": name}
    if uscc.strip():
        found["identifier"] = {"scheme": ORG_SCHEME, "id": uscc.strip(), "legalName": name}
    found["roles"] = list(roles)
    return found


def parties_completed(release: Release, prior: Mapping[str, Sequence[str]]) -> Release:
    """``release`` with each party's roles preceded by the roles earlier releases gave it (``prior``)."""
    parties = []
    for entry in release.get("parties", []):
        roles = list(prior.get(entry["id"], []))
        roles += [role for role in entry.get("roles", []) if role not in roles]
        parties.append({**entry, "roles": roles})
    return {**release, "parties": parties} if "parties" in release else release


# -- releases -------------------------------------------------------------------------------------


def release_base(site: Site, *, section_code: str, release_id: str, date: str, tags: Sequence[str]) -> Release:
    """A release's required fields (every release of ours is of a process begun by a tender)."""
    return {
        "ocid": site.ocid(section_code),
        "id": release_id,
        "date": date,
        "tag": list(tags),
        "initiationType": "tender",
        "language": "zh",
    }


def document_page(
    *, doc_id: str, title: str, url: str, date: str, description: str = "", kind: str = ""
) -> dict[str, Any]:
    """A Document that is a page of the public website (a notice, a section's record)."""
    document: dict[str, Any] = {"id": doc_id}
    if kind:
        document["documentType"] = kind
    document["title"] = title
    if description:
        document["description"] = description
    document.update({"url": url, "datePublished": date, "format": "text/html", "language": "zh"})
    return document


def _notice_tags(event: NoticePublished) -> list[str]:
    if event.kind == "invitation" and event.procedure.endswith("prequalification"):
        # The invitation of the qualified applicants continues the process the pre-qualification began.
        return ["tenderUpdate"]
    return {
        "tender": ["tender"],
        "invitation": ["tender"],
        "prequalification": ["tender"],
        "amendment": ["tenderAmendment"],
        "termination": ["tenderCancellation"],
    }.get(event.kind, ["tenderUpdate"])


def _notice_tender(event: NoticePublished, *, section_code: str, release_id: str, date: str, site: Site) -> Release:
    tender: dict[str, Any] = {"id": section_code}
    documents = [
        document_page(
            doc_id=f"notice-{event.notice_id}",
            kind=NOTICE_DOCUMENT_TYPES.get(event.kind, ""),
            title=event.title,
            description=event.body,
            url=site.notice_url(event.notice_id),
            date=date,
        )
    ]
    documents += [
        {
            "id": f"file-{str(a.get('sha256', ''))[:16]}",
            "title": str(a.get("name", "")),
            "description": f"SHA-256 {a.get('sha256', '')}，{a.get('size', 0)} 字节",
        }
        for a in event.attachments
        if isinstance(a, dict) and a.get("sha256")
    ]
    if event.kind in OPENING_KINDS:
        tender["title"] = event.project_name
        tender["status"] = "active"
        buyer = org_ref(event.tenderer_uscc, event.tenderer_name)
        tender["procuringEntity"] = org_ref(event.agency_uscc, event.agency_name) if event.agency_name else buyer
        if event.procedure in PROCUREMENT_METHODS:
            tender["procurementMethod"] = PROCUREMENT_METHODS[event.procedure]
        tender["procurementMethodDetails"] = PROCEDURE_NAMES.get(event.procedure, event.procedure)
        if event.trade_type in MAIN_CATEGORIES:
            tender["mainProcurementCategory"] = MAIN_CATEGORIES[event.trade_type]
        if event.opening_keys:
            tender["submissionMethod"] = ["electronicSubmission"]
    if event.kind == "amendment":
        amendment = {"id": event.notice_id, "date": date, "rationale": event.title, "description": event.body}
        if event.references_notice_id:
            amendment["amendsReleaseID"] = f"notice-{event.references_notice_id}"
        tender["amendments"] = [{**amendment, "releaseID": release_id}]
    if event.kind == "termination":
        tender["status"] = "cancelled"
    if event.kind in ("tender", "invitation", "amendment"):
        if event.bid_deadline:
            period = {"endDate": instant(event.bid_deadline)}
            tender["tenderPeriod"] = {"startDate": date, **period} if event.kind != "amendment" else period
        if event.opening_at:
            opening: dict[str, Any] = {"date": instant(event.opening_at)}
            if event.opening_keys:
                opening["description"] = "网上开标：投标文件在交易平台在线解密、唱标，开标记录经签名后公开"
            tender["bidOpening"] = opening
    tender["documents"] = documents
    return tender


def notice_releases(event: NoticePublished, *, site: Site) -> list[Release]:
    """One release per section of a published notice; none for land and property trades."""
    if event.trade_type not in PUBLISHED_TRADE_TYPES:
        return []
    date = instant(event.published_at)
    release_id = f"notice-{event.notice_id}"
    releases = []
    for section_code in sorted({str(code) for code in event.section_codes}):
        release = release_base(
            site, section_code=section_code, release_id=release_id, date=date, tags=_notice_tags(event)
        )
        if event.kind in OPENING_KINDS:
            buyer_roles = ["buyer"] if event.agency_name else ["buyer", "procuringEntity"]
            release["parties"] = [party(event.tenderer_uscc, event.tenderer_name, buyer_roles)]
            if event.agency_name:
                release["parties"].append(party(event.agency_uscc, event.agency_name, ["procuringEntity"]))
            release["buyer"] = org_ref(event.tenderer_uscc, event.tenderer_name)
            if event.budget_fen is not None:
                # The notice states the project's budget, shared by its sections: planning, not tender.value.
                release["planning"] = {
                    "budget": {
                        "id": event.project_code,
                        "description": "项目预算",
                        "amount": value_of(event.budget_fen),
                        "project": event.project_name,
                        "projectID": event.project_code,
                    }
                }
        release["tender"] = _notice_tender(
            event, section_code=section_code, release_id=release_id, date=date, site=site
        )
        releases.append(release)
    return releases


def freeze_release(event: BidsFrozen, *, site: Site) -> Release:
    """The bids accepted by the deadline, frozen into a signed Merkle root: how many, and the root."""
    date = instant(event.frozen_at)
    release = release_base(site, section_code=event.section_code, release_id="freeze", date=date, tags=["tenderUpdate"])
    release["tender"] = {
        "id": event.section_code,
        "tenderPeriod": {"endDate": instant(event.deadline)},
        "documents": [
            document_page(
                doc_id="bid-freeze",
                title="投标文件封存记录",
                description=(
                    f"投标截止时共 {event.leaf_count} 份投标文件，封存为默克尔根 {event.root}"
                    f"（交易平台签名，公钥标识 {event.key_id}）"
                ),
                url=site.section_url(event.section_code),
                date=date,
            )
        ],
    }
    release["bids"] = {"statistics": [{"id": "bids", "measure": "bids", "value": event.leaf_count, "date": date}]}
    return release


def opening_release(*, section_code: str, body: str, site: Site) -> Release:
    """A signed opening record (开标记录): every bid with its bidder, status and read-out price."""
    record = json.loads(body)
    opening_round = int(record.get("round", 1))
    date = instant(record["recorded_at"])
    release = release_base(
        site, section_code=section_code, release_id=f"opening-{opening_round}", date=date, tags=["tenderUpdate"]
    )
    details: dict[str, dict[str, Any]] = {}
    bidders: dict[str, tuple[str, str]] = {}
    for bid in sorted(record["bids"], key=lambda b: b.get("position", 0)):
        uscc, name = str(bid.get("bidder_uscc") or ""), str(bid.get("bidder") or "")
        detail: dict[str, Any] = {
            "id": bid_id(uscc, name),
            "status": BID_STATUSES.get(str(bid.get("outcome")), "pending"),
            "tenderers": [org_ref(uscc, name)],
        }
        readout = bid.get("readout") if isinstance(bid.get("readout"), dict) else {}
        price = readout.get("price_fen")
        if isinstance(price, int) and not isinstance(price, bool):
            detail["value"] = value_of(price)
        details.setdefault(detail["id"], detail)
        bidders.setdefault(party_id(uscc, name), (uscc, name))
    title = "开标记录" if opening_round == 1 else f"开标记录（第{opening_round}次开标）"
    tender: dict[str, Any] = {"id": section_code}
    bids: dict[str, Any] = {"details": list(details.values())}
    if opening_round == 1:
        # The later opening of a two-envelope tender opens only the bids still in: the counts stay the first's.
        tender["numberOfTenderers"] = len(bidders)
        tender["tenderers"] = [org_ref(uscc, name) for uscc, name in bidders.values()]
        bids["statistics"] = [
            {"id": "bids", "measure": "bids", "value": len(record["bids"]), "date": date},
            {"id": "bidders", "measure": "bidders", "value": len(bidders), "date": date},
            {"id": "electronicBids", "measure": "electronicBids", "value": len(record["bids"]), "date": date},
        ]
    tender["documents"] = [
        document_page(
            doc_id=f"opening-record-{opening_round}",
            kind="bidders",
            title=title,
            description=f"交易平台签名的开标记录，SHA-256 {hashlib.sha256(body.encode('utf-8')).hexdigest()}",
            url=site.section_url(section_code),
            date=date,
        )
    ]
    release["parties"] = [party(uscc, name, ["tenderer"]) for uscc, name in bidders.values()]
    release["tender"] = tender
    release["bids"] = bids
    return release


def draw_release(event: DrawCommitted, *, site: Site) -> Release:
    """The commitment of the section's expert draw, published before the draw."""
    date = instant(event.committed_at)
    release = release_base(
        site, section_code=event.section_code, release_id="expert-draw-commitment", date=date, tags=["tenderUpdate"]
    )
    release["tender"] = {
        "id": event.section_code,
        "documents": [
            document_page(
                doc_id="expert-draw-commitment",
                title="评标专家抽取承诺",
                description=(
                    f"抽取前公布的承诺值（{event.suite}）：{event.commitment}。抽取记录随中标候选人公示公布，"
                    "可用 zhengwu experts verify-draw 对照此承诺值复核"
                ),
                url=site.section_url(event.section_code),
                date=date,
            )
        ],
    }
    return release
