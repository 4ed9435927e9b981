"""The steps after the report through the pages: the agency publishes, awards, reports and registers the
contract; the award notice PDF; who may see and do what (every other role gets nothing and changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from tests.evaluation.scene import Ready, evaluation_complete
from zhengwu.contexts.evaluation.models import Award, Contract, Publicity
from zhengwu.contexts.experts.tests.factories import client_for
from zhengwu.contexts.tendering.models import Section
from zhengwu.kernel.clock import CHINA_TZ, clock_advance, clock_now
from zhengwu.platform.audit.models import AuditEntry


def _url(name: str, section_code: str) -> str:
    return reverse(f"trading:evaluation:{name}", args=[section_code])


def _state(ready: Ready) -> tuple[Any, ...]:
    section = Section.objects.get(pk=ready.section.pk)
    return (section.status, Publicity.objects.count(), Award.objects.count(), Contract.objects.count())


@pytest.mark.django_db
def test_the_agency_takes_the_section_from_the_report_to_the_contract_in_the_pages(ready: Ready) -> None:
    evaluation_complete(ready)
    code, bid = ready.section.code, ready.bid
    agency = client_for("agency")
    page = agency.get(_url("outcome", code))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="publicity-form"' in body
    assert "87.00" in body
    assert "1,000,000.00" in body

    # A publicity of one day is refused with the law's words, and nothing is published.
    short = agency.post(
        _url("outcome_publicity", code), {"ends_on": (clock_now().astimezone(CHINA_TZ).date()).isoformat()}
    )
    assert short.status_code == 400
    assert "公示期不得少于3日" in short.content.decode()
    assert not Publicity.objects.exists()
    bad_date = agency.post(_url("outcome_publicity", code), {"ends_on": "下周一"})
    assert bad_date.status_code == 400
    assert "公示截止日期格式应为" in bad_date.content.decode()
    assert agency.post(_url("outcome_publicity", code), {"ends_on": ""}).status_code == 302
    assert Section.objects.get(pk=ready.section.pk).status == "candidates"

    # During the publicity the award is refused.
    early = agency.post(_url("outcome_award", code), {"bid_id": bid["A"]})
    assert early.status_code == 400
    assert "公示期满后方可定标" in early.content.decode()
    clock_advance(dt.timedelta(days=4))
    # B without a reason for A: refused; with A declining: decided.
    wrong = agency.post(_url("outcome_award", code), {"bid_id": bid["B"]})
    assert wrong.status_code == 400
    assert "排名第1的候选人未记录不符合中标条件的情形" in wrong.content.decode()
    assert not Award.objects.exists()
    decided = agency.post(_url("outcome_award", code), {"bid_id": bid["B"], f"pass_over_{bid['A']}": "declined"})
    assert decided.status_code == 302
    award = Award.objects.get()
    assert award.bid_id == bid["B"]

    # The award notice: the agency, oversight and the winner; nobody else.
    pdf = agency.get(_url("outcome_notice", code))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client_for("bidder2").get(_url("outcome_notice", code)).status_code == 200
    for username in ("bidder1", "bidder3", "expert", "public"):
        assert client_for(username).get(_url("outcome_notice", code)).status_code in (403, 404), username

    assert (
        agency.post(
            _url("outcome_report", code), {"text": "本项目依法公开招标，评标委员会推荐三名候选人……"}
        ).status_code
        == 302
    )
    # The contract at a price other than the award's: refused, the form keeps what was typed.
    terms = {"number": "HT-2026-01", "signed_on": clock_now().astimezone(CHINA_TZ).date().isoformat()}
    terms |= {"subject": "第一标段施工", "quality": "合格", "term": "365日历天"}
    differs = agency.post(_url("outcome_contract", code), {**terms, "amount": "940000"})
    assert differs.status_code == 400
    assert "合同价款应当与中标价一致" in differs.content.decode()
    assert 'value="HT-2026-01"' in differs.content.decode()
    assert not Contract.objects.exists()
    assert agency.post(_url("outcome_contract", code), {**terms, "amount": "950000.00"}).status_code == 302
    final = agency.get(_url("outcome", code)).content.decode()
    assert Section.objects.get(pk=ready.section.pk).status == "contracted"
    assert "HT-2026-01" in final
    assert 'data-testid="security-due"' in final


@pytest.mark.django_db
def test_nobody_else_sees_or_does_anything_after_the_report(ready: Ready) -> None:
    evaluation_complete(ready)
    code, bid = ready.section.code, ready.bid
    before = _state(ready)
    audits = AuditEntry.objects.count()
    posts = [
        (_url("outcome_publicity", code), {"ends_on": ""}),
        (_url("outcome_award", code), {"bid_id": bid["A"]}),
        (_url("outcome_report", code), {"text": "x"}),
        (_url("outcome_contract", code), {"number": "1", "signed_on": "2026-03-25", "amount": "1000000"}),
    ]
    for username in ("bidder1", "bidder2", "expert", "expert_far", "public"):
        client = client_for(username)
        assert client.get(_url("outcome", code)).status_code in (403, 404), username
        for url, data in posts:
            assert client.post(url, data).status_code in (403, 404), (username, url)
    # Staff and regulators read, but the award is the tenderer's act.
    for username in ("staff", "regulator"):
        client = client_for(username)
        page = client.get(_url("outcome", code))
        assert page.status_code == 200
        assert 'data-testid="publicity-form"' not in page.content.decode()
        refused = client.post(*posts[0])
        assert refused.status_code == 403
        assert "只有招标人或招标代理机构可以公示中标候选人" in refused.content.decode()
    assert _state(ready) == before
    assert AuditEntry.objects.count() == audits
