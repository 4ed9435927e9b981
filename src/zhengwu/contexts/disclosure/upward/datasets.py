"""Records of the national data standard's datasets from the events the public platform receives. Pure, no ORM.

Which event gives which dataset (工程建设 = construction, 政府采购 = procurement):

- a tender, pre-qualification or invitation notice → 501 TENDER_PROJECT (per tender project),
  502 SECTION (per section), 503 招标公告与资格预审公告 (per notice and section; the field list
  admits one 23-character section code) — or 550 PURCHASE_PROJECT (per package) for procurement;
- an amendment → a new version of the 503 records of the notice it amends (new deadlines,
  ``IS_POSTPONE``): DATA_TYPE 2;
- an opening record → 506 BID_OPENING_RECORD (per round) and 507 TENDER_LIST (per bidder; the
  commercial round of a two-envelope tender adds the prices: DATA_TYPE 2) — or 556 for procurement;
- the candidates → 510 (per candidate) and 511 中标候选人公示 (per section);
- the award → 513 WIN_RESULT_ANNO, or 553 中标(成交)结果公告 for procurement;
- the contract → 512 CONTRACT_PERFORMANCE (construction; 554 has no field list here).

Not produced: 100 LEGAL_PERSON_BASE (its mandatory fields — legal representative, registered
capital, licence expiry — are not known to this platform), land and property datasets, and
sections whose tender notice never reached this platform (their family and parent are unknown).

Values are written as the standard wants them: instants ``yyyyMMddHHmmss`` in Beijing time,
money in yuan with two decimals, codes from ``CODES``. A mandatory field this platform does not
record (contacts, responsible persons …) is sent as ``NOT_RECORDED`` where ``NOT_RECORDED_FIELDS``
lists it; any other gap is left empty, and the receiving platform's validation says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from zhengwu.contexts.disclosure.upward.standard import dataset_get
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.kernel.clock import CHINA_TZ

NOT_RECORDED = "无"
SEE_NOTICE = "详见招标公告"
CURRENCY = "CNY"  # ISO 4217
OPENING_KINDS = ("tender", "prequalification", "invitation")

# Code-set (代码集) values: the official appendix is not available (ebidding-rules §8.4, §11 item 2).
# Each is the reading a Chinese centre would expect. UNVERIFIED, except dom 21, whose values the
# reference gives. Kept in this one table so that a correction is one line.
CODES: dict[str, str] = {
    "yes": "1",
    "no": "0",
    "code_type_uscc": "1",  # dom 2001 主体代码类别: 统一社会信用代码
    # dom 26 主体角色, numbered in the order of the role datasets 101 招标人 … 106 供应商
    "role_tenderer": "01",
    "role_agency": "02",
    "role_bidder": "03",
    "role_purchaser": "04",
    "role_purchase_agency": "05",
    "organize_self": "1",  # dom 21: 1 自行招标 2 委托招标 3 自行集中 9 其他 (from the reference)
    "organize_entrusted": "2",
    "purchase_organize_self": "1",  # dom 44 采购组织形式: 自行采购
    "purchase_organize_entrusted": "2",  # 委托代理采购
    "enterprise_property_other": "9",  # dom 10005 企业性质: not recorded here, so 其他
    "notice_nature_normal": "1",  # dom 20 公告性质: 1 正常公告 (2 更正公告)
    "bulletin_tender": "1",  # dom 32 公告类型: 招标公告
    "bulletin_prequalification": "2",  # 资格预审公告
    "bulletin_result": "4",  # 中标结果公告 (3 投标邀请书)
    "publicity_candidates": "1",  # dom 13 公示类型: 中标候选人公示
    "margin_pay_form": "1",  # dom 29 保证金递交方式: 银行转账
    "price_form_amount": "1",  # 价款形式代码: 金额 (not a rate)
    "price_unit_yuan": "1",  # 价格单位: 元
    "relate_code": "1",  # 550 RELATE_CODE 项目类别关联代码
}
# dom 1000 招标方式 (招标投标法 第十条: 公开招标, 邀请招标).
TENDER_MODE = {"open": "1", "open_prequalification": "1", "invited": "2", "invited_prequalification": "2"}
# dom 43 采购方式, in the order of 政府采购法 第二十六条, then 磋商 and 框架协议.
PURCHASER_MODE = {
    "open": "1",
    "invited": "2",
    "competitive_negotiation": "3",
    "single_source": "4",
    "inquiry": "5",
    "competitive_consultation": "6",
    "framework": "7",
}
# dom 10 (招标)项目类型, "A" 工程 + 2 digits, from the GB/T 4754 industry; "B" 货物/服务 for procurement.
PROJECT_TYPE_BY_INDUSTRY = {"E47": "A01", "E48": "A02", "E49": "A01", "E50": "A01"}
PROJECT_TYPE_OTHER_WORKS = "A99"
PROJECT_TYPE_PROCUREMENT = "B99"
OUTCOME_LABELS = {"opened": "已解密", "revoked": "视为撤销", "withdrawn": "视为撤回"}
METHOD_LABELS = {
    "comprehensive": "综合评估法",
    "procurement_scoring": "综合评分法",
    "lowest_evaluated_price": "经评审的最低投标价法",
}
# Mandatory fields this platform does not record; they are sent as NOT_RECORDED.
NOT_RECORDED_FIELDS: dict[int, tuple[str, ...]] = {
    501: ("SUPERVISE_DEPT_NAME", "APPROVE_DEPT_NAME", "REPORT_DUTY", "OPERATION_NAME", "TENDER_AGENCY_NAME",
          "TENDER_AGENCY_CODE"),
    503: ("TENDERER_ADDRESS", "TENDERER_CONTACTOR", "TENDERER_PHONE_NUMBER", "TENDERER_EMAIL", "BULLETIN_DUTY",
          "BULLETIN_DUTY_CODE_TYPE"),
    506: ("TENDER_AGENCY_PERSON", "TENDERER_PERSON"),
    507: ("BID_MANAGER", "PM_CODE", "PM_CERTIFICATES", "BIDDER_OPERATION_PERSON", "BIDDER_OPERATION_PERSON_CON"),
    510: ("QUALITY",),
    511: ("BULLETIN_DUTY", "EXAMINER_NAME"),
    513: ("TENDER_AGENCY_CODE", "BULLETIN_DUTY", "EXAMINER_NAME", "PROJECT_LEAD", "PROJECT_LEAD_ID"),
    550: ("PURCHASER_AGENCY_NAME", "PURCHASER_AGENCY_CODE"),
    553: ("PURCHASER_AGENCY_NAME", "PURCHASER_AGENCY_CODE", "CREATOR"),
}  # fmt: skip


@dataclass(frozen=True)
class Site:
    """What the records say about this platform: its public website and its trading system's number."""

    url: str = ""  # base URL of the public website, for the records' URL fields
    media: str = "公共资源交易服务平台"  # NOTICE_MEDIA: where notices and publicity appear
    trade_system_no: str = ""  # TRADE_SYSTEM_NO (12 characters), assigned by the higher level


@dataclass(frozen=True)
class DatasetRecord:
    """One record of a dataset, as this platform reports it.

    ``identity`` names what the record is about, uniquely within its dataset (a tender project
    code, a section code, ``section/USCC`` …): the DATA_KEY is derived from it, so the same
    thing always gets the same key. ``stream`` is the tender project whose records are pushed in
    order. ``facts`` are kept with the record for the datasets that follow; they are not pushed.
    """

    data_no: int
    identity: str
    stream: str
    fields: dict[str, str]
    section_code: str = ""
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SectionContext:
    """What the platform already holds about a section when a later event about it arrives."""

    section: DatasetRecord | None  # its 502 SECTION or 550 PURCHASE_PROJECT record
    openings: tuple[dict[str, Any], ...] = ()  # its verified opening records, round order
    regions: Mapping[str, str] = field(default_factory=dict)  # region codes of market subjects by USCC
    bid_deadline: str | None = None  # ISO 8601, from the freeze of its bids

    @property
    def facts(self) -> dict[str, Any]:
        """The notice's facts kept with the section's record ({} when the section was never reported)."""
        return self.section.facts if self.section is not None else {}

    @property
    def construction(self) -> bool:
        """True for a 工程建设 section (reported as 502), False for a procurement package or an unknown one."""
        return self.section is not None and self.section.data_no == 502


# -- values ---------------------------------------------------------------------------------------

_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def data_key_make(*, system_no: str, data_no: int, identity: str) -> str:
    """The 22-character DATA_KEY: 4-digit system number + DATA_NO + a serial derived from ``identity``.

    The serial is the record's identity hashed (SHA-256) and written in base 36, cut to fill
    the 22 characters: the same record always gets the same key, on every redelivery.
    """
    if len(system_no) != 4 or not system_no.isdigit():
        raise ValueError(f"system number must be 4 digits: {system_no!r}")
    prefix = f"{system_no}{data_no:03d}"
    number = int.from_bytes(hashlib.sha256(f"{data_no}:{identity}".encode()).digest(), "big")
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
    return prefix + "".join(reversed(digits)).rjust(22, "0")[: 22 - len(prefix)]


def stamp(value: Any) -> str:
    """An aware ISO 8601 instant as ``yyyyMMddHHmmss`` in Beijing time; an ISO date as that day's 00:00:00; else ""."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).strftime("%Y%m%d") + "000000"
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return ""
    return parsed.astimezone(CHINA_TZ).strftime("%Y%m%d%H%M%S") if parsed.tzinfo is not None else ""


def beijing_text(value: Any) -> str:
    """An aware ISO 8601 instant as people read it in a text field: ``2026-08-25 09:30`` (Beijing); else ""."""
    text = stamp(value)
    return f"{text[:4]}-{text[4:6]}-{text[6:8]} {text[8:10]}:{text[10:12]}" if text else ""


def yuan(fen: Any) -> str:
    """An amount in fen as yuan with two decimals (``35783600.00``); "" when there is none."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        return ""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def fit(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tender_project_code_of(section_code: str, project_code: str) -> str:
    """The 20-character 招标项目编号 a 23-character section code begins with; else the project's code."""
    return section_code[:20] if len(section_code) == 23 else project_code


def city_region(region_code: str) -> str:
    """The prefecture-level region of a district (530111 → 530100): where the city's centre trades."""
    return region_code[:4] + "00" if len(region_code) == 6 and region_code.isdigit() else region_code


def registered_region(uscc: str, regions: Mapping[str, str]) -> str:
    """Where a subject is registered: its region as the platform knows it, else the one its USCC carries.

    Characters 3–8 of a 统一社会信用代码 are the region code of the registering authority (GB 32100).
    """
    known = regions.get(uscc)
    if known:
        return known
    return uscc[2:8] if len(uscc) == 18 and uscc[2:8].isdigit() else ""


def _procedure(facts: Mapping[str, Any]) -> str:
    return str(facts.get("procedure", "")).partition(".")[2]


def record_make(
    data_no: int, identity: str, stream: str, values: Mapping[str, Any], *, section_code: str = "", **facts: Any
) -> DatasetRecord:
    """A record of ``data_no`` with ``values`` in the dataset's field order, unrecorded mandatory fields filled."""
    spec = dataset_get(data_no)
    filled = set(NOT_RECORDED_FIELDS.get(data_no, ()))
    fields: dict[str, str] = {}
    for rule in spec.fields:
        value = values.get(rule.name)
        text = "" if value is None else str(value).strip()
        if not text and rule.name in filled:
            text = NOT_RECORDED
        if text:
            fields[rule.name] = text
    return DatasetRecord(data_no, identity, stream, fields, section_code=section_code, facts=dict(facts))


def _parties(values: Iterable[str]) -> str:
    return "、".join(v for v in values if v)


# -- notices ----------------------------------------------------------------------------------


def _section_facts(notice: NoticePublished, section: Mapping[str, Any], site: Site) -> dict[str, Any]:
    return {
        "trade_type": notice.trade_type,
        "procedure": notice.procedure,
        "project_code": notice.project_code,
        "project_name": notice.project_name,
        "section_name": str(section.get("name") or section.get("code", "")),
        "deal_code": str(section.get("deal_code") or ""),
        "region_code": notice.region_code,
        "tenderer_name": notice.tenderer_name,
        "tenderer_uscc": notice.tenderer_uscc,
        "agency_name": notice.agency_name or "",
        "agency_uscc": notice.agency_uscc or "",
        "notice_id": notice.notice_id,
        "url": f"{site.url}/sections/{section.get('code', '')}/",
    }


def notice_records(
    notice: NoticePublished, *, site: Site, regions: Mapping[str, str] | None = None
) -> list[DatasetRecord]:
    """The records a tender, pre-qualification or invitation notice gives (none for other kinds or trades)."""
    if notice.kind not in OPENING_KINDS or notice.trade_type not in ("construction", "procurement"):
        return []
    regions = regions or {}
    details = {str(s.get("code")): s for s in notice.sections if isinstance(s, dict)}
    sections = [details.get(code, {"code": code}) for code in notice.section_codes]
    if notice.trade_type == "procurement":
        return [_purchase_project(notice, section, site) for section in sections]
    records: list[DatasetRecord] = []
    for tender_code in dict.fromkeys(tender_project_code_of(str(s["code"]), notice.project_code) for s in sections):
        records.append(_tender_project(notice, tender_code, site, regions))
    records += [_section(notice, section, site) for section in sections]
    if notice.kind != "invitation":
        records += [_notice_503(notice, section, len(sections), site) for section in sections]
    return records


def _tender_project(notice: NoticePublished, code: str, site: Site, regions: Mapping[str, str]) -> DatasetRecord:
    agency = bool(notice.agency_name)
    return record_make(501, code, code, {
        "PROJECT_CODE": notice.project_code,
        "TENDER_PROJECT_CODE": code,
        "IS_TO_LAW": CODES["yes"],
        "TENDER_PROJECT_NAME": notice.project_name,
        "TENDER_PROJECT_TYPE": PROJECT_TYPE_BY_INDUSTRY.get(notice.industry_code, PROJECT_TYPE_OTHER_WORKS),
        "REGION_CODE": notice.region_code,
        "TENDER_CONTENT": notice.body,
        "OWNER_NAME": notice.tenderer_name,
        "TENDERER_NAME": notice.tenderer_name,
        "TENDERER_CODE_TYPE": CODES["code_type_uscc"],
        "TENDERER_CODE": notice.tenderer_uscc,
        "ISUNION": CODES["no"],
        "TENDERER_ROLE": CODES["role_tenderer"],
        "TENDER_AGENCY_NAME": notice.agency_name,
        "TENDER_AGENCY_CODE_TYPE": CODES["code_type_uscc"],
        "TENDER_AGENCY_CODE": notice.agency_uscc,
        "TENDER_AGENCY_ROLE": CODES["role_agency"],
        "TENDER_MODE": TENDER_MODE.get(notice.procedure.partition(".")[2], ""),
        "TENDER_ORGANIZE_FORM": CODES["organize_entrusted" if agency else "organize_self"],
        "CREATE_TIME": stamp(notice.project_created_at) or stamp(notice.published_at),
        "TENDERER_REGION_CODE": registered_region(notice.tenderer_uscc, regions) or notice.region_code,
        "TENDERER_PROPERTY": CODES["enterprise_property_other"],
        "TENDER_AGENCY_REGION_CODE": (registered_region(notice.agency_uscc, regions) if agency else "")
        or notice.region_code,
        "TENDER_AGENCY_PROPERTY": CODES["enterprise_property_other"],
        "TRADE_SYSTEM_NO": site.trade_system_no,
        # Statutory public information is free (ebidding-rules §1.3): no platform fee.
        "TRADE_SYSTEM_FEE": "0",
    })  # fmt: skip


def _section(notice: NoticePublished, section: Mapping[str, Any], site: Site) -> DatasetRecord:
    code = str(section["code"])
    tender_code = tender_project_code_of(code, notice.project_code)
    facts = _section_facts(notice, section, site)
    return record_make(502, code, tender_code, {
        "TENDER_PROJECT_CODE": tender_code,
        "BID_SECTION_CODE": code,
        "BID_SECTION_NAME": facts["section_name"],
        "BID_ECTION_NUM": section.get("attempt") or 1,
        "UNIFIED_DEAL_CODE": facts["deal_code"],
        "BID_TENDER_MODE": TENDER_MODE.get(_procedure(facts), ""),
        "REGION_CODE": notice.region_code,
        "TRA_PLACE_CODE": city_region(notice.region_code),
        "BID_SECTION_CONTENT": facts["section_name"],
        "TENDER_PROJECT_CLASSIFY_CODE": PROJECT_TYPE_BY_INDUSTRY.get(notice.industry_code, "A99").ljust(7, "0"),
        "CONTRACT_RECKON_PRICE": yuan(section.get("estimate_fen")),
        "CURRENCY_CODE": CURRENCY,
        "PRICE_UNIT": CODES["price_unit_yuan"],
        "BID_QUALIFICATION": SEE_NOTICE,
        "CREATE_TIME": stamp(section.get("created_at")) or stamp(notice.published_at),
    }, section_code=code, bid_security_fen=section.get("bid_security_fen") or 0, **facts)  # fmt: skip


def _notice_503(notice: NoticePublished, section: Mapping[str, Any], count: int, site: Site) -> DatasetRecord:
    code = str(section["code"])
    tender_code = tender_project_code_of(code, notice.project_code)
    bulletin = "bulletin_prequalification" if notice.kind == "prequalification" else "bulletin_tender"
    return record_make(503, f"{notice.notice_id}/{code}", tender_code, {
        "TENDER_PROJECT_CODE": tender_code,
        "NOTICE_BID_NUM": count,
        "BID_SECTION_CODES": code,
        "UNIFIED_DEAL_CODES": section.get("deal_code") or "",
        "TENDER_SELF_CODE": notice.project_code,
        "NOTICE_NAME": notice.title,
        "NOTICE_CONTENT": notice.body,
        "NOTICE_SEND_TIME": stamp(notice.published_at),
        "NOTICE_MEDIA": site.media,
        "URL": f"{site.url}/notices/{notice.notice_id}/",
        "NOTICE_NATURE": CODES["notice_nature_normal"],
        "BULLETIN_TYPE": CODES[bulletin],
        "DOC_GET_START_TIME": stamp(notice.doc_issue_start) or stamp(notice.published_at),
        "DOC_GET_END_TIME": stamp(notice.doc_issue_end) or stamp(notice.bid_deadline),
        "TENDER_DOC_GET_METHOD": "登录交易平台在线获取",
        "BID_DOC_REFER_END_TIME": stamp(notice.bid_deadline),
        "IS_POSTPONE": CODES["no"],
        "BID_OPEN_TIME": stamp(notice.opening_at),
        "BID_OPEN_METHOD": "网上开标",
        "DOC_PRICE": yuan(section.get("document_price_fen")),
        "DOC_PRICE_CURRENCY": CURRENCY,
        "DOC_PRICE_UNIT": CODES["price_unit_yuan"],
        "BID_DOC_REFER_METHOD": "通过交易平台在线递交加密投标文件",
        "SYNDICATED_FLAG": CODES["no"],
        "TENDERER_CODE": notice.tenderer_uscc,
        "TENDERER_NAME": notice.tenderer_name,
        "TENDER_AGENCY_CODE": notice.agency_uscc,
        "TENDER_AGENCY_NAME": notice.agency_name,
    }, section_code=code)  # fmt: skip


def amendment_records(amendment: NoticePublished, *, originals: Sequence[DatasetRecord]) -> list[DatasetRecord]:
    """New versions of the amended notice's 503 records: the deadlines the amendment sets, postponed or not."""
    if amendment.kind != "amendment":
        return []
    out = []
    for original in originals:
        if original.data_no != 503 or original.section_code not in amendment.section_codes:
            continue
        values = dict(original.fields)
        deadline, opening = stamp(amendment.bid_deadline), stamp(amendment.opening_at)
        if deadline:
            if deadline > original.fields.get("BID_DOC_REFER_END_TIME", ""):
                values["IS_POSTPONE"] = CODES["yes"]
            values["BID_DOC_REFER_END_TIME"] = deadline
        if opening:
            values["BID_OPEN_TIME"] = opening
        if stamp(amendment.doc_issue_end):
            values["DOC_GET_END_TIME"] = stamp(amendment.doc_issue_end)
        out.append(record_make(503, original.identity, original.stream, values, section_code=original.section_code))
    return out


def _purchase_project(notice: NoticePublished, section: Mapping[str, Any], site: Site) -> DatasetRecord:
    code = str(section["code"])
    facts = _section_facts(notice, section, site)
    agency = bool(notice.agency_name)
    return record_make(550, code, tender_project_code_of(code, notice.project_code), {
        "PURCHASE_PROJECT_CODE": notice.project_code,
        "PURCHASE_PROJECT_NAME": notice.project_name,
        "RELATE_CODE": CODES["relate_code"],
        "TENDER_PROJECT_TYPE": PROJECT_TYPE_PROCUREMENT,
        "PURCHASER_NAME": notice.tenderer_name,
        "PURCHASER_CODE": notice.tenderer_uscc,
        "PURCHASER_ROLE": CODES["role_purchaser"],
        "PRICE_FORM_CODE": CODES["price_form_amount"],
        "PROGRAM_BUDGET": yuan(section.get("estimate_fen")),
        "BUDGET_CURRENCY": CURRENCY,
        "UNIT_BUDGET": CODES["price_unit_yuan"],
        "IS_PROJECT": CODES["no"],
        "PURCHASER_MODE": PURCHASER_MODE.get(_procedure(facts), ""),
        "PURCHASER_CONTENT": facts["section_name"],
        "PURCHASER_ORGANIZE_FORM": CODES["purchase_organize_entrusted" if agency else "purchase_organize_self"],
        "PURCHASER_AGENCY_NAME": notice.agency_name,
        "PURCHASER_AGENCY_CODE": notice.agency_uscc,
        "PURCHASER_AGENCY_ROLE": CODES["role_purchase_agency"],
        "PURCHASE_SECTION_CODE": code,
        "PURCHASE_SECTION_NAME": facts["section_name"],
        "REGION_CODE": notice.region_code,
        "TRA_PLACE_CODE": city_region(notice.region_code),
        "CREATE_TIME": stamp(section.get("created_at")) or stamp(notice.published_at),
        "UNIFIED_DEAL_CODE": facts["deal_code"],
    }, section_code=code, **facts)  # fmt: skip
