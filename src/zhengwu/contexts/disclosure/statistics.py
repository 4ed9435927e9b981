"""Public statistics: trades, savings, notices and market subjects, counted from the read models.

Reads only. A trade (成交) is an awarded section (``AwardResult``); its trade type and district
are those of its project's tender notice (the earliest tender, invitation or pre-qualification
notice with the same project code: every notice of a project carries the same type and region).
Months are Beijing months. Amounts are summed in fen and leave as exact yuan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractMonth

from zhengwu.contexts.disclosure.models import AwardResult, MarketSubject, Notice
from zhengwu.contexts.disclosure.selectors import MARKET_ROLES, TRADE_TYPES
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import InvalidInput

# The first year the statistics may be asked for: older years are a typo, not a question.
FIRST_YEAR = 2000
# The notices that open a trade and so say what it is and where.
TENDER_KINDS: tuple[str, ...] = ("tender", "invitation", "prequalification")
_YEAR_RE = re.compile(r"^[0-9]{4}$")

# GB/T 2260 codes of Kunming and its districts and counties (the demo's city). A code not listed
# here is shown as the code itself.
DISTRICT_NAMES: dict[str, str] = {
    "530100": "昆明市",
    "530102": "五华区",
    "530103": "盘龙区",
    "530111": "官渡区",
    "530112": "西山区",
    "530113": "东川区",
    "530114": "呈贡区",
    "530115": "晋宁区",
    "530124": "富民县",
    "530125": "宜良县",
    "530126": "石林彝族自治县",
    "530127": "嵩明县",
    "530128": "禄劝彝族苗族自治县",
    "530129": "寻甸回族彝族自治县",
    "530181": "安宁市",
}


def district_name(code: str) -> str:
    """The district's name for a known Kunming code, else the code itself; empty for no code."""
    return DISTRICT_NAMES.get(code, code)


def savings_rate(*, savings_fen: int, budget_fen: int) -> Decimal | None:
    """Savings as a percentage of the budget, two decimals rounded half up; None without a budget."""
    if budget_fen <= 0:
        return None
    return (Decimal(savings_fen) * 100 / Decimal(budget_fen)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class StatisticsQuery:
    """What the statistics are asked for: a Beijing calendar year, optionally one trade type."""

    year: int
    trade_type: str | None = None


def statistics_query_parse(*, year: str = "", trade_type: str = "") -> StatisticsQuery:
    """The query from request parameters as typed; the current Beijing year when ``year`` is empty.

    ``InvalidInput`` (``disclosure_year_invalid``, ``disclosure_trade_type_unknown``) names the bad one.
    """
    current = clock_now().astimezone(CHINA_TZ).year
    year, trade_type = year.strip(), trade_type.strip()
    if not year:
        value = current
    elif _YEAR_RE.match(year) and FIRST_YEAR <= int(year) <= current:
        value = int(year)
    else:
        raise InvalidInput(
            f"统计年份应在{FIRST_YEAR}年至{current}年之间",
            code="disclosure_year_invalid",
            detail={"year": year[:20], "min": FIRST_YEAR, "max": current},
        )
    if trade_type and trade_type not in TRADE_TYPES:
        raise InvalidInput(
            "交易类型不存在",
            code="disclosure_trade_type_unknown",
            detail={"trade_type": trade_type[:40], "allowed": TRADE_TYPES},
        )
    return StatisticsQuery(year=value, trade_type=trade_type or None)


@dataclasses.dataclass(frozen=True)
class TradeGroup:
    """Trades of one group (a trade type, a month ``YYYY-MM``, a region code); ``key`` "" is unknown."""

    key: str
    count: int = 0
    price_fen: int = 0
    budget_fen: int = 0
    savings_fen: int = 0

    @property
    def savings_rate(self) -> Decimal | None:
        """Savings as a percentage of the budget (None when the group has no budget)."""
        return savings_rate(savings_fen=self.savings_fen, budget_fen=self.budget_fen)

    def plus(self, *, count: int, price_fen: int, budget_fen: int, savings_fen: int) -> TradeGroup:
        """This group with more trades added."""
        return dataclasses.replace(
            self,
            count=self.count + count,
            price_fen=self.price_fen + price_fen,
            budget_fen=self.budget_fen + budget_fen,
            savings_fen=self.savings_fen + savings_fen,
        )


@dataclasses.dataclass(frozen=True)
class CountGroup:
    """A count of one group (a role, a region code, a month ``YYYY-MM``)."""

    key: str
    count: int


@dataclasses.dataclass(frozen=True)
class NoticeMonth:
    """Notices published in one Beijing month (``YYYY-MM``), by trade type."""

    month: str
    by_type: dict[str, int]

    @property
    def total(self) -> int:
        """Every notice of the month."""
        return sum(self.by_type.values())


@dataclasses.dataclass(frozen=True)
class Statistics:
    """Every figure of the statistics page for one query.

    Month lists cover the whole year — up to the current month in the current year — with a zero
    for a month without anything. The market-subject figures other than ``subjects_by_month`` are
    the list as it stands now; ``subjects_by_month`` counts subjects listed now by the month they
    were first listed (subjects since taken off the list are not counted), and
    ``subjects_listed_unknown`` how many were listed before that moment was recorded.
    """

    query: StatisticsQuery
    months: tuple[str, ...]
    trades_total: TradeGroup
    trades_by_type: tuple[TradeGroup, ...]
    trades_by_month: tuple[TradeGroup, ...]
    trades_by_district: tuple[TradeGroup, ...]
    notice_types: tuple[str, ...]
    notices_by_month: tuple[NoticeMonth, ...]
    subjects_total: int
    subjects_by_role: tuple[CountGroup, ...]
    subjects_by_district: tuple[CountGroup, ...]
    subjects_by_month: tuple[CountGroup, ...]
    subjects_listed_unknown: int


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime(year, 1, 1, tzinfo=CHINA_TZ), dt.datetime(year + 1, 1, 1, tzinfo=CHINA_TZ))


def _months(year: int) -> tuple[str, ...]:
    now = clock_now().astimezone(CHINA_TZ)
    last = now.month if year == now.year else 12
    return tuple(f"{year}-{month:02d}" for month in range(1, last + 1))


def _type_keys(query: StatisticsQuery, present: set[str]) -> list[str]:
    """The trade types shown: the four known ones (or the one asked for), then any other received."""
    if query.trade_type is not None:
        return [query.trade_type]
    known = list(TRADE_TYPES)
    return known + sorted(present - set(known) - {""}) + ([""] if "" in present else [])


_Trades = tuple[TradeGroup, tuple[TradeGroup, ...], tuple[TradeGroup, ...], tuple[TradeGroup, ...]]
_Subjects = tuple[int, tuple[CountGroup, ...], tuple[CountGroup, ...], tuple[CountGroup, ...], int]


def _trades(query: StatisticsQuery, months: tuple[str, ...]) -> _Trades:
    """The total, then by type, by month and by district."""
    start, end = _year_bounds(query.year)
    awards = AwardResult.objects.filter(decided_at__gte=start, decided_at__lt=end)
    grouped = (
        awards.annotate(month=ExtractMonth("decided_at", tzinfo=CHINA_TZ))
        .values("project_code", "month")
        .annotate(count=Count("id"), price=Sum("price_fen"), budget=Sum("budget_fen"), savings=Sum("savings_fen"))
        .order_by()
    )
    # The project's type and region, from its first opening notice. Joined by project code in
    # Python rather than through the notices' JSON list of sections, which SQLite cannot search.
    origin: dict[str, tuple[str, str]] = {}
    for code, trade_type, region in (
        Notice.objects.filter(kind__in=TENDER_KINDS, project_code__in=awards.values("project_code"))
        .order_by("project_code", "published_at", "id")
        .values_list("project_code", "trade_type", "region_code")
    ):
        origin.setdefault(code, (trade_type, region))
    total = TradeGroup(key="")
    by_type: dict[str, TradeGroup] = {}
    by_month = {month: TradeGroup(key=month) for month in months}
    by_district: dict[str, TradeGroup] = {}
    for row in grouped:
        trade_type, region = origin.get(row["project_code"], ("", ""))
        if query.trade_type is not None and trade_type != query.trade_type:
            continue
        amounts = {
            "count": row["count"],
            "price_fen": row["price"],
            "budget_fen": row["budget"],
            "savings_fen": row["savings"],
        }
        month = f"{query.year}-{row['month']:02d}"
        total = total.plus(**amounts)
        by_type[trade_type] = by_type.get(trade_type, TradeGroup(key=trade_type)).plus(**amounts)
        by_month[month] = by_month.get(month, TradeGroup(key=month)).plus(**amounts)
        by_district[region] = by_district.get(region, TradeGroup(key=region)).plus(**amounts)
    return (
        total,
        tuple(by_type.get(key, TradeGroup(key=key)) for key in _type_keys(query, set(by_type))),
        tuple(by_month[key] for key in sorted(by_month)),
        # By code, the unknown region last.
        tuple(by_district[key] for key in sorted(by_district, key=lambda k: (k == "", k))),
    )


def _notices(query: StatisticsQuery, months: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[NoticeMonth, ...]]:
    start, end = _year_bounds(query.year)
    notices = Notice.objects.filter(published_at__gte=start, published_at__lt=end)
    if query.trade_type is not None:
        notices = notices.filter(trade_type=query.trade_type)
    counts: dict[tuple[str, str], int] = {}
    for row in (
        notices.annotate(month=ExtractMonth("published_at", tzinfo=CHINA_TZ))
        .values("trade_type", "month")
        .annotate(count=Count("id"))
        .order_by()
    ):
        counts[(f"{query.year}-{row['month']:02d}", row["trade_type"])] = row["count"]
    types = tuple(_type_keys(query, {trade_type for _, trade_type in counts}))
    every_month = sorted(set(months) | {month for month, _ in counts})
    rows = tuple(
        NoticeMonth(month=month, by_type={key: counts.get((month, key), 0) for key in types}) for month in every_month
    )
    return types, rows


def _subjects(query: StatisticsQuery, months: tuple[str, ...]) -> _Subjects:
    """The total listed, then by role, by district and by month first listed; and those listed at an unknown time."""
    roles = MarketSubject.objects.aggregate(
        total=Count("id"), **{role: Count("id", filter=Q(roles_index__contains=f"|{role}|")) for role in MARKET_ROLES}
    )
    districts = MarketSubject.objects.values("region_code").annotate(count=Count("id")).order_by("region_code")
    start, end = _year_bounds(query.year)
    first_listed = {
        f"{query.year}-{row['month']:02d}": row["count"]
        for row in MarketSubject.objects.filter(first_seen_at__gte=start, first_seen_at__lt=end)
        .annotate(month=ExtractMonth("first_seen_at", tzinfo=CHINA_TZ))
        .values("month")
        .annotate(count=Count("id"))
        .order_by()
    }
    return (
        roles["total"],
        tuple(CountGroup(key=role, count=roles[role]) for role in MARKET_ROLES),
        tuple(
            CountGroup(key=row["region_code"], count=row["count"])
            for row in sorted(districts, key=lambda r: (r["region_code"] == "", r["region_code"]))
        ),
        tuple(
            CountGroup(key=month, count=first_listed.get(month, 0)) for month in sorted(set(months) | set(first_listed))
        ),
        MarketSubject.objects.filter(first_seen_at__isnull=True).count(),
    )


def statistics_get(*, query: StatisticsQuery) -> Statistics:
    """Every figure of the statistics for ``query``, from the public read models only."""
    months = _months(query.year)
    total, by_type, by_month, by_district = _trades(query, months)
    notice_types, notices_by_month = _notices(query, months)
    subjects_total, subjects_by_role, subjects_by_district, subjects_by_month, unknown = _subjects(query, months)
    return Statistics(
        query=query,
        months=months,
        trades_total=total,
        trades_by_type=by_type,
        trades_by_month=by_month,
        trades_by_district=by_district,
        notice_types=notice_types,
        notices_by_month=notices_by_month,
        subjects_total=subjects_total,
        subjects_by_role=subjects_by_role,
        subjects_by_district=subjects_by_district,
        subjects_by_month=subjects_by_month,
        subjects_listed_unknown=unknown,
    )
