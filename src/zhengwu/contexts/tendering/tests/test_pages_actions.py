"""The project page's remaining actions through the pages: revising a notice, replying to an
objection, terminating a tender, and the page when the working-day calendar runs out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import Notice, NoticeApproval, Objection, Section
from zhengwu.contexts.tendering.services import notice_approve
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    World,
    at,
    notice_make,
    project_make,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.contexts.tendering.tests.test_pages_journeys import body, client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

# Sent as HTTP_ACCEPT_LANGUAGE: the pages answer in Chinese.
ZH = {"Accept-Language": "zh-hans"}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any) -> World:
    return world_build()


# --- revising a notice -----------------------------------------------------------------------------


def test_revising_a_notice_replaces_its_text_and_dates_and_withdraws_its_approvals(world: World) -> None:
    project, sections = project_make(world)
    notice = notice_make(world, project, sections)
    notice_approve(notice=notice, by=world["staff"])
    assert [a.role for a in selectors.notice_approvals(notice=notice)] == ["centre_staff"]
    assert Notice.objects.get(pk=notice.pk).status == "approved"
    version = Notice.objects.get(pk=notice.pk).version

    url = f"/trading/projects/{project.code}/notices/{notice.uuid}/revise/"
    response = client_for("agency").post(
        url,
        {
            "kind": "tender",
            "title": "吴家营片区市政道路工程招标公告（修订）",
            "body": "投标人须具备市政公用工程施工总承包二级及以上资质。",
            "sections": [sections[0].code],
            "doc_issue_end": "2026-03-10T17:00",
            "bid_deadline": "2026-03-25T09:30",
            "opening_at": "2026-03-25T09:30",
        },
        headers=ZH,
    )
    assert response.status_code == 302, body(response)
    assert response["Location"] == f"/trading/projects/{project.code}/"
    notice.refresh_from_db()
    assert (notice.title, notice.body, notice.status, notice.version) == (
        "吴家营片区市政道路工程招标公告（修订）",
        "投标人须具备市政公用工程施工总承包二级及以上资质。",
        "draft",
        version + 1,
    )
    assert (notice.doc_issue_end, notice.bid_deadline, notice.opening_at) == (
        at(2026, 3, 10, 17),
        at(2026, 3, 25, 9, 30),
        at(2026, 3, 25, 9, 30),
    )
    assert list(notice.sections.values_list("code", flat=True)) == [sections[0].code]
    # The approval covered the old text: it is gone, and the notice goes to approval again.
    assert selectors.notice_approvals(notice=notice) == []
    assert NoticeApproval.objects.filter(notice=notice).count() == 0
    entry = AuditEntry.objects.filter(action="tendering.notice.revise", object_id=str(notice.uuid)).get()
    assert entry.after["approvals_withdrawn"] == ["centre_staff"]
    assert entry.before["title"] == "昆明市呈贡区吴家营片区市政道路工程招标公告"

    # A bidder may not revise it: 403, and nothing changes.
    before = snapshot()
    response = client_for("bidder1").post(
        url,
        {
            "kind": "tender",
            "title": "篡改的标题",
            "body": "篡改的正文",
            "sections": [sections[0].code],
            "doc_issue_end": "2026-03-11T17:00",
            "bid_deadline": "2026-03-26T09:30",
        },
        headers=ZH,
    )
    assert response.status_code == 403
    assert snapshot() == before
    notice.refresh_from_db()
    assert (notice.title, notice.body, notice.bid_deadline, notice.doc_issue_end) == (
        "吴家营片区市政道路工程招标公告（修订）",
        "投标人须具备市政公用工程施工总承包二级及以上资质。",
        at(2026, 3, 25, 9, 30),
        at(2026, 3, 10, 17),
    )


# --- replying to an objection ----------------------------------------------------------------------


def test_an_objection_filed_on_the_tender_page_is_replied_to_on_the_project_page(world: World) -> None:
    project, sections, _ = tender_publish(world)
    section = sections[0]
    bidder = client_for("bidder1")
    assert bidder.post(f"/trading/tenders/{section.code}/obtain/").status_code == 302
    # Within the window: at least 10 days before the 03-24 09:30 deadline.
    clock_set(at(2026, 3, 3, 9))
    response = bidder.post(
        f"/trading/tenders/{section.code}/objections/",
        {"kind": "tender_documents", "text": "资质要求排斥潜在投标人。"},
        headers=ZH,
    )
    assert response.status_code == 302, body(response)
    assert response["Location"] == f"/trading/tenders/{section.code}/"
    objection = Objection.objects.get(section=section)
    # Reply within 3 days of the day it was received: 24:00 on 6 March.
    assert (objection.kind, objection.text, objection.status, objection.filed_at, objection.reply_due) == (
        "tender_documents",
        "资质要求排斥潜在投标人。",
        "pending",
        at(2026, 3, 3, 9),
        at(2026, 3, 7),
    )
    url = f"/trading/projects/{project.code}/objections/{objection.uuid}/reply/"
    clock_set(at(2026, 3, 4, 15, 20))

    # An empty reply: the Chinese error, 400, nothing stored.
    agency = client_for("agency")
    before = snapshot()
    for empty in ("", "   "):
        response = agency.post(url, {"reply": empty}, headers=ZH)
        assert response.status_code == 400
        assert 'data-code="reply_required"' in body(response)
        assert "请填写答复。" in body(response)
        assert snapshot() == before

    # Another role (the objector itself, another bidder, the regulator): 403, nothing changed.
    for key in ("bidder1", "bidder2", "regulator"):
        response = client_for(key).post(url, {"reply": "我来答复。"}, headers=ZH)
        assert response.status_code == 403, key
        assert snapshot() == before
    # Another agency does not even see the project.
    assert client_for("agency_other").post(url, {"reply": "我来答复。"}, headers=ZH).status_code == 404
    assert snapshot() == before

    response = agency.post(url, {"reply": "资质要求符合国家规定，不予调整。"}, headers=ZH)
    assert response.status_code == 302, body(response)
    assert response["Location"] == f"/trading/projects/{project.code}/"
    objection.refresh_from_db()
    assert (objection.status, objection.reply, objection.replied_at, objection.replied_by_username) == (
        "replied",
        "资质要求符合国家规定，不予调整。",
        at(2026, 3, 4, 15, 20),
        "agency",
    )
    entry = AuditEntry.objects.filter(action="tendering.objection.reply", object_id=str(objection.uuid)).get()
    assert (entry.after["reply"], entry.after["late"]) == ("资质要求符合国家规定，不予调整。", False)
    # The objector sees the reply on its tender page.
    assert "<blockquote>资质要求符合国家规定，不予调整。</blockquote>" in body(
        bidder.get(f"/trading/tenders/{section.code}/", headers=ZH)
    )

    # A second reply is refused and the first one stands.
    before = snapshot()
    response = agency.post(url, {"reply": "再次答复。"}, headers=ZH)
    assert response.status_code == 400
    assert "该异议已答复" in body(response)
    assert snapshot() == before
    assert Objection.objects.get(pk=objection.pk).reply == "资质要求符合国家规定，不予调整。"


# --- terminating a tender --------------------------------------------------------------------------


def test_terminating_a_tender_through_the_page_ends_its_sections_and_publishes_a_termination_notice(
    world: World,
) -> None:
    project, sections, tender = tender_publish(
        world, sections=(("第一标段", "52300000.00", "0"), ("第二标段", "34200000.00", "0"))
    )
    url = f"/trading/projects/{project.code}/terminate/"
    reason = "项目建设规划调整，终止本次招标"

    before = snapshot()
    response = client_for("bidder1").post(url, {"reason": reason}, headers=ZH)
    assert response.status_code == 403
    assert snapshot() == before
    assert sorted(Section.objects.filter(project=project).values_list("status", flat=True)) == [
        "accepting_bids",
        "accepting_bids",
    ]
    assert not Notice.objects.filter(project=project, kind="termination").exists()

    clock_set(at(2026, 3, 5, 11))
    response = client_for("agency").post(url, {"reason": reason}, headers=ZH)
    assert response.status_code == 302, body(response)
    assert response["Location"] == f"/trading/projects/{project.code}/"
    assert sorted(Section.objects.filter(project=project).values_list("code", "status", "next_check_at")) == [
        (sections[0].code, "terminated", None),
        (sections[1].code, "terminated", None),
    ]
    notice = Notice.objects.get(project=project, kind="termination")
    assert (notice.status, notice.published_at, notice.references_id, notice.title) == (
        "published",
        at(2026, 3, 5, 11),
        tender.pk,
        "昆明市呈贡区吴家营片区市政道路工程终止公告",
    )
    assert f"终止原因：{reason}" in notice.body
    assert sorted(notice.sections.values_list("code", flat=True)) == sorted(s.code for s in sections)
    published = OutboxMessage.objects.filter(
        aggregate_id=project.code, event_type="tendering.notice.published", payload__kind="termination"
    ).get()
    assert (published.payload["notice_id"], published.payload["section_codes"]) == (
        str(notice.uuid),
        sorted(s.code for s in sections),
    )
    entry = AuditEntry.objects.filter(action="tendering.tender.terminate", object_id=project.code).get()
    assert (entry.after["notice"], entry.after["reason"]) == (str(notice.uuid), reason)

    # Nothing is left to terminate: a second attempt is refused and changes nothing.
    before = snapshot()
    response = client_for("agency").post(url, {"reason": "再次终止"}, headers=ZH)
    assert response.status_code == 400
    assert "没有可以终止的标段" in body(response)
    assert snapshot() == before


# --- the working-day calendar runs out -------------------------------------------------------------


def test_the_project_page_explains_a_calendar_gap_instead_of_failing(world: World) -> None:
    # 20 December 2026: a tender published now would end in January 2027, a year the shipped
    # calendar (2024–2026) does not cover, so no statutory date can be computed.
    clock_set(at(2026, 12, 20, 10))
    project, _ = project_make(world)
    response = client_for("agency").get(f"/trading/projects/{project.code}/", headers=ZH)
    assert response.status_code == 200
    page = body(response)
    assert 'data-testid="timetable-problem"' in page
    assert (
        "暂无法计算法定日期：工作日历尚未覆盖相关日期（工作日历未载入2027年的节假日安排（已载入：2024、2025、2026）"
    ) in page
    assert 'data-testid="timetable"' not in page  # no half-computed dates are shown
