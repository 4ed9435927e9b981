"""Published notices on the public trading website: built from tendering's events, read through
the API, the list page (filters, paging, Excel) and the notice page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import uuid
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from openpyxl import load_workbook

from zhengwu.contexts.disclosure.handlers import notice_published
from zhengwu.contexts.disclosure.models import Notice
from zhengwu.contexts.disclosure.selectors import notice_latest
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.models import InboxMessage
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish

pytestmark = pytest.mark.django_db

API = "/api/disclosure/notices"
PAGE = "/notices/"
NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


OPENING_KEY = {
    "section": "P530100202600001001",
    "envelope": "single",
    "public_key": "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
    "fingerprint": "9f" * 32,
    "bidder_key_required": "yes",
}


def nid(n: int) -> str:
    return str(uuid.UUID(int=0x0195_0000_0000_7000_8000_0000_0000_0000 + n))


def notice(n: int, **overrides: Any) -> NoticePublished:
    fields: dict[str, Any] = {
        "notice_id": nid(n),
        "kind": "tender",
        "trade_type": "construction",
        "procedure": "construction.open",
        "project_code": f"P5301002026{n:05d}",
        "project_name": f"Project {n}",
        "section_codes": [f"P5301002026{n:05d}001"],
        "title": f"Tender notice {n}",
        "body": f"Body of notice {n}",
        "tenderer_name": "昆明某城市建设投资有限公司",
        "agency_name": "云南某招标代理有限公司",
        "region_code": "530102",
        "budget_fen": 123_456_789,
        "published_at": "2026-03-02T09:00:00+08:00",
        "bid_deadline": "2026-03-23T09:30:00+08:00",
        "opening_at": "2026-03-23T09:30:00+08:00",
        "references_notice_id": None,
        "attachments": [{"name": "招标文件.pdf", "sha256": SHA, "size": 1024}],
        "opening_keys": [OPENING_KEY],
    }
    fields.update(overrides)
    return NoticePublished(**fields)


def publish(*events: NoticePublished) -> None:
    for event in events:
        outbox_publish(event=event)
    # Drain, as the relay task does: the demo leaves more than one run's worth waiting.
    while True:
        report = relay_run_once()
        assert report.ok, report
        if not report.limit_reached:
            break


def envelope_of(event: NoticePublished) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination="public",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=1,
        occurred_at="2026-03-02T01:00:05+00:00",
        payload=event.payload(),
    )


def stored() -> list[tuple[str, str]]:
    return [(str(n.notice_id), n.title) for n in Notice.objects.order_by("notice_id")]


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


# The handler ---------------------------------------------------------------------------------


def test_a_published_notice_arrives_with_every_field() -> None:
    event = notice(1, agency_name="", budget_fen=None, opening_at=None, section_codes=["S1", "S2"])

    publish(event)

    row = Notice.objects.get()
    assert {f.name: getattr(row, f.name) for f in Notice._meta.get_fields() if f.name != "id"} == {
        "notice_id": uuid.UUID(nid(1)),
        "kind": "tender",
        "trade_type": "construction",
        "procedure": "construction.open",
        "project_code": "P530100202600001",
        "project_name": "Project 1",
        "section_codes": ["S1", "S2"],
        "title": "Tender notice 1",
        "body": "Body of notice 1",
        "tenderer_name": "昆明某城市建设投资有限公司",
        "agency_name": "",
        "region_code": "530102",
        "budget_fen": None,
        "published_at": dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC),
        "bid_deadline": dt.datetime(2026, 3, 23, 1, 30, tzinfo=dt.UTC),
        "opening_at": None,
        "references_notice_id": None,
        "attachments": [{"name": "招标文件.pdf", "sha256": SHA, "size": 1024}],
        "opening_keys": [OPENING_KEY],
        "received_at": NOW,
        # Words whole, Chinese in overlapping pairs, each term once (search.py).
        "search_terms": (
            "'tender' 'notice' '1' 'project' 'p530100202600001' '昆明' '明某' '某城' '城市' '市建' '建设' "
            "'设投' '投资' '资有' '有限' '限公' '公司' 'body' 'of'"
        ),
    }
    # The same message reached the public inbox once.
    assert InboxMessage.objects.filter(destination="public", event_type=NoticePublished.event_type).count() == 1


def test_a_replayed_notice_changes_nothing_even_if_its_text_differs(caplog: pytest.LogCaptureFixture) -> None:
    event = notice(1)
    publish(event)
    first = Notice.objects.get()
    clock_set(NOW + dt.timedelta(hours=1))

    notice_published(event.payload(), envelope_of(event))
    altered = dataclasses.replace(event, title="Forged title", bid_deadline="2026-03-30T09:30:00+08:00")
    with caplog.at_level(logging.WARNING, logger="zhengwu.contexts.disclosure.handlers"):
        notice_published(altered.payload(), envelope_of(altered))

    again = Notice.objects.get()
    assert (again.pk, again.title, again.bid_deadline, again.received_at) == (
        first.pk,
        "Tender notice 1",
        dt.datetime(2026, 3, 23, 1, 30, tzinfo=dt.UTC),
        NOW,
    )
    assert len(caplog.records) == 1
    warning = caplog.records[0].getMessage()
    assert warning.startswith(f"disclosure: notice {nid(1)} received again with different bid_deadline, title ")


def test_a_deadline_without_a_time_zone_is_refused_not_guessed() -> None:
    outbox_publish(event=notice(1, bid_deadline="2026-03-23T09:30:00"))

    report = relay_run_once()

    # Both receivers refuse it; the exchange retries and in the end shows it as a dead letter.
    assert (report.attempted, report.delivered, report.failed) == (2, 0, 2)
    assert Notice.objects.count() == 0
    assert InboxMessage.objects.count() == 0


# Amendments ----------------------------------------------------------------------------------


def test_an_amendment_chain_is_shown_on_both_ends(client: Client) -> None:
    publish(
        notice(1, title="Original notice"),
        notice(2, kind="amendment", title="First amendment", references_notice_id=nid(1),
               published_at="2026-03-05T10:00:00+08:00", project_code="P530100202600001"),
        notice(3, kind="amendment", title="Second amendment", references_notice_id=nid(2),
               published_at="2026-03-06T10:00:00+08:00", project_code="P530100202600001"),
        notice(4, title="Unrelated notice"),
    )  # fmt: skip

    original = client.get(f"{PAGE}{nid(1)}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    last = client.get(f"{PAGE}{nid(3)}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    unrelated = client.get(f"{PAGE}{nid(4)}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    amended_by = original.split('data-testid="amended-by"')[1].split("</div>")[0]
    assert "This notice was amended by:" in amended_by
    assert amended_by.index(f'href="/notices/{nid(2)}/">First amendment') < amended_by.index(
        f'href="/notices/{nid(3)}/">Second amendment'
    )
    assert 'data-testid="amends"' not in original
    chain = last.split('data-testid="amends"')[1].split("</ol>")[0]
    assert chain.index(f'href="/notices/{nid(1)}/">Original notice') < chain.index(
        f'href="/notices/{nid(2)}/">First amendment'
    )
    assert chain.index("First amendment") < chain.index("Second amendment")
    assert 'data-testid="amended-by"' not in last
    assert 'data-testid="amended-by"' not in unrelated
    assert 'data-testid="amends"' not in unrelated
    assert client.get(f"{API}/{nid(1)}").json()["amended_by"] == [nid(2), nid(3)]
    assert client.get(f"{API}/{nid(2)}").json()["amended_by"] == [nid(3)]
    assert client.get(f"{API}/{nid(3)}").json()["references_notice_id"] == nid(2)


def test_an_amendment_of_a_notice_never_received_names_it(client: Client) -> None:
    publish(notice(5, kind="amendment", references_notice_id=nid(99)))

    page = client.get(f"{PAGE}{nid(5)}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    chain = page.split('data-testid="amends"')[1].split("</ol>")[0]
    assert f"<code>{nid(99)}</code>" in chain
    assert "not published on this platform" in chain


# The notice page -----------------------------------------------------------------------------


def test_the_notice_page_escapes_the_body_and_keeps_its_line_breaks(client: Client) -> None:
    publish(
        notice(
            1,
            title="<b>Bold</b> title",
            body='Line one\n<script>alert("x")</script>\nLine three & more',
            attachments=[{"name": "<img src=x>.pdf", "sha256": SHA, "size": 2048}],
        )
    )

    response = client.get(f"{PAGE}{nid(1)}/")
    html = response.content.decode()

    assert response.status_code == 200
    body = html.split('data-testid="notice-body">')[1].split("</div>")[0]
    assert body == "Line one<br>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Line three &amp; more"
    assert "<script>" not in html
    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in html
    assert "<img src=x>" not in html
    assert f"<td>&lt;img src=x&gt;.pdf</td><td>2048</td><td><code>{SHA}</code></td>" in html
    # The opening key bidders seal to, with the fingerprint the bid tool checks.
    keys = html.split('data-testid="opening-keys">')[1].split("</table>")[0]
    assert f"<code>{OPENING_KEY['public_key']}</code>" in keys
    assert f"<code>{OPENING_KEY['fingerprint']}</code>" in keys


def test_the_notice_page_shows_deadlines_in_beijing_time(client: Client) -> None:
    publish(notice(1, published_at="2026-03-02T01:00:00Z", bid_deadline="2026-03-23T01:30:00Z",
                   opening_at="2026-03-23T02:00:00+00:00", budget_fen=123_456_789))  # fmt: skip

    html = client.get(f"{PAGE}{nid(1)}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-testid="published-at">2026-03-02 09:00<' in html
    assert 'data-testid="bid-deadline">2026-03-23 09:30<' in html
    assert 'data-testid="opening-at">2026-03-23 10:00<' in html
    assert 'data-testid="budget">1,234,567.89<' in html
    assert "Bid deadline (Beijing time)" in html


@pytest.mark.parametrize("notice_id", [nid(42), "not-a-uuid", "0" * 300])
def test_an_unknown_notice_is_not_found(client: Client, notice_id: str) -> None:
    publish(notice(1))

    assert client.get(f"{PAGE}{notice_id}/").status_code == 404
    response = client.get(f"{API}/{notice_id}")
    assert response.status_code == 404
    assert response.json() == {
        "code": "disclosure_notice_not_found",
        "message": "公告不存在",
        "detail": {"notice_id": notice_id[:100]},
    }


# Filters, paging, export ---------------------------------------------------------------------


@pytest.fixture
def varied() -> None:
    publish(
        notice(1, title="Dianchi road works", trade_type="construction", kind="tender", region_code="530102",
               published_at="2026-03-01T23:30:00+08:00"),
        notice(2, title="School furniture", trade_type="procurement", kind="tender", region_code="530100",
               procedure="procurement.competitive_consultation", project_name="Dianchi school",
               published_at="2026-03-02T00:10:00+08:00"),
        notice(3, title="Land parcel KCG-2026-7", trade_type="land", kind="tender", region_code="530111",
               procedure="land.listing", published_at="2026-03-03T10:00:00+08:00"),
        notice(4, title="Road works amendment", trade_type="construction", kind="amendment", region_code="532301",
               references_notice_id=nid(1), project_code="P530100202600001",
               published_at="2026-03-04T10:00:00+08:00"),
        notice(5, title="Hotel equity", trade_type="property", kind="termination", region_code="530102",
               procedure="property.listing", bid_deadline=None, opening_at=None,
               published_at="2026-03-05T10:00:00+08:00"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Hotel equity", "Road works amendment", "Land parcel KCG-2026-7", "School furniture",
              "Dianchi road works"]),
        ({"trade_type": "construction"}, ["Road works amendment", "Dianchi road works"]),
        ({"kind": "tender"}, ["Land parcel KCG-2026-7", "School furniture", "Dianchi road works"]),
        ({"kind": "termination", "trade_type": "property"}, ["Hotel equity"]),
        ({"kind": "termination", "trade_type": "land"}, []),
        # Yunnan (53) holds Chuxiong (5323) and Kunming (5301); Kunming holds its districts.
        ({"region": "530000"}, ["Hotel equity", "Road works amendment", "Land parcel KCG-2026-7", "School furniture",
                                "Dianchi road works"]),
        ({"region": "530100"}, ["Hotel equity", "Land parcel KCG-2026-7", "School furniture", "Dianchi road works"]),
        ({"region": "530102"}, ["Hotel equity", "Dianchi road works"]),
        ({"region": "532301"}, ["Road works amendment"]),
        ({"q": "dianchi"}, ["School furniture", "Dianchi road works"]),  # title or project name
        ({"q": "kcg-2026"}, ["Land parcel KCG-2026-7"]),
        ({"q": "P530100202600001"}, ["Road works amendment", "Dianchi road works"]),  # project code
        ({"q": "road", "kind": "tender"}, ["Dianchi road works"]),
        # Beijing dates: 23:30 on the 1st is the 1st, 00:10 on the 2nd is the 2nd.
        ({"date_from": "2026-03-02"}, ["Hotel equity", "Road works amendment", "Land parcel KCG-2026-7",
                                       "School furniture"]),
        ({"date_to": "2026-03-01"}, ["Dianchi road works"]),
        ({"date_from": "2026-03-02", "date_to": "2026-03-03"}, ["Land parcel KCG-2026-7", "School furniture"]),
        ({"date_from": "2026-03-04", "date_to": "2026-03-04"}, ["Road works amendment"]),
    ],
)  # fmt: skip
def test_the_api_filters(client: Client, varied: None, query: dict[str, str], expected: list[str]) -> None:
    assert titles(client.get(API, query)) == expected
    page = client.get(PAGE, query).content.decode()
    listed = [t for t in ("Hotel equity", "Road works amendment", "Land parcel KCG-2026-7", "School furniture",
                          "Dianchi road works") if f">{t}</a>" in page]  # fmt: skip
    assert listed == expected


def test_the_api_returns_every_field(client: Client, varied: None) -> None:
    item = client.get(API, {"q": "Hotel"}).json()["items"][0]

    assert item == {
        "notice_id": nid(5),
        "kind": "termination",
        "trade_type": "property",
        "procedure": "property.listing",
        "project_code": "P530100202600005",
        "project_name": "Project 5",
        "section_codes": ["P530100202600005001"],
        "title": "Hotel equity",
        "body": "Body of notice 5",
        "tenderer_name": "昆明某城市建设投资有限公司",
        "agency_name": "云南某招标代理有限公司",
        "region_code": "530102",
        "budget_fen": 123456789,
        "published_at": "2026-03-05T02:00:00Z",
        "bid_deadline": None,
        "opening_at": None,
        "references_notice_id": None,
        "attachments": [{"name": "招标文件.pdf", "sha256": SHA, "size": 1024}],
        "opening_keys": [OPENING_KEY],
        "received_at": "2026-03-10T02:00:00Z",
    }
    detail = client.get(f"{API}/{nid(5)}").json()
    assert detail == {**item, "amended_by": []}


def test_the_list_pages_by_twenty(client: Client) -> None:
    publish(*(notice(n, published_at=f"2026-03-02T{n // 60:02d}:{n % 60:02d}:00+08:00") for n in range(1, 46)))

    first = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    third = client.get(PAGE, {"page": 3}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    beyond = client.get(PAGE, {"page": 4}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert first.count("<tr data-notice=") == 20
    assert f'data-notice="{nid(45)}"' in first
    assert f'data-notice="{nid(26)}"' in first
    assert f'data-notice="{nid(25)}"' not in first
    assert "Page 1 of 3" in first
    assert 'href="?page=2" rel="next"' in first
    assert third.count("<tr data-notice=") == 5
    assert [n for n in range(1, 46) if f'data-notice="{nid(n)}"' in third] == [1, 2, 3, 4, 5]
    assert 'href="?page=2" rel="prev"' in third
    assert 'rel="next"' not in third
    assert "<tr data-notice=" not in beyond
    api = client.get(API, {"page": 2, "size": 20}).json()
    assert (api["total"], api["page"], api["size"], api["pages"]) == (45, 2, 20, 3)
    assert [item["notice_id"] for item in api["items"]] == [nid(n) for n in range(25, 5, -1)]


def test_the_pager_keeps_the_filters(client: Client) -> None:
    publish(*(notice(n, trade_type="land" if n % 2 else "construction") for n in range(1, 46)))

    page = client.get(PAGE, {"trade_type": "land", "q": "notice"}).content.decode()

    assert page.count("<tr data-notice=") == 20
    assert 'href="?q=notice&amp;trade_type=land&amp;page=2" rel="next"' in page
    assert 'href="?q=notice&amp;trade_type=land&amp;format=xlsx"' in page


def test_the_excel_export_holds_the_filtered_list(client: Client, varied: None) -> None:
    response = client.get(PAGE, {"trade_type": "construction", "format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="export-20260310-1000.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows == [
        ("Published (Beijing time)", "Title", "Kind", "Trade type", "Procedure", "Project code", "Project name",
         "Sections", "Tenderer", "Agency", "Region", "Budget (yuan)", "Bid deadline (Beijing time)",
         "Opening (Beijing time)", "Amends notice", "Notice ID"),
        ("2026-03-04 10:00", "Road works amendment", "Amendment or clarification", "Construction works",
         "Open tendering (post-qualification)", "P530100202600001", "Project 4", "P530100202600004001",
         "昆明某城市建设投资有限公司",
         "云南某招标代理有限公司", "532301",
         "1234567.89", "2026-03-23 09:30", "2026-03-23 09:30", nid(1), nid(4)),
        ("2026-03-01 23:30", "Dianchi road works", "Tender notice", "Construction works",
         "Open tendering (post-qualification)",
         "P530100202600001", "Project 1", "P530100202600001001", "昆明某城市建设投资有限公司",
         "云南某招标代理有限公司", "530102",
         "1234567.89", "2026-03-23 09:30", "2026-03-23 09:30", "", nid(1)),
    ]  # fmt: skip


def test_a_bad_filter_on_the_page_is_explained_and_nothing_is_exported(client: Client, varied: None) -> None:
    page = client.get(PAGE, {"kind": "king"})
    export = client.get(PAGE, {"date_from": "2026-13-01", "format": "xlsx"})

    assert page.status_code == 400
    assert "公告类型不存在" in page.content.decode()
    assert export.status_code == 400
    assert export["Content-Type"].startswith("text/html")
    assert "日期格式应为YYYY-MM-DD" in export.content.decode()


# API errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "detail"),
    [
        ({"trade_type": "barter"}, "disclosure_trade_type_unknown",
         {"trade_type": "barter", "allowed": ["construction", "procurement", "land", "property"]}),
        ({"kind": "king"}, "disclosure_kind_unknown",
         {"kind": "king", "allowed": ["tender", "invitation", "prequalification", "amendment", "termination",
                                      "result"]}),
        ({"region": "5301"}, "disclosure_region_invalid", {"region": "5301"}),
        ({"region": "53010x"}, "disclosure_region_invalid", {"region": "53010x"}),
        ({"date_from": "2026-03-05", "date_to": "2026-03-04"}, "disclosure_date_range_invalid",
         {"date_from": "2026-03-05", "date_to": "2026-03-04"}),
        ({"page": 0}, "disclosure_page_invalid", {"page": 0, "max": 100_000}),
        ({"size": 101}, "disclosure_size_invalid", {"size": 101}),
        ({"q": "x" * 101}, "disclosure_query_too_long", {"max": 100}),
    ],
)  # fmt: skip
def test_the_api_refuses_bad_filters_with_the_error_shape(
    client: Client, query: dict[str, Any], code: str, detail: dict[str, Any]
) -> None:
    response = client.get(API, query)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert (body["code"], body["detail"]) == (code, detail)


@pytest.mark.parametrize("query", [{"date_from": "2026-13-01"}, {"date_to": "yesterday"}, {"page": "two"}])
def test_a_malformed_filter_is_a_validation_error(client: Client, query: dict[str, str]) -> None:
    response = client.get(API, query)

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["message"]) == ("invalid_input", "请求参数有误")
    assert [e["field"] for e in body["detail"]["errors"]] == list(query)


def test_only_the_public_platform_publishes_notices(client: Client) -> None:
    publish(notice(1))

    assert client.get("/trading/api/disclosure/notices").status_code == 404
    assert client.get("/supervision/api/disclosure/notices").status_code == 404
    assert client.get(f"/supervision/api/disclosure/notices/{nid(1)}").status_code == 404


# Who may see the list ------------------------------------------------------------------------


def test_every_role_and_anonymous_visitors_see_the_notices(client: Client) -> None:
    clock_reset()  # the demo's one-time codes and sessions live on the real clock
    call_command("demo", stdout=StringIO())
    user_create(
        username="citizen", password="Kunming-Tender-2026", display_name="市民", roles=["public"],
        by=Actor.system("test"),
    )  # fmt: skip
    publish(notice(1, title="Visible to all"))
    # The demo publishes tenders of its own through the exchange; everyone sees all of them.
    expected = list(Notice.objects.order_by("-published_at", "-notice_id").values_list("notice_id", flat=True))
    assert uuid.UUID(nid(1)) in expected
    usernames = ["staff", "agency", "tenderer", "bidder1", "newcomer", "expert1", "regulator", "leader",
                 "appraiser", "dept", "citizen"]  # fmt: skip
    roles_seen: set[str] = set()

    for username in [None, *usernames]:
        visitor = Client()
        if username is not None:
            user = user_get(username=username)
            roles_seen |= user.role_codes
            visitor.force_login(user)
        listing = visitor.get(PAGE)
        detail = visitor.get(f"{PAGE}{nid(1)}/")
        api = visitor.get(API, {"size": 100})
        assert (username, listing.status_code, detail.status_code, api.status_code) == (username, 200, 200, 200)
        page = listing.content.decode()
        assert [n for n in expected if f'data-notice="{n}"' in page] == expected[:20]
        assert [i["notice_id"] for i in api.json()["items"]] == [str(n) for n in expected]
        assert 'data-testid="notice-title">Visible to all<' in detail.content.decode()

    assert roles_seen == {"centre_staff", "tenderer", "agency", "bidder", "expert", "regulator", "appraiser",
                          "city_leader", "department_user", "public"}  # fmt: skip


# The home page block (the lead includes it in home.html) -------------------------------------


def test_the_latest_notices_block_lists_the_newest_first(client: Client) -> None:
    publish(*(notice(n, published_at=f"2026-03-0{n}T10:00:00+08:00", title=f"Notice <{n}>") for n in range(1, 8)))

    latest = notice_latest(limit=5)
    html = render_to_string("disclosure/_latest_notices.html", {"latest_notices": latest})

    assert [str(n.notice_id) for n in latest] == [nid(n) for n in (7, 6, 5, 4, 3)]
    assert html.index("Notice &lt;7&gt;") < html.index("Notice &lt;3&gt;")
    assert "Notice &lt;2&gt;" not in html
    assert f'href="/notices/{nid(7)}/"' in html
    assert "2026-03-07 10:00" in html
    empty = render_to_string("disclosure/_latest_notices.html", {"latest_notices": []})
    assert 'href="/notices/"' in empty
