"""Accountability (问责) at the end of each round: rules as configuration, applied to the rank history.

Kunming's two rules (appraisal-methods.md §0, §1.4) are the default:

- ``last_twice_in_year``: last within its kind in at least two rounds of one calendar year, this
  round included → 通报批评，约谈主要负责人;
- ``last_twice_key_projects``: last in two rounds of the window (default: the same year) **and**
  an authorised official has entered a harm flag (its delays seriously harmed key investment
  projects) for the unit in one of those rounds → 移交纪检监察机关.

The rules are deterministic functions of stored ranks; the harm is a human finding, never
inferred. Ranks are noisy (§2.9), so each outcome says, round by round, whether "last" was
statistically distinguishable from the next unit up (the last unit's upper bound below the next
one's lower bound) and gives P(last). Where it was not, the outcome is still listed — rules are
rules — with the caveat next to it.

Ties: units whose totals are equal at the published precision (two decimals) are all last.
For a tied unit the next unit up is its tie partner, so "last" is never distinguishable there.

A unit's kind (centre / department) is ranked on its own: they answer different indicators.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from zhengwu.contexts.appraisal.access import APPRAISER, CITY_LEADER
from zhengwu.contexts.appraisal.models import AccountabilityOutcome, HarmFlag, Round, RoundUnit, Unit, UnitScore
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append

# The published precision of totals: ties are judged as readers see them.
TIE_DECIMALS = 2
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "code": "last_twice_in_year",
        "title": "同一年度内两次排名末位",
        "outcome": "通报批评，约谈主要负责人",
        "min_last": 2,
        "window_rounds": None,
        "requires_harm_flag": False,
    },
    {
        "code": "last_twice_key_projects",
        "title": "两个季度排名末位且严重影响重点投资项目",
        "outcome": "移交纪检监察机关",
        "min_last": 2,
        "window_rounds": None,
        "requires_harm_flag": True,
    },
]
DEFAULT_HARM_FLAG_ROLES = (CITY_LEADER,)
SCORED_STATUSES = (Round.Status.SCORED, Round.Status.PUBLISHED)


# --- plain data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One accountability rule, as configured.

    ``window_rounds`` None counts the rounds of the current round's calendar year up to it; a
    number N counts the last N rounds up to and including it. With ``require_current_last`` the
    rule fires only in a round where the unit is last again, so the same two last places are
    not sanctioned anew every following round.
    """

    code: str
    title: str
    outcome: str
    min_last: int = 2
    window_rounds: int | None = None
    requires_harm_flag: bool = False
    require_current_last: bool = True


@dataclass(frozen=True)
class RankRecord:
    """A unit's stored result in one round (from ``UnitScore``)."""

    round_code: str
    period_start: dt.date
    unit_code: str
    unit_name: str
    kind: str
    total: float
    ci_low: float
    ci_high: float
    p_last: float


@dataclass(frozen=True)
class LastPlace:
    """A unit last in its kind in a round, and whether that was statistically distinguishable."""

    round_code: str
    unit_code: str
    p_last: float
    total: float
    ci_high: float
    next_unit_code: str
    next_unit_name: str
    next_ci_low: float
    tied: bool

    @property
    def distinguishable(self) -> bool:
        return not self.tied and self.ci_high < self.next_ci_low


@dataclass(frozen=True)
class Outcome:
    unit_code: str
    unit_name: str
    rule: str
    outcome: str
    rounds: tuple[str, ...]
    distinguishable: bool
    note: str
    details: dict[str, Any] = field(default_factory=dict)


# --- pure rules -------------------------------------------------------------------------------


def rules_load(raw: Iterable[dict[str, Any]]) -> list[Rule]:
    """Check configured rules (a list of dicts) and return them; a fault is ``InvalidInput``."""
    rules: list[Rule] = []
    for index, item in enumerate(raw, start=1):
        where = f"问责规则第{index}条"
        if not isinstance(item, dict):
            raise InvalidInput(f"{where}须为对象", code="appraisal_rule_config")
        code, outcome = str(item.get("code") or "").strip(), str(item.get("outcome") or "").strip()
        if not code or not outcome or len(code) > 40 or len(outcome) > 200:
            raise InvalidInput(f"{where}须有编号（40字以内）和处理结果（200字以内）", code="appraisal_rule_config")
        min_last, window = item.get("min_last", 2), item.get("window_rounds")
        if not isinstance(min_last, int) or isinstance(min_last, bool) or min_last < 1:
            raise InvalidInput(f"{where}的末位次数须为正整数", code="appraisal_rule_config")
        if window is not None and (not isinstance(window, int) or isinstance(window, bool) or window < min_last):
            raise InvalidInput(f"{where}的统计轮次须为不小于末位次数的整数", code="appraisal_rule_config")
        rules.append(
            Rule(
                code=code,
                title=str(item.get("title") or code),
                outcome=outcome,
                min_last=min_last,
                window_rounds=window,
                requires_harm_flag=bool(item.get("requires_harm_flag", False)),
                require_current_last=bool(item.get("require_current_last", True)),
            )
        )
    codes = [r.code for r in rules]
    if len(set(codes)) != len(codes):
        raise InvalidInput("问责规则编号重复", code="appraisal_rule_config")
    return rules


def last_places(history: Iterable[RankRecord]) -> dict[tuple[str, str], LastPlace]:
    """The last unit(s) of each round and kind, keyed by (round code, unit code).

    A kind with fewer than two units in a round has no last place.
    """
    groups: dict[tuple[str, str], list[RankRecord]] = defaultdict(list)
    for record in history:
        groups[(record.round_code, record.kind)].append(record)
    lasts: dict[tuple[str, str], LastPlace] = {}
    for (round_code, _kind), records in groups.items():
        if len(records) < 2:
            continue
        lowest = min(round(r.total, TIE_DECIMALS) for r in records)
        bottom = [r for r in records if round(r.total, TIE_DECIMALS) == lowest]
        for record in bottom:
            others = sorted(
                (r for r in records if r.unit_code != record.unit_code), key=lambda r: (r.total, r.unit_code)
            )
            # The next unit up: a tie partner when there is one, else the next-to-last unit.
            nxt = next((r for r in others if r in bottom), others[0])
            lasts[(round_code, record.unit_code)] = LastPlace(
                round_code=round_code,
                unit_code=record.unit_code,
                p_last=record.p_last,
                total=record.total,
                ci_high=record.ci_high,
                next_unit_code=nxt.unit_code,
                next_unit_name=nxt.unit_name,
                next_ci_low=nxt.ci_low,
                tied=len(bottom) > 1,
            )
    return lasts


def _window(rounds: list[tuple[dt.date, str]], current: str, rule: Rule) -> list[str]:
    """The round codes a rule counts at ``current``, oldest first (``rounds`` sorted by period)."""
    position = next(i for i, (_, code) in enumerate(rounds) if code == current)
    upto = rounds[: position + 1]
    if rule.window_rounds is None:
        year = rounds[position][0].year
        return [code for start, code in upto if start.year == year]
    return [code for _, code in upto[-rule.window_rounds :]]


def caveat_text(*, place: LastPlace, current: str) -> str:
    """The Chinese caveat for a last place that was not statistically distinguishable."""
    when = "本季度" if place.round_code == current else f"{place.round_code} "
    if place.tied:
        return f"{when}与{place.next_unit_name}并列末位（末位概率 {place.p_last:.2f}）"
    return f"{when}排名末位与倒数第二名的差异在统计上不显著（末位概率 {place.p_last:.2f}）"


def accountability_evaluate(
    *, history: list[RankRecord], flags: set[tuple[str, str]], rules: list[Rule], current_round: str | None = None
) -> list[Outcome]:
    """The outcomes the rules give at ``current_round`` (default: the latest round in ``history``).

    ``flags`` holds (round code, unit code) pairs with a harm flag. Outcomes are sorted by rule,
    then unit code.
    """
    if not history:
        return []
    rounds = sorted({(r.period_start, r.round_code) for r in history})
    current = current_round or rounds[-1][1]
    if current not in {code for _, code in rounds}:
        raise InvalidInput("历史排名中没有当前轮次", code="appraisal_rule_round_missing", detail={"round": current})
    lasts = last_places(history)
    names = {r.unit_code: r.unit_name for r in history}
    units_now = sorted({r.unit_code for r in history if r.round_code == current})
    outcomes: list[Outcome] = []
    for rule in rules:
        window = _window(rounds, current, rule)
        for unit in units_now:
            places = [lasts[(code, unit)] for code in window if (code, unit) in lasts]
            if len(places) < rule.min_last:
                continue
            if rule.require_current_last and places[-1].round_code != current:
                continue
            flagged = [p.round_code for p in places if (p.round_code, unit) in flags]
            if rule.requires_harm_flag and not flagged:
                continue
            caveats = [caveat_text(place=p, current=current) for p in places if not p.distinguishable]
            outcomes.append(
                Outcome(
                    unit_code=unit,
                    unit_name=names[unit],
                    rule=rule.code,
                    outcome=rule.outcome,
                    rounds=tuple(p.round_code for p in places),
                    distinguishable=not caveats,
                    note="；".join(caveats),
                    details={
                        "title": rule.title,
                        "window": window,
                        "harm_flag_rounds": flagged,
                        "last_places": [_place_detail(p) for p in places],
                    },
                )
            )
    return outcomes


def _place_detail(place: LastPlace) -> dict[str, Any]:
    return {
        "round": place.round_code,
        "total": round(place.total, 2),
        "ci_high": round(place.ci_high, 2),
        "p_last": round(place.p_last, 4),
        "next_unit": place.next_unit_code,
        "next_ci_low": round(place.next_ci_low, 2),
        "tied": place.tied,
        "distinguishable": place.distinguishable,
    }


# --- configuration ----------------------------------------------------------------------------


def accountability_rules() -> list[Rule]:
    """The rules in force (``ZHENGWU_APPRAISAL_ACCOUNTABILITY``; Kunming's two when unset)."""
    return rules_load(getattr(settings, "ZHENGWU_APPRAISAL_ACCOUNTABILITY", None) or DEFAULT_RULES)


def harm_flag_roles() -> frozenset[str]:
    """Who may enter a harm flag (``ZHENGWU_APPRAISAL_HARM_FLAG_ROLES``); never the evaluator."""
    return frozenset(getattr(settings, "ZHENGWU_APPRAISAL_HARM_FLAG_ROLES", None) or DEFAULT_HARM_FLAG_ROLES)


def harm_flag_may_enter(*, by: Actor) -> bool:
    # 管评分离: the evaluator measures satisfaction; judging harm to projects is the government's.
    return not by.is_system and by.has_role(*harm_flag_roles()) and not by.has_role(APPRAISER)


# --- services ---------------------------------------------------------------------------------


def rank_history(*, upto: Round) -> list[RankRecord]:
    """Every stored unit result of the scored or published rounds up to ``upto`` (its period included)."""
    scores = UnitScore.objects.filter(
        round__status__in=SCORED_STATUSES, round__period_start__lte=upto.period_start
    ).select_related("round", "unit")
    return [
        RankRecord(
            round_code=s.round.code,
            period_start=s.round.period_start,
            unit_code=s.unit.code,
            unit_name=s.unit.name,
            kind=s.kind,
            total=s.total,
            ci_low=s.ci_low,
            ci_high=s.ci_high,
            p_last=s.p_last,
        )
        for s in scores
    ]


def _flags(*, upto: Round) -> set[tuple[str, str]]:
    rows = HarmFlag.objects.filter(round__period_start__lte=upto.period_start).values_list("round__code", "unit__code")
    return {(r, u) for r, u in rows}


def _require_results(round: Round) -> None:
    if round.status not in SCORED_STATUSES or not UnitScore.objects.filter(round=round).exists():
        raise Conflict("本轮尚未计分，无法适用问责规则", code="appraisal_round_not_scored")


def _outcomes_replace(*, round: Round, by: Actor, trigger: str) -> list[AccountabilityOutcome]:
    outcomes = accountability_evaluate(
        history=rank_history(upto=round),
        flags=_flags(upto=round),
        rules=accountability_rules(),
        current_round=round.code,
    )
    units = {u.code: u for u in Unit.objects.filter(code__in=[o.unit_code for o in outcomes])}
    now = clock_now()
    before = list(AccountabilityOutcome.objects.filter(round=round).values_list("unit__code", "rule"))
    AccountabilityOutcome.objects.filter(round=round).delete()
    rows = AccountabilityOutcome.objects.bulk_create(
        AccountabilityOutcome(
            round=round,
            unit=units[o.unit_code],
            rule=o.rule,
            outcome=o.outcome,
            distinguishable=o.distinguishable,
            note=o.note,
            details={**o.details, "rounds": list(o.rounds)},
            created_at=now,
        )
        for o in outcomes
    )
    audit_append(
        actor=by,
        action="appraisal.accountability.apply",
        object_type="appraisal.round",
        object_id=round.code,
        before={"outcomes": [f"{u}:{r}" for u, r in before]},
        after={
            "trigger": trigger,
            "outcomes": [{"unit": o.unit_code, "rule": o.rule, "distinguishable": o.distinguishable} for o in outcomes],
        },
    )
    return rows


def accountability_apply(*, round: Round, by: Actor) -> list[AccountabilityOutcome]:
    """Apply the rules at the end of ``round``: its outcomes are replaced by what the rules give now.

    The evaluator (or the system, at publication) applies them; the round must have results.
    """
    if not (by.is_system or by.has_role(APPRAISER)):
        raise PermissionDenied("只有第三方评价机构可以适用问责规则", code="appraisal_appraiser_only")
    _require_results(round)
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=round.pk)
        return _outcomes_replace(round=round, by=by, trigger="apply")


def harm_flag_enter(*, round: Round, unit: Unit, evidence: str, by: Actor) -> HarmFlag:
    """An authorised official records that ``unit``'s delays seriously harmed key investment projects.

    Evidence is required. The outcomes of this round and of the later rounds that have results
    are worked out again at once, since the flag can turn a last place into a referral.
    """
    if not harm_flag_may_enter(by=by):
        raise PermissionDenied("只有经授权的政府工作人员可以认定重点项目受损情况", code="appraisal_harm_flag_denied")
    evidence = evidence.strip()
    if not evidence:
        raise InvalidInput("请填写认定依据（证据材料说明）", code="appraisal_harm_flag_evidence")
    in_round = (
        UnitScore.objects.filter(round=round, unit=unit).exists()
        or RoundUnit.objects.filter(round=round, unit=unit).exists()
    )
    if not in_round:
        raise InvalidInput("该单位不在本轮评价范围内", code="appraisal_harm_flag_unit")
    with transaction.atomic():
        Round.objects.select_for_update().get(pk=round.pk)
        if HarmFlag.objects.filter(round=round, unit=unit).exists():
            raise Conflict("该单位本轮已有认定记录", code="appraisal_harm_flag_exists")
        flag = HarmFlag.objects.create(
            round=round, unit=unit, evidence=evidence, entered_by=by.username, entered_at=clock_now()
        )
        audit_append(
            actor=by,
            action="appraisal.harm_flag.enter",
            object_type="appraisal.harm_flag",
            object_id=f"{round.code}/{unit.code}",
            after={"round": round.code, "unit": unit.code, "evidence": evidence},
        )
        later = Round.objects.filter(
            status__in=SCORED_STATUSES, period_start__gte=round.period_start, unit_scores__isnull=False
        ).distinct()
        for affected in later.order_by("period_start"):
            _outcomes_replace(round=affected, by=by, trigger=f"harm_flag {round.code}/{unit.code}")
    return flag


# --- selectors --------------------------------------------------------------------------------


def outcomes_may_read(*, round: Round, by: Actor) -> bool:
    """The evaluator always; leaders and the officials who enter harm flags once the round is published."""
    if by.has_role(APPRAISER):
        return True
    return round.status == Round.Status.PUBLISHED and (by.has_role(CITY_LEADER) or harm_flag_may_enter(by=by))


def outcomes_of(*, round: Round, by: Actor) -> list[AccountabilityOutcome]:
    """The round's accountability outcomes with their caveats, for those who may read them."""
    if not outcomes_may_read(round=round, by=by):
        raise PermissionDenied("无权查看本轮问责结果", code="appraisal_outcomes_denied")
    return list(AccountabilityOutcome.objects.filter(round=round).select_related("unit").order_by("rule", "unit__code"))


def harm_flags_of(*, round: Round) -> list[HarmFlag]:
    return list(HarmFlag.objects.filter(round=round).select_related("unit").order_by("unit__code"))
