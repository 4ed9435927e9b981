"""The vocabulary of the rules: procedures, periods, limits, objection rules, statuses, the RuleSet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal, get_args

from zhengwu.contexts.identity.roles import Role
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar

_ONE_DAY = dt.timedelta(days=1)

# -- the instruments cited ------------------------------------------------------------------------
# Short names as in ebidding-rules.md §0.2/§0.3; the full titles are what a message shows.
ZBF = "《招标投标法》"
ZBTL = "《招标投标法实施条例》"
CGF = "《政府采购法》"
CGTL = "《政府采购法实施条例》"
GZF = "《企业国有资产法》"
MOF_74 = "《政府采购非招标采购方式管理办法》（财政部令第74号）"
MOF_87 = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"
MOF_110 = "《政府采购框架协议采购方式管理暂行办法》（财政部令第110号）"
MOF_214 = "《政府采购竞争性磋商采购方式管理暂行办法》（财库〔2014〕214号）"
MLR_39 = "《招标拍卖挂牌出让国有建设用地使用权规定》（国土资源部令第39号）"
SASAC_32 = "《企业国有资产交易监督管理办法》（国务院国资委、财政部令第32号）"
PLATFORM = "本平台交易规则"  # a platform policy, not a statute

Source = Literal["law", "web", "gk"]
SOURCE_LABELS: dict[str, str] = {
    "law": "已核对法律原文",
    "web": "据二手转载，待核对",
    "gk": "未核实（含条款序号）",
}

CALENDAR: Literal["calendar"] = "calendar"
WORKING: Literal["working"] = "working"
Unit = Literal["calendar", "working"]
Counting = Literal["interval", "span"]


# -- trade types and procedures -------------------------------------------------------------------


class TradeType(StrEnum):
    CONSTRUCTION = "construction"  # 工程建设项目招标投标
    PROCUREMENT = "procurement"  # 政府采购
    LAND = "land"  # 国有建设用地使用权出让
    PROPERTY = "property"  # 企业国有产权/资产交易


class Procedure(StrEnum):
    CONSTRUCTION_OPEN = "construction.open"  # 公开招标（资格后审）
    CONSTRUCTION_INVITED = "construction.invited"  # 邀请招标
    CONSTRUCTION_OPEN_PREQUALIFICATION = "construction.open_prequalification"  # 公开招标（资格预审）
    CONSTRUCTION_INVITED_PREQUALIFICATION = "construction.invited_prequalification"  # 邀请招标（资格预审）
    PROCUREMENT_OPEN = "procurement.open"  # 公开招标
    PROCUREMENT_INVITED = "procurement.invited"  # 邀请招标
    PROCUREMENT_COMPETITIVE_NEGOTIATION = "procurement.competitive_negotiation"  # 竞争性谈判
    PROCUREMENT_COMPETITIVE_CONSULTATION = "procurement.competitive_consultation"  # 竞争性磋商
    PROCUREMENT_INQUIRY = "procurement.inquiry"  # 询价
    PROCUREMENT_SINGLE_SOURCE = "procurement.single_source"  # 单一来源（含公示）
    PROCUREMENT_FRAMEWORK = "procurement.framework"  # 框架协议采购
    LAND_TENDER = "land.tender"  # 招标出让
    LAND_AUCTION = "land.auction"  # 拍卖出让
    LAND_LISTING = "land.listing"  # 挂牌出让
    PROPERTY_LISTING = "property.listing"  # 国有产权挂牌/竞价


def _procedure_parse(procedure: str) -> Procedure:
    try:
        return Procedure(procedure)
    except ValueError:
        raise InvalidInput(
            f"未知的交易方式“{procedure}”",
            code="procedure_unknown",
            detail={"procedure": procedure, "known": [p.value for p in Procedure]},
        ) from None


def procedure_trade_type(procedure: str) -> TradeType:
    """The trade type a procedure belongs to (``construction.open`` → ``construction``)."""
    return TradeType(_procedure_parse(procedure).value.split(".", 1)[0])


# -- the pieces a rule set is made of -------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A number of calendar days (日) or working days (工作日)."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise InvalidInput("期间必须为非负整数", code="period_invalid", detail={"amount": repr(self.amount)})
        if self.unit not in get_args(Unit):
            raise InvalidInput("期间单位必须为日历日或工作日", code="period_invalid", detail={"unit": repr(self.unit)})

    def add_to(self, day: dt.date, calendar: WorkCalendar) -> dt.date:
        """The day ``amount`` days (or working days) after ``day``; ``day`` itself is not counted."""
        if self.unit == CALENDAR:
            return calendar.calendar_day_add(day, self.amount)
        return calendar.workday_add(day, self.amount)

    def subtract_from(self, day: dt.date, calendar: WorkCalendar) -> dt.date:
        """The day ``amount`` days (or working days) before ``day``; ``day`` itself is not counted."""
        if self.unit == CALENDAR:
            return calendar.calendar_day_add(day, -self.amount)
        return calendar.workday_add(day, -self.amount)

    def label(self) -> str:
        return f"{self.amount}日" if self.unit == CALENDAR else f"{self.amount}个工作日"

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit}


def _cal(amount: int) -> Period:
    return Period(amount, CALENDAR)


def _work(amount: int) -> Period:
    return Period(amount, WORKING)


@dataclass(frozen=True)
class Limit:
    """A statutory period with the article it comes from.

    ``counting`` says whether it separates two events (``interval``) or measures how long something
    lasts (``span``); the two differ only when ``RuleSet.span_start_day_counts`` is set.
    """

    period: Period
    article: str
    source: Source = "law"
    counting: Counting = "interval"


@dataclass(frozen=True)
class Count:
    """A statutory minimum number (of bids, invitees, qualified applicants …)."""

    value: int
    article: str
    source: Source = "law"


@dataclass(frozen=True)
class Citation:
    """A rule without a number (opening at the deadline), with the article it comes from."""

    article: str
    source: Source = "law"


@dataclass(frozen=True)
class Cap:
    """A ceiling as an exact fraction of a base amount (never a float)."""

    ratio: Fraction
    basis: str  # what the ratio is of, in Chinese: 招标项目估算价 / 采购项目预算金额
    article: str
    source: Source = "law"


class ObjectionKind(StrEnum):
    PREQUALIFICATION_DOCUMENTS = "prequalification_documents"  # 对资格预审文件的异议
    TENDER_DOCUMENTS = "tender_documents"  # 对招标（采购）文件的异议/质疑
    OPENING = "opening"  # 对开标的异议
    EVALUATION_RESULT = "evaluation_result"  # 对评标结果（中标候选人）异议 / 对中标、成交结果的质疑
    PROCESS = "process"  # 对采购过程的质疑
    SINGLE_SOURCE_PUBLICITY = "single_source_publicity"  # 对单一来源公示的异议
    INQUIRY = "inquiry"  # 询问


OBJECTION_KIND_LABELS: dict[str, str] = {
    ObjectionKind.PREQUALIFICATION_DOCUMENTS: "对资格预审文件的异议",
    ObjectionKind.TENDER_DOCUMENTS: "对招标（采购）文件的异议",
    ObjectionKind.OPENING: "对开标的异议",
    ObjectionKind.EVALUATION_RESULT: "对评标（中标、成交）结果的异议",
    ObjectionKind.PROCESS: "对采购过程的质疑",
    ObjectionKind.SINGLE_SOURCE_PUBLICITY: "对单一来源采购公示的异议",
    ObjectionKind.INQUIRY: "询问",
}

Window = Literal["before_deadline", "on_the_spot", "within_publicity", "after_reference", "any_time"]


@dataclass(frozen=True)
class ObjectionRule:
    """When one kind of objection may be filed and when its answer is due.

    Windows:
    - ``before_deadline``: on or before the day ``window`` before the submission deadline
      (the bid deadline, or the application deadline for prequalification documents);
    - ``on_the_spot``: at the opening, on its day, answered on the spot (``reply`` is None);
    - ``within_publicity``: not after the end of the publicity period;
    - ``after_reference``: within ``window`` after a reference instant (政府采购 质疑: receipt of the
      documents or the end of their notice period, the end of a procedural step, the end of the
      result notice — 采购条例 第五十三条);
    - ``any_time``: no window (询问).
    The reply is due ``reply`` after the day of filing, or after the end of the publicity period
    when ``reply_from`` is ``publicity_end`` (单一来源 公示异议).
    """

    kind: str
    window: Window
    window_period: Period | None
    window_article: str
    reply: Period | None
    reply_article: str
    reply_from: Literal["filed", "publicity_end"] = "filed"
    suspends: bool = False  # the activity stops until the answer (招标条例 第二十二条、第五十四条)
    source: Source = "law"


@dataclass(frozen=True)
class RegistrationRule:
    """Bidding registration (竞买申请) and its deposit (竞买保证金): land 招拍挂 and property listings.

    Applications open at ``opens`` (the notice's publication, or the start of the listing) and
    close ``close_before`` before the bid deadline (the end of the listing or of the disclosure
    period), at the same time of day as the deadline. The gap leaves the centre time to see the
    bank's confirmation of the deposit before the listing ends (国土资源部令第39号: applications are
    accepted until the time the notice states, which is set before the listing's end for that
    reason). The deposit must be received in full before the same instant.
    """

    close_before: Period
    close_article: str
    deposit_article: str
    opens: Literal["notice", "activity_start"] = "notice"
    source: Source = "gk"


class InsufficientOutcome(StrEnum):
    RETENDER = "retender"  # 重新招标/重新组织采购
    RELIST = "relist"  # 重新挂牌/延期或重新披露
    TERMINATE = "terminate"  # 终止（拍卖）


INSUFFICIENT_OUTCOME_LABELS: dict[str, str] = {
    InsufficientOutcome.RETENDER: "重新招标（采购）",
    InsufficientOutcome.RELIST: "重新挂牌（披露）",
    InsufficientOutcome.TERMINATE: "终止",
}
# Role names as people read them; the codes are identity's roles (rules stay free of imports).
APPROVER_LABELS: dict[str, str] = {"centre_staff": "交易中心工作人员", "regulator": "行政监督人员"}


class SectionStatus(StrEnum):
    DRAFT = "draft"
    PREQUALIFICATION = "prequalification"  # 资格预审: applications taken and reviewed before the invitation
    PUBLISHED = "published"
    ACCEPTING_BIDS = "accepting_bids"
    OPENING = "opening"
    EVALUATING = "evaluating"
    CANDIDATES = "candidates"
    AWARDED = "awarded"
    CONTRACTED = "contracted"
    ARCHIVED = "archived"
    TERMINATED = "terminated"
    FAILED = "failed"


STATUS_LABELS: dict[str, str] = {
    SectionStatus.DRAFT: "草稿",
    SectionStatus.PREQUALIFICATION: "资格预审",
    SectionStatus.PUBLISHED: "已发布",
    SectionStatus.ACCEPTING_BIDS: "接受投标",
    SectionStatus.OPENING: "开标",
    SectionStatus.EVALUATING: "评标",
    SectionStatus.CANDIDATES: "中标候选人公示",
    SectionStatus.AWARDED: "已定标",
    SectionStatus.CONTRACTED: "已签约",
    SectionStatus.ARCHIVED: "已归档",
    SectionStatus.TERMINATED: "已终止",
    SectionStatus.FAILED: "流标",
}


# -- the rule set ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    """Everything the law's clock needs to know about one procedure, as in force from a date."""

    procedure: str
    version: str
    effective_from: dt.date
    title: str  # the procedure's name, e.g. 工程建设项目公开招标
    notice_title: str  # what its opening notice is called, e.g. 招标公告 / 投标邀请书 / 挂牌公告

    # Document sale/provision period (发售期/提供期限), measured from the first day of issue.
    doc_issue_min: Limit | None = None
    # First issue of documents (or the notice) → bid deadline (or end of 公示/信息披露).
    bid_period_min: Limit | None = None
    bid_period_from: Literal["doc_issue", "notice"] = "doc_issue"
    # Land: the notice → start of 投标/拍卖/挂牌, and how long a 挂牌 lasts (its end is the deadline).
    notice_to_start_min: Limit | None = None
    listing_period_min: Limit | None = None
    # Where the start of the activity comes from when ``activity_start`` is not given.
    activity_start: Literal["none", "deadline", "opening_or_deadline", "required"] = "none"
    # Clarification/amendment that may affect bids: notice this long before the deadline, else extend.
    clarification_lead: Limit | None = None

    prequalification: Literal["none", "optional", "required"] = "none"
    prequal_doc_issue_min: Limit | None = None
    prequal_application_min: Limit | None = None
    prequal_application_from: Literal["doc_issue_end", "notice"] = "doc_issue_end"
    prequal_clarification_lead: Limit | None = None
    prequal_passed_min: Count | None = None

    objections: tuple[ObjectionRule, ...] = ()
    candidate_publicity_min: Limit | None = None
    candidate_publicity_publish_within: Limit | None = None
    result_publicity_min: Limit | None = None

    bid_security_cap: Cap | None = None
    bids_min: Count
    bids_insufficient: InsufficientOutcome
    invitees_min: Count | None = None
    competition_min: Count | None = None  # qualified buyers from which an open price contest is due
    opening_at_deadline: Citation | None = None  # opening at the very instant of the bid deadline
    # Land and property: who may bid registers first and pays a deposit (None: no registration).
    registration: RegistrationRule | None = None
    # Bids arrive sealed and are opened together (电子招标投标办法: bids are encrypted and opened
    # online); auctions, listings and single-source procurement have open prices instead.
    sealed_bids: bool = True

    notice_approval_roles: tuple[str, ...] = (Role.CENTRE_STAFF.value,)
    # Platform policy (unverified as law, configurable): deadlines and openings fall on working
    # days, so a period whose last day is a rest day runs to the next working day (民法典 第二百零三条).
    deadline_on_workday: bool = True
    span_start_day_counts: bool = False
    # Lifecycle steps this procedure may skip (see ``SHORTCUTS``).
    skippable_statuses: frozenset[SectionStatus] = field(default_factory=frozenset)

    @property
    def trade_type(self) -> TradeType:
        return procedure_trade_type(self.procedure)

    def objection_rule(self, kind: str) -> ObjectionRule:
        for rule in self.objections:
            if rule.kind == kind:
                return rule
        raise InvalidInput(
            f"{self.title}不适用“{OBJECTION_KIND_LABELS.get(kind, kind)}”",
            code="objection_kind_unknown",
            detail={"kind": kind, "procedure": self.procedure, "known": [r.kind for r in self.objections]},
        )


@dataclass(frozen=True)
class RuleViolation:
    """One way a plan or an act breaks a rule; ``message`` is Chinese, ``detail`` JSON-safe."""

    code: str
    message: str
    article: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "article": self.article, "detail": self.detail}


# -- the rule sets in force -----------------------------------------------------------------------
# Objection windows shared by several procedures.


def _local(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"时间“{name}”必须带时区", code="datetime_naive", detail={"field": name})
    return value.astimezone(CHINA_TZ)


def _local_opt(value: dt.datetime | None, name: str) -> dt.datetime | None:
    return None if value is None else _local(value, name)
