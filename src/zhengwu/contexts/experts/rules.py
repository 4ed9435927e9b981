"""The rules of the expert draw (专家抽取): committee composition and avoidance (回避).

Plain data and functions, no database, no Django — ``verify.py`` (the ``zhengwu experts
verify-draw`` command) imports this module outside any server. Articles are cited as in
ebidding-rules.md §5; ``source`` says how far the citation was checked, as in the tendering
rules: ``law`` against the statute's text, ``web`` from a reprint, ``gk`` not verified (the
article number included). Numbers a trading centre sets itself are settings
(``AvoidancePolicy``), not statute.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, Literal, NamedTuple

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.uscc import uscc_normalize

ZBF = "《招标投标法》"
ZBTL = "《招标投标法实施条例》"
CGF = "《政府采购法》"
CGTL = "《政府采购法实施条例》"
MOF_74 = "《政府采购非招标采购方式管理办法》（财政部令第74号）"
MOF_87 = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"
MOF_198 = "《政府采购评审专家管理办法》（财库〔2016〕198号）"
MOF_214 = "《政府采购竞争性磋商采购方式管理暂行办法》（财库〔2014〕214号）"
NDRC_12 = "《评标委员会和评标方法暂行规定》（七部委令第12号）"
PLATFORM = "本平台交易规则"  # a platform policy, not a statute

Source = Literal["law", "web", "gk"]


@dataclass(frozen=True)
class RuleViolation:
    """One way a committee or a request breaks a rule; ``message`` is Chinese, ``detail`` JSON-safe.

    The same shape as the tendering rules' violations (a context may not import another's rules).
    """

    code: str
    message: str
    article: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "article": self.article, "detail": self.detail}


def _require_int(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(
            f"{name}必须是不小于{minimum}的整数", code="number_invalid", detail={"field": name, "value": repr(value)}
        )
    return value


# -- committee composition ------------------------------------------------------------------------


class CommitteeKind(StrEnum):
    CONSTRUCTION_EVALUATION = "construction.evaluation"  # 工程建设项目 评标委员会
    PROCUREMENT_EVALUATION = "procurement.evaluation"  # 政府采购 评标委员会（公开/邀请招标）
    PROCUREMENT_NEGOTIATION = "procurement.negotiation"  # 竞争性谈判小组
    PROCUREMENT_INQUIRY = "procurement.inquiry"  # 询价小组
    PROCUREMENT_CONSULTATION = "procurement.consultation"  # 竞争性磋商小组


COMMITTEE_LABELS: dict[str, str] = {
    CommitteeKind.CONSTRUCTION_EVALUATION: "评标委员会",
    CommitteeKind.PROCUREMENT_EVALUATION: "评标委员会",
    CommitteeKind.PROCUREMENT_NEGOTIATION: "竞争性谈判小组",
    CommitteeKind.PROCUREMENT_INQUIRY: "询价小组",
    CommitteeKind.PROCUREMENT_CONSULTATION: "竞争性磋商小组",
}


@dataclass(frozen=True)
class CommitteeRule:
    """Size and composition of one kind of committee, with the articles behind the numbers.

    ``large_min`` applies to a procurement evaluation committee whose budget reaches
    ``large_budget_fen`` or that is technically complex or of high social impact;
    ``threshold_min`` to a negotiation or inquiry group whose project reaches the open-tender
    threshold (公开招标数额标准).
    """

    kind: CommitteeKind
    min_size: int
    odd: bool
    expert_share: Fraction  # experts (技术、经济等方面的专家 / 评审专家) ≥ this share of all members
    article: str
    source: Source = "law"
    large_min: int | None = None
    large_budget_fen: int | None = None
    large_article: str = ""
    large_source: Source = "law"
    threshold_min: int | None = None
    threshold_article: str = ""
    threshold_source: Source = "law"


_TWO_THIRDS = Fraction(2, 3)

COMMITTEE_RULES: dict[CommitteeKind, CommitteeRule] = {
    # 招标投标法 第三十七条: 五人以上单数，技术、经济等方面的专家不得少于成员总数的三分之二.
    CommitteeKind.CONSTRUCTION_EVALUATION: CommitteeRule(
        kind=CommitteeKind.CONSTRUCTION_EVALUATION,
        min_size=5,
        odd=True,
        expert_share=_TWO_THIRDS,
        article=f"{ZBF}第三十七条",
    ),
    # 87号令 第四十七条: 5人以上单数，评审专家不少于三分之二；预算1000万元以上（“以上”含本数）、
    # 技术复杂或社会影响较大的 7人以上单数.
    CommitteeKind.PROCUREMENT_EVALUATION: CommitteeRule(
        kind=CommitteeKind.PROCUREMENT_EVALUATION,
        min_size=5,
        odd=True,
        expert_share=_TWO_THIRDS,
        article=f"{MOF_87}第四十七条",
        source="web",
        large_min=7,
        large_budget_fen=10_000_000_00,
        large_article=f"{MOF_87}第四十七条第二款",
        large_source="web",
    ),
    # 政府采购法 第三十八条 / 第四十条: 三人以上的单数，专家不得少于成员总数的三分之二；
    # 74号令 第七条: 达到公开招标数额标准的，5人以上单数.
    CommitteeKind.PROCUREMENT_NEGOTIATION: CommitteeRule(
        kind=CommitteeKind.PROCUREMENT_NEGOTIATION,
        min_size=3,
        odd=True,
        expert_share=_TWO_THIRDS,
        article=f"{CGF}第三十八条",
        threshold_min=5,
        threshold_article=f"{MOF_74}第七条",
        threshold_source="gk",
    ),
    CommitteeKind.PROCUREMENT_INQUIRY: CommitteeRule(
        kind=CommitteeKind.PROCUREMENT_INQUIRY,
        min_size=3,
        odd=True,
        expert_share=_TWO_THIRDS,
        article=f"{CGF}第四十条",
        threshold_min=5,
        threshold_article=f"{MOF_74}第七条",
        threshold_source="gk",
    ),
    # 214号 第十四条: 3人以上单数，评审专家不少于三分之二 (it sets no 5-member rule of its own).
    CommitteeKind.PROCUREMENT_CONSULTATION: CommitteeRule(
        kind=CommitteeKind.PROCUREMENT_CONSULTATION,
        min_size=3,
        odd=True,
        expert_share=_TWO_THIRDS,
        article=f"{MOF_214}第十四条",
        source="web",
    ),
}

# The tendering context's procedure codes (``tendering.rules.Procedure``) → the committee that
# evaluates; procedures without a drawn committee (单一来源, 框架协议, land, property) map to nothing.
_PROCEDURE_COMMITTEE: dict[str, CommitteeKind] = {
    "construction.open": CommitteeKind.CONSTRUCTION_EVALUATION,
    "construction.invited": CommitteeKind.CONSTRUCTION_EVALUATION,
    "construction.open_prequalification": CommitteeKind.CONSTRUCTION_EVALUATION,
    "construction.invited_prequalification": CommitteeKind.CONSTRUCTION_EVALUATION,
    "procurement.open": CommitteeKind.PROCUREMENT_EVALUATION,
    "procurement.invited": CommitteeKind.PROCUREMENT_EVALUATION,
    "procurement.competitive_negotiation": CommitteeKind.PROCUREMENT_NEGOTIATION,
    "procurement.inquiry": CommitteeKind.PROCUREMENT_INQUIRY,
    "procurement.competitive_consultation": CommitteeKind.PROCUREMENT_CONSULTATION,
}


def committee_kind_for(*, procedure: str) -> CommitteeKind | None:
    """The committee that evaluates under ``procedure`` (a tendering procedure code), or None."""
    return _PROCEDURE_COMMITTEE.get(procedure)


def _committee_rule(kind: str) -> CommitteeRule:
    try:
        return COMMITTEE_RULES[CommitteeKind(kind)]
    except ValueError:
        raise InvalidInput(
            f"未知的评审委员会类型“{kind}”",
            code="committee_kind_unknown",
            detail={"kind": kind, "known": [k.value for k in CommitteeKind]},
        ) from None


def committee_minimum(
    *,
    kind: str,
    budget_fen: int | None = None,
    complex_project: bool = False,
    high_impact: bool = False,
    at_open_tender_threshold: bool = False,
) -> tuple[int, str, Source]:
    """The least number of members ``kind`` may have here, with the article and its source."""
    rule = _committee_rule(kind)
    if budget_fen is not None:
        _require_int(budget_fen, "采购预算")
    if rule.large_min is not None:
        large_budget = (
            budget_fen is not None and rule.large_budget_fen is not None and budget_fen >= rule.large_budget_fen
        )
        if large_budget or complex_project or high_impact:
            return rule.large_min, rule.large_article, rule.large_source
    if rule.threshold_min is not None and at_open_tender_threshold:
        return rule.threshold_min, rule.threshold_article, rule.threshold_source
    return rule.min_size, rule.article, rule.source


def experts_minimum(*, kind: str, size: int) -> int:
    """The least number of experts on a committee of ``size`` members (exact: ⌈share × size⌉)."""
    share = _committee_rule(kind).expert_share
    n = _require_int(size, "委员会人数")
    return -((-n * share.numerator) // share.denominator)


def committee_check(
    *,
    kind: str,
    size: int,
    experts: int,
    budget_fen: int | None = None,
    complex_project: bool = False,
    high_impact: bool = False,
    at_open_tender_threshold: bool = False,
) -> list[RuleViolation]:
    """Every way a committee of ``size`` members, ``experts`` of them experts, breaks the law.

    The rest of the members are the tenderer's (purchaser's) representatives. Codes:
    ``committee_too_small``, ``committee_size_even``, ``committee_experts_too_few``. Impossible
    numbers (negative, more experts than members) raise InvalidInput ``committee_numbers_invalid``.
    """
    rule = _committee_rule(kind)
    n = _require_int(size, "委员会人数")
    e = _require_int(experts, "专家人数")
    if e > n:
        raise InvalidInput(
            "专家人数不能多于委员会人数", code="committee_numbers_invalid", detail={"size": n, "experts": e}
        )
    label = COMMITTEE_LABELS[rule.kind]
    minimum, min_article, _ = committee_minimum(
        kind=kind,
        budget_fen=budget_fen,
        complex_project=complex_project,
        high_impact=high_impact,
        at_open_tender_threshold=at_open_tender_threshold,
    )
    violations: list[RuleViolation] = []
    if n < minimum:
        violations.append(
            RuleViolation(
                "committee_too_small",
                f"{label}应由{minimum}人以上组成（{min_article}），现为{n}人",
                min_article,
                {"size": n, "minimum": minimum},
            )
        )
    if rule.odd and n % 2 == 0:
        violations.append(
            RuleViolation(
                "committee_size_even",
                f"{label}成员人数应为单数（{rule.article}），现为{n}人",
                rule.article,
                {"size": n},
            )
        )
    needed = experts_minimum(kind=kind, size=n)
    if e < needed:
        share = f"{rule.expert_share.numerator}/{rule.expert_share.denominator}"
        violations.append(
            RuleViolation(
                "committee_experts_too_few",
                f"{label}中专家不得少于成员总数的{share}（{rule.article}）：{n}人中至少{needed}名专家，现为{e}名",
                rule.article,
                {"size": n, "experts": e, "minimum": needed, "share": share},
            )
        )
    return violations


# -- avoidance (回避) -----------------------------------------------------------------------------


class Relation(StrEnum):
    """A declared tie between an expert and an organisation (by its USCC)."""

    EMPLOYMENT = "employment"  # 劳动关系、任职
    DIRECTORSHIP = "directorship"  # 董事、监事
    CONTROL = "control"  # 控股股东、实际控制人
    KINSHIP = "kinship"  # 与其法定代表人或负责人有夫妻、直系血亲、三代以内旁系血亲或近姻亲关系
    ECONOMIC = "economic"  # 其他经济利益关系
    OTHER = "other"  # 其他可能影响公正评审的关系


RELATION_LABELS: dict[str, str] = {
    Relation.EMPLOYMENT: "劳动关系或任职",
    Relation.DIRECTORSHIP: "担任董事、监事",
    Relation.CONTROL: "控股股东或实际控制人",
    Relation.KINSHIP: "与法定代表人或负责人有亲属关系",
    Relation.ECONOMIC: "经济利益关系",
    Relation.OTHER: "其他可能影响公正评审的关系",
}

# 采购条例 第九条第一项 (applied to experts by 198号 第十六条): employment, directorship and control
# count for three years after they end; the other ties count while they last.
LOOK_BACK_RELATIONS = frozenset({Relation.EMPLOYMENT, Relation.DIRECTORSHIP, Relation.CONTROL})


class ReasonCode(StrEnum):
    """Why a candidate is not drawn. The values are stable: they are in published draw records."""

    INACTIVE = "inactive"  # 暂停、禁入、退出专家库
    UNAVAILABLE = "unavailable"  # 评标日期不能参加
    SPECIALTY_MISMATCH = "specialty_mismatch"
    REGION_MISMATCH = "region_mismatch"
    EMPLOYER_TENDERER = "employer_tenderer"
    EMPLOYER_AGENCY = "employer_agency"
    EMPLOYER_BIDDER = "employer_bidder"
    CONFLICT_TENDERER = "conflict_tenderer"
    CONFLICT_AGENCY = "conflict_agency"
    CONFLICT_BIDDER = "conflict_bidder"
    SAME_TENDERER_FREQUENCY = "same_tenderer_frequency"
    SUPERVISOR = "supervisor"
    PREVIOUSLY_DRAWN = "previously_drawn"


REASON_LABELS: dict[str, str] = {
    ReasonCode.INACTIVE: "专家处于暂停、禁入或退出状态",
    ReasonCode.UNAVAILABLE: "专家在评标期间不能参加",
    ReasonCode.SPECIALTY_MISMATCH: "专业不符合抽取条件",
    ReasonCode.REGION_MISMATCH: "所在地区不符合抽取条件",
    ReasonCode.EMPLOYER_TENDERER: "专家为招标人（采购人）本单位人员",
    ReasonCode.EMPLOYER_AGENCY: "专家为代理机构本单位人员",
    ReasonCode.EMPLOYER_BIDDER: "专家为投标人（供应商）本单位人员",
    ReasonCode.CONFLICT_TENDERER: "专家与招标人（采购人）存在利害关系",
    ReasonCode.CONFLICT_AGENCY: "专家与代理机构存在利害关系",
    ReasonCode.CONFLICT_BIDDER: "专家与投标人（供应商）存在利害关系",
    ReasonCode.SAME_TENDERER_FREQUENCY: "专家近期被同一招标人（采购人）项目抽中次数已达上限",
    ReasonCode.SUPERVISOR: "专家为本项目的监督人员",
    ReasonCode.PREVIOUSLY_DRAWN: "专家已在本项目此前的抽取中被抽中或已回避",
}

REASON_ARTICLES: dict[str, str] = {
    ReasonCode.INACTIVE: f"{ZBTL}第四十五条、第七十一条；{MOF_198}",
    ReasonCode.UNAVAILABLE: PLATFORM,
    ReasonCode.SPECIALTY_MISMATCH: f"{ZBTL}第四十五条",
    ReasonCode.REGION_MISMATCH: PLATFORM,
    ReasonCode.EMPLOYER_TENDERER: f"{MOF_87}第四十七条；{ZBF}第三十七条",
    ReasonCode.EMPLOYER_AGENCY: f"{MOF_87}第四十七条",
    ReasonCode.EMPLOYER_BIDDER: f"{ZBF}第三十七条；{CGTL}第九条",
    ReasonCode.CONFLICT_TENDERER: f"{ZBF}第三十七条；{CGTL}第九条",
    ReasonCode.CONFLICT_AGENCY: f"{CGTL}第九条",
    ReasonCode.CONFLICT_BIDDER: f"{ZBF}第三十七条；{NDRC_12}第十二条；{CGTL}第九条；{MOF_198}第十六条",
    ReasonCode.SAME_TENDERER_FREQUENCY: PLATFORM,
    ReasonCode.SUPERVISOR: f"{ZBTL}第四十六条；{NDRC_12}第十二条",
    ReasonCode.PREVIOUSLY_DRAWN: f"{ZBTL}第四十六条第三款",
}


@dataclass(frozen=True)
class AvoidancePolicy:
    """A centre's numbers for the avoidance screen; the defaults are what it would expect.

    ``look_back_years``: employment, directorship and control ties count for this many years
    after they end — three in 采购条例 第九条 (and 198号 第十六条 for experts); the construction
    statutes name no period, and centres apply the same three years to both.
    ``same_tenderer_max_draws`` within ``same_tenderer_window_days``: an expert already drawn
    this many times for the same tenderer within the window is not drawn for it again. No
    national number exists; local rules differ (a couple of times a quarter to a few a year),
    so the default — 2 in 90 days — is a setting each centre configures. ``None`` turns it off.
    """

    look_back_years: int = 3
    same_tenderer_max_draws: int | None = 2
    same_tenderer_window_days: int = 90

    def __post_init__(self) -> None:
        _require_int(self.look_back_years, "回避追溯年限")
        _require_int(self.same_tenderer_window_days, "同一招标人统计天数", minimum=1)
        if self.same_tenderer_max_draws is not None:
            _require_int(self.same_tenderer_max_draws, "同一招标人抽中次数上限", minimum=1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "look_back_years": self.look_back_years,
            "same_tenderer_max_draws": self.same_tenderer_max_draws,
            "same_tenderer_window_days": self.same_tenderer_window_days,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AvoidancePolicy:
        return cls(
            look_back_years=data["look_back_years"],
            same_tenderer_max_draws=data["same_tenderer_max_draws"],
            same_tenderer_window_days=data["same_tenderer_window_days"],
        )


DEFAULT_POLICY = AvoidancePolicy()


def _date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput(f"“{name}”必须是日期", code="date_invalid", detail={"field": name, "value": repr(value)})
    return value


def _opt_date(value: dt.date | None, name: str) -> dt.date | None:
    return None if value is None else _date(value, name)


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _codes(values: Iterable[str], name: str) -> tuple[str, ...]:
    """Codes as stored and compared: stripped, without blanks or duplicates, sorted."""
    if isinstance(values, str):  # a lone code where a list was meant would split into characters
        raise InvalidInput(f"“{name}”必须是代码列表", code="code_invalid", detail={"field": name})
    items = list(values)
    if any(not isinstance(v, str) for v in items):
        raise InvalidInput(f"“{name}”必须是文字代码", code="code_invalid", detail={"field": name})
    return tuple(sorted({v.strip() for v in items if v.strip()}))


def _usccs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({uscc_normalize(v) for v in values if v and v.strip()}))


@dataclass(frozen=True)
class DateRange:
    """Days ``start``..``end`` (both included)."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if _date(self.end, "结束日期") < _date(self.start, "开始日期"):
            raise InvalidInput("结束日期早于开始日期", code="date_range_invalid", detail=self.as_dict())

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        return self.start <= end and start <= self.end

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Conflict:
    """A declared tie with the organisation ``uscc``, from ``start`` until ``end`` (None: ongoing)."""

    uscc: str
    relation: Relation
    start: dt.date | None = None
    end: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "uscc", uscc_normalize(self.uscc))
        try:
            object.__setattr__(self, "relation", Relation(self.relation))
        except ValueError:
            raise InvalidInput(
                f"未知的利害关系类型“{self.relation}”", code="relation_unknown", detail={"relation": self.relation}
            ) from None
        start, end = _opt_date(self.start, "关系开始日期"), _opt_date(self.end, "关系结束日期")
        if start is not None and end is not None and end < start:
            raise InvalidInput("关系结束日期早于开始日期", code="date_range_invalid", detail=self.as_dict())

    def counts(self, *, first_day: dt.date, last_day: dt.date, policy: AvoidancePolicy) -> bool:
        """Whether the tie bars an evaluation held ``first_day``..``last_day``."""
        if self.start is not None and self.start > last_day:
            return False  # not yet begun when the evaluation ends
        if self.end is None:
            return True
        if self.relation in LOOK_BACK_RELATIONS:
            return self.end >= years_before(first_day, policy.look_back_years)
        return self.end >= first_day

    def as_dict(self) -> dict[str, Any]:
        return {"uscc": self.uscc, "relation": self.relation.value, "start": _iso(self.start), "end": _iso(self.end)}


@dataclass(frozen=True)
class PastDraw:
    """The expert was drawn (as a member) on ``drawn_on`` for a project of the tenderer ``tenderer_uscc``."""

    tenderer_uscc: str
    drawn_on: dt.date

    def __post_init__(self) -> None:
        object.__setattr__(self, "tenderer_uscc", uscc_normalize(self.tenderer_uscc))
        _date(self.drawn_on, "抽取日期")

    def as_dict(self) -> dict[str, Any]:
        return {"tenderer_uscc": self.tenderer_uscc, "drawn_on": self.drawn_on.isoformat()}


@dataclass(frozen=True)
class Candidate:
    """What the screen knows of one expert of the pool (专家库), as plain data.

    ``id`` is the expert's stable number in the pool; it is what draw records publish.
    ``specialties`` are classification codes (评标专家专业分类标准, hierarchical: a request for
    ``A01`` accepts ``A0102``); ``region`` an administrative division code, matched the same
    way. ``active`` is False for a suspended, banned or retired expert. ``supervises`` lists the
    projects the person oversees as a supervisor (行政监督人员). ``draws`` are past draws as a
    member, for the same-tenderer frequency rule.
    """

    id: str
    specialties: tuple[str, ...]
    region: str
    employer_uscc: str = ""
    active: bool = True
    conflicts: tuple[Conflict, ...] = ()
    unavailable: tuple[DateRange, ...] = ()
    supervises: tuple[str, ...] = ()
    draws: tuple[PastDraw, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip() or self.id != self.id.strip():
            raise InvalidInput(
                "专家编号不能为空或含首尾空白", code="candidate_id_invalid", detail={"id": repr(self.id)}
            )
        object.__setattr__(self, "specialties", _codes(self.specialties, "专业"))
        object.__setattr__(self, "region", self.region.strip())
        object.__setattr__(self, "employer_uscc", uscc_normalize(self.employer_uscc) if self.employer_uscc else "")
        object.__setattr__(self, "conflicts", tuple(self.conflicts))
        object.__setattr__(self, "unavailable", tuple(self.unavailable))
        object.__setattr__(self, "supervises", _codes(self.supervises, "监督项目"))
        object.__setattr__(self, "draws", tuple(self.draws))

    def as_dict(self) -> dict[str, Any]:
        """Everything the screen used, in canonical order (the pool's ``source_digest`` hashes it)."""
        return {
            "id": self.id,
            "specialties": list(self.specialties),
            "region": self.region,
            "employer_uscc": self.employer_uscc,
            "active": self.active,
            "conflicts": sorted((c.as_dict() for c in self.conflicts), key=_sort_key),
            "unavailable": sorted((r.as_dict() for r in self.unavailable), key=_sort_key),
            "supervises": list(self.supervises),
            "draws": sorted((d.as_dict() for d in self.draws), key=_sort_key),
        }


def _sort_key(item: Mapping[str, Any]) -> str:
    return repr(sorted((k, str(v)) for k, v in item.items()))


def code_matches(code: str, wanted: Iterable[str]) -> bool:
    """Whether ``code`` is one of ``wanted`` or below one of them in its hierarchy (prefix)."""
    return any(code.startswith(w) for w in wanted)


@dataclass(frozen=True)
class DrawGroup:
    """One line of a draw request: ``count`` experts of any of ``specialties`` and ``reserves`` reserves.

    ``regions`` (optional) narrows this group to experts of those regions, e.g. three local
    experts plus two from another city for a remote, cross-region evaluation (远程异地评标).
    """

    specialties: tuple[str, ...]
    count: int
    reserves: int = 0
    regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "specialties", _codes(self.specialties, "专业"))
        object.__setattr__(self, "regions", _codes(self.regions, "地区"))
        if not self.specialties:
            raise InvalidInput("每组抽取条件至少要有一个专业", code="draw_group_specialty_missing")
        _require_int(self.count, "抽取人数", minimum=1)
        _require_int(self.reserves, "备选人数")

    def accepts(self, *, specialties: Iterable[str], region: str) -> bool:
        """Whether an expert of ``specialties`` living in ``region`` may be drawn for this group."""
        if self.regions and not code_matches(region, self.regions):
            return False
        return any(code_matches(s, self.specialties) for s in specialties)

    def as_dict(self) -> dict[str, Any]:
        return {
            "specialties": list(self.specialties),
            "count": self.count,
            "reserves": self.reserves,
            "regions": list(self.regions),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawGroup:
        return cls(
            specialties=tuple(data["specialties"]),
            count=data["count"],
            reserves=data["reserves"],
            regions=tuple(data["regions"]),
        )


@dataclass(frozen=True)
class DrawRequest:
    """A draw request (专家抽取申请): who must be avoided, when, and what to draw.

    ``reference`` identifies the draw (published with its commitment); ``project_code`` the
    project or section (a supervisor of it is not drawn). ``bidder_usccs`` may be empty when the
    draw takes place before the bid deadline (the bidders are secret until then): the experts then
    recuse themselves at sign-in once they see the bidders, and reserves replace them.
    ``regions`` / ``excluded_regions`` filter the whole pool (异地抽取 excludes the local region).
    ``previously_drawn`` names experts of an earlier draw for the same project (a supplementary
    draw, 补充抽取, must not draw them again); each is excluded with its reason in the record.
    """

    reference: str
    project_code: str
    tenderer_uscc: str
    evaluation_on: dt.date
    groups: tuple[DrawGroup, ...]
    agency_uscc: str = ""
    bidder_usccs: tuple[str, ...] = ()
    evaluation_until: dt.date | None = None
    regions: tuple[str, ...] = ()
    excluded_regions: tuple[str, ...] = ()
    previously_drawn: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, label in (("reference", "抽取编号"), ("project_code", "项目编号"), ("tenderer_uscc", "招标人")):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise InvalidInput(f"“{label}”不能为空", code="draw_request_invalid", detail={"field": name})
            object.__setattr__(self, name, value.strip())
        object.__setattr__(self, "tenderer_uscc", uscc_normalize(self.tenderer_uscc))
        object.__setattr__(self, "agency_uscc", uscc_normalize(self.agency_uscc) if self.agency_uscc else "")
        object.__setattr__(self, "bidder_usccs", _usccs(self.bidder_usccs))
        object.__setattr__(self, "regions", _codes(self.regions, "地区"))
        object.__setattr__(self, "excluded_regions", _codes(self.excluded_regions, "排除地区"))
        object.__setattr__(self, "previously_drawn", _codes(self.previously_drawn, "此前抽中的专家"))
        object.__setattr__(self, "groups", tuple(self.groups))
        if not self.groups:
            raise InvalidInput("抽取申请至少要有一组抽取条件", code="draw_request_invalid", detail={"field": "groups"})
        first = _date(self.evaluation_on, "评标日期")
        if self.evaluation_until is not None and _date(self.evaluation_until, "评标结束日期") < first:
            raise InvalidInput("评标结束日期早于评标日期", code="date_range_invalid")

    @property
    def last_day(self) -> dt.date:
        return self.evaluation_until or self.evaluation_on

    @property
    def experts_total(self) -> int:
        return sum(g.count for g in self.groups)

    def region_allowed(self, region: str) -> bool:
        if self.regions and not code_matches(region, self.regions):
            return False
        return not (self.excluded_regions and code_matches(region, self.excluded_regions))

    def as_dict(self) -> dict[str, Any]:
        """The request in canonical form (what ``request_digest`` hashes)."""
        return {
            "reference": self.reference,
            "project_code": self.project_code,
            "tenderer_uscc": self.tenderer_uscc,
            "agency_uscc": self.agency_uscc,
            "bidder_usccs": list(self.bidder_usccs),
            "evaluation_on": self.evaluation_on.isoformat(),
            "evaluation_until": _iso(self.evaluation_until),
            "groups": [g.as_dict() for g in self.groups],
            "regions": list(self.regions),
            "excluded_regions": list(self.excluded_regions),
            "previously_drawn": list(self.previously_drawn),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawRequest:
        until = data["evaluation_until"]
        return cls(
            reference=data["reference"],
            project_code=data["project_code"],
            tenderer_uscc=data["tenderer_uscc"],
            agency_uscc=data["agency_uscc"],
            bidder_usccs=tuple(data["bidder_usccs"]),
            evaluation_on=dt.date.fromisoformat(data["evaluation_on"]),
            evaluation_until=None if until is None else dt.date.fromisoformat(until),
            groups=tuple(DrawGroup.from_dict(g) for g in data["groups"]),
            regions=tuple(data["regions"]),
            excluded_regions=tuple(data["excluded_regions"]),
            previously_drawn=tuple(data["previously_drawn"]),
        )


def request_committee_check(
    *,
    request: DrawRequest,
    kind: str,
    representatives: int,
    budget_fen: int | None = None,
    complex_project: bool = False,
    high_impact: bool = False,
    at_open_tender_threshold: bool = False,
) -> list[RuleViolation]:
    """``committee_check`` for the committee this request fills: its experts plus ``representatives``."""
    experts = request.experts_total
    return committee_check(
        kind=kind,
        size=experts + _require_int(representatives, "招标人代表人数"),
        experts=experts,
        budget_fen=budget_fen,
        complex_project=complex_project,
        high_impact=high_impact,
        at_open_tender_threshold=at_open_tender_threshold,
    )


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Reason:
    """One reason a candidate is not drawn: a stable code and the facts (JSON-safe, not published)."""

    code: ReasonCode
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return REASON_LABELS[self.code]

    @property
    def article(self) -> str:
        return REASON_ARTICLES[self.code]


@dataclass(frozen=True)
class Exclusion:
    candidate: Candidate
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted({r.code.value for r in self.reasons}))


class Screening(NamedTuple):
    """The screen's result; unpacks as ``eligible, excluded``. Both sorted by candidate id."""

    eligible: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]


def candidate_reasons(
    *, candidate: Candidate, request: DrawRequest, policy: AvoidancePolicy = DEFAULT_POLICY
) -> list[Reason]:
    """Every reason ``candidate`` may not be drawn for ``request`` (empty: eligible).

    Also usable after the bid deadline, with the bidders filled in, to find drawn experts who
    must recuse themselves.
    """
    reasons: list[Reason] = []
    first, last = request.evaluation_on, request.last_day
    if not candidate.active:
        reasons.append(Reason(ReasonCode.INACTIVE))
    for period in candidate.unavailable:
        if period.overlaps(first, last):
            reasons.append(Reason(ReasonCode.UNAVAILABLE, period.as_dict()))
            break
    if not any(code_matches(s, g.specialties) for g in request.groups for s in candidate.specialties):
        reasons.append(Reason(ReasonCode.SPECIALTY_MISMATCH, {"specialties": list(candidate.specialties)}))
    elif not request.region_allowed(candidate.region) or not any(
        g.accepts(specialties=candidate.specialties, region=candidate.region) for g in request.groups
    ):
        reasons.append(Reason(ReasonCode.REGION_MISMATCH, {"region": candidate.region}))

    # The parties, by role; an organisation may be two at once (a tenderer acting as its own agency).
    parties: list[tuple[str, ReasonCode, ReasonCode]] = [
        (request.tenderer_uscc, ReasonCode.EMPLOYER_TENDERER, ReasonCode.CONFLICT_TENDERER)
    ]
    if request.agency_uscc:
        parties.append((request.agency_uscc, ReasonCode.EMPLOYER_AGENCY, ReasonCode.CONFLICT_AGENCY))
    parties += [(b, ReasonCode.EMPLOYER_BIDDER, ReasonCode.CONFLICT_BIDDER) for b in request.bidder_usccs]
    for uscc, employer_code, conflict_code in parties:
        if candidate.employer_uscc and candidate.employer_uscc == uscc:
            reasons.append(Reason(employer_code, {"uscc": uscc}))
        for conflict in candidate.conflicts:
            if conflict.uscc == uscc and conflict.counts(first_day=first, last_day=last, policy=policy):
                reasons.append(Reason(conflict_code, conflict.as_dict()))

    if policy.same_tenderer_max_draws is not None:
        since = first - dt.timedelta(days=policy.same_tenderer_window_days)
        recent = sorted(
            d.drawn_on for d in candidate.draws if d.tenderer_uscc == request.tenderer_uscc and d.drawn_on >= since
        )
        if len(recent) >= policy.same_tenderer_max_draws:
            reasons.append(
                Reason(
                    ReasonCode.SAME_TENDERER_FREQUENCY,
                    {
                        "draws": [d.isoformat() for d in recent],
                        "max_draws": policy.same_tenderer_max_draws,
                        "window_days": policy.same_tenderer_window_days,
                    },
                )
            )
    if request.project_code in candidate.supervises:
        reasons.append(Reason(ReasonCode.SUPERVISOR, {"project_code": request.project_code}))
    if candidate.id in request.previously_drawn:
        reasons.append(Reason(ReasonCode.PREVIOUSLY_DRAWN))
    return reasons


def candidates_screen(
    *, candidates: Sequence[Candidate], request: DrawRequest, policy: AvoidancePolicy = DEFAULT_POLICY
) -> Screening:
    """Split the pool into those who may be drawn for ``request`` and those excluded, with reasons.

    Automatic avoidance (回避): the expert's employer is the tenderer, the agency or a bidder; a
    declared tie with any of them (employment, directorship, control within the look-back years;
    kinship and other ties while they last); drawn too often for the same tenderer recently; a
    supervisor of the project; suspended; unavailable on the evaluation days; no requested
    specialty or region; drawn earlier for the same project. Every reason found is kept.
    """
    seen: set[str] = set()
    eligible: list[Candidate] = []
    excluded: list[Exclusion] = []
    for candidate in candidates:
        if candidate.id in seen:
            raise InvalidInput(
                f"专家“{candidate.id}”重复出现在候选名单中", code="candidate_duplicate", detail={"id": candidate.id}
            )
        seen.add(candidate.id)
        reasons = candidate_reasons(candidate=candidate, request=request, policy=policy)
        if reasons:
            excluded.append(Exclusion(candidate, tuple(reasons)))
        else:
            eligible.append(candidate)
    return Screening(tuple(sorted(eligible, key=lambda c: c.id)), tuple(sorted(excluded, key=lambda x: x.candidate.id)))
