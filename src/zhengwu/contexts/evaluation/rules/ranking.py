"""Ranking the valid bids and choosing the candidates, with the tie rules the documents state.

Ties are broken only by the rules listed, in order; when every listed rule ties, the bids stay tied
("tie unresolved") and the caller holds the draw or the decision the documents prescribe, then ranks
again with the lots drawn. No order is ever invented (not even by bid id).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import groupby

from zhengwu.contexts.evaluation.rules.arithmetic import ZBTL, count_check
from zhengwu.kernel.errors import InvalidInput

# 招标条例 第五十三条 [LAW]: at most 3 ranked candidates.
CANDIDATES_MAX = 3
CANDIDATES_ARTICLE = f"{ZBTL}第五十三条"


class RankBy(StrEnum):
    TOTAL_SCORE = "total_score"  # higher total first (综合评估法、综合评分法)
    EVALUATED_PRICE = "evaluated_price"  # lower evaluated price first (经评审的最低投标价法、最低评标价法)


class TieRule(StrEnum):
    LOWER_PRICE = "lower_price"  # 投标报价低者优先 (the price offered, not the evaluation price)
    LOWER_EVALUATED_PRICE = "lower_evaluated_price"  # 评审价格低者优先
    HIGHER_TECHNICAL = "higher_technical"  # 技术分高者优先
    HIGHER_COMMERCIAL = "higher_commercial"  # 商务分高者优先
    DRAWN_LOT = "drawn_lot"  # 抽签: the lots drawn in public, lower number first


TIE_RULE_LABELS: dict[str, str] = {
    TieRule.LOWER_PRICE: "投标报价低者优先",
    TieRule.LOWER_EVALUATED_PRICE: "评审价格低者优先",
    TieRule.HIGHER_TECHNICAL: "技术得分高者优先",
    TieRule.HIGHER_COMMERCIAL: "商务得分高者优先",
    TieRule.DRAWN_LOT: "抽签确定",
}

_NEEDS_SCORES = frozenset({TieRule.HIGHER_TECHNICAL, TieRule.HIGHER_COMMERCIAL})


def tie_rules_check(tie_rules: Sequence[str], *, scored: bool) -> tuple[TieRule, ...]:
    """The tie rules as ``TieRule``s: known, each once, and score rules only where bids are scored."""
    rules: list[TieRule] = []
    for rule in tie_rules:
        if rule not in TieRule.__members__.values():
            raise InvalidInput("未知的并列处理规则", code="method_parameter_invalid", detail={"tie_rule": rule})
        if TieRule(rule) in rules:
            raise InvalidInput("并列处理规则重复", code="method_parameter_invalid", detail={"tie_rule": rule})
        if not scored and rule in _NEEDS_SCORES:
            raise InvalidInput(
                "不打分的评标方法不能按得分处理并列", code="method_parameter_invalid", detail={"tie_rule": rule}
            )
        rules.append(TieRule(rule))
    return tuple(rules)


@dataclass(frozen=True)
class RankEntry:
    """What the ranking needs to know about one valid bid (scores as published, rounded)."""

    bid_id: str
    price_fen: int
    evaluated_price_fen: int
    total_score: Decimal | None = None
    technical_score: Decimal | None = None
    commercial_score: Decimal | None = None


@dataclass(frozen=True)
class RankGroup:
    """One place in the ranking: a single bid, or bids still tied after every rule.

    ``rank`` is the position of the group's first bid (1, 2, 2, 4 …); ``decided_by`` names the tie
    rule that separated a bid from others equal on the primary order (None when there was no tie,
    or when the tie is unresolved). Tied bids are listed by id for display only.
    """

    rank: int
    bid_ids: tuple[str, ...]
    decided_by: str | None = None

    @property
    def tied(self) -> bool:
        return len(self.bid_ids) > 1


@dataclass(frozen=True)
class Ranking:
    groups: tuple[RankGroup, ...]

    @property
    def order(self) -> tuple[str, ...]:
        """Every ranked bid, in ranking order (tied bids by id)."""
        return tuple(bid_id for group in self.groups for bid_id in group.bid_ids)

    @property
    def unresolved(self) -> tuple[tuple[str, ...], ...]:
        """The groups of bids the rules could not separate."""
        return tuple(group.bid_ids for group in self.groups if group.tied)

    def rank_of(self, bid_id: str) -> int:
        for group in self.groups:
            if bid_id in group.bid_ids:
                return group.rank
        raise InvalidInput("该投标未参与排序", code="bid_not_ranked", detail={"bid_id": bid_id})


def _key(rule: TieRule, entry: RankEntry, lots: Mapping[str, int]) -> Decimal:
    """The sort key of ``entry`` under ``rule``, smaller first."""
    if rule == TieRule.LOWER_PRICE:
        return Decimal(entry.price_fen)
    if rule == TieRule.LOWER_EVALUATED_PRICE:
        return Decimal(entry.evaluated_price_fen)
    if rule == TieRule.HIGHER_TECHNICAL:
        return -_score(entry.technical_score, entry.bid_id)
    if rule == TieRule.HIGHER_COMMERCIAL:
        return -_score(entry.commercial_score, entry.bid_id)
    return Decimal(lots[entry.bid_id])


def _score(value: Decimal | None, bid_id: str) -> Decimal:
    if value is None:
        raise InvalidInput("按得分排序需要每个有效投标的得分", code="score_missing", detail={"bid_id": bid_id})
    return value


def _split(
    group: list[RankEntry], rules: Sequence[TieRule], lots: Mapping[str, int]
) -> list[tuple[list[RankEntry], TieRule | None]]:
    """Order a group equal on the primary order; a sub-list longer than one is an unresolved tie."""
    if len(group) == 1:
        return [(group, None)]
    for index, rule in enumerate(rules):
        if rule == TieRule.DRAWN_LOT and any(entry.bid_id not in lots for entry in group):
            continue  # no lots drawn (yet) for these bids: the rule cannot apply
        keys = {entry.bid_id: _key(rule, entry, lots) for entry in group}
        if len(set(keys.values())) == 1:
            continue
        ordered = sorted(group, key=lambda entry: keys[entry.bid_id])
        parts: list[tuple[list[RankEntry], TieRule | None]] = []
        for _, members in groupby(ordered, key=lambda entry: keys[entry.bid_id]):
            sub = list(members)
            if len(sub) == 1:
                parts.append((sub, rule))
            else:
                parts.extend(_split(sub, rules[index + 1 :], lots))
        return parts
    return [(sorted(group, key=lambda entry: entry.bid_id), None)]


def bids_rank(
    *,
    entries: Sequence[RankEntry],
    rank_by: str,
    tie_rules: Sequence[str] = (),
    lots: Mapping[str, int] | None = None,
) -> Ranking:
    """Rank valid bids by ``rank_by``, breaking ties by ``tie_rules`` in order; unresolved ties stay grouped.

    ``lots`` maps bid id → the number drawn in public for ``DRAWN_LOT`` (lower first); lots are
    used only where every bid of a tie has one, and two equal lots are refused.
    """
    if rank_by not in RankBy.__members__.values():
        raise InvalidInput("未知的排序方式", code="method_parameter_invalid", detail={"rank_by": rank_by})
    rules = tie_rules_check(tie_rules, scored=rank_by == RankBy.TOTAL_SCORE)
    lots = dict(lots or {})
    if len(set(lots.values())) != len(lots):
        raise InvalidInput("抽签序号重复", code="lots_duplicate")
    ids = [entry.bid_id for entry in entries]
    if len(ids) != len(set(ids)):
        raise InvalidInput("投标编号重复", code="bid_duplicate")

    def primary(entry: RankEntry) -> Decimal:
        if rank_by == RankBy.TOTAL_SCORE:
            return -_score(entry.total_score, entry.bid_id)
        return Decimal(entry.evaluated_price_fen)

    groups: list[RankGroup] = []
    position = 1
    ordered = sorted(entries, key=primary)
    for _, members in groupby(ordered, key=primary):
        for sub, rule in _split(list(members), rules, lots):
            groups.append(
                RankGroup(position, tuple(entry.bid_id for entry in sub), None if rule is None else rule.value)
            )
            position += len(sub)
    return Ranking(tuple(groups))


@dataclass(frozen=True)
class Candidates:
    """The ranked 中标候选人: ``bid_ids`` in order as far as the ranking decides them.

    ``tie`` holds the bids tied for the next candidate place when the rules could not separate
    them (empty when the candidates are fully decided); the list is then incomplete until the tie
    is resolved.
    """

    bid_ids: tuple[str, ...]
    tie: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return not self.tie


def candidates_select(*, ranking: Ranking, candidates_max: int = CANDIDATES_MAX) -> Candidates:
    """Up to ``candidates_max`` ranked candidates (招标条例 第五十三条: at most 3, in order)."""
    count_check(candidates_max, field="中标候选人数量", minimum=1)
    chosen: list[str] = []
    for group in ranking.groups:
        if group.rank > candidates_max:
            break
        if group.tied:
            return Candidates(tuple(chosen), group.bid_ids)
        chosen.append(group.bid_ids[0])
    return Candidates(tuple(chosen))
