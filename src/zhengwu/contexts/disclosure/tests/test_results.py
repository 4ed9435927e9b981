"""After the evaluation, on the public trading website: the winning candidates under publicity
(with the committee and the expert draw's record), the result notice and the contract, built
from evaluation's events, shown on the section page and read through the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.disclosure.handlers import HANDLERS, award_decided
from zhengwu.contexts.disclosure.models import AwardResult, CandidatePublicity, ContractRecord
from zhengwu.contexts.evaluation.events import (
    AwardDecided,
    CandidatesPublished,
    ContractRegistered,
    WrittenReportSubmitted,
)
from zhengwu.contexts.experts import draw as draw_rules
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.kernel.clock import CHINA_TZ, clock_reset, clock_set
from zhengwu.platform.exchange.envelope import Envelope
from zhengwu.platform.exchange.relay import relay_run_once
from zhengwu.platform.exchange.services import outbox_publish

pytestmark = pytest.mark.django_db

SECTION = "P530100202600001001"
PROJECT = "P530100202600001"
PAGE = f"/sections/{SECTION}/"
API = f"/api/disclosure/sections/{SECTION}"
# 10:00 Beijing time on 10 April: the publicity (8 April 09:00 to 11 April 17:00) is running.
NOW = dt.datetime(2026, 4, 10, 2, 0, tzinfo=dt.UTC)
DIGEST = "5d41402abc4b2a76b9719d911017c592" * 2
WINNER = "云南某路桥工程有限公司"
WINNER_USCC = "91530100MA6K2B3C4D"
FIRST = "昆明某建设集团有限公司"
TENDERER = "昆明某城市建设投资有限公司"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


def draw_record() -> dict[str, Any]:
    """A real draw's record for the section: the one ``zhengwu experts verify-draw`` re-runs."""
    request = draw_rules.DrawRequest(
        reference=SECTION,
        project_code=PROJECT,
        tenderer_uscc="91530100MA6K0000X1",
        bidder_usccs=(WINNER_USCC,),
        evaluation_on=dt.date(2026, 4, 3),
        groups=(draw_rules.DrawGroup(specialties=("A0802",), count=5, reserves=2),),
    )
    pool = [draw_rules.Candidate(id=f"E{i:02d}", specialties=("A080201",), region="530102") for i in range(10)]
    return draw_rules.draw_run(
        request=request,
        candidates=pool,
        seed=hashlib.sha256(b"disclosure test draw").digest(),
        committed_at=dt.datetime(2026, 4, 1, 9, 0, tzinfo=CHINA_TZ),
        drawn_at=dt.datetime(2026, 4, 2, 9, 0, tzinfo=CHINA_TZ),
    )


def committed(record: dict[str, Any]) -> DrawCommitted:
    return DrawCommitted(
        section_code=SECTION,
        format="zhengwu-expert-draw-announcement/1",
        suite=record["suite"],
        commitment=record["commitment"],
        committed_at=record["committed_at"],
    )


def candidates(**overrides: Any) -> CandidatesPublished:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": "滇池路改造工程第一标段",
        "method": "comprehensive",
        "outcome": "candidates",
        "starts_at": "2026-04-08T09:00:00+08:00",
        "ends_at": "2026-04-11T17:00:00+08:00",
        "candidates": [
            {"rank": 1, "bidder": FIRST, "uscc": "91530100MA6K1A2B3C", "price_fen": 4_876_543_210, "score": "92.50"},
            {"rank": 2, "bidder": WINNER, "uscc": WINNER_USCC, "price_fen": 4_950_000_000, "score": "90.15"},
            {
                "rank": 3,
                "bidder": "云南某建工集团有限公司",
                "uscc": "91530100MA6K3C4D5E",
                "price_fen": 5_010_000_000,
                "score": None,
            },
        ],
        "rejected": [
            {"bidder": "昆明某市政工程有限公司", "reason": "bid_security_missing", "reason_label": "未提交投标保证金"}
        ],
        "committee": [
            {"name": "张伟", "leader": True},
            {"name": "李娜", "leader": False},
            {"name": "王芳", "leader": False},
            {"name": "刘洋", "leader": False},
            {"name": "陈静", "leader": False},
        ],
        "result_digest": DIGEST,
        "draw_record": None,
    }
    fields.update(overrides)
    return CandidatesPublished(**fields)


def award(**overrides: Any) -> AwardDecided:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": "滇池路改造工程第一标段",
        "bidder": WINNER,
        "uscc": WINNER_USCC,
        "rank": 2,
        "price_fen": 4_950_000_000,
        "budget_fen": 5_200_000_000,
        "savings_fen": 250_000_000,
        "notice_number": "ZBTZ-2026-0042",
        "decided_at": "2026-04-14T10:00:00+08:00",
        "passed_over": [
            {"rank": 1, "bidder": FIRST, "reason": "performance_security_refused", "reason_label": "放弃中标"}
        ],
        "contract_due": "2026-05-14",
        "report_due": "2026-04-29",
    }
    fields.update(overrides)
    return AwardDecided(**fields)


def contract(**overrides: Any) -> ContractRegistered:
    fields: dict[str, Any] = {
        "section_code": SECTION,
        "project_code": PROJECT,
        "section_name": "滇池路改造工程第一标段",
        "contract_number": "HT-2026-0042",
        "supplier": WINNER,
        "supplier_uscc": WINNER_USCC,
        "subject": "滇池路改造工程第一标段施工",
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


def report() -> WrittenReportSubmitted:
    return WrittenReportSubmitted(
        section_code=SECTION,
        project_code=PROJECT,
        section_name="滇池路改造工程第一标段",
        tenderer=TENDERER,
        winner=WINNER,
        price_fen=4_950_000_000,
        text="书面报告：评标委员会的工作经过……",
        submitted_at="2026-04-20T10:00:00+08:00",
        due="2026-04-29",
        late=False,
    )


def notice() -> NoticePublished:
    return NoticePublished(
        notice_id=str(uuid.UUID(int=0x0195_0000_0000_7000_8000_0000_0000_0001)),
        kind="tender",
        trade_type="construction",
        procedure="construction.open",
        project_code=PROJECT,
        project_name="滇池路改造工程",
        section_codes=[SECTION],
        title="滇池路改造工程招标公告",
        body="正文",
        tenderer_name=TENDERER,
        agency_name="",
        region_code="530102",
        budget_fen=5_200_000_000,
        published_at="2026-03-02T09:00:00+08:00",
        bid_deadline="2026-03-23T09:30:00+08:00",
        opening_at="2026-03-23T09:30:00+08:00",
        references_notice_id=None,
        attachments=[],
        opening_keys=[],
    )


def publish(*events: Any) -> None:
    for event in events:
        outbox_publish(event=event)
    report_ = relay_run_once()
    assert report_.ok, report_


def envelope_of(event: Any) -> Envelope:
    return Envelope(
        id=str(uuid.uuid4()),
        source="standalone",
        destination="public",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id,
        sequence=1,
        occurred_at="2026-04-14T02:00:05+00:00",
        payload=event.payload(),
    )


def stored() -> tuple[list[dict[str, Any]], ...]:
    return (
        list(CandidatePublicity.objects.values()),
        list(AwardResult.objects.values()),
        list(ContractRecord.objects.values()),
    )


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def inside(pattern: str, html: str) -> str:
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match[1]


def page(client: Client, url: str = PAGE) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# The handlers --------------------------------------------------------------------------------


def test_the_candidates_the_award_and_the_contract_are_stored_as_published() -> None:
    record = draw_record()

    publish(candidates(draw_record=record), award(), report(), contract())

    publicity = CandidatePublicity.objects.get()
    assert (publicity.section_code, publicity.project_code, publicity.method, publicity.outcome) == (
        SECTION, PROJECT, "comprehensive", "candidates",
    )  # fmt: skip
    assert (publicity.starts_at, publicity.ends_at) == (
        dt.datetime(2026, 4, 8, 1, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 11, 9, 0, tzinfo=dt.UTC),
    )
    assert [(c["rank"], c["bidder"], c["price_fen"]) for c in publicity.candidates] == [
        (1, FIRST, 4_876_543_210), (2, WINNER, 4_950_000_000), (3, "云南某建工集团有限公司", 5_010_000_000),
    ]  # fmt: skip
    assert publicity.committee[0] == {"name": "张伟", "leader": True}
    assert publicity.rejected[0]["reason_label"] == "未提交投标保证金"
    assert (publicity.result_digest, publicity.draw_record, publicity.received_at) == (DIGEST, record, NOW)
    assert publicity.payload == candidates(draw_record=record).payload()

    result = AwardResult.objects.get()
    assert (
        result.bidder, result.uscc, result.rank, result.price_fen, result.budget_fen, result.savings_fen,
        result.notice_number, result.decided_at, result.contract_due, result.received_at,
    ) == (
        WINNER, WINNER_USCC, 2, 4_950_000_000, 5_200_000_000, 250_000_000, "ZBTZ-2026-0042",
        dt.datetime(2026, 4, 14, 2, 0, tzinfo=dt.UTC), dt.date(2026, 5, 14), NOW,
    )  # fmt: skip
    assert result.passed_over == award().passed_over

    registered = ContractRecord.objects.get()
    assert (
        registered.contract_number, registered.supplier, registered.amount_fen, registered.signed_on,
        registered.registered_at, registered.late, registered.security_return_due, registered.quality,
        registered.term,
    ) == (
        "HT-2026-0042", WINNER, 4_950_000_000, dt.date(2026, 5, 20), dt.datetime(2026, 5, 21, 2, 0, tzinfo=dt.UTC),
        True, dt.date(2026, 5, 25), "合格", "365日历天",
    )  # fmt: skip
    # The written report is for the supervising department only: the public platform has no handler for it.
    assert WrittenReportSubmitted.event_type not in HANDLERS


def test_a_deadline_given_as_an_instant_is_kept_as_its_beijing_day() -> None:
    event = award(contract_due="2026-05-13T16:30:00+00:00")

    award_decided(event.payload(), envelope_of(event))

    assert AwardResult.objects.get().contract_due == dt.date(2026, 5, 14)


def test_replays_change_nothing_and_a_different_second_version_is_kept_out(caplog: pytest.LogCaptureFixture) -> None:
    publish(candidates(), award(), contract())
    before = stored()
    clock_set(NOW + dt.timedelta(hours=3))

    for event in (candidates(), award(), contract()):
        HANDLERS[event.event_type](event.payload(), envelope_of(event))
    assert caplog.records == []

    altered = [
        candidates(committee=[{"name": "赵强", "leader": True}]),
        award(bidder=FIRST, rank=1),
        contract(amount_fen=1, late=False),
    ]
    with caplog.at_level(logging.WARNING, logger="zhengwu.contexts.disclosure.handlers"):
        for event in altered:
            HANDLERS[event.event_type](event.payload(), envelope_of(event))

    assert stored() == before
    assert [r.getMessage().split(" (message")[0] for r in caplog.records] == [
        f"disclosure: candidate publicity of {SECTION} received again with different content",
        f"disclosure: award of {SECTION} received again with different content",
        f"disclosure: contract of {SECTION} received again with different content",
    ]


MALFORMED: list[tuple[str, Any]] = [
    ("no candidates", candidates(candidates=[])),
    ("a candidate without a rank", candidates(candidates=[{"bidder": FIRST, "price_fen": 1}])),
    ("a price that is not fen", candidates(candidates=[{"rank": 1, "bidder": FIRST, "price_fen": "48765432.10"}])),
    ("a start without a time zone", candidates(starts_at="2026-04-08T09:00:00")),
    ("an end before the start", candidates(ends_at="2026-04-07T09:00:00+08:00")),
    ("no section", candidates(section_code="  ")),
    ("savings that do not add up", award(savings_fen=1)),
    ("a negative price", award(price_fen=-1, savings_fen=5_200_000_001)),
    ("no winner", award(bidder="")),
    ("a contract deadline that is not a date", award(contract_due="in 30 days")),
    ("no contract number", contract(contract_number="")),
    ("an amount with a fraction", contract(amount_fen=49.5)),
    ("a registration without a time zone", contract(registered_at="2026-05-21T10:00:00")),
]


@pytest.mark.parametrize(("why", "event"), MALFORMED, ids=[why for why, _ in MALFORMED])
def test_a_malformed_event_is_refused_and_nothing_is_stored(why: str, event: Any) -> None:
    with pytest.raises(ValueError, match=event.event_type):
        HANDLERS[event.event_type](event.payload(), envelope_of(event))

    assert stored() == ([], [], [])


def test_an_event_missing_a_field_is_refused_through_the_exchange() -> None:
    payload = award().payload()
    del payload["notice_number"]
    with pytest.raises(ValueError, match="notice_number"):
        award_decided(payload, envelope_of(award()))
    outbox_publish(event=candidates(candidates=[]))

    result = relay_run_once()

    # Delivered to the public and supervision platforms: refused by both, retried later, nothing stored.
    assert (result.attempted, result.delivered, result.failed) == (2, 0, 2)
    assert stored() == ([], [], [])


# The section page ----------------------------------------------------------------------------


def test_the_section_page_shows_the_candidates_the_result_and_the_contract(client: Client) -> None:
    record = draw_record()
    publish(notice(), committed(record), candidates(draw_record=record), award(), contract())

    html = page(client)

    publicity = inside(r'data-testid="candidates">(.*?)</div>', html)
    assert "中标候选人公示" in html
    assert text(inside(r'data-testid="publicity-period">(.*?)</p>', publicity)) == (
        "公示期：2026-04-08 09:00 至 2026-04-11 17:00（北京时间） 公示中"
    )
    rows = [text(r) for r in re.findall(r'<tr data-testid="candidate-\d">(.*?)</tr>', publicity, re.S)]
    assert rows == [
        f"1 {FIRST} 91530100MA6K1A2B3C 48,765,432.10 92.50",
        f"2 {WINNER} {WINNER_USCC} 49,500,000.00 90.15",
        "3 云南某建工集团有限公司 91530100MA6K3C4D5E 50,100,000.00 —",
    ]
    assert "昆明某市政工程有限公司 未提交投标保证金" in text(
        inside(r'data-testid="rejected-rows">(.*?)</table>', publicity)
    )
    assert text(inside(r'data-testid="committee">(.*?)</p>', publicity)) == "张伟（组长）、李娜、王芳、刘洋、陈静"
    assert f'data-testid="result-digest">{DIGEST}<' in publicity
    assert f'href="/sections/{SECTION}/expert-draw.json"' in publicity
    assert 'data-testid="draw-record-matches"' in publicity
    assert text(inside(r'data-testid="draw-verify-hint">(.*?)</p>', publicity)).endswith(
        f"zhengwu experts verify-draw expert-draw-{SECTION}.json --commitment {record['commitment']}"
    )

    result = text(inside(r'data-testid="award">(.*?)</table>', html))
    assert "中标结果公告" in html
    assert f"中标人 {WINNER} {WINNER_USCC}" in result
    assert "中标金额（元） 49,500,000.00" in result
    assert "预算金额（元） 52,000,000.00" in result
    assert "节约资金（元） 2,500,000.00（占预算 4.81%）" in result
    assert "中标通知书编号 ZBTZ-2026-0042" in result
    assert "定标日期 2026-04-14" in result
    assert f"1 {FIRST} 放弃中标" in text(inside(r'data-testid="passed-over">(.*?)</table>', html))

    registered = text(inside(r'data-testid="contract">(.*?)</table>', html))
    assert "合同信息" in html
    assert 'data-testid="contract-late">逾期备案<' in html
    assert "合同编号 HT-2026-0042" in registered
    assert f"甲方（招标人） {TENDERER}" in registered
    assert f"乙方（中标人） {WINNER} {WINNER_USCC}" in registered
    assert "合同价款（元） 49,500,000.00" in registered
    assert "质量要求 合格" in registered
    assert "履行期限 365日历天" in registered
    assert "签订日期 2026-05-20" in registered
    # The results come after the opening record.
    assert html.index('id="opening-record"') < html.index('id="candidates"') < html.index('id="award"')


def test_the_publicity_shows_as_ended_once_its_last_instant_has_passed(client: Client) -> None:
    publish(candidates())
    clock_set(dt.datetime(2026, 4, 11, 9, 0, tzinfo=dt.UTC))  # 17:00 Beijing time: the last instant
    assert text(inside(r'data-testid="publicity-state">(.*?)</span>', page(client))) == "公示中"

    clock_set(dt.datetime(2026, 4, 11, 9, 0, 1, tzinfo=dt.UTC))

    html = page(client)
    assert text(inside(r'data-testid="publicity-state">(.*?)</span>', html)) == "公示期已结束"
    # No draw record published: no download and no hint.
    assert 'data-testid="draw-record"' not in html
    assert "verify-draw" not in html


def test_a_contract_registered_in_time_has_no_late_badge_and_savings_over_budget_are_negative(client: Client) -> None:
    publish(award(price_fen=5_300_000_000, savings_fen=-100_000_000), contract(late=False))

    html = page(client)

    assert "节约资金（元） -1,000,000.00（占预算 -1.92%）" in text(inside(r'data-testid="award">(.*?)</table>', html))
    assert "逾期备案" not in html
    assert 'data-testid="candidates"' not in html


def test_the_draw_record_downloads_and_re_runs_against_the_published_commitment(client: Client) -> None:
    record = draw_record()
    publish(committed(record), candidates(draw_record=record))
    commitment = inside(r'data-testid="expert-draw-commitment">(.*?)<', page(client))

    response = client.get(f"/sections/{SECTION}/expert-draw.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="expert-draw-{SECTION}.json"'
    downloaded = json.loads(response.content)
    assert downloaded == record
    assert record_verify(downloaded, commitment=commitment) == []


def test_a_draw_record_that_is_not_the_committed_one_is_flagged(client: Client) -> None:
    record = draw_record()
    other = dataclasses.replace(committed(record), commitment="0" * 64)
    publish(other, candidates(draw_record=record))

    html = page(client)

    assert 'data-testid="draw-record-differs"' in html
    assert 'data-testid="draw-record-matches"' not in html


@pytest.mark.parametrize("published", [False, True])
def test_without_a_draw_record_the_download_is_not_found_in_chinese(client: Client, published: bool) -> None:
    if published:
        publish(candidates(draw_record=None))

    response = client.get(f"/sections/{SECTION}/expert-draw.json")

    assert response.status_code == 404
    assert "该标段尚未公布专家抽取记录" in response.content.decode()


def test_a_section_known_only_by_its_results_has_a_page_and_an_unknown_one_has_none(client: Client) -> None:
    assert client.get(PAGE).status_code == 404

    publish(contract())

    html = page(client)
    assert "HT-2026-0042" in html
    assert 'data-testid="award"' not in html


# The API -------------------------------------------------------------------------------------


def test_the_api_returns_the_candidates_the_award_and_the_contract(client: Client) -> None:
    record = draw_record()
    publish(candidates(draw_record=record), award(), contract())

    found = client.get(f"{API}/candidates")
    assert found.status_code == 200
    body = found.json()
    assert body == {
        "section": SECTION,
        "project_code": PROJECT,
        "section_name": "滇池路改造工程第一标段",
        "method": "comprehensive",
        "outcome": "candidates",
        "starts_at": "2026-04-08T01:00:00Z",
        "ends_at": "2026-04-11T09:00:00Z",
        "candidates": candidates().candidates,
        "rejected": candidates().rejected,
        "committee": candidates().committee,
        "result_digest": DIGEST,
        "draw_record": record,
        "received_at": "2026-04-10T02:00:00Z",
    }

    result = client.get(f"{API}/award").json()
    assert (result["bidder"], result["price_fen"], result["budget_fen"], result["savings_fen"]) == (
        WINNER, 4_950_000_000, 5_200_000_000, 250_000_000,
    )  # fmt: skip
    assert (result["notice_number"], result["contract_due"], result["passed_over"]) == (
        "ZBTZ-2026-0042", "2026-05-14", award().passed_over,
    )  # fmt: skip

    registered = client.get(f"{API}/contract").json()
    assert registered == {
        "section": SECTION,
        "project_code": PROJECT,
        "section_name": "滇池路改造工程第一标段",
        "contract_number": "HT-2026-0042",
        "supplier": WINNER,
        "supplier_uscc": WINNER_USCC,
        "subject": "滇池路改造工程第一标段施工",
        "amount_fen": 4_950_000_000,
        "quality": "合格",
        "term": "365日历天",
        "signed_on": "2026-05-20",
        "registered_at": "2026-05-21T02:00:00Z",
        "late": True,
        "security_return_due": "2026-05-25",
        "received_at": "2026-04-10T02:00:00Z",
    }


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("candidates", "candidates_not_published"),
        ("award", "award_not_published"),
        ("contract", "contract_not_published"),
    ],
)
def test_the_api_says_what_is_not_published_yet(client: Client, path: str, code: str) -> None:
    response = client.get(f"{API}/{path}")

    assert response.status_code == 404
    body = response.json()
    assert (body["code"], body["detail"]) == (code, {"section": SECTION})
    assert re.search(r"[\u4e00-\u9fff]", body["message"])
