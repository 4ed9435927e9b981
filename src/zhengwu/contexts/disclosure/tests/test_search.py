"""Full-text search and the filters of the notice list: Chinese words found in the text, codes
from their start, the trade's status and procedure, and a total that stops counting at a cap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.disclosure import selectors
from zhengwu.contexts.disclosure.models import AwardResult, CandidatePublicity, SectionFailure
from zhengwu.contexts.disclosure.search import search_document, search_query, search_words
from zhengwu.contexts.disclosure.selectors import notice_page, notice_status
from zhengwu.contexts.disclosure.tests.test_notices import nid, notice, publish
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import InvalidInput

API = "/api/disclosure/notices"
PAGE = "/notices/"
NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


# The terms (no database) -----------------------------------------------------------------------


def test_chinese_is_indexed_in_overlapping_pairs_and_words_whole() -> None:
    assert search_document("呈贡区学校建设 2026年 ＡＢ１２", "路") == (
        "'呈贡' '贡区' '区学' '学校' '校建' '建设' '2026' '年' 'ab12' '路'"
    )
    # Each term once; only the first 4,000 characters of all fields together.
    assert search_document("学校学校") == "'学校' '校学'"
    assert search_document("甲" * 3000, "乙" * 3000) == "'甲甲' '乙乙'"
    assert search_document("甲" * 4000, "乙乙") == "'甲甲'"


def test_a_query_needs_every_pair_of_every_word_and_codes_by_prefix() -> None:
    assert search_words(" 学校建设，E5301  学校建设 ") == ["学校建设", "e5301"]
    assert search_query(["学校建设", "e5301"]) == "'学校' & '校建' & 'e5301':*"
    # Pairs in most notices (建设, 工程) are left to the text check when a word has rarer ones.
    assert search_query(["建设工程"]) == "'设工'"
    assert search_query(["工程"]) == "'工程'"
    # A single ideograph cannot use the pair index: the text check alone decides.
    assert search_query(["路"]) is None
    assert search_query(["路", "道路"]) == "'道路'"
    # Punctuation never reaches the query syntax.
    assert search_query(["a'b|c"]) == "'a':* & 'b':* & 'c':*"


# Search through the page and the API -------------------------------------------------------------


@pytest.fixture
def texts(db: Any) -> None:
    publish(
        notice(1, title="呈贡区第三中学教学楼工程施工招标公告", body="本项目为学校建设工程，资金来自财政。"),
        notice(2, title="盘龙区道路改造工程", body="道路全长3公里。学校门前路段需夜间施工，建设单位另行通知。"),
        notice(
            3,
            title="官渡区医院设备采购",
            body="采购CT设备一台。",
            trade_type="procurement",
            procedure="procurement.open",
        ),
        notice(4, title="安宁市学校建设项目监理", body="监理服务。", project_code="E5301812026000004"),
    )


def found(client: Client, **params: Any) -> list[int]:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return sorted(int(item["notice_id"][-3:], 16) for item in response.json()["items"])


def test_chinese_words_are_found_in_titles_and_text_and_not_when_only_their_pairs_are(
    client: Client, texts: None
) -> None:
    assert found(client, q="学校建设") == [1, 4]  # notice 2 holds 学校 and 建设 apart: not a match
    assert found(client, q="道路") == [2]
    assert found(client, q="夜间施工") == [2]
    assert found(client, q="路") == [2]  # a single ideograph, checked without the index
    assert found(client, q="学校 监理") == [4]  # every word must be there
    assert found(client, q="ct设备") == [3]  # Latin letters without regard to case
    assert found(client, q="ｅ５３０１８１") == [4]  # full-width forms typed by people, codes from their start
    assert found(client, q="医院 学校") == []

    page = client.get(PAGE, {"q": "学校建设"}).content.decode()
    assert [n for n in range(1, 5) if f'data-notice="{nid(n)}"' in page] == [1, 4]


def test_the_search_combines_with_the_other_filters(client: Client, texts: None) -> None:
    assert found(client, q="工程", trade_type="construction") == [1, 2]
    assert found(client, q="设备", trade_type="construction") == []
    assert found(client, procedure="procurement.open") == [3]
    assert found(client, procedure="construction.open") == [1, 2, 4]


# The trade's status ---------------------------------------------------------------------------


def _decided(model: type[Any], n: int, **fields: Any) -> None:
    if model is not SectionFailure:
        fields["payload"] = {}
    model.objects.create(
        section_code=f"P5301002026{n:05d}001", project_code=f"P5301002026{n:05d}", received_at=NOW, **fields
    )


@pytest.fixture
def stages(db: Any) -> None:
    before, after = "2026-03-09T09:30:00+08:00", "2026-03-23T09:30:00+08:00"
    publish(
        notice(1, bid_deadline=after),  # open
        notice(2, bid_deadline=before),  # closed, nothing decided yet
        notice(3, bid_deadline=before),  # candidates in publicity
        notice(4, bid_deadline=before),  # awarded
        notice(5, bid_deadline=before),  # failed
        notice(6, bid_deadline=after),  # terminated by a later notice of the same project
        notice(7, kind="termination", project_code="P530100202600006", bid_deadline=None, opening_at=None),
    )
    start = dt.datetime(2026, 3, 9, 1, 0, tzinfo=dt.UTC)
    publicity = {
        "section_name": "",
        "method": "",
        "outcome": "",
        "starts_at": start,
        "ends_at": start + dt.timedelta(days=3),
        "result_digest": "",
    }
    _decided(CandidatePublicity, 3, **publicity)
    _decided(CandidatePublicity, 4, **publicity)
    _decided(
        AwardResult,
        4,
        section_name="",
        bidder="昆明某路桥工程有限公司",
        uscc="91530100MA6K000001",
        rank=1,
        price_fen=1,
        budget_fen=2,
        savings_fen=1,
        notice_number="N1",
        decided_at=NOW,
        contract_due=dt.date(2026, 4, 9),
    )
    _decided(SectionFailure, 5, section_name="", reason="too_few_bids", failed_at=NOW)


def test_each_status_finds_the_notices_of_the_trades_standing_there(client: Client, stages: None) -> None:
    assert {status: found(client, status=status) for status in selectors.NOTICE_STATUSES} == {
        "open": [1],
        "closed": [2],
        "publicity": [3],
        "awarded": [4],
        "failed": [5],
        "terminated": [6, 7],
    }
    assert [notice_status(notice=n) for n in notice_page(size=7).items[::-1]] == [
        "open",
        "closed",
        "publicity",
        "awarded",
        "failed",
        "terminated",
        "terminated",
    ]


def test_a_bad_status_or_procedure_is_explained(client: Client, stages: None) -> None:
    for params, code in (
        ({"status": "won"}, "disclosure_status_unknown"),
        ({"procedure": "construction.secret"}, "disclosure_procedure_unknown"),
    ):
        response = client.get(API, params)
        assert response.status_code == 400
        assert response.json()["code"] == code
        page = client.get(PAGE, params)
        assert page.status_code == 400
        assert "<tr data-notice=" in page.content.decode()  # the unfiltered first page instead
    with pytest.raises(InvalidInput) as raised:
        notice_page(status="won")
    assert raised.value.detail["allowed"] == selectors.NOTICE_STATUSES


# Counting stops at a cap ----------------------------------------------------------------------


def test_past_the_cap_the_total_is_a_lower_bound_and_the_pages_go_on(
    client: Client, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    publish(*(notice(n, published_at=f"2026-03-02T09:{n:02d}:00+08:00") for n in range(1, 9)))

    first = client.get(API, {"size": 3}).json()
    assert (first["total"], first["total_capped"], first["has_next"]) == (5, True, True)
    third = client.get(API, {"size": 3, "page": 3}).json()
    assert [item["notice_id"] for item in third["items"]] == [nid(2), nid(1)]
    assert (third["total_capped"], third["has_next"]) == (True, False)

    page = client.get(PAGE).content.decode()
    assert 'data-testid="notice-total">超过 5 条公告' in page
    monkeypatch.setattr(selectors, "COUNT_CAP", 8)
    exact = client.get(API, {"size": 3}).json()
    assert (exact["total"], exact["total_capped"], exact["pages"]) == (8, False, 3)


def test_a_search_for_common_words_lists_the_same_notices_without_sorting_every_candidate(
    client: Client, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    publish(
        *(
            notice(
                n,
                body="本项目为学校建设工程。" if n % 3 else "道路工程。",
                published_at=f"2026-03-02T09:{n:02d}:00+08:00",
            )
            for n in range(1, 13)
        )
    )
    rare = [nid(n) for n in range(12, 0, -1) if n % 3]
    assert [item["notice_id"] for item in client.get(API, {"q": "学校建设", "size": 5}).json()["items"]] == rare[:5]

    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    common = client.get(API, {"q": "学校建设", "size": 5}).json()
    assert [item["notice_id"] for item in common["items"]] == rare[:5]
    assert (common["total"], common["total_capped"], common["has_next"]) == (3, True, True)
    second = client.get(API, {"q": "学校建设", "size": 5, "page": 2}).json()
    assert [item["notice_id"] for item in second["items"]] == rare[5:]
    # Counted through the index, listed by looking through the newest notices and their text.
    with CaptureQueriesContext(connection) as queries:
        notice_page(q="学校建设", size=5)
    count, newest, listing = (q["sql"] for q in queries.captured_queries)
    assert "LIMIT 300" in newest  # 50 of the newest notices for each of the 6 rows wanted
    assert "COUNT(" in count.upper()
    assert "@@" in count
    assert "@@" not in listing
    assert "LIKE" in listing.upper()
    # Too few of them among the newest: the index's candidates are sorted instead, same answer.
    monkeypatch.setattr(selectors, "WALK_PER_ROW", (1,))
    with CaptureQueriesContext(connection) as queries:
        fallback = notice_page(q="学校建设", size=5, page=2)
    assert [str(n.notice_id) for n in fallback.items] == rare[5:]
    assert "@@" in queries.captured_queries[-1]["sql"]
