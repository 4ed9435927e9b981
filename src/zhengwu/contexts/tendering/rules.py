"""The law's clock for every procedure: pure rules over plain data, no ORM, no I/O.

A procedure (工程公开招标, 竞争性磋商, 土地挂牌 …) is not a copy of code but a ``RuleSet``: its minimum
periods, clarification lead time, objection windows, bid-security cap, minimum number of bids and
who approves its notices. Rule sets are versioned; a tender keeps the set in force on the day it was
published (``ruleset_for``), and a stored version is found again with ``ruleset_get``.

Every number carries the article it comes from and how far that article was checked (``source``):

- ``law``: wording and article number checked against the full text in shared/reference/laws/;
- ``web``: the rule comes from a secondary reprint of a ministerial rule (部门规章/规范性文件) whose
  full text the project does not hold — probably right, to be re-checked against the gazette;
- ``gk``: general knowledge, including every article number of 财政部令74号/87号/110号,
  国土资源部令39号 and 国资委·财政部令32号. Each such number is a field of the rule set, so a
  corrected value is a new rule-set version, not a code change.

How days are counted (民法典 第二百零一条、第二百零三条, see ``zhengwu.kernel.workdays``):

- An *interval* between two events ("自招标文件开始发出之日起至投标截止之日止不得少于20日",
  "投标截止时间至少15日前") does not count the day of the first event: documents first issued on
  1 March allow a bid deadline on 21 March at the earliest, at any time of that day. Working-day
  intervals count the working days after the first day up to and including the second
  (``WorkCalendar.workdays_between``).
- A *span* during which something lasts (发售期, 公示期, 挂牌期, 信息披露期) is counted the same way by
  default. Many notices count the first day ("3月1日至3月5日" as five days); the reference leaves
  the convention unverified (ebidding-rules.md §3.0, §11 item 9), so ``RuleSet.span_start_day_counts``
  switches to that reading. The default is the strict one: lawful under either reading.
- A duty "within N days" (reply to an objection) ends at 24:00 of the N-th day after the day it
  arose, moved off a rest day (民法典 第二百零三条); ``period_deadline`` gives that instant as an
  exclusive bound.
- Comparisons are by Beijing date: a bid deadline counts on the day it falls, whatever the hour.

Datetimes must be timezone-aware (they are converted to China Standard Time); naive ones are
refused with ``InvalidInput(code="datetime_naive")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal, get_args

from zhengwu.contexts.identity.roles import Role
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.money import money_format
from zhengwu.kernel.workdays import WorkCalendar, period_deadline

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

_CONSTRUCTION_OBJECTIONS = (
    ObjectionRule(
        kind=ObjectionKind.TENDER_DOCUMENTS,
        window="before_deadline",
        window_period=_cal(10),  # 投标截止时间10日前提出
        window_article=f"{ZBTL}第二十二条",
        reply=_cal(3),  # 自收到异议之日起3日内答复，答复前暂停招标投标活动
        reply_article=f"{ZBTL}第二十二条",
        suspends=True,
    ),
    ObjectionRule(
        kind=ObjectionKind.OPENING,
        window="on_the_spot",  # 在开标现场提出，当场答复
        window_period=None,
        window_article=f"{ZBTL}第四十四条第三款",
        reply=None,
        reply_article=f"{ZBTL}第四十四条第三款",
    ),
    ObjectionRule(
        kind=ObjectionKind.EVALUATION_RESULT,
        window="within_publicity",  # 在中标候选人公示期间提出
        window_period=None,
        window_article=f"{ZBTL}第五十四条第二款",
        reply=_cal(3),  # 自收到异议之日起3日内答复，答复前暂停
        reply_article=f"{ZBTL}第五十四条第二款",
        suspends=True,
    ),
)

_CONSTRUCTION_PREQUAL_OBJECTION = ObjectionRule(
    kind=ObjectionKind.PREQUALIFICATION_DOCUMENTS,
    window="before_deadline",
    window_period=_cal(2),  # 提交资格预审申请文件截止时间2日前提出
    window_article=f"{ZBTL}第二十二条",
    reply=_cal(3),  # 3日内答复，答复前暂停
    reply_article=f"{ZBTL}第二十二条",
    suspends=True,
)

# 政府采购 质疑: within 7 working days of the day the supplier knew or should have known
# (采购法 第五十二条), that day being fixed by 采购条例 第五十三条; the answer within 7 working days
# (采购法 第五十三条). Where 第五十三条(一) offers two days (receipt of the documents or the end of
# their notice period) the later one is used: the reading that never cuts a supplier's right short.
_PROCUREMENT_CHALLENGES = (
    ObjectionRule(
        kind=ObjectionKind.TENDER_DOCUMENTS,
        window="after_reference",
        window_period=_work(7),
        window_article=f"{CGF}第五十二条；{CGTL}第五十三条第（一）项",
        reply=_work(7),
        reply_article=f"{CGF}第五十三条",
    ),
    ObjectionRule(
        kind=ObjectionKind.PROCESS,
        window="after_reference",
        window_period=_work(7),
        window_article=f"{CGF}第五十二条；{CGTL}第五十三条第（二）项",
        reply=_work(7),
        reply_article=f"{CGF}第五十三条",
    ),
    ObjectionRule(
        kind=ObjectionKind.EVALUATION_RESULT,
        window="after_reference",
        window_period=_work(7),
        window_article=f"{CGF}第五十二条；{CGTL}第五十三条第（三）项",
        reply=_work(7),
        reply_article=f"{CGF}第五十三条",
    ),
    ObjectionRule(
        kind=ObjectionKind.INQUIRY,
        window="any_time",
        window_period=None,
        window_article=f"{CGF}第五十一条",
        reply=_work(3),  # 3个工作日内答复询问
        reply_article=f"{CGTL}第五十二条",
    ),
)

_PROCUREMENT_OPENING_OBJECTION = ObjectionRule(
    kind=ObjectionKind.OPENING,
    window="on_the_spot",  # 对开标过程和开标记录有疑义的，当场提出询问 [GK: 87号令 article number]
    window_period=None,
    window_article=f"{MOF_87}第四十二条",
    reply=None,
    reply_article=f"{MOF_87}第四十二条",
    source="gk",
)

_SKIP_CANDIDATES = frozenset({SectionStatus.CANDIDATES})
_SKIP_EVALUATION = frozenset({SectionStatus.EVALUATING, SectionStatus.CANDIDATES})


def _construction(procedure: Procedure, *, title: str, notice_title: str, invited: bool, prequal: bool) -> RuleSet:
    extra_objections = (_CONSTRUCTION_PREQUAL_OBJECTION,) if prequal else ()
    return RuleSet(
        procedure=procedure.value,
        version="1",
        effective_from=dt.date(2012, 2, 1),  # 招标投标法实施条例 in force (国务院令第613号)
        title=title,
        notice_title=notice_title,
        # 发售期不得少于5日
        doc_issue_min=Limit(_cal(5), f"{ZBTL}第十六条", counting="span"),
        # 自招标文件开始发出之日起至提交投标文件截止之日止，最短不得少于20日
        bid_period_min=Limit(_cal(20), f"{ZBF}第二十四条"),
        # 可能影响投标文件编制的澄清或者修改，投标截止时间至少15日前书面通知；不足15日的顺延
        clarification_lead=Limit(_cal(15), f"{ZBF}第二十三条；{ZBTL}第二十一条"),
        prequalification="required" if prequal else "none",
        # 资格预审文件发售期不得少于5日
        prequal_doc_issue_min=Limit(_cal(5), f"{ZBTL}第十六条", counting="span") if prequal else None,
        # 提交资格预审申请文件的时间，自资格预审文件停止发售之日起不得少于5日
        prequal_application_min=Limit(_cal(5), f"{ZBTL}第十七条") if prequal else None,
        prequal_application_from="doc_issue_end",
        # 提交资格预审申请文件截止时间至少3日前澄清或者修改；不足3日的顺延
        prequal_clarification_lead=Limit(_cal(3), f"{ZBTL}第二十一条") if prequal else None,
        # 通过资格预审的申请人少于3个的，应当重新招标
        prequal_passed_min=Count(3, f"{ZBTL}第十九条第二款") if prequal else None,
        objections=_CONSTRUCTION_OBJECTIONS + extra_objections,
        # 公示期不得少于3日
        candidate_publicity_min=Limit(_cal(3), f"{ZBTL}第五十四条第一款", counting="span"),
        # 自收到评标报告之日起3日内公示中标候选人
        candidate_publicity_publish_within=Limit(_cal(3), f"{ZBTL}第五十四条第一款"),
        # 投标保证金不得超过招标项目估算价的2%
        bid_security_cap=Cap(Fraction(2, 100), "招标项目估算价", f"{ZBTL}第二十六条"),
        # 投标人少于3个的，不得开标，应当重新招标
        bids_min=Count(3, f"{ZBF}第二十八条；{ZBTL}第四十四条第二款"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        # 邀请招标：向3个以上特定的法人或者其他组织发出投标邀请书
        invitees_min=Count(3, f"{ZBF}第十七条") if invited else None,
        # 开标应当在提交投标文件截止时间的同一时间公开进行
        opening_at_deadline=Citation(f"{ZBF}第三十四条；{ZBTL}第四十四条第一款"),
    )


def _procurement_tender(procedure: Procedure, *, title: str, notice_title: str, invited: bool) -> RuleSet:
    return RuleSet(
        procedure=procedure.value,
        version="1",
        effective_from=dt.date(2015, 3, 1),  # 政府采购法实施条例 in force (国务院令第658号)
        title=title,
        notice_title=notice_title,
        # 招标文件的提供期限自开始发出之日起不得少于5个工作日
        doc_issue_min=Limit(_work(5), f"{CGTL}第三十一条第一款", counting="span"),
        # 自招标文件开始发出之日起至投标截止之日止，不得少于20日
        bid_period_min=Limit(_cal(20), f"{CGF}第三十五条"),
        # 可能影响投标文件编制的澄清或者修改，投标截止时间至少15日前书面通知；不足15日的顺延
        clarification_lead=Limit(_cal(15), f"{CGTL}第三十一条第二款"),
        prequalification="optional",
        # 资格预审文件提供期限自公告发布之日起不得少于5个工作日 [GK: 87号令]
        prequal_doc_issue_min=Limit(_work(5), f"{MOF_87}第十九条", source="gk", counting="span"),
        # 提交资格预审申请文件的时间自公告发布之日起不得少于5个工作日
        prequal_application_min=Limit(_work(5), f"{CGTL}第二十一条第二款", counting="span"),
        prequal_application_from="notice",
        # 资格预审文件澄清或者修改：提交申请文件截止时间至少3日前 [GK: 87号令]
        prequal_clarification_lead=Limit(_cal(3), f"{MOF_87}第二十七条", source="gk"),
        objections=(*_PROCUREMENT_CHALLENGES, _PROCUREMENT_OPENING_OBJECTION),
        # 中标公告期限为1个工作日 [WEB: 87号令]
        result_publicity_min=Limit(_work(1), f"{MOF_87}第六十九条", source="web", counting="span"),
        # 投标保证金不得超过采购项目预算金额的2%
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{CGTL}第三十三条"),
        # 符合专业条件的供应商或者对招标文件作实质响应的供应商不足三家的，应予废标；废标后重新组织招标
        bids_min=Count(3, f"{CGF}第三十六条第一款第（一）项、第三十七条"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        # 邀请招标：随机选择三家以上的供应商
        invitees_min=Count(3, f"{CGF}第三十四条") if invited else None,
        # 开标应当在投标截止时间的同一时间进行 [GK: 87号令]
        opening_at_deadline=Citation(f"{MOF_87}第三十九条", source="gk"),
        skippable_statuses=_SKIP_CANDIDATES,
    )


_PROCUREMENT_EFFECTIVE = dt.date(2015, 3, 1)

_RULESETS: tuple[RuleSet, ...] = (
    _construction(
        Procedure.CONSTRUCTION_OPEN,
        title="工程建设项目公开招标",
        notice_title="招标公告",
        invited=False,
        prequal=False,
    ),
    _construction(
        Procedure.CONSTRUCTION_INVITED,
        title="工程建设项目邀请招标",
        notice_title="投标邀请书",
        invited=True,
        prequal=False,
    ),
    _construction(
        Procedure.CONSTRUCTION_OPEN_PREQUALIFICATION,
        title="工程建设项目公开招标（资格预审）",
        notice_title="资格预审公告",
        invited=False,
        prequal=True,
    ),
    _construction(
        Procedure.CONSTRUCTION_INVITED_PREQUALIFICATION,
        title="工程建设项目邀请招标（资格预审）",
        notice_title="资格预审文件（邀请）",
        invited=True,
        prequal=True,
    ),
    _procurement_tender(Procedure.PROCUREMENT_OPEN, title="政府采购公开招标", notice_title="招标公告", invited=False),
    _procurement_tender(
        Procedure.PROCUREMENT_INVITED, title="政府采购邀请招标", notice_title="投标邀请书", invited=True
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_COMPETITIVE_NEGOTIATION.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购竞争性谈判",
        notice_title="竞争性谈判公告（谈判文件）",
        # 从谈判文件发出之日起至提交首次响应文件截止之日止不得少于3个工作日 [GK: 74号令 article]
        bid_period_min=Limit(_work(3), f"{MOF_74}第二十九条", source="gk"),
        # 澄清或者修改：提交首次响应文件截止之日3个工作日前；不足的顺延 [GK]
        clarification_lead=Limit(_work(3), f"{MOF_74}第二十九条", source="gk"),
        objections=_PROCUREMENT_CHALLENGES,
        # 成交结果公告期限为1个工作日 [GK: 74号令 article]
        result_publicity_min=Limit(_work(1), f"{MOF_74}第十八条", source="gk", counting="span"),
        # 保证金数额不超过采购项目预算的2% [GK: 74号令 article]
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{MOF_74}第十四条", source="gk"),
        # 谈判小组确定不少于三家的供应商参加谈判
        bids_min=Count(3, f"{CGF}第三十八条第（三）项"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        invitees_min=Count(3, f"{CGF}第三十八条第（三）项"),
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_COMPETITIVE_CONSULTATION.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购竞争性磋商",
        notice_title="竞争性磋商公告",
        # 磋商文件的发售期限自开始之日起不得少于5个工作日 [WEB: 214号 第十条]
        doc_issue_min=Limit(_work(5), f"{MOF_214}第十条", source="web", counting="span"),
        # 从磋商文件发出之日起至提交首次响应文件截止之日止不得少于10日 [WEB]
        bid_period_min=Limit(_cal(10), f"{MOF_214}第十条", source="web"),
        # 澄清或者修改：提交首次响应文件截止时间至少5日前；不足5日的顺延 [WEB]
        clarification_lead=Limit(_cal(5), f"{MOF_214}第十条", source="web"),
        objections=_PROCUREMENT_CHALLENGES,
        # 成交结果公告期限为1个工作日 [GK]
        result_publicity_min=Limit(_work(1), f"{MOF_214}第二十九条", source="gk", counting="span"),
        # 磋商保证金不得超过采购项目预算的2% [GK]
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{MOF_214}第十二条", source="gk"),
        # 邀请不少于3家符合资格条件的供应商 [GK: 214号 第六条; 财库〔2015〕124号 allows 2 for
        # 政府购买服务 and 科研 projects, not modelled]
        bids_min=Count(3, f"{MOF_214}第六条", source="gk"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        invitees_min=Count(3, f"{MOF_214}第六条", source="gk"),
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_INQUIRY.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购询价",
        notice_title="询价通知书",
        # 从询价通知书发出之日起至提交响应文件截止之日止不得少于3个工作日 [GK: 74号令 article]
        bid_period_min=Limit(_work(3), f"{MOF_74}第四十六条", source="gk"),
        # 澄清或者修改：提交响应文件截止之日3个工作日前；不足的顺延 [GK]
        clarification_lead=Limit(_work(3), f"{MOF_74}第四十六条", source="gk"),
        objections=_PROCUREMENT_CHALLENGES,
        result_publicity_min=Limit(_work(1), f"{MOF_74}第十八条", source="gk", counting="span"),
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{MOF_74}第十四条", source="gk"),
        # 询价小组确定不少于三家的供应商，发出询价通知书
        bids_min=Count(3, f"{CGF}第四十条第（二）项"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        invitees_min=Count(3, f"{CGF}第四十条第（二）项"),
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_SINGLE_SOURCE.value,
        version="1",
        effective_from=_PROCUREMENT_EFFECTIVE,
        title="政府采购单一来源",
        notice_title="单一来源采购公示",
        # The 公示 is the whole notice period: its end plays the part of the bid deadline.
        # 公示期不得少于5个工作日
        bid_period_min=Limit(_work(5), f"{CGTL}第三十八条", counting="span"),
        bid_period_from="notice",
        objections=(
            *_PROCUREMENT_CHALLENGES,
            ObjectionRule(
                kind=ObjectionKind.SINGLE_SOURCE_PUBLICITY,
                window="within_publicity",  # 公示期内提出书面异议 [GK: 74号令 article]
                window_period=None,
                window_article=f"{MOF_74}第三十九条",
                reply=_work(5),  # 公示期满后5个工作日内组织补充论证 [GK]
                reply_article=f"{MOF_74}第四十条",
                reply_from="publicity_end",
                source="gk",
            ),
        ),
        result_publicity_min=Limit(_work(1), f"{MOF_74}第十八条", source="gk", counting="span"),
        # 只能从唯一供应商处采购
        bids_min=Count(1, f"{CGF}第三十一条"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.PROCUREMENT_FRAMEWORK.value,
        version="1",
        effective_from=dt.date(2022, 3, 1),  # 财政部令第110号 in force [GK]
        title="政府采购框架协议采购",
        notice_title="征集公告",
        # All numbers below are [GK]: 110号令 modelled on 公开招标; article numbers not checked.
        doc_issue_min=Limit(_work(5), f"{MOF_110}第二十一条", source="gk", counting="span"),
        bid_period_min=Limit(_cal(20), f"{MOF_110}第二十一条", source="gk"),
        clarification_lead=Limit(_cal(15), f"{MOF_110}第二十一条", source="gk"),
        objections=_PROCUREMENT_CHALLENGES,
        result_publicity_min=Limit(_work(1), f"{MOF_87}第六十九条", source="gk", counting="span"),
        # The general 2% cap of 采购条例 第三十三条 applied by analogy [GK]: 110号令 not checked.
        bid_security_cap=Cap(Fraction(2, 100), "采购项目预算金额", f"{CGTL}第三十三条", source="gk"),
        # 提交响应文件和符合资格条件、实质性要求的供应商应当均不少于2家 [GK]
        bids_min=Count(2, f"{MOF_110}第十四条", source="gk"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.LAND_TENDER.value,
        version="1",
        effective_from=dt.date(2007, 11, 1),  # 国土资源部令第39号 in force
        title="国有建设用地使用权招标出让",
        notice_title="招标出让公告",
        # 至少在投标、拍卖或者挂牌开始日前20日发布公告 [WEB: 39号令; article GK]
        notice_to_start_min=Limit(_cal(20), f"{MLR_39}第八条", source="web"),
        activity_start="deadline",
        # 投标人少于三人的，出让人应当终止招标活动（重新招标） [GK]
        bids_min=Count(3, f"{MLR_39}第十三条", source="gk"),
        bids_insufficient=InsufficientOutcome.RETENDER,
        skippable_statuses=_SKIP_CANDIDATES,
    ),
    RuleSet(
        procedure=Procedure.LAND_AUCTION.value,
        version="1",
        effective_from=dt.date(2007, 11, 1),
        title="国有建设用地使用权拍卖出让",
        notice_title="拍卖出让公告",
        notice_to_start_min=Limit(_cal(20), f"{MLR_39}第八条", source="web"),
        activity_start="opening_or_deadline",
        # 竞买人不足三人的，主持人应当终止拍卖 [GK]
        bids_min=Count(3, f"{MLR_39}第十五条", source="gk"),
        bids_insufficient=InsufficientOutcome.TERMINATE,
        skippable_statuses=_SKIP_EVALUATION,
    ),
    RuleSet(
        procedure=Procedure.LAND_LISTING.value,
        version="1",
        effective_from=dt.date(2007, 11, 1),
        title="国有建设用地使用权挂牌出让",
        notice_title="挂牌出让公告",
        notice_to_start_min=Limit(_cal(20), f"{MLR_39}第八条", source="web"),
        activity_start="required",
        # 挂牌时间不得少于10日; counted as 10 working days, as local rules do and the platform
        # expects (ebidding-rules.md §2.3, §11 item 8) [GK]
        listing_period_min=Limit(_work(10), f"{MLR_39}第十九条", source="gk", counting="span"),
        # A single bidder at or above the reserve price wins; none ⇒ 不成交, listed again [GK]
        bids_min=Count(1, f"{MLR_39}第二十条", source="gk"),
        bids_insufficient=InsufficientOutcome.RELIST,
        skippable_statuses=_SKIP_EVALUATION,
    ),
    RuleSet(
        procedure=Procedure.PROPERTY_LISTING.value,
        version="1",
        effective_from=dt.date(2016, 6, 24),  # 国资委·财政部令第32号 in force [GK]
        title="企业国有产权挂牌转让",
        notice_title="产权转让信息披露公告",
        # 正式披露信息时间不得少于20个工作日 [WEB: 32号令; article GK]; its end is the deadline
        bid_period_min=Limit(_work(20), f"{SASAC_32}第十三条", source="web", counting="span"),
        bid_period_from="notice",
        # 交易结果公告期不少于5个工作日 [WEB]
        result_publicity_min=Limit(_work(5), f"{SASAC_32}第二十九条", source="web", counting="span"),
        # One qualified buyer may take it at not less than the reserve price; none ⇒ 延期或重新披露
        bids_min=Count(1, f"{SASAC_32}第十八条", source="gk"),
        bids_insufficient=InsufficientOutcome.RELIST,
        # 征集产生的受让方为两个以上的，转让应当采用公开竞价的交易方式
        competition_min=Count(2, f"{GZF}第五十四条第二款"),
        skippable_statuses=_SKIP_EVALUATION,
    ),
)


def _registry_build(rulesets: Iterable[RuleSet]) -> dict[str, tuple[RuleSet, ...]]:
    registry: dict[str, list[RuleSet]] = {}
    for ruleset in rulesets:
        registry.setdefault(_procedure_parse(ruleset.procedure).value, []).append(ruleset)
    out: dict[str, tuple[RuleSet, ...]] = {}
    for procedure, versions in registry.items():
        ordered = sorted(versions, key=lambda r: r.effective_from)
        if len({r.version for r in ordered}) != len(ordered) or len({r.effective_from for r in ordered}) != len(
            ordered
        ):
            raise ValueError(f"duplicate rule-set version or date for {procedure}")
        out[procedure] = tuple(ordered)
    missing = {p.value for p in Procedure} - set(out)
    if missing:
        raise ValueError(f"procedures without a rule set: {sorted(missing)}")
    return out


# Append-only: a version once published is never edited, only followed by a newer one.
RULESETS: Mapping[str, tuple[RuleSet, ...]] = _registry_build(_RULESETS)


def _china_day(value: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return _local(value, "on").date()
    if not isinstance(value, dt.date):
        raise TypeError(f"on must be a date, got {type(value).__name__}")
    return value


def ruleset_select(*, rulesets: Iterable[RuleSet], on: dt.date) -> RuleSet | None:
    """The newest of ``rulesets`` in force on ``on`` (None when none is yet in force)."""
    day = _china_day(on)
    in_force = [r for r in rulesets if r.effective_from <= day]
    return max(in_force, key=lambda r: r.effective_from, default=None)


def ruleset_for(*, procedure: str, on: dt.date) -> RuleSet:
    """The rule set of ``procedure`` in force on ``on`` — for a tender, its day of publication."""
    key = _procedure_parse(procedure).value
    found = ruleset_select(rulesets=RULESETS[key], on=on)
    if found is None:
        first = RULESETS[key][0]
        raise InvalidInput(
            f"{_china_day(on).isoformat()}尚无适用于{first.title}的规则（最早自{first.effective_from.isoformat()}起施行）",
            code="ruleset_not_in_force",
            detail={"procedure": key, "on": _china_day(on).isoformat(), "first": first.effective_from.isoformat()},
        )
    return found


def ruleset_get(*, procedure: str, version: str) -> RuleSet:
    """A stored version of a procedure's rule set (a published tender keeps its version)."""
    key = _procedure_parse(procedure).value
    for ruleset in RULESETS[key]:
        if ruleset.version == version:
            return ruleset
    raise InvalidInput(
        f"交易方式“{key}”没有版本“{version}”的规则",
        code="ruleset_version_unknown",
        detail={"procedure": key, "version": version, "known": [r.version for r in RULESETS[key]]},
    )


# -- day arithmetic -------------------------------------------------------------------------------


def _local(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(f"时间“{name}”必须带时区", code="datetime_naive", detail={"field": name})
    return value.astimezone(CHINA_TZ)


def _local_opt(value: dt.datetime | None, name: str) -> dt.datetime | None:
    return None if value is None else _local(value, name)


def _end_min(ruleset: RuleSet, limit: Limit, start: dt.date, calendar: WorkCalendar) -> dt.date:
    """The earliest day a period of ``limit`` begun on ``start`` may end on."""
    period = limit.period
    if limit.counting == "span" and ruleset.span_start_day_counts and period.amount > 0:
        # The first day counts: N days end on the (N-1)th day after it; N working days end on the
        # N-th working day counting from the day before.
        if period.unit == CALENDAR:
            return calendar.calendar_day_add(start, period.amount - 1)
        return calendar.workday_add(start - _ONE_DAY, period.amount)
    return period.add_to(start, calendar)


def _start_max(period: Period, end: dt.date, calendar: WorkCalendar) -> dt.date:
    """The last day an act may happen and still leave ``period`` before the day ``end``.

    It is the day before the N-th day (or working day) counted back from ``end`` inclusive, so that
    the days after it up to ``end`` number at least N: for 15 days before 21 March that is 6 March;
    for 3 working days before a Wednesday it is the Sunday before (Monday, Tuesday, Wednesday).
    """
    return period.subtract_from(end + _ONE_DAY, calendar) - _ONE_DAY


def _interval_holds(period: Period, start: dt.date, end: dt.date, calendar: WorkCalendar) -> bool:
    if period.unit == CALENDAR:
        return (end - start).days >= period.amount
    return calendar.workdays_between(start, end) >= period.amount


def _at_same_time(day: dt.date, like: dt.datetime) -> dt.datetime:
    local = like.astimezone(CHINA_TZ)
    return dt.datetime.combine(day, local.time(), tzinfo=CHINA_TZ).astimezone(like.tzinfo)


def _period_text(limit: Limit) -> str:
    return limit.period.label()


def _violation(code: str, message: str, article: str, **detail: Any) -> RuleViolation:
    return RuleViolation(code=code, message=message, article=article, detail=detail)


def _iso(value: dt.date) -> str:
    return value.isoformat()


# -- timetables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timetable:
    """The earliest lawful dates of a tender published at ``published_at``, and — once a bid
    deadline is chosen — the cut-offs it implies.

    ``*_day`` fields are Beijing dates: the act is lawful at any time of that day or later.
    Cut-offs are exclusive instants (24:00 of the last allowed day).
    """

    procedure: str
    ruleset_version: str
    published_at: dt.datetime
    doc_issue_last_day_min: dt.date | None  # earliest last day of the document sale/provision period
    bid_deadline_earliest_day: dt.date  # earliest day of the bid deadline (挂牌/公示/披露 end)
    activity_start_earliest_day: dt.date | None  # land: earliest start of 投标/拍卖/挂牌
    prequal_doc_issue_last_day_min: dt.date | None
    application_deadline_earliest_day: dt.date | None  # prequalification applications
    bid_deadline: dt.datetime | None = None
    amendment_cutoff: dt.datetime | None = None  # later amendments affecting bids extend the deadline
    objection_cutoffs: tuple[tuple[str, dt.datetime], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        def opt(value: dt.date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "procedure": self.procedure,
            "ruleset_version": self.ruleset_version,
            "published_at": self.published_at.isoformat(),
            "doc_issue_last_day_min": opt(self.doc_issue_last_day_min),
            "bid_deadline_earliest_day": self.bid_deadline_earliest_day.isoformat(),
            "activity_start_earliest_day": opt(self.activity_start_earliest_day),
            "prequal_doc_issue_last_day_min": opt(self.prequal_doc_issue_last_day_min),
            "application_deadline_earliest_day": opt(self.application_deadline_earliest_day),
            "bid_deadline": opt(self.bid_deadline),
            "amendment_cutoff": opt(self.amendment_cutoff),
            "objection_cutoffs": {kind: at.isoformat() for kind, at in self.objection_cutoffs},
        }


def _workday_on_or_after(ruleset: RuleSet, day: dt.date, calendar: WorkCalendar) -> dt.date:
    return calendar.rest_day_rollover(day) if ruleset.deadline_on_workday else day


def timetable_compute(
    *,
    ruleset: RuleSet,
    published_at: dt.datetime,
    calendar: WorkCalendar,
    bid_deadline: dt.datetime | None = None,
    doc_issue_start: dt.datetime | None = None,
) -> Timetable:
    """Every statutory date that follows from publishing at ``published_at``.

    Documents are taken to be issued from publication unless ``doc_issue_start`` says otherwise.
    For prequalification procedures ``published_at`` is the prequalification notice and the
    bid-deadline day is a lower bound (documents issued on the earliest application deadline).
    Given ``bid_deadline``, the amendment and objection cut-offs it implies are added.
    """
    p = _local(published_at, "published_at")
    ds = _local_opt(doc_issue_start, "doc_issue_start") or p
    start = ds.date()

    prequal_doc_last: dt.date | None = None
    application_earliest: dt.date | None = None
    if ruleset.prequalification != "none":
        if ruleset.prequal_doc_issue_min is not None:
            prequal_doc_last = _end_min(ruleset, ruleset.prequal_doc_issue_min, p.date(), calendar)
        if ruleset.prequal_application_min is not None:
            base = (
                prequal_doc_last
                if ruleset.prequal_application_from == "doc_issue_end" and prequal_doc_last is not None
                else p.date()
            )
            application_earliest = _workday_on_or_after(
                ruleset, _end_min(ruleset, ruleset.prequal_application_min, base, calendar), calendar
            )
        if ruleset.prequalification == "required" and application_earliest is not None:
            start = max(start, application_earliest)

    doc_last = _end_min(ruleset, ruleset.doc_issue_min, start, calendar) if ruleset.doc_issue_min else None
    earliest = start
    if ruleset.bid_period_min is not None:
        base = start if ruleset.bid_period_from == "doc_issue" else p.date()
        earliest = _end_min(ruleset, ruleset.bid_period_min, base, calendar)
    activity_earliest: dt.date | None = None
    if ruleset.notice_to_start_min is not None:
        activity_earliest = _end_min(ruleset, ruleset.notice_to_start_min, p.date(), calendar)
        earliest = max(earliest, activity_earliest)
        if ruleset.listing_period_min is not None:
            earliest = _end_min(ruleset, ruleset.listing_period_min, activity_earliest, calendar)
    if doc_last is not None:
        earliest = max(earliest, doc_last)  # the sale must have run its course by the deadline
    earliest = _workday_on_or_after(ruleset, earliest, calendar)

    b = _local_opt(bid_deadline, "bid_deadline")
    amendment_cutoff: dt.datetime | None = None
    cutoffs: list[tuple[str, dt.datetime]] = []
    if b is not None:
        if ruleset.clarification_lead is not None:
            last = _start_max(ruleset.clarification_lead.period, b.date(), calendar)
            amendment_cutoff = period_deadline(last)
        for rule in ruleset.objections:
            if rule.window == "before_deadline" and rule.kind != ObjectionKind.PREQUALIFICATION_DOCUMENTS:
                assert rule.window_period is not None
                cutoffs.append((rule.kind, period_deadline(_start_max(rule.window_period, b.date(), calendar))))
    return Timetable(
        procedure=ruleset.procedure,
        ruleset_version=ruleset.version,
        published_at=published_at,
        doc_issue_last_day_min=doc_last,
        bid_deadline_earliest_day=earliest,
        activity_start_earliest_day=activity_earliest,
        prequal_doc_issue_last_day_min=prequal_doc_last,
        application_deadline_earliest_day=application_earliest,
        bid_deadline=bid_deadline,
        amendment_cutoff=amendment_cutoff,
        objection_cutoffs=tuple(cutoffs),
    )


def _issue_window_check(
    *,
    ruleset: RuleSet,
    limit: Limit | None,
    notice: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    deadline: dt.datetime,
    calendar: WorkCalendar,
    prefix: str,
    what: str,
) -> list[RuleViolation]:
    out: list[RuleViolation] = []
    if start < notice:
        out.append(
            _violation(
                f"{prefix}doc_issue_before_notice",
                f"{what}发售（提供）开始时间不得早于公告（邀请）发出时间",
                "",
                doc_issue_start=start.isoformat(),
                published_at=notice.isoformat(),
            )
        )
    if end <= start:
        out.append(
            _violation(
                f"{prefix}doc_issue_end_before_start",
                f"{what}发售（提供）截止时间必须晚于开始时间",
                "",
                doc_issue_start=start.isoformat(),
                doc_issue_end=end.isoformat(),
            )
        )
        return out
    if end > deadline:
        out.append(
            _violation(
                f"{prefix}doc_issue_after_deadline",
                f"{what}发售（提供）截止时间不得晚于递交截止时间",
                "",
                doc_issue_end=end.isoformat(),
                deadline=deadline.isoformat(),
            )
        )
    if limit is not None:
        last_min = _end_min(ruleset, limit, start.date(), calendar)
        if end.date() < last_min:
            out.append(
                _violation(
                    f"{prefix}doc_issue_period_short",
                    f"{what}发售（提供）期不得少于{_period_text(limit)}（{limit.article}），最早截止于{_iso(last_min)}",
                    limit.article,
                    last_day_min=_iso(last_min),
                    doc_issue_end=end.isoformat(),
                    period=limit.period.as_dict(),
                )
            )
    return out


def _rest_day_violation(
    ruleset: RuleSet, when: dt.datetime, calendar: WorkCalendar, code: str, what: str
) -> RuleViolation | None:
    if ruleset.deadline_on_workday and calendar.is_rest_day(when.date()):
        nxt = calendar.rest_day_rollover(when.date())
        return _violation(
            code,
            f"{what}{_iso(when.date())}不是工作日，请改为工作日（最近为{_iso(nxt)}）",
            f"{PLATFORM}；《民法典》第二百零三条",
            day=_iso(when.date()),
            next_workday=_iso(nxt),
        )
    return None


def timetable_check(
    *,
    ruleset: RuleSet,
    published_at: dt.datetime,
    bid_deadline: dt.datetime,
    calendar: WorkCalendar,
    doc_issue_start: dt.datetime | None = None,
    doc_issue_end: dt.datetime | None = None,
    opening_at: dt.datetime | None = None,
    activity_start: dt.datetime | None = None,
) -> list[RuleViolation]:
    """Every way the planned timetable of a notice breaks its rule set; empty when lawful.

    ``published_at`` is when the notice (or invitation; for prequalification procedures the
    invitation to the qualified applicants) goes out; documents are issued from then until the
    deadline unless ``doc_issue_start``/``doc_issue_end`` say otherwise. For land procedures
    ``activity_start`` is the start of 投标/拍卖/挂牌 (required for 挂牌; for 拍卖 it defaults to the
    opening, for 招标 to the bid deadline). For 单一来源 and 产权挂牌 the "bid deadline" is the end
    of the 公示 / 信息披露 period. The prequalification stage is checked by ``prequalification_check``.
    """
    p = _local(published_at, "published_at")
    b = _local(bid_deadline, "bid_deadline")
    ds = _local_opt(doc_issue_start, "doc_issue_start") or p
    de = _local_opt(doc_issue_end, "doc_issue_end") or b
    o = _local_opt(opening_at, "opening_at")
    s = _local_opt(activity_start, "activity_start")

    if b <= p:
        return [
            _violation(
                "deadline_not_after_notice",
                "截止时间必须晚于公告发布时间",
                "",
                published_at=p.isoformat(),
                bid_deadline=b.isoformat(),
            )
        ]
    out = _issue_window_check(
        ruleset=ruleset,
        limit=ruleset.doc_issue_min,
        notice=p,
        start=ds,
        end=de,
        deadline=b,
        calendar=calendar,
        prefix="",
        what="招标（采购）文件",
    )

    if ruleset.bid_period_min is not None:
        limit = ruleset.bid_period_min
        base = ds if ruleset.bid_period_from == "doc_issue" else p
        earliest = _end_min(ruleset, limit, base.date(), calendar)
        if b.date() < earliest:
            since = "文件开始发出" if ruleset.bid_period_from == "doc_issue" else "公告发布"
            out.append(
                _violation(
                    "bid_period_short",
                    f"自{since}之日起至截止之日止不得少于{_period_text(limit)}（{limit.article}），"
                    f"截止时间最早为{_iso(earliest)}",
                    limit.article,
                    earliest_day=_iso(earliest),
                    bid_deadline=b.isoformat(),
                    period=limit.period.as_dict(),
                )
            )

    if ruleset.notice_to_start_min is not None or ruleset.listing_period_min is not None:
        if s is None:
            if ruleset.activity_start == "required":
                raise InvalidInput(f"{ruleset.title}必须给出挂牌起始时间", code="activity_start_required", detail={})
            s = o if (ruleset.activity_start == "opening_or_deadline" and o is not None) else b
        if ruleset.notice_to_start_min is not None:
            limit = ruleset.notice_to_start_min
            earliest = _end_min(ruleset, limit, p.date(), calendar)
            if s.date() < earliest:
                out.append(
                    _violation(
                        "notice_period_short",
                        f"公告应当至少在投标、拍卖或者挂牌开始日前{_period_text(limit)}发布（{limit.article}），"
                        f"开始时间最早为{_iso(earliest)}",
                        limit.article,
                        earliest_day=_iso(earliest),
                        activity_start=s.isoformat(),
                        period=limit.period.as_dict(),
                    )
                )
        if ruleset.listing_period_min is not None and s > b:
            out.append(
                _violation(
                    "activity_start_after_deadline",
                    "挂牌（投标、拍卖）开始时间不得晚于截止时间",
                    "",
                    activity_start=s.isoformat(),
                    bid_deadline=b.isoformat(),
                )
            )
        elif ruleset.listing_period_min is not None:
            limit = ruleset.listing_period_min
            earliest = _end_min(ruleset, limit, s.date(), calendar)
            if b.date() < earliest:
                out.append(
                    _violation(
                        "listing_period_short",
                        f"挂牌时间不得少于{_period_text(limit)}（{limit.article}），挂牌最早截止于{_iso(earliest)}",
                        limit.article,
                        earliest_day=_iso(earliest),
                        bid_deadline=b.isoformat(),
                        period=limit.period.as_dict(),
                    )
                )

    rest = _rest_day_violation(ruleset, b, calendar, "deadline_on_rest_day", "截止日")
    if rest is not None:
        out.append(rest)

    if o is not None:
        if ruleset.opening_at_deadline is not None and o != b:
            article = ruleset.opening_at_deadline.article
            out.append(
                _violation(
                    "opening_not_at_deadline",
                    f"开标应当在投标截止时间的同一时间进行（{article}）",
                    article,
                    opening_at=o.isoformat(),
                    bid_deadline=b.isoformat(),
                )
            )
        elif o < b:
            out.append(
                _violation(
                    "opening_before_deadline",
                    "开标（开启）时间不得早于截止时间",
                    "",
                    opening_at=o.isoformat(),
                    bid_deadline=b.isoformat(),
                )
            )
        elif o.date() != b.date():
            rest = _rest_day_violation(ruleset, o, calendar, "opening_on_rest_day", "开标日")
            if rest is not None:
                out.append(rest)
    return out


def prequalification_check(
    *,
    ruleset: RuleSet,
    published_at: dt.datetime,
    application_deadline: dt.datetime,
    calendar: WorkCalendar,
    doc_issue_start: dt.datetime | None = None,
    doc_issue_end: dt.datetime | None = None,
) -> list[RuleViolation]:
    """Every way the timetable of a prequalification notice breaks its rule set; empty when lawful.

    The prequalification documents are issued from ``published_at`` until the application
    deadline unless ``doc_issue_start``/``doc_issue_end`` say otherwise.
    """
    if ruleset.prequalification == "none":
        raise InvalidInput(
            f"{ruleset.title}不进行资格预审",
            code="prequalification_not_applicable",
            detail={"procedure": ruleset.procedure},
        )
    p = _local(published_at, "published_at")
    a = _local(application_deadline, "application_deadline")
    ds = _local_opt(doc_issue_start, "doc_issue_start") or p
    de = _local_opt(doc_issue_end, "doc_issue_end") or a
    if a <= p:
        return [
            _violation(
                "application_deadline_not_after_notice",
                "资格预审申请文件递交截止时间必须晚于公告发布时间",
                "",
                published_at=p.isoformat(),
                application_deadline=a.isoformat(),
            )
        ]
    out = _issue_window_check(
        ruleset=ruleset,
        limit=ruleset.prequal_doc_issue_min,
        notice=p,
        start=ds,
        end=de,
        deadline=a,
        calendar=calendar,
        prefix="prequal_",
        what="资格预审文件",
    )
    if ruleset.prequal_application_min is not None:
        limit = ruleset.prequal_application_min
        from_sale_end = ruleset.prequal_application_from == "doc_issue_end"
        base = de if from_sale_end else p
        earliest = _end_min(ruleset, limit, base.date(), calendar)
        if a.date() < earliest:
            since = "资格预审文件停止发售" if from_sale_end else "资格预审公告发布"
            out.append(
                _violation(
                    "application_period_short",
                    f"自{since}之日起提交资格预审申请文件的时间不得少于{_period_text(limit)}（{limit.article}），"
                    f"截止时间最早为{_iso(earliest)}",
                    limit.article,
                    earliest_day=_iso(earliest),
                    application_deadline=a.isoformat(),
                    period=limit.period.as_dict(),
                )
            )
    rest = _rest_day_violation(ruleset, a, calendar, "application_deadline_on_rest_day", "资格预审申请截止日")
    if rest is not None:
        out.append(rest)
    return out


# -- amendments -----------------------------------------------------------------------------------

Stage = Literal["bid", "prequalification"]


def _clarification_lead(ruleset: RuleSet, stage: str) -> Limit | None:
    if stage == "bid":
        return ruleset.clarification_lead
    if stage == "prequalification":
        if ruleset.prequalification == "none":
            raise InvalidInput(
                f"{ruleset.title}不进行资格预审",
                code="prequalification_not_applicable",
                detail={"procedure": ruleset.procedure},
            )
        return ruleset.prequal_clarification_lead
    raise InvalidInput(f"未知的阶段“{stage}”", code="stage_unknown", detail={"stage": stage})


def amendment_deadline(
    *,
    ruleset: RuleSet,
    issued_at: dt.datetime,
    bid_deadline: dt.datetime,
    affects_bid_preparation: bool,
    calendar: WorkCalendar,
    stage: Stage = "bid",
) -> dt.datetime:
    """The lawful deadline after a clarification or amendment issued at ``issued_at``.

    Unchanged when the amendment cannot affect the preparation of bids or enough lead time
    remains; otherwise moved to the earliest lawful day at the original time of day (招标法 第二十三条,
    招标条例 第二十一条, 采购条例 第三十一条 …: 不足15日的，应当顺延). For ``stage="prequalification"``
    ``bid_deadline`` is the application deadline.
    """
    lead = _clarification_lead(ruleset, stage)
    i = _local(issued_at, "issued_at")
    b = _local(bid_deadline, "bid_deadline")
    if i >= b:
        raise InvalidInput(
            "截止时间已过，不能再澄清或修改文件",
            code="amendment_after_deadline",
            detail={"issued_at": i.isoformat(), "bid_deadline": b.isoformat()},
        )
    if not affects_bid_preparation or lead is None:
        return bid_deadline
    if _interval_holds(lead.period, i.date(), b.date(), calendar):
        return bid_deadline
    new_day = _workday_on_or_after(ruleset, lead.period.add_to(i.date(), calendar), calendar)
    return _at_same_time(new_day, bid_deadline)


def amendment_check(
    *,
    ruleset: RuleSet,
    issued_at: dt.datetime,
    bid_deadline: dt.datetime,
    affects_bid_preparation: bool,
    calendar: WorkCalendar,
    stage: Stage = "bid",
) -> RuleViolation | None:
    """The violation of publishing this amendment while keeping ``bid_deadline`` (None if lawful)."""
    lawful = amendment_deadline(
        ruleset=ruleset,
        issued_at=issued_at,
        bid_deadline=bid_deadline,
        affects_bid_preparation=affects_bid_preparation,
        calendar=calendar,
        stage=stage,
    )
    if lawful <= bid_deadline:
        return None
    lead = _clarification_lead(ruleset, stage)
    assert lead is not None
    return _violation(
        "amendment_lead_short",
        f"可能影响文件编制的澄清或修改应当在截止时间至少{_period_text(lead)}前发出（{lead.article}），"
        f"截止时间应顺延至{lawful.astimezone(CHINA_TZ).strftime('%Y-%m-%d %H:%M')}",
        lead.article,
        lawful_deadline=lawful.isoformat(),
        bid_deadline=bid_deadline.isoformat(),
        period=lead.period.as_dict(),
    )


# -- objections -----------------------------------------------------------------------------------


def _reference_missing(kind: str, what: str) -> InvalidInput:
    return InvalidInput(
        f"判断“{OBJECTION_KIND_LABELS.get(kind, kind)}”是否逾期需要{what}",
        code="objection_reference_missing",
        detail={"kind": kind, "missing": what},
    )


def objection_window_check(
    *,
    ruleset: RuleSet,
    kind: str,
    filed_at: dt.datetime,
    bid_deadline: dt.datetime | None,
    publicity_end: dt.datetime | None,
    calendar: WorkCalendar,
    reference_at: dt.datetime | None = None,
) -> RuleViolation | None:
    """Whether an objection (异议/质疑) of ``kind`` filed at ``filed_at`` is within its window.

    ``bid_deadline`` is the submission deadline the objection refers to (for prequalification
    documents, the application deadline; for an opening objection, the opening time).
    ``publicity_end`` ends the publicity period (中标候选人公示, 单一来源公示). For 政府采购 质疑
    the period runs from ``reference_at`` — the day the supplier knew or should have known
    (采购条例 第五十三条: receipt of the documents or end of their notice period, end of the step,
    end of the result notice) — falling back to ``publicity_end``.
    """
    rule = ruleset.objection_rule(kind)
    f = _local(filed_at, "filed_at")
    b = _local_opt(bid_deadline, "bid_deadline")
    pe = _local_opt(publicity_end, "publicity_end")
    label = OBJECTION_KIND_LABELS.get(rule.kind, rule.kind)

    if rule.window == "any_time":
        return None
    if rule.window == "before_deadline":
        if b is None:
            raise _reference_missing(kind, "截止时间")
        assert rule.window_period is not None
        last = _start_max(rule.window_period, b.date(), calendar)
        if f.date() > last:
            return _violation(
                "objection_late",
                f"{label}应当在截止时间{rule.window_period.label()}前提出（{rule.window_article}），"
                f"即不晚于{_iso(last)}",
                rule.window_article,
                last_day=_iso(last),
                filed_at=f.isoformat(),
                deadline=b.isoformat(),
            )
        return None
    if rule.window == "on_the_spot":
        if b is None:
            raise _reference_missing(kind, "开标时间")
        if f < b:
            return _violation(
                "objection_before_opening",
                f"{label}应当在开标现场提出（{rule.window_article}），开标尚未开始",
                rule.window_article,
                filed_at=f.isoformat(),
                opening_at=b.isoformat(),
            )
        if f.date() != b.date():
            return _violation(
                "objection_not_on_the_spot",
                f"{label}应当在开标现场提出（{rule.window_article}），开标当日之后不再受理",
                rule.window_article,
                filed_at=f.isoformat(),
                opening_at=b.isoformat(),
            )
        return None
    if rule.window == "within_publicity":
        if pe is None:
            raise _reference_missing(kind, "公示截止时间")
        if f > pe:
            return _violation(
                "objection_outside_publicity",
                f"{label}应当在公示期间提出（{rule.window_article}），公示已于{pe.strftime('%Y-%m-%d %H:%M')}结束",
                rule.window_article,
                filed_at=f.isoformat(),
                publicity_end=pe.isoformat(),
            )
        return None
    # after_reference: 政府采购 质疑
    ref = _local_opt(reference_at, "reference_at") or pe
    if ref is None:
        raise _reference_missing(kind, "起算时间（知道或者应知权益受损之日）")
    assert rule.window_period is not None
    last = rule.window_period.add_to(ref.date(), calendar)
    if rule.window_period.unit == CALENDAR:
        last = calendar.rest_day_rollover(last)
    if f >= period_deadline(last):
        return _violation(
            "objection_late",
            f"{label}应当在知道或者应知其权益受到损害之日起{rule.window_period.label()}内提出"
            f"（{rule.window_article}），即不晚于{_iso(last)}",
            rule.window_article,
            last_day=_iso(last),
            filed_at=f.isoformat(),
            reference_at=ref.isoformat(),
        )
    return None


def objection_reply_due(
    *,
    ruleset: RuleSet,
    kind: str,
    filed_at: dt.datetime,
    calendar: WorkCalendar,
    publicity_end: dt.datetime | None = None,
) -> dt.datetime:
    """When the answer to an objection is due: an exclusive instant (24:00 of the last day).

    On-the-spot objections are answered on the spot: the due instant is the filing instant.
    For a 单一来源 公示 objection the period runs from the end of the 公示 (``publicity_end``).
    """
    rule = ruleset.objection_rule(kind)
    f = _local(filed_at, "filed_at")
    if rule.reply is None:
        return filed_at
    start = f.date()
    if rule.reply_from == "publicity_end":
        pe = _local_opt(publicity_end, "publicity_end")
        if pe is None:
            raise _reference_missing(kind, "公示截止时间")
        start = max(start, pe.date())
    if rule.reply.unit == CALENDAR:
        last = calendar.period_last_day(start, rule.reply.amount)
    else:
        last = calendar.workday_period_last_day(start, rule.reply.amount)
    return period_deadline(last)


# -- publicity ------------------------------------------------------------------------------------

PublicityKind = Literal["candidates", "result"]


def _publicity_limit(ruleset: RuleSet, kind: str) -> Limit:
    limit = {"candidates": ruleset.candidate_publicity_min, "result": ruleset.result_publicity_min}.get(kind)
    if limit is None:
        raise InvalidInput(
            f"{ruleset.title}没有“{kind}”公示期规定",
            code="publicity_kind_unknown",
            detail={"kind": kind, "procedure": ruleset.procedure},
        )
    return limit


def publicity_last_day_min(
    *, ruleset: RuleSet, kind: PublicityKind, start: dt.datetime, calendar: WorkCalendar
) -> dt.date:
    """The earliest last day of a publicity period (中标候选人公示, 结果公告) begun at ``start``."""
    limit = _publicity_limit(ruleset, kind)
    return _end_min(ruleset, limit, _local(start, "start").date(), calendar)


def candidate_publicity_due(
    *, ruleset: RuleSet, report_received_at: dt.datetime, calendar: WorkCalendar
) -> dt.datetime:
    """By when the candidates must be published (招标条例 第五十四条: 收到评标报告之日起3日内)."""
    limit = ruleset.candidate_publicity_publish_within
    if limit is None:
        raise InvalidInput(
            f"{ruleset.title}没有中标候选人公示", code="publicity_kind_unknown", detail={"kind": "candidates"}
        )
    received = _local(report_received_at, "report_received_at").date()
    if limit.period.unit == CALENDAR:
        return period_deadline(calendar.period_last_day(received, limit.period.amount))
    return period_deadline(calendar.workday_period_last_day(received, limit.period.amount))


def publicity_check(
    *,
    ruleset: RuleSet,
    kind: PublicityKind,
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    report_received_at: dt.datetime | None = None,
) -> RuleViolation | None:
    """Whether a publicity period from ``start`` to ``end`` is long enough (and, for candidates with
    ``report_received_at`` given, started in time)."""
    limit = _publicity_limit(ruleset, kind)
    s = _local(start, "start")
    e = _local(end, "end")
    if report_received_at is not None and kind == "candidates":
        due = candidate_publicity_due(ruleset=ruleset, report_received_at=report_received_at, calendar=calendar)
        if s >= due:
            within = ruleset.candidate_publicity_publish_within
            assert within is not None
            return _violation(
                "publicity_late",
                f"应当自收到评标报告之日起{_period_text(within)}内公示中标候选人（{within.article}）",
                within.article,
                due=due.isoformat(),
                start=s.isoformat(),
            )
    last_min = _end_min(ruleset, limit, s.date(), calendar)
    if e <= s or e.date() < last_min:
        return _violation(
            "publicity_period_short",
            f"公示期不得少于{_period_text(limit)}（{limit.article}），最早结束于{_iso(last_min)}",
            limit.article,
            last_day_min=_iso(last_min),
            start=s.isoformat(),
            end=e.isoformat(),
            period=limit.period.as_dict(),
        )
    return None


# -- money and counts -----------------------------------------------------------------------------


def _require_fen(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{name}必须是以分为单位的整数", code="money_invalid", detail={"field": name})
    return value


def _percent_text(ratio: Fraction) -> str:
    percent = ratio * 100
    return f"{(Decimal(percent.numerator) / Decimal(percent.denominator)).normalize():f}%"


def bid_security_check(*, ruleset: RuleSet, estimate_fen: int, security_fen: int) -> RuleViolation | None:
    """Whether the bid security asked for stays within the cap (exact arithmetic on fen)."""
    estimate = _require_fen(estimate_fen, "估算价（预算）")
    security = _require_fen(security_fen, "投标保证金")
    if estimate <= 0:
        raise InvalidInput("估算价（预算）必须大于零", code="estimate_invalid", detail={"estimate_fen": estimate})
    if security < 0:
        raise InvalidInput("投标保证金不能为负数", code="bid_security_negative", detail={"security_fen": security})
    cap = ruleset.bid_security_cap
    if cap is None:
        return None
    # security / estimate <= p / q  ⇔  security * q <= estimate * p (no rounding anywhere)
    if security * cap.ratio.denominator <= estimate * cap.ratio.numerator:
        return None
    limit_fen = estimate * cap.ratio.numerator // cap.ratio.denominator
    percent_text = _percent_text(cap.ratio)
    return _violation(
        "bid_security_over_cap",
        f"投标保证金不得超过{cap.basis}的{percent_text}（{cap.article}），即不超过{money_format(limit_fen)}元",
        cap.article,
        security_fen=security,
        estimate_fen=estimate,
        cap_fen=limit_fen,
        ratio=f"{cap.ratio.numerator}/{cap.ratio.denominator}",
    )


def _require_count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInput("数量必须为非负整数", code="count_invalid", detail={"count": repr(count)})
    return count


def bids_sufficient(*, ruleset: RuleSet, count: int) -> bool:
    """Whether ``count`` bids (responses, registered bidders) allow the procedure to go on."""
    return _require_count(count) >= ruleset.bids_min.value


def bids_insufficient_outcome(*, ruleset: RuleSet) -> str:
    """What happens when too few bids arrive: ``retender``, ``relist`` or ``terminate``."""
    return ruleset.bids_insufficient.value


def invitees_sufficient(*, ruleset: RuleSet, count: int) -> bool:
    """Whether enough suppliers/bidders are invited (True where the procedure sets no minimum)."""
    n = _require_count(count)
    return ruleset.invitees_min is None or n >= ruleset.invitees_min.value


def prequal_passed_sufficient(*, ruleset: RuleSet, count: int) -> bool:
    """Whether enough applicants passed prequalification (招标条例 第十九条: fewer than 3 ⇒ re-tender)."""
    n = _require_count(count)
    return ruleset.prequal_passed_min is None or n >= ruleset.prequal_passed_min.value


def competition_required(*, ruleset: RuleSet, count: int) -> bool:
    """Whether ``count`` qualified buyers make an open price contest necessary (国资法 第五十四条)."""
    n = _require_count(count)
    return ruleset.competition_min is not None and n >= ruleset.competition_min.value


def notice_approval_roles(*, ruleset: RuleSet) -> tuple[str, ...]:
    """The roles that must approve a notice before it is published (each one, in this order)."""
    return ruleset.notice_approval_roles


# -- the section lifecycle ------------------------------------------------------------------------
_S = SectionStatus

TRANSITIONS: dict[SectionStatus, frozenset[SectionStatus]] = {
    _S.DRAFT: frozenset({_S.PUBLISHED, _S.TERMINATED}),
    _S.PUBLISHED: frozenset({_S.ACCEPTING_BIDS, _S.TERMINATED}),
    # Too few bids at the deadline: no opening, the section fails (招标条例 第四十四条第二款).
    _S.ACCEPTING_BIDS: frozenset({_S.OPENING, _S.FAILED, _S.TERMINATED}),
    _S.OPENING: frozenset({_S.EVALUATING, _S.AWARDED, _S.FAILED, _S.TERMINATED}),
    _S.EVALUATING: frozenset({_S.CANDIDATES, _S.AWARDED, _S.FAILED, _S.TERMINATED}),
    # An objection upheld during the publicity sends the section back to evaluation.
    _S.CANDIDATES: frozenset({_S.AWARDED, _S.EVALUATING, _S.FAILED, _S.TERMINATED}),
    _S.AWARDED: frozenset({_S.CONTRACTED, _S.FAILED, _S.TERMINATED}),
    _S.CONTRACTED: frozenset({_S.ARCHIVED}),
    # A failed section is tendered again (重新招标) or closed.
    _S.FAILED: frozenset({_S.DRAFT, _S.ARCHIVED}),
    _S.TERMINATED: frozenset({_S.ARCHIVED}),
    _S.ARCHIVED: frozenset(),
}

# Transitions that jump over steps, with the steps they skip: allowed only to procedures whose
# rule set lists every skipped step in ``skippable_statuses`` (auctions and listings are decided
# at the close; procurement publishes results without a candidate publicity).
SHORTCUTS: dict[tuple[SectionStatus, SectionStatus], frozenset[SectionStatus]] = {
    (_S.OPENING, _S.AWARDED): frozenset({_S.EVALUATING, _S.CANDIDATES}),
    (_S.EVALUATING, _S.AWARDED): frozenset({_S.CANDIDATES}),
}


def _status_parse(value: str, name: str) -> SectionStatus:
    try:
        return SectionStatus(value)
    except ValueError:
        raise InvalidInput(
            f"未知的标段状态“{value}”",
            code="status_unknown",
            detail={"field": name, "status": value, "known": [s.value for s in SectionStatus]},
        ) from None


def transition_check(*, current: str, target: str, ruleset: RuleSet | None = None) -> RuleViolation | None:
    """Whether a section may move from ``current`` to ``target`` (None if it may).

    With ``ruleset`` the procedure's own steps are enforced too: a construction tender cannot go
    from evaluation to award without publishing its candidates.
    """
    cur = _status_parse(current, "current")
    tgt = _status_parse(target, "target")
    allowed = TRANSITIONS[cur]
    if tgt not in allowed:
        return _violation(
            "transition_invalid",
            f"标段不能从“{STATUS_LABELS[cur]}”变为“{STATUS_LABELS[tgt]}”",
            "",
            current=cur.value,
            target=tgt.value,
            allowed=sorted(s.value for s in allowed),
        )
    skipped = SHORTCUTS.get((cur, tgt))
    if ruleset is not None and skipped is not None and not skipped <= ruleset.skippable_statuses:
        missing = sorted(skipped - ruleset.skippable_statuses)
        article = ruleset.candidate_publicity_min.article if ruleset.candidate_publicity_min else ""
        return _violation(
            "transition_skips_required_step",
            f"{ruleset.title}不能跳过“{'、'.join(STATUS_LABELS[s] for s in missing)}”",
            article,
            current=cur.value,
            target=tgt.value,
            skipped=[s.value for s in missing],
        )
    return None


# -- a readable table of a rule set ---------------------------------------------------------------


def rules_table(*, ruleset: RuleSet) -> list[dict[str, str]]:
    """The rule set as rows for a page or a report: what, value, article, how it was checked."""
    rows: list[dict[str, str]] = []

    def add(what: str, value: str, article: str, source: Source) -> None:
        rows.append({"rule": what, "value": value, "article": article, "source": source})

    def limit(what: str, item: Limit | None, prefix: str = "≥") -> None:
        if item is not None:
            add(what, f"{prefix}{item.period.label()}", item.article, item.source)

    limit("文件发售（提供）期", ruleset.doc_issue_min)
    since = "文件开始发出" if ruleset.bid_period_from == "doc_issue" else "公告发布"
    limit(f"自{since}至截止", ruleset.bid_period_min)
    limit("公告发布至投标/拍卖/挂牌开始", ruleset.notice_to_start_min)
    limit("挂牌期", ruleset.listing_period_min)
    limit("澄清或修改距截止时间", ruleset.clarification_lead)
    limit("资格预审文件发售期", ruleset.prequal_doc_issue_min)
    limit("资格预审申请文件递交时间", ruleset.prequal_application_min)
    limit("资格预审文件澄清或修改距截止时间", ruleset.prequal_clarification_lead)
    if ruleset.prequal_passed_min is not None:
        item = ruleset.prequal_passed_min
        add("通过资格预审的申请人", f"≥{item.value}", item.article, item.source)
    for rule in ruleset.objections:
        label = OBJECTION_KIND_LABELS.get(rule.kind, rule.kind)
        window = {
            "before_deadline": f"截止时间{rule.window_period.label() if rule.window_period else ''}前提出",
            "on_the_spot": "开标现场提出",
            "within_publicity": "公示期间提出",
            "after_reference": f"知道或应知之日起{rule.window_period.label() if rule.window_period else ''}内提出",
            "any_time": "随时",
        }[rule.window]
        add(f"{label}：期限", window, rule.window_article, rule.source)
        reply = "当场答复" if rule.reply is None else f"{rule.reply.label()}内答复"
        if rule.reply_from == "publicity_end":
            reply = f"公示期满后{reply}"
        if rule.suspends:
            reply += "，答复前暂停"
        add(f"{label}：答复", reply, rule.reply_article, rule.source)
    limit("中标候选人公示期", ruleset.candidate_publicity_min)
    limit("收到评标报告后公示中标候选人", ruleset.candidate_publicity_publish_within, prefix="≤")
    limit("结果公告期", ruleset.result_publicity_min)
    if ruleset.bid_security_cap is not None:
        cap = ruleset.bid_security_cap
        add("投标保证金上限", f"≤{cap.basis}的{_percent_text(cap.ratio)}", cap.article, cap.source)
    item = ruleset.bids_min
    outcome = INSUFFICIENT_OUTCOME_LABELS.get(ruleset.bids_insufficient, ruleset.bids_insufficient.value)
    add("最少投标（响应）人数", f"≥{item.value}（不足：{outcome}）", item.article, item.source)
    if ruleset.invitees_min is not None:
        item = ruleset.invitees_min
        add("最少邀请人数", f"≥{item.value}", item.article, item.source)
    if ruleset.competition_min is not None:
        item = ruleset.competition_min
        add("公开竞价", f"合格受让方≥{item.value}", item.article, item.source)
    if ruleset.opening_at_deadline is not None:
        cited = ruleset.opening_at_deadline
        add("开标时间", "与投标截止时间同一时间", cited.article, cited.source)
    approvers = "、".join(APPROVER_LABELS.get(role, role) for role in ruleset.notice_approval_roles)
    add("公告发布前审核", approvers, PLATFORM, "gk")
    if ruleset.deadline_on_workday:
        add("截止日、开标日", "工作日", f"{PLATFORM}；《民法典》第二百零三条", "gk")
    return rows
