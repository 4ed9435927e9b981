"""The public home page shows live figures: verified subjects and the sealed audit log."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from zhengwu.platform.audit.selectors import audit_entry_count

pytestmark = pytest.mark.django_db


def test_home_counts_verified_subjects_and_shows_the_latest_tree_head(db: Any) -> None:
    body = Client().get("/").content.decode()
    assert 'data-testid="subject-total">0<' in body
    call_command("demo", stdout=StringIO())
    call_command("exchange", "relay", "--once", stdout=StringIO())
    call_command("audit", "seal", stdout=StringIO())
    body = Client().get("/").content.decode()
    # Seven verified demo subjects (agency, tenderer, five bidders: two of them bid in the concluded
    # tender) reach the public platform; the pending one does not.
    assert 'data-testid="subject-total">7<' in body
    tree_size = audit_entry_count()
    assert f'<div class="figure">{tree_size}</div>' in body


def test_the_subject_list_exports_what_it_shows_to_excel(db: Any) -> None:
    import io

    from openpyxl import load_workbook

    call_command("demo", stdout=StringIO())
    call_command("exchange", "relay", "--once", stdout=StringIO())
    response = Client().get("/subjects/", {"role": "bidder", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("名称", "统一社会信用代码", "角色", "行政区划", "更新时间")
    body = Client().get("/subjects/", {"role": "bidder"}).content.decode()
    # The same five demo bidders as on the page (two of them bid in the concluded tender), and only them.
    assert len(rows) == 1 + 5
    for name, uscc, roles, _region, _updated in rows[1:]:
        assert uscc in body
        assert name in body
        assert roles == "投标人"


def test_the_home_page_lists_the_latest_notices_of_each_trade_type(db: Any) -> None:
    import re

    from zhengwu.contexts.disclosure.models import Notice

    call_command("demo", stdout=StringIO())
    call_command("exchange", "relay", "--once", stdout=StringIO())
    body = Client().get("/").content.decode()
    shown_types = set()
    for trade_type in ("construction", "procurement", "land", "property"):
        card = re.search(rf'data-testid="latest-{trade_type}">(.*?)</section>', body, re.S)
        assert card is not None, trade_type
        ids = re.findall(r'href="/notices/([0-9a-f-]{36})/"', card[1])
        expected = Notice.objects.filter(trade_type=trade_type).order_by("-published_at", "-notice_id")[:5]
        assert ids == [str(n.notice_id) for n in expected]
        if ids:
            shown_types.add(trade_type)
        else:
            assert "暂无" in card[1]
    # The demo publishes construction and procurement tenders at least.
    assert {"construction", "procurement"} <= shown_types


def test_every_notice_the_trading_platform_published_in_the_demo_is_found_by_its_title(db: Any) -> None:
    import urllib.parse

    from zhengwu.contexts.tendering.selectors import notices_published

    call_command("demo", stdout=StringIO())
    call_command("exchange", "relay", "--once", stdout=StringIO())
    published = list(notices_published())
    assert len(published) >= 3
    client = Client()
    for notice in published:
        response = client.get("/api/disclosure/notices?size=100&q=" + urllib.parse.quote(notice.title))
        assert response.status_code == 200
        assert str(notice.uuid) in {item["notice_id"] for item in response.json()["items"]}, notice.title
        page = client.get("/notices/?q=" + urllib.parse.quote(notice.title)).content.decode()
        assert f'data-notice="{notice.uuid}"' in page
