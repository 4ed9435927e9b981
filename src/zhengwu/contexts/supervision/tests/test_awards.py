"""After the evaluation, on the supervision platform: each section's candidates, award, written
report and contract, from evaluation's events in any order, with the statutory deadlines (report
within 15 days, contract within 30) flagged when missed — for regulators and city leaders only."""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.contexts.evaluation.events import (
    AwardDecided,
    CandidatesPublished,
    ContractRegistered,
    WrittenReportSubmitted,
)
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.supervision.handlers import HANDLERS
from zhengwu.contexts.supervision.models import AwardTrack
from zhengwu.contexts.supervision.rules import DeadlineState, deadline_state
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish

pytestmark = pytest.mark.django_db

SECTION = "P530100202600001001"
PROJECT = "P530100202600001"
NAME = "滇池路改造工程第一标段"
LIST = "/supervision/awards/"
DETAIL = f"/supervision/awards/{SECTION}/"
UTC = dt.UTC
# 14 April, 12:00 Beijing time: two hours after the award was decided.
NOW = dt.datetime(2026, 4, 14, 4, 0, tzinfo=UTC)
WINNER = "云南某路桥工程有限公司"
REPORT_TEXT = "一、招标范围……\n二、评标委员会的组建及评标经过 <script>alert(1)</script>"


def beijing(day: int, month: int = 4, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour - 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


def candidates(**overrides: Any) -> CandidatesPublished:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": NAME,
        "method": "comprehensive",
        "outcome": "candidates",
        "starts_at": "2026-04-08T09:00:00+08:00",
        "ends_at": "2026-04-11T17:00:00+08:00",
        "candidates": [
            {"rank": 2, "bidder": WINNER, "uscc": "91530100MA6K2B3C4D", "price_fen": 4_950_000_000, "score": "90.15"},
            {
                "rank": 1,
                "bidder": "昆明某建设集团有限公司",
                "uscc": "91530100MA6K1A2B3C",
                "price_fen": 4_876_543_210,
                "score": "92.50",
            },
        ],
        "rejected": [],
        "committee": [{"name": "张伟", "leader": True}],
        "result_digest": "ab" * 32,
        "draw_record": None,
    }
    fields.update(overrides)
    return CandidatesPublished(**fields)


def award(**overrides: Any) -> AwardDecided:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": NAME,
        "bidder": WINNER,
        "uscc": "91530100MA6K2B3C4D",
        "rank": 2,
        "price_fen": 4_950_000_000,
        "budget_fen": 5_200_000_000,
        "savings_fen": 250_000_000,
        "notice_number": "ZBTZ-2026-0042",
        "decided_at": "2026-04-14T10:00:00+08:00",
        "passed_over": [],
        "contract_due": "2026-05-14",
        "report_due": "2026-04-29",
    }
    fields.update(overrides)
    return AwardDecided(**fields)


def report(**overrides: Any) -> WrittenReportSubmitted:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": NAME,
        "tenderer": "昆明某城市建设投资有限公司",
        "winner": WINNER,
        "price_fen": 4_950_000_000,
        "text": REPORT_TEXT,
        "submitted_at": "2026-04-20T10:00:00+08:00",
        "due": "2026-04-29",
        "late": False,
    }
    fields.update(overrides)
    return WrittenReportSubmitted(**fields)


def contract(**overrides: Any) -> ContractRegistered:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": NAME,
        "contract_number": "HT-2026-0042",
        "supplier": WINNER,
        "supplier_uscc": "91530100MA6K2B3C4D",
        "subject": "施工",
        "amount_fen": 4_950_000_000,
        "quality": "合格",
        "term": "365日历天",
        "signed_on": "2026-05-20",
        "registered_at": "2026-05-21T10:00:00+08:00",
        "late": True,
        "security_return_due": "2026-05-25",
    }
    fields.update(overrides)
    return ContractRegistered(**fields)


def publish(*events: Any) -> None:
    for event in events:
        outbox_publish(event=event)
    result = relay_run_once()
    assert result.ok, result


def apply(*events: Any) -> None:
    """Hand each event straight to its handler, in the order given (the exchange orders a stream)."""
    for event in events:
        envelope = Envelope(
            id=str(uuid.uuid4()),
            source="standalone",
            destination="supervision",
            event_type=event.event_type,
            aggregate_type=event.aggregate_type,
            aggregate_id=event.aggregate_id,
            sequence=1,
            occurred_at="2026-04-14T02:00:05+00:00",
            payload=event.payload(),
        )
        HANDLERS[event.event_type](event.payload(), envelope)


FIELDS = (
    "section_code", "project_code", "section_name", "publicity_starts_at", "publicity_ends_at", "winner", "price_fen",
    "budget_fen", "savings_fen", "notice_number", "decided_at", "report_due", "report_submitted_at", "report_tenderer",
    "report_text", "report_late", "contract_due", "contract_number", "contract_signed_on", "contract_amount_fen",
    "contract_registered_at", "contract_late", "security_return_due",
)  # fmt: skip
EVERYTHING = (
    SECTION, PROJECT, NAME, beijing(8, hour=9), beijing(11, hour=17), WINNER, 4_950_000_000, 5_200_000_000,
    250_000_000, "ZBTZ-2026-0042", beijing(14), dt.date(2026, 4, 29), beijing(20), "昆明某城市建设投资有限公司",
    REPORT_TEXT, False, dt.date(2026, 5, 14), "HT-2026-0042", dt.date(2026, 5, 20), 4_950_000_000, beijing(21, 5),
    True, dt.date(2026, 5, 25),
)  # fmt: skip


def tracks() -> list[tuple[Any, ...]]:
    return list(AwardTrack.objects.values_list(*FIELDS))


# The handlers --------------------------------------------------------------------------------


def test_the_four_events_fill_one_row_per_section() -> None:
    publish(candidates(), award(), report(), contract())

    assert tracks() == [EVERYTHING]
    track = AwardTrack.objects.get()
    assert [c["rank"] for c in track.candidates] == [1, 2]
    assert sorted(track.payloads) == sorted(e.event_type for e in (candidates(), award(), report(), contract()))
    assert track.updated_at == NOW


@pytest.mark.parametrize(
    "order",
    [
        ("contract", "report", "award", "candidates"),
        ("report", "candidates", "contract", "award"),
        ("award", "contract", "candidates", "report"),
    ],
)
def test_events_in_any_order_give_the_same_row(order: tuple[str, ...]) -> None:
    makers = {"candidates": candidates, "award": award, "report": report, "contract": contract}

    apply(*(makers[name]() for name in order))

    assert tracks() == [EVERYTHING]


def test_the_report_deadline_comes_from_whichever_event_arrives_first() -> None:
    apply(report(due="2026-04-28"), award())

    assert AwardTrack.objects.get().report_due == dt.date(2026, 4, 28)


def test_replays_change_nothing_and_a_different_second_version_is_kept_out(caplog: pytest.LogCaptureFixture) -> None:
    publish(candidates(), award(), report(), contract())
    before = list(AwardTrack.objects.values())
    clock_set(NOW + dt.timedelta(days=1))

    apply(candidates(), award(), report(), contract())
    assert list(AwardTrack.objects.values()) == before
    with caplog.at_level(logging.WARNING, logger="zhengwu.contexts.supervision.handlers"):
        apply(
            candidates(ends_at="2026-04-30T17:00:00+08:00"),
            award(bidder="另一家公司"),
            report(text="改写过的报告", late=True),
            contract(amount_fen=1),
        )

    assert list(AwardTrack.objects.values()) == before
    assert [r.getMessage().split(" (message")[0] for r in caplog.records] == [
        f"supervision: {event_type} of {SECTION} received again with different content"
        for event_type in (
            CandidatesPublished.event_type,
            AwardDecided.event_type,
            WrittenReportSubmitted.event_type,
            ContractRegistered.event_type,
        )
    ]


MALFORMED: list[tuple[str, Any]] = [
    ("no candidates", candidates(candidates=[])),
    ("a start without a time zone", candidates(starts_at="2026-04-08T09:00:00")),
    ("savings that do not add up", award(savings_fen=0)),
    ("a report deadline that is not a date", award(report_due="15日内")),
    ("a report without text", report(text=" ")),
    ("a report price that is not fen", report(price_fen="49500000.00")),
    ("a submission instant that is not one", report(submitted_at="yesterday")),
    ("a negative contract amount", contract(amount_fen=-5)),
    ("a signing date that is not one", contract(signed_on="2026-02-30")),
]


@pytest.mark.parametrize(("why", "event"), MALFORMED, ids=[why for why, _ in MALFORMED])
def test_a_malformed_event_is_refused_and_nothing_is_recorded(why: str, event: Any) -> None:
    with pytest.raises(ValueError, match=event.event_type):
        apply(event)

    assert not AwardTrack.objects.exists()


def test_a_malformed_event_after_a_good_one_leaves_the_row_as_it_was() -> None:
    publish(award())
    before = list(AwardTrack.objects.values())
    outbox_publish(event=report(submitted_at="2026-04-20T10:00:00"))

    result = relay_run_once()

    assert (result.attempted, result.delivered, result.failed) == (1, 0, 1)
    assert list(AwardTrack.objects.values()) == before


# The deadline rule ---------------------------------------------------------------------------

DUE = dt.date(2026, 4, 29)


@pytest.mark.parametrize(
    ("due", "done_on", "late", "today", "state"),
    [
        (None, None, False, DUE, DeadlineState.UNKNOWN),
        (DUE, None, False, DUE, DeadlineState.PENDING),  # the last day is still in time
        (DUE, None, False, DUE + dt.timedelta(days=1), DeadlineState.OVERDUE),
        (DUE, DUE, False, DUE + dt.timedelta(days=9), DeadlineState.DONE),
        (DUE, DUE + dt.timedelta(days=1), False, DUE, DeadlineState.DONE_LATE),  # the dates say so
        (DUE, DUE, True, DUE, DeadlineState.DONE_LATE),  # the sender says so
        (None, DUE, False, DUE, DeadlineState.DONE),
    ],
)
def test_deadline_state(
    due: dt.date | None, done_on: dt.date | None, late: bool, today: dt.date, state: DeadlineState
) -> None:
    assert deadline_state(due=due, done_on=done_on, late=late, today=today) == state


# The pages -----------------------------------------------------------------------------------


@pytest.fixture
def watchers(db: Any) -> None:
    for username, role in (("regulator", "regulator"), ("leader", "city_leader")):
        user_create(
            username=username, password="Kunming-Tender-2026", display_name=username, roles=[role],
            by=Actor.system("test"),
        )  # fmt: skip


def signed_in(username: str, *, second_factor: bool = True) -> Client:
    client = Client()
    client.force_login(user_get(username=username))
    if second_factor:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row_of(html: str) -> str:
    match = re.search(rf'<tr data-section="{SECTION}">(.*?)</tr>', html, re.S)
    assert match is not None
    return match[1]


def listing(client: Client) -> str:
    response = client.get(LIST)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_flags_a_missed_deadline_as_the_clock_moves(watchers: None) -> None:
    regulator = signed_in("regulator")
    publish(candidates(), award())

    row = row_of(listing(regulator))
    assert text(row) == (
        f"{NAME} {SECTION} {WINNER} 49,500,000.00 2,500,000.00 4.81% 未提交 期限 2026-04-29 未备案 期限 2026-05-14"
    )
    assert "逾期" not in row

    # The last day of the report's fifteen is still in time; the day after, it is overdue.
    clock_set(beijing(29, hour=23))
    assert "逾期" not in row_of(listing(regulator))
    clock_set(beijing(30, hour=9))
    row = row_of(listing(regulator))
    assert 'data-testid="report-overdue">逾期<' in row
    assert 'data-testid="contract-overdue"' not in row

    # The report arrives (late, as its sender says): no longer overdue, but marked as submitted late.
    publish(report(submitted_at="2026-04-30T10:00:00+08:00", late=True))
    row = row_of(listing(regulator))
    assert 'data-testid="report-overdue"' not in row
    assert "已提交 2026-04-30 逾期提交" in text(row)

    clock_set(beijing(15, month=5))
    row = row_of(listing(regulator))
    assert 'data-testid="contract-overdue">逾期<' in row

    publish(contract())
    row = row_of(listing(regulator))
    assert 'data-testid="contract-overdue"' not in row
    assert "已备案 2026-05-21 逾期备案" in text(row)


def test_the_detail_page_shows_the_written_report_in_full(watchers: None) -> None:
    publish(candidates(), award(), report(), contract(late=False, registered_at="2026-05-10T10:00:00+08:00"))

    response = signed_in("leader").get(DETAIL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "二、评标委员会的组建及评标经过 &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "已提交 2026-04-20" in text(html)
    assert "已备案 2026-05-10" in text(html)
    assert "逾期" not in html
    assert "节约资金（元） 2,500,000.00（4.81%）" in text(html)
    assert "公示期：2026-04-08 09:00 至 2026-04-11 17:00" in text(html)
    assert "4,876,543,210" not in html  # amounts are yuan
    assert "48,765,432.10" in html


def test_the_nav_links_the_awards_page(watchers: None) -> None:
    assert 'href="/supervision/awards/"' in listing(signed_in("regulator"))
    assert 'href="/supervision/awards/"' in signed_in("regulator").get("/supervision/openings/").content.decode()


def test_an_unknown_section_is_not_found(watchers: None) -> None:
    publish(award())
    assert signed_in("regulator").get("/supervision/awards/P000000000000000001/").status_code == 404


@pytest.fixture
def demo(db: Any) -> None:
    clock_reset()  # the demo's accounts live on the real clock
    call_command("demo", stdout=StringIO())
    user_create(
        username="citizen", password="Kunming-Tender-2026", display_name="市民", roles=["public"],
        by=Actor.system("test"),
    )  # fmt: skip
    clock_set(NOW)


def test_only_regulators_and_city_leaders_see_awards_and_reports(demo: None) -> None:
    publish(candidates(), award(), report())
    before = (list(AwardTrack.objects.values()), AuditEntry.objects.count())
    allowed = {"regulator": 200, "leader": 200}
    others = ["staff", "agency", "tenderer", "bidder1", "newcomer", "expert1", "appraiser", "dept", "citizen"]
    for username in [*allowed, *others]:
        for url in (LIST, DETAIL):
            response = signed_in(username).get(url)
            assert (username, url, response.status_code) == (username, url, allowed.get(username, 403))
            if username not in allowed:
                body = response.content.decode()
                assert WINNER not in body
                assert "评标委员会的组建" not in body
    for client in (Client(), signed_in("regulator", second_factor=False)):
        for url in (LIST, DETAIL):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith("/supervision/accounts/login/")
    assert (list(AwardTrack.objects.values()), AuditEntry.objects.count()) == before
