"""The evaluation room's pages: an expert's score sheet through the Django test client, and who gets 404/403."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.evaluation.scene import EXPERTS, GP_METHOD, Ready, gp_scores
from zhengwu.contexts.evaluation import services
from zhengwu.contexts.evaluation.models import ComplianceMark, Evaluation, Sheet
from zhengwu.contexts.experts.tests.factories import client_for
from zhengwu.platform.audit.models import AuditEntry


def _url(name: str, section_code: str, *args: Any) -> str:
    return reverse(f"trading:evaluation:{name}", args=[section_code, *args])


def _reviewed(ready: Ready) -> Evaluation:
    """The room open and every bid marked compliant by every member (through the services)."""
    evaluation = services.evaluation_create(section=ready.section, method=GP_METHOD, by=ready.world["staff"])
    for username in EXPERTS:
        for bid_id in ready.bid.values():
            services.compliance_mark(evaluation=evaluation, bid_id=bid_id, compliant=True, by=ready.world[username])
    return evaluation


@pytest.mark.django_db
def test_an_expert_fills_saves_and_submits_the_score_sheet_in_the_page(ready: Ready) -> None:
    _reviewed(ready)
    code, bid = ready.section.code, ready.bid
    client = client_for("expert")
    room = client.get(_url("room", code))
    assert room.status_code == 200
    assert "云南某建设工程有限公司" in room.content.decode()  # bidder1's name, read out at the opening
    page = client.get(_url("sheet", code))
    assert page.status_code == 200
    assert f'name="s-{bid["A"]}-tech"' in page.content.decode()

    typed = {f"s-{b}-{item}": v for b, row in gp_scores(bid).items() for item, v in row.items()}
    typed[f"s-{bid['A']}-tech"] = "abc"
    typed[f"s-{bid['B']}-biz"] = "120"
    typed[f"s-{bid['C']}-tech"] = ""
    saved = client.post(_url("sheet", code), {**typed, "action": "save"})
    assert saved.status_code == 200
    body = saved.content.decode()
    assert 'data-testid="saved"' in body
    assert 'value="abc"' in body
    assert 'value="120"' in body
    assert f'data-testid="error-s-{bid["B"]}-biz"' in body
    assert "商务”的分值应在0至100分之间" in body
    assert f'data-testid="error-s-{bid["C"]}-tech"' in body  # missing
    stored = Sheet.objects.get()
    assert stored.submitted_at is None
    assert stored.scores[bid["A"]]["tech"] == "abc"

    refused = client.post(_url("sheet", code), {**typed, "action": "submit"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert f'data-testid="error-s-{bid["A"]}-tech"' in body
    assert 'value="abc"' in body
    assert Sheet.objects.get().submitted_at is None

    good = {f"s-{b}-{item}": v for b, row in gp_scores(bid).items() for item, v in row.items()}
    done = client.post(_url("sheet", code), {**good, "action": "submit"})
    assert done.status_code == 302
    assert Sheet.objects.get().submitted_at is not None
    again = client.post(_url("sheet", code), {**typed, "action": "save"})
    assert again.status_code == 400  # locked
    assert Sheet.objects.get().scores[bid["A"]]["tech"] == "85"


@pytest.mark.django_db
def test_a_member_downloads_an_opened_file_and_the_download_is_audited(ready: Ready) -> None:
    _reviewed(ready)
    response = client_for("expert2").get(_url("bid_file", ready.section.code, ready.bid["A"], 0))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == "bidder1 技术标".encode() * 500  # type: ignore[attr-defined]
    entry = AuditEntry.objects.get(action="evaluation.bid_file.download")
    assert entry.after is not None
    assert entry.after["bid"] == ready.bid["A"]


@pytest.mark.django_db
def test_secrecy_matrix_outsiders_get_nothing_and_change_nothing(ready: Ready) -> None:
    evaluation = _reviewed(ready)
    code, bid = ready.section.code, ready.bid
    services.sheet_save(evaluation=evaluation, scores=gp_scores(bid), by=ready.world["expert"])
    before = (ComplianceMark.objects.count(), list(Sheet.objects.values_list("scores", "submitted_at")))
    audits = AuditEntry.objects.count()
    urls = [
        _url("room", code),
        _url("sheet", code),
        _url("sheet_read", code, ready.experts["expert"]),
        _url("bid_file", code, bid["A"], 0),
    ]
    for username in ("expert_far", "bidder1", "bidder2", "tenderer", "agency", "public"):
        client = client_for(username)
        for url in urls:
            assert client.get(url).status_code in (403, 404), (username, url)
        for url, data in (
            (_url("sheet", code), {f"s-{bid['A']}-tech": "1", "action": "submit"}),
            (_url("compliance", code), {"bid_id": bid["A"], "compliant": "0", "reason": "unsigned"}),
            (_url("sign", code), {"agrees": "1"}),
            (_url("leader", code), {"expert_id": ready.experts["expert"]}),
        ):
            assert client.post(url, data).status_code in (403, 404), (username, url)
    # Another member cannot read the draft before every sheet is in.
    assert client_for("expert2").get(_url("sheet_read", code, ready.experts["expert"])).status_code == 404
    # The expert's own draft: readable by them.
    assert client_for("expert").get(_url("sheet_read", code, ready.experts["expert"])).status_code == 200
    # Staff see progress, never a bid, a mark or a score.
    overview = client_for("staff").get(_url("room", code))
    assert overview.status_code == 200
    assert bid["A"] not in overview.content.decode()
    assert "云南某建设工程有限公司" not in overview.content.decode()
    assert client_for("staff").get(_url("bid_file", code, bid["A"], 0)).status_code in (403, 404)
    assert (ComplianceMark.objects.count(), list(Sheet.objects.values_list("scores", "submitted_at"))) == before
    assert not AuditEntry.objects.filter(action="evaluation.bid_file.download").exists()
    assert AuditEntry.objects.count() == audits
