"""Public statistics: trades, budget savings, notices and market subjects, counted from the read
models built by the handlers, shown as charts with their tables, downloaded as CSV and Excel."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from openpyxl import load_workbook

from zhengwu.contexts.disclosure import charts
from zhengwu.contexts.disclosure.handlers import HANDLERS
from zhengwu.contexts.disclosure.models import AwardResult, MarketSubject
from zhengwu.contexts.disclosure.statistics import (
    CountGroup,
    StatisticsQuery,
    TradeGroup,
    statistics_get,
)
from zhengwu.contexts.evaluation.events import AwardDecided
from zhengwu.contexts.identity.events import MarketSubjectChanged
from zhengwu.contexts.tendering.events import NoticePublished, SectionFailed
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.uscc import uscc_check_char, uscc_org_check_char
from zhengwu.platform.exchange.envelope import Envelope

pytestmark = pytest.mark.django_db

PAGE = "/statistics/"
API = "/api/disclosure/statistics"
# 10:00 Beijing time on 15 June 2026: this year's months are January to June.
NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
MONTHS = tuple(f"2026-{m:02d}" for m in range(1, 7))


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    cache.clear()
    yield
    clock_reset()
    cache.clear()


def deliver(event: Any) -> None:
    """Apply one event to the public read models through its handler, as the exchange does."""
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination="public",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=1,
        occurred_at=NOW.isoformat(),
        payload=event.payload(),
    )
    HANDLERS[event.event_type](event.payload(), envelope)


def notice(n: int, *, kind: str, trade_type: str, project: str, region: str, published_at: str) -> NoticePublished:
    return NoticePublished(
        notice_id=str(uuid.UUID(int=n)),
        kind=kind,
        trade_type=trade_type,
        procedure=f"{trade_type}.open",
        project_code=project,
        project_name=f"项目{project}",
        section_codes=[f"{project}-1", f"{project}-2"],
        title=f"项目{project}公告{n}",
        body="正文",
        tenderer_name="昆明某城市建设投资有限公司",
        agency_name="",
        region_code=region,
        budget_fen=None,
        published_at=published_at,
        bid_deadline=None,
        opening_at=None,
        references_notice_id=None,
        attachments=[],
    )


def award(section: str, *, decided_at: str, price: int, budget: int) -> AwardDecided:
    return AwardDecided(
        section_code=section,
        project_code=section.rsplit("-", 1)[0],
        section_name=f"标段{section}",
        bidder="云南某路桥工程有限公司",
        uscc="91530100MA6K2B3C4D",
        rank=1,
        price_fen=price,
        budget_fen=budget,
        savings_fen=budget - price,
        notice_number=f"ZBTZ-{section}",
        decided_at=decided_at,
        passed_over=[],
        contract_due="2026-12-31",
        report_due="2026-12-31",
    )


def uscc_make(n: int) -> str:
    body = f"{n:08d}"
    first17 = f"91530100{body}{uscc_org_check_char(body)}"
    return first17 + uscc_check_char(first17)


def subject(
    n: int, *, roles: tuple[str, ...], region: str, changed_at: str, version: int = 1, status: str = "verified"
) -> MarketSubjectChanged:
    return MarketSubjectChanged(
        uscc=uscc_make(n),
        name=f"市场主体{n}",
        status=status,
        market_roles=list(roles),
        region_code=region,
        version=version,
        changed_at=changed_at,
    )


def world() -> None:
    """Notices, awards, a failure and subjects across trade types, months, districts and years.

    P1 construction 五华区: awarded in March and on 1 May 00:30 Beijing time (still 30 April in UTC).
    P2 procurement 官渡区 (an invitation, amended in April): awarded in March.
    P3 land, region 530199 (no name known): awarded over budget in May.
    P4 construction 五华区: one section failed, the other not awarded — no trade.
    P5 construction 盘龙区: awarded on 31 December 2025 and on 1 January 2026 00:30 Beijing time.
    P6: awarded in June, but its notice never reached the public platform.
    """
    for event in (
        notice(1, kind="tender", trade_type="construction", project="P1", region="530102",
               published_at="2026-01-10T09:00:00+08:00"),
        notice(2, kind="invitation", trade_type="procurement", project="P2", region="530111",
               published_at="2026-02-01T09:00:00+08:00"),
        notice(3, kind="tender", trade_type="land", project="P3", region="530199",
               published_at="2026-02-15T09:00:00+08:00"),
        notice(4, kind="tender", trade_type="construction", project="P4", region="530102",
               published_at="2026-04-01T09:00:00+08:00"),
        notice(5, kind="amendment", trade_type="procurement", project="P2", region="530111",
               published_at="2026-04-05T09:00:00+08:00"),
        notice(6, kind="tender", trade_type="construction", project="P5", region="530103",
               published_at="2025-11-01T09:00:00+08:00"),
        award("P1-1", decided_at="2026-03-14T10:00:00+08:00", price=495_000_000, budget=520_000_000),
        award("P1-2", decided_at="2026-04-30T16:30:00+00:00", price=100_000_000, budget=120_000_000),
        award("P2-1", decided_at="2026-03-20T15:00:00+08:00", price=80_000_000, budget=100_000_000),
        award("P3-1", decided_at="2026-05-10T10:00:00+08:00", price=300_000_000, budget=250_000_000),
        award("P5-1", decided_at="2025-12-31T23:30:00+08:00", price=10_000_000, budget=12_000_000),
        award("P5-2", decided_at="2025-12-31T16:30:00+00:00", price=30_000_000, budget=33_000_000),
        award("P6-1", decided_at="2026-06-01T10:00:00+08:00", price=5_000_000, budget=5_000_000),
        SectionFailed(project_code="P4", section_code="P4-1", section_name="标段P4-1",
                      reason="insufficient_bids", failed_at="2026-05-20T10:00:00+08:00"),
        subject(1, roles=("bidder",), region="530102", changed_at="2026-02-03T10:00:00+08:00"),
        # 1 April 00:30 Beijing time, still 31 March in UTC.
        subject(2, roles=("tenderer", "agency"), region="530111", changed_at="2026-03-31T16:30:00+00:00"),
        subject(3, roles=("bidder",), region="530103", changed_at="2026-04-10T10:00:00+08:00"),
        subject(3, roles=("bidder",), region="530103", changed_at="2026-05-20T10:00:00+08:00", version=2),
        subject(4, roles=("bidder",), region="530102", changed_at="2026-05-01T10:00:00+08:00", status="pending"),
        subject(5, roles=("bidder",), region="530102", changed_at="2026-05-01T10:00:00+08:00"),
        subject(5, roles=("bidder",), region="530102", changed_at="2026-05-25T10:00:00+08:00", version=2,
                status="suspended"),
        subject(6, roles=("agency",), region="530102", changed_at="2025-12-01T10:00:00+08:00"),
        subject(7, roles=("bidder",), region="530102", changed_at="2026-01-05T10:00:00+08:00"),
    ):  # fmt: skip
        deliver(event)
    # Subject 7 was listed before first listings were recorded (as the migration leaves such rows).
    MarketSubject.objects.filter(uscc=uscc_make(7)).update(first_seen_at=None)


def trade(key: str, count: int = 0, price: int = 0, budget: int = 0) -> TradeGroup:
    # Savings are the budget less the price: each trade's savings add up to the group's.
    return TradeGroup(key=key, count=count, price_fen=price, budget_fen=budget, savings_fen=budget - price)


# The figures -----------------------------------------------------------------------------------


def test_trades_are_counted_by_type_beijing_month_and_district_of_their_tender_notice() -> None:
    world()

    stats = statistics_get(query=StatisticsQuery(year=2026))

    assert stats.months == MONTHS
    assert stats.trades_total == trade("", 6, 1_010_000_000, 1_028_000_000)
    assert stats.trades_by_type == (
        trade("construction", 3, 625_000_000, 673_000_000),
        trade("procurement", 1, 80_000_000, 100_000_000),
        trade("land", 1, 300_000_000, 250_000_000),
        trade("property"),
        trade("", 1, 5_000_000, 5_000_000),
    )
    # Months without a trade are there, with zeros; 1 May 00:30 Beijing time is May.
    assert stats.trades_by_month == (
        trade("2026-01", 1, 30_000_000, 33_000_000),
        trade("2026-02"),
        trade("2026-03", 2, 575_000_000, 620_000_000),
        trade("2026-04"),
        trade("2026-05", 2, 400_000_000, 370_000_000),
        trade("2026-06", 1, 5_000_000, 5_000_000),
    )
    # P4's failed and unawarded sections are no trades.
    assert stats.trades_by_district == (
        trade("530102", 2, 595_000_000, 640_000_000),
        trade("530103", 1, 30_000_000, 33_000_000),
        trade("530111", 1, 80_000_000, 100_000_000),
        trade("530199", 1, 300_000_000, 250_000_000),
        trade("", 1, 5_000_000, 5_000_000),
    )
    # Savings rates by hand: 48/673, 20/100, −50/250, none without a budget, 0/5; overall 18/1028.
    assert [g.savings_rate for g in stats.trades_by_type] == [
        Decimal("7.13"), Decimal("20.00"), Decimal("-20.00"), None, Decimal("0.00"),
    ]  # fmt: skip
    assert stats.trades_total.savings_rate == Decimal("1.75")
    # 3/33, 45/620, −30/370, 0/5.
    assert [g.savings_rate for g in stats.trades_by_month] == [
        Decimal("9.09"), None, Decimal("7.26"), None, Decimal("-8.11"), Decimal("0.00"),
    ]  # fmt: skip


def test_one_trade_type_and_a_past_year() -> None:
    world()

    construction = statistics_get(query=StatisticsQuery(year=2026, trade_type="construction"))
    last_year = statistics_get(query=StatisticsQuery(year=2025))

    assert construction.trades_by_type == (trade("construction", 3, 625_000_000, 673_000_000),)
    assert [(g.key, g.count, g.price_fen) for g in construction.trades_by_month] == [
        ("2026-01", 1, 30_000_000), ("2026-02", 0, 0), ("2026-03", 1, 495_000_000), ("2026-04", 0, 0),
        ("2026-05", 1, 100_000_000), ("2026-06", 0, 0),
    ]  # fmt: skip
    assert [(g.key, g.count) for g in construction.trades_by_district] == [("530102", 2), ("530103", 1)]
    assert construction.notice_types == ("construction",)
    assert [(m.month, m.total) for m in construction.notices_by_month] == [
        ("2026-01", 1), ("2026-02", 0), ("2026-03", 0), ("2026-04", 1), ("2026-05", 0), ("2026-06", 0),
    ]  # fmt: skip

    # A past year has all twelve months; 31 December 23:30 Beijing time is 2025's.
    assert last_year.months == tuple(f"2025-{m:02d}" for m in range(1, 13))
    assert last_year.trades_total == trade("", 1, 10_000_000, 12_000_000)
    assert [g.count for g in last_year.trades_by_month] == [0] * 11 + [1]
    assert [(m.month, m.by_type) for m in last_year.notices_by_month][10] == (
        "2025-11", {"construction": 1, "procurement": 0, "land": 0, "property": 0},
    )  # fmt: skip


def test_notices_are_counted_by_month_and_type_with_zero_months() -> None:
    world()

    stats = statistics_get(query=StatisticsQuery(year=2026))

    assert stats.notice_types == ("construction", "procurement", "land", "property")
    assert [(m.month, m.by_type, m.total) for m in stats.notices_by_month] == [
        ("2026-01", {"construction": 1, "procurement": 0, "land": 0, "property": 0}, 1),
        ("2026-02", {"construction": 0, "procurement": 1, "land": 1, "property": 0}, 2),
        ("2026-03", {"construction": 0, "procurement": 0, "land": 0, "property": 0}, 0),
        ("2026-04", {"construction": 1, "procurement": 1, "land": 0, "property": 0}, 2),
        ("2026-05", {"construction": 0, "procurement": 0, "land": 0, "property": 0}, 0),
        ("2026-06", {"construction": 0, "procurement": 0, "land": 0, "property": 0}, 0),
    ]


def test_listed_subjects_by_role_district_and_the_month_they_were_first_listed() -> None:
    world()

    stats = statistics_get(query=StatisticsQuery(year=2026))

    # Listed: 1, 2, 3, 6, 7 (4 is pending; 5 was suspended and taken off the list).
    assert stats.subjects_total == 5
    assert stats.subjects_by_role == (
        CountGroup("agency", 2), CountGroup("bidder", 3), CountGroup("tenderer", 1),
    )  # fmt: skip
    assert stats.subjects_by_district == (
        CountGroup("530102", 3), CountGroup("530103", 1), CountGroup("530111", 1),
    )  # fmt: skip
    # Subject 3's later change keeps its first listing in April; 2 was listed on 1 April Beijing time.
    assert stats.subjects_by_month == (
        CountGroup("2026-01", 0), CountGroup("2026-02", 1), CountGroup("2026-03", 0),
        CountGroup("2026-04", 2), CountGroup("2026-05", 0), CountGroup("2026-06", 0),
    )  # fmt: skip
    assert stats.subjects_listed_unknown == 1
    assert MarketSubject.objects.get(uscc=uscc_make(3)).first_seen_at == dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)


# The API ---------------------------------------------------------------------------------------


def test_the_api_returns_every_figure_with_amounts_as_exact_strings(client: Client) -> None:
    world()

    response = client.get(API, {"year": "2026"})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "year", "trade_type", "months", "trades", "trades_by_type", "trades_by_month", "trades_by_district",
        "notices_by_month", "subjects_total", "subjects_by_role", "subjects_by_district",
        "subjects_first_listed_by_month", "subjects_first_listed_unknown",
    }  # fmt: skip
    assert (body["year"], body["trade_type"], body["months"]) == (2026, None, list(MONTHS))
    assert body["trades"] == {
        "key": "", "count": 6, "value": "10100000.00", "budget": "10280000.00", "savings": "180000.00",
        "savings_rate": "1.75",
    }  # fmt: skip
    assert body["trades_by_type"][2] == {
        "key": "land", "count": 1, "value": "3000000.00", "budget": "2500000.00", "savings": "-500000.00",
        "savings_rate": "-20.00",
    }  # fmt: skip
    assert body["trades_by_type"][3]["savings_rate"] is None
    assert [(m["key"], m["count"], m["value"]) for m in body["trades_by_month"]] == [
        ("2026-01", 1, "300000.00"), ("2026-02", 0, "0.00"), ("2026-03", 2, "5750000.00"),
        ("2026-04", 0, "0.00"), ("2026-05", 2, "4000000.00"), ("2026-06", 1, "50000.00"),
    ]  # fmt: skip
    assert [(d["key"], d["name"], d["count"]) for d in body["trades_by_district"]] == [
        ("530102", "五华区", 2), ("530103", "盘龙区", 1), ("530111", "官渡区", 1), ("530199", "530199", 1), ("", "", 1),
    ]  # fmt: skip
    assert body["notices_by_month"][1] == {
        "month": "2026-02", "by_type": {"construction": 0, "procurement": 1, "land": 1, "property": 0}, "total": 2,
    }  # fmt: skip
    assert body["subjects_total"] == 5
    assert body["subjects_by_role"] == [
        {"key": "agency", "count": 2}, {"key": "bidder", "count": 3}, {"key": "tenderer", "count": 1},
    ]  # fmt: skip
    assert body["subjects_by_district"][0] == {"key": "530102", "count": 3, "name": "五华区"}
    assert [m["count"] for m in body["subjects_first_listed_by_month"]] == [0, 1, 0, 2, 0, 0]
    assert body["subjects_first_listed_unknown"] == 1
    # Without a year: this (Beijing) year.
    assert client.get(API).json()["year"] == 2026
    assert client.get(API, {"trade_type": "land"}).json()["trades"]["count"] == 1


BAD = [
    ({"year": "abc"}, "disclosure_year_invalid"),
    ({"year": "1999"}, "disclosure_year_invalid"),
    ({"year": "2027"}, "disclosure_year_invalid"),
    ({"year": "20260"}, "disclosure_year_invalid"),
    ({"year": "2026", "trade_type": "ships"}, "disclosure_trade_type_unknown"),
]


@pytest.mark.parametrize(("params", "code"), BAD, ids=[str(p) for p, _ in BAD])
def test_bad_parameters_are_refused_with_a_stable_code(client: Client, params: dict[str, str], code: str) -> None:
    world()

    api = client.get(API, params)
    page = client.get(PAGE, params)
    download = client.get(f"{PAGE}trades-by-type.csv", params)

    assert api.status_code == 400
    assert set(api.json()) == {"code", "message", "detail"}
    assert api.json()["code"] == code
    for response in (page, download):
        html = response.content.decode()
        assert response.status_code == 400
        assert api.json()["message"] in html
        assert "<svg" not in html
        assert 'data-testid="figure-' not in html


def test_only_the_public_platform_publishes_the_statistics(client: Client) -> None:
    assert client.get("/trading/api/disclosure/statistics").status_code == 404
    assert client.get("/supervision/api/disclosure/statistics").status_code == 404


# The page, the downloads and the charts ----------------------------------------------------------


def cells(html: str, name: str) -> list[list[str]]:
    """The rows of a figure's table on the page, as text."""
    table = re.search(rf'<table data-testid="table-{name}">(.*?)</table>', html, re.S)
    assert table is not None, name
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table[1], re.S)
    ]


def chart(html: str, name: str) -> str:
    found = re.search(rf'data-testid="figure-{name}">.*?(<svg.*?</svg>)', html, re.S)
    assert found is not None, name
    return found[1]


def test_the_page_shows_each_figure_as_a_chart_with_its_table(client: Client) -> None:
    world()

    response = client.get(PAGE, {"year": "2026"})

    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'data-testid="figure-([a-z-]+)"', html) == list(charts.FIGURE_NAMES)
    district_rows = cells(html, "trades-by-district")
    assert district_rows[1:5] == [
        ["530102", "五华区", "2", "5,950,000.00"],
        ["530103", "盘龙区", "1", "300,000.00"],
        ["530111", "官渡区", "1", "800,000.00"],
        ["530199", "530199", "1", "3,000,000.00"],
    ]
    # The trade whose notice never arrived: no region code, a label saying so.
    assert (district_rows[5][0], district_rows[5][2:]) == ("", ["1", "50,000.00"])
    assert cells(html, "savings-by-month")[1:] == [
        ["2026-01", "1", "330,000.00", "300,000.00", "30,000.00", "9.09"],
        ["2026-02", "0", "0.00", "0.00", "0.00", ""],
        ["2026-03", "2", "6,200,000.00", "5,750,000.00", "450,000.00", "7.26"],
        ["2026-04", "0", "0.00", "0.00", "0.00", ""],
        ["2026-05", "2", "3,700,000.00", "4,000,000.00", "-300,000.00", "-8.11"],
        ["2026-06", "1", "50,000.00", "50,000.00", "0.00", "0.00"],
    ]
    # The Chinese labels are text in the SVG, with the values at the bars (money in 万元).
    svg = chart(html, "trades-by-district")
    assert svg.count("<title") == 1
    assert 'role="img"' in svg
    for label in ("五华区", "盘龙区", "官渡区", "530199", ">595.00<", ">30.00<", ">300.00<", ">2<"):
        assert label in svg, label
    assert "工程建设" in chart(html, "trades-by-type")
    assert ">-30.00<" in chart(html, "savings-by-month")
    assert ">-8.11%<" in chart(html, "savings-by-month")
    # Every SVG's element ids are its own, so the charts do not clash within the page.
    ids = re.findall(r'\bid="([^"]+)"', "".join(chart(html, name) for name in charts.FIGURE_NAMES))
    assert len(ids) == len(set(ids))
    # Downloads carry the filters.
    assert 'href="/statistics/trades-by-type.csv?year=2026"' in html
    assert 'href="/statistics/trades-by-type.xlsx?year=2026"' in html


def test_the_downloads_hold_exactly_the_numbers_of_each_table(client: Client) -> None:
    world()
    html = client.get(PAGE, {"year": "2026", "trade_type": ""}).content.decode()

    for name in charts.FIGURE_NAMES:
        shown = [[cell.replace(",", "") for cell in row] for row in cells(html, name)]
        csv_response = client.get(f"{PAGE}{name}.csv", {"year": "2026"})
        xlsx_response = client.get(f"{PAGE}{name}.xlsx", {"year": "2026"})

        assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
        assert csv_response["Content-Disposition"] == f'attachment; filename="statistics-{name}-2026.csv"'
        raw = csv_response.content
        assert raw.startswith(b"\xef\xbb\xbf")
        assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == shown, name

        sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
        assert sheet is not None
        workbook_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert len(workbook_rows) == len(shown), name
        for got, want in zip(workbook_rows, shown, strict=True):
            assert [_same(g, w) for g, w in zip(got, want, strict=True)] == [True] * len(want), (name, got, want)


def _same(workbook_value: Any, shown: str) -> bool:
    # Amounts are numbers in the workbook (Excel sums them), text on the page.
    if isinstance(workbook_value, int | float) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", shown):
        return Decimal(str(workbook_value)) == Decimal(shown)
    return (workbook_value or "") == shown


def test_a_figure_for_one_trade_type_downloads_under_its_own_name(client: Client) -> None:
    world()

    response = client.get(f"{PAGE}trades-by-month.csv", {"year": "2026", "trade_type": "construction"})

    assert response["Content-Disposition"] == 'attachment; filename="statistics-trades-by-month-2026-construction.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1:] for row in rows[1:]] == [
        ["1", "300000.00"], ["0", "0.00"], ["1", "4950000.00"], ["0", "0.00"], ["1", "1000000.00"], ["0", "0.00"],
    ]  # fmt: skip


def test_a_chart_downloads_as_svg_and_an_unknown_figure_is_not_found(client: Client) -> None:
    world()

    svg = client.get(f"{PAGE}subjects-by-district.svg", {"year": "2026"})

    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    body = svg.content.decode()
    assert body.startswith("<svg")
    assert "<title" in body
    assert "五华区" in body
    assert ">3<" in body
    assert client.get(f"{PAGE}subjects-by-planet.csv").status_code == 404
    assert client.get(f"{PAGE}subjects-by-district.pdf").status_code == 404


def test_a_chart_is_drawn_once_per_content(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    world()
    drawn: list[str] = []
    draw = charts._draw

    def counting(chart: charts.Chart) -> str:
        drawn.append(chart.title)
        return draw(chart)

    monkeypatch.setattr(charts, "_draw", counting)

    client.get(PAGE, {"year": "2026"})
    first = len(drawn)
    client.get(PAGE, {"year": "2026"})
    again = len(drawn) - first
    deliver(award("P1-3", decided_at="2026-06-10T10:00:00+08:00", price=1_000_000, budget=1_100_000))
    client.get(PAGE, {"year": "2026"})
    after_a_trade = len(drawn) - first - again

    assert (first, again) == (len(charts.FIGURE_NAMES), 0)
    # A new trade changes the five trade and savings figures; notices and subjects are not drawn again.
    assert after_a_trade == 5
    assert AwardResult.objects.count() == 8


def test_the_home_page_links_to_the_statistics(client: Client) -> None:
    html = client.get("/").content.decode()

    assert re.search(r'<a class="card" href="/statistics/" data-testid="statistics-link">', html)
