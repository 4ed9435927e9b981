"""The supervision platform follows every trade: notices and section status changes from
tendering's events, on a page for regulators and city leaders only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.supervision.handlers import notice_published, section_status_changed
from zhengwu.contexts.supervision.models import SectionStatusHistory, WatchedNotice, WatchedSection
from zhengwu.contexts.supervision.selectors import section_status_counts
from zhengwu.contexts.tendering.events import NoticePublished, SectionStatusChanged
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import InboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish

pytestmark = pytest.mark.django_db

PAGE = "/supervision/trades/"
NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
UTC = dt.UTC


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


def nid(n: int) -> str:
    return str(uuid.UUID(int=0x0195_0000_0000_7000_8000_0000_0000_0000 + n))


def notice(n: int, project: str, sections: list[str], **overrides: Any) -> NoticePublished:
    fields: dict[str, Any] = {
        "notice_id": nid(n),
        "kind": "tender",
        "trade_type": "construction",
        "procedure": "construction.open",
        "project_code": project,
        "project_name": f"Project {project}",
        "section_codes": sections,
        "title": f"Notice {n}",
        "body": f"Body {n}",
        "tenderer_name": "昆明某城市建设投资有限公司",
        "agency_name": "",
        "region_code": "530102",
        "budget_fen": 50_000_000,
        "published_at": "2026-03-02T09:00:00+08:00",
        "bid_deadline": "2026-03-23T09:30:00+08:00",
        "opening_at": "2026-03-23T09:30:00+08:00",
        "references_notice_id": None,
        "attachments": [],
    }
    fields.update(overrides)
    return NoticePublished(**fields)


def change(
    project: str,
    section: str,
    previous: str,
    status: str,
    at: str,
    *,
    deadline: str | None = "2026-03-23T09:30:00+08:00",
    reason: str = "",
    name: str = "",
) -> SectionStatusChanged:
    return SectionStatusChanged(
        project_code=project,
        section_code=section,
        section_name=name or f"Section {section}",
        status=status,
        previous_status=previous,
        reason=reason,
        bid_deadline=deadline,
        changed_at=at,
    )


def publish(*events: NoticePublished | SectionStatusChanged) -> None:
    for event in events:
        outbox_publish(event=event)
    report = relay_run_once()
    assert report.ok, report


def envelope_of(event: NoticePublished | SectionStatusChanged, message_id: str | None = None) -> Envelope:
    return Envelope(
        id=message_id or str(uuid.uuid4()),
        source="standalone",
        destination="supervision",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=1,
        occurred_at="2026-03-02T01:00:05+00:00",
        payload=event.payload(),
    )


def sections() -> list[tuple[Any, ...]]:
    return list(
        WatchedSection.objects.order_by("project_code", "section_code").values_list(
            "project_code", "section_code", "section_name", "status", "previous_status", "reason", "bid_deadline",
            "changed_at", "first_seen_at", "change_count",
        )
    )  # fmt: skip


def history(section_code: str) -> list[tuple[Any, ...]]:
    return list(
        SectionStatusHistory.objects.filter(section__section_code=section_code)
        .order_by("changed_at", "id")
        .values_list("previous_status", "status", "reason", "bid_deadline", "changed_at", "received_at")
    )


DEADLINE = dt.datetime(2026, 3, 23, 1, 30, tzinfo=UTC)


# Handlers ------------------------------------------------------------------------------------


def test_notices_and_status_changes_are_recorded_as_sent() -> None:
    publish(
        change("P1", "P1-001", "", "draft", "2026-03-01T10:00:00+08:00", deadline=None),
        change("P1", "P1-002", "", "draft", "2026-03-01T10:00:00+08:00", deadline=None),
        notice(1, "P1", ["P1-001", "P1-002"], agency_name="云南某招标代理有限公司"),
        change("P1", "P1-001", "draft", "published", "2026-03-02T09:00:00+08:00"),
        change("P1", "P1-002", "draft", "published", "2026-03-02T09:00:00+08:00"),
        change("P1", "P1-001", "published", "accepting_bids", "2026-03-02T09:00:01+08:00"),
        change("P1", "P1-002", "published", "terminated", "2026-03-04T15:00:00+08:00", reason="项目取消"),
    )

    assert list(WatchedNotice.objects.values_list(
        "notice_id", "kind", "trade_type", "procedure", "project_code", "project_name", "section_codes", "title",
        "body", "tenderer_name", "agency_name", "region_code", "budget_fen", "published_at", "bid_deadline",
        "opening_at", "references_notice_id", "attachments", "received_at",
    )) == [(
        uuid.UUID(nid(1)), "tender", "construction", "construction.open", "P1", "Project P1", ["P1-001", "P1-002"],
        "Notice 1", "Body 1", "昆明某城市建设投资有限公司", "云南某招标代理有限公司", "530102", 50_000_000,
        dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC), DEADLINE, DEADLINE, None, [], NOW,
    )]  # fmt: skip
    assert sections() == [
        ("P1", "P1-001", "Section P1-001", "accepting_bids", "published", "", DEADLINE,
         dt.datetime(2026, 3, 2, 1, 0, 1, tzinfo=UTC), dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC), 3),
        ("P1", "P1-002", "Section P1-002", "terminated", "published", "项目取消", DEADLINE,
         dt.datetime(2026, 3, 4, 7, 0, tzinfo=UTC), dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC), 3),
    ]  # fmt: skip
    assert history("P1-001") == [
        ("", "draft", "", None, dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC), NOW),
        ("draft", "published", "", DEADLINE, dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC), NOW),
        ("published", "accepting_bids", "", DEADLINE, dt.datetime(2026, 3, 2, 1, 0, 1, tzinfo=UTC), NOW),
    ]
    # Section changes go to the supervision platform only; notices to both.
    routed = sorted(set(InboxMessage.objects.values_list("destination", "event_type")))
    assert routed == [
        ("public", NoticePublished.event_type),
        ("supervision", NoticePublished.event_type),
        ("supervision", SectionStatusChanged.event_type),
    ]
    assert section_status_counts() == {
        "draft": 0, "published": 0, "accepting_bids": 1, "opening": 0, "evaluating": 0, "candidates": 0,
        "awarded": 0, "contracted": 0, "archived": 0, "terminated": 1, "failed": 0,
    }  # fmt: skip


def test_a_replayed_change_changes_nothing() -> None:
    first = change("P1", "P1-001", "", "draft", "2026-03-01T10:00:00+08:00")
    second = change("P1", "P1-001", "draft", "published", "2026-03-02T09:00:00+08:00")
    message_id = str(uuid.uuid4())
    section_status_changed(first.payload(), envelope_of(first))
    section_status_changed(second.payload(), envelope_of(second, message_id))
    before = (sections(), history("P1-001"))
    clock_set(NOW + dt.timedelta(hours=1))

    section_status_changed(second.payload(), envelope_of(second, message_id))  # the same message
    section_status_changed(second.payload(), envelope_of(second))  # the same fact, another message
    section_status_changed(first.payload(), envelope_of(first))  # an old fact, another message

    assert (sections(), history("P1-001")) == before
    assert before[0][0][3:5] == ("published", "draft")
    assert before[0][0][9] == 2


def test_a_change_older_than_the_current_status_is_kept_in_history_only() -> None:
    publish(
        change("P1", "P1-001", "", "draft", "2026-03-01T10:00:00+08:00", deadline=None),
        change("P1", "P1-001", "draft", "published", "2026-03-02T09:00:00+08:00"),
    )
    late = change("P1", "P1-001", "draft", "terminated", "2026-03-01T12:00:00+08:00", reason="late", deadline=None)

    section_status_changed(late.payload(), envelope_of(late))

    assert sections() == [
        ("P1", "P1-001", "Section P1-001", "published", "draft", "", DEADLINE,
         dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC), dt.datetime(2026, 3, 1, 2, 0, tzinfo=UTC), 3),
    ]  # fmt: skip
    assert [row[:3] for row in history("P1-001")] == [
        ("", "draft", ""),
        ("draft", "terminated", "late"),
        ("draft", "published", ""),
    ]


def test_a_replayed_notice_changes_nothing() -> None:
    event = notice(1, "P1", ["P1-001"])
    publish(event)
    clock_set(NOW + dt.timedelta(hours=1))

    notice_published(event.payload(), envelope_of(event))
    altered = dataclasses.replace(event, title="Changed afterwards")
    notice_published(altered.payload(), envelope_of(altered))

    assert list(WatchedNotice.objects.values_list("notice_id", "title", "received_at")) == [
        (uuid.UUID(nid(1)), "Notice 1", NOW)
    ]


def test_a_section_deadline_without_a_time_zone_is_refused() -> None:
    outbox_publish(event=change("P1", "P1-001", "draft", "published", "2026-03-02T09:00:00+08:00",
                                deadline="2026-03-23T09:30:00"))  # fmt: skip

    report = relay_run_once()

    assert (report.attempted, report.delivered, report.failed) == (1, 0, 1)
    assert sections() == []
    assert SectionStatusHistory.objects.count() == 0


# The page ------------------------------------------------------------------------------------


@pytest.fixture
def demo(db: Any) -> None:
    clock_reset()  # the demo's accounts live on the real clock
    call_command("demo", stdout=StringIO())
    user_create(
        username="citizen", password="Kunming-Tender-2026", display_name="市民", roles=["public"],
        by=Actor.system("test"),
    )  # fmt: skip
    clock_set(NOW)


@pytest.fixture
def watchers(db: Any) -> None:
    # Only the two people who may see the page: quicker than the whole demo.
    for username, role in (("regulator", "regulator"), ("leader", "city_leader")):
        user_create(
            username=username, password="Kunming-Tender-2026", display_name=username, roles=[role],
            by=Actor.system("test"),
        )  # fmt: skip


def trades_publish() -> None:
    publish(
        change("P1", "P1-001", "", "draft", "2026-03-01T10:00:00+08:00", deadline=None),
        change("P1", "P1-002", "", "draft", "2026-03-01T10:00:00+08:00", deadline=None),
        notice(1, "P1", ["P1-001", "P1-002"], title="Road works tender"),
        notice(2, "P1", [], title="Whole-project notice <b>", kind="amendment", references_notice_id=nid(1),
               published_at="2026-03-03T09:00:00+08:00"),
        change("P1", "P1-001", "draft", "accepting_bids", "2026-03-02T09:00:00+08:00",
               deadline="2026-03-23T09:30:00+08:00", name="Road section A"),
        change("P1", "P1-002", "draft", "accepting_bids", "2026-03-02T09:00:00+08:00",
               deadline="2026-03-20T09:30:00+08:00", name="Road section B"),
        change("P2", "P2-001", "", "evaluating", "2026-03-05T09:00:00+08:00",
               deadline="2026-03-04T23:30:00+08:00", name="School furniture"),
        notice(3, "P2", ["P2-001"], title="Furniture procurement", trade_type="procurement"),
        change("P3", "P3-001", "", "failed", "2026-03-06T09:00:00+08:00", deadline=None, reason="不足三家",
               name="Land parcel"),
    )  # fmt: skip


@pytest.fixture
def trades(watchers: None) -> None:
    trades_publish()


def signed_in(username: str, *, second_factor: bool = True) -> Client:
    client = Client()
    client.force_login(user_get(username=username))
    if second_factor:
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def listed(html: str) -> list[str]:
    return [part.split('"')[0] for part in html.split('<tr data-section="')[1:]]


def test_only_regulators_and_city_leaders_see_the_trades(demo: None) -> None:
    trades_publish()
    allowed = {"regulator": 200, "leader": 200}
    others = ["staff", "agency", "tenderer", "bidder1", "newcomer", "expert1", "appraiser", "dept", "citizen"]
    roles_seen: set[str] = set()
    for username in [*allowed, *others]:
        user = user_get(username=username)
        roles_seen |= user.role_codes
        for url in (PAGE, PAGE + "P1/P1-001/", PAGE + "?format=xlsx"):
            response = signed_in(username).get(url)
            assert (username, url, response.status_code) == (username, url, allowed.get(username, 403))
            if username not in allowed:
                assert b"Road section A" not in response.content
    assert roles_seen == {"centre_staff", "tenderer", "agency", "bidder", "expert", "regulator", "appraiser",
                          "city_leader", "department_user", "public"}  # fmt: skip


@pytest.mark.parametrize("url", [PAGE, PAGE + "P1/P1-001/", PAGE + "?format=xlsx"])
def test_anonymous_visitors_and_a_regulator_without_the_second_factor_are_sent_to_log_in(
    trades: None, url: str
) -> None:
    for client in (Client(), signed_in("regulator", second_factor=False)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/supervision/accounts/login/?next=%2Fsupervision%2Ftrades%2F")
        assert b"Road section A" not in response.content


def test_the_regulator_sees_sections_by_status_with_deadlines_and_notices(trades: None) -> None:
    response = signed_in("regulator").get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()

    assert response.status_code == 200
    # Lifecycle order, then the soonest deadline first.
    assert listed(html) == ["P1/P1-002", "P1/P1-001", "P2/P2-001", "P3/P3-001"]
    row = html.split('<tr data-section="P1/P1-002">')[1].split("</tr>")[0]
    assert "accepting bids" in row
    assert "2026-03-20 09:30" in row  # Beijing time
    assert "Road section B" in row
    assert row.index("Road works tender") < row.index("Whole-project notice &lt;b&gt;")
    furniture = html.split('<tr data-section="P2/P2-001">')[1].split("</tr>")[0]
    assert "2026-03-04 23:30" in furniture
    assert "Furniture procurement" in furniture
    assert "Road works tender" not in furniture
    assert 'data-testid="count-accepting_bids">2<' in html
    assert 'data-testid="count-evaluating">1<' in html
    assert 'data-testid="count-failed">1<' in html
    assert 'data-testid="count-draft">0<' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "accepting_bids"}, ["P1/P1-002", "P1/P1-001"]),
        ({"status": "failed"}, ["P3/P3-001"]),
        ({"status": "awarded"}, []),
        ({"q": "p2"}, ["P2/P2-001"]),
        ({"q": "road section"}, ["P1/P1-002", "P1/P1-001"]),
        ({"q": "P1-001"}, ["P1/P1-001"]),
        ({"deadline_from": "2026-03-05"}, ["P1/P1-002", "P1/P1-001"]),
        # 23:30 Beijing time on the 4th is the 4th, though it is the 4th 15:30 UTC.
        ({"deadline_to": "2026-03-04"}, ["P2/P2-001"]),
        ({"deadline_from": "2026-03-21", "deadline_to": "2026-03-23"}, ["P1/P1-001"]),
        ({"status": "accepting_bids", "deadline_to": "2026-03-20"}, ["P1/P1-002"]),
    ],
)
def test_the_trades_filter(trades: None, query: dict[str, str], expected: list[str]) -> None:
    response = signed_in("leader").get(PAGE, query)

    assert response.status_code == 200
    assert listed(response.content.decode()) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "asleep"}, "标段状态不存在"),
        ({"deadline_from": "2026-02-30"}, "日期格式应为YYYY-MM-DD"),
        ({"deadline_from": "2026-03-05", "deadline_to": "2026-03-04"}, "开始日期不能晚于结束日期"),
        ({"q": "x" * 101}, "搜索词不能超过100个字符"),
    ],
)
def test_a_bad_filter_is_explained_and_nothing_is_exported(trades: None, query: dict[str, str], message: str) -> None:
    client = signed_in("regulator")
    page = client.get(PAGE, query)
    export = client.get(PAGE, {**query, "format": "xlsx"})

    assert page.status_code == 400
    assert message in page.content.decode()
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/html")


def test_the_excel_export_holds_the_filtered_sections(trades: None) -> None:
    response = signed_in("regulator").get(PAGE, {"status": "accepting_bids", "format": "xlsx"},
                                          HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="export-20260310-1000.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [
        ("Status", "Project code", "Section code", "Section name", "Bid deadline (Beijing time)",
         "Status since (Beijing time)", "Previous status", "Reason", "Changes", "Notices"),
        ("accepting bids", "P1", "P1-002", "Road section B", "2026-03-20 09:30", "2026-03-02 09:00", "draft", "", 2,
         "2026-03-02 09:00 Road works tender\n2026-03-03 09:00 Whole-project notice <b>"),
        ("accepting bids", "P1", "P1-001", "Road section A", "2026-03-23 09:30", "2026-03-02 09:00", "draft", "", 2,
         "2026-03-02 09:00 Road works tender\n2026-03-03 09:00 Whole-project notice <b>"),
    ]  # fmt: skip


def test_the_trades_page_pages_by_fifty(watchers: None) -> None:
    publish(*(change("P9", f"P9-{n:03d}", "", "published", "2026-03-02T09:00:00+08:00",
                     deadline=f"2026-04-{1 + n // 10:02d}T09:{n % 10:02d}:00+08:00") for n in range(60)))  # fmt: skip
    client = signed_in("regulator")

    first = client.get(PAGE, {"status": "published"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get(PAGE, {"status": "published", "page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert listed(first) == [f"P9/P9-{n:03d}" for n in range(50)]
    assert listed(second) == [f"P9/P9-{n:03d}" for n in range(50, 60)]
    assert 'href="?status=published&amp;page=2" rel="next"' in first
    assert "Page 2 of 2" in second


def test_the_section_page_shows_its_history_and_notices(trades: None) -> None:
    html = signed_in("regulator").get(PAGE + "P1/P1-001/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="section-status">accepting bids<' in html
    history_table = html.split('data-testid="section-history"')[1].split("</table>")[0]
    assert history_table.count("<tr><td>") == 2
    assert history_table.index("2026-03-01 10:00:00") < history_table.index("2026-03-02 09:00:00")
    notices_table = html.split('data-testid="section-notices"')[1].split("</table>")[0]
    assert notices_table.index("Road works tender") < notices_table.index("Whole-project notice &lt;b&gt;")
    assert "Furniture procurement" not in notices_table


def test_an_unknown_section_is_not_found(trades: None) -> None:
    assert signed_in("regulator").get(PAGE + "P1/P1-999/").status_code == 404
