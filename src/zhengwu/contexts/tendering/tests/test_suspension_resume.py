"""The document issue period given back when a suspension is lifted (实施条例 第十六条、第二十二条).

The factories' construction tender is published Monday 2 March 2026 10:00, issues its documents
until Monday 9 March 17:00 and closes bids Tuesday 24 March 09:30. An objection filed Wednesday
4 March 11:00 stops it with 5 days of issue left (5..9 March); answered Saturday 7 March — three
days later, with 17 days to the deadline (no extension) — the documents are issued again until
Thursday 12 March 17:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering.models import DocumentObtain, Notice, Section
from zhengwu.contexts.tendering.services import document_obtain, objection_file, objection_reply
from zhengwu.contexts.tendering.tests.factories import NOW, World, at, snapshot, tender_publish, world_build
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
DEADLINE = at(2026, 3, 24, 9, 30)
OLD_END = at(2026, 3, 9, 17)
NEW_END = at(2026, 3, 12, 17)
BODY = (
    "昆明市呈贡区吴家营片区市政道路工程第一标段的异议已答复，暂停的招标投标活动自即日起恢复。"
    "因暂停期间不能获取招标文件，招标文件发售（获取）截止时间相应顺延至2026-03-12 17:00"
    "（《招标投标法实施条例》第十六条、第二十二条）。"
    "\n\n投标截止时间不变，仍为2026-03-24 09:30。"
)


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


@pytest.fixture
def section(world: World) -> Section:
    _, sections, _ = tender_publish(world)
    document_obtain(section=sections[0], by=world["bidder1"])
    return sections[0]


def test_the_issue_period_lost_while_suspended_is_given_back_and_published(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 4, 11))
    objection = objection_file(section=section, kind="tender_documents", text="业绩要求过高。", by=world["bidder1"])
    clock_set(at(2026, 3, 5, 10))
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        document_obtain(section=section, by=world["bidder2"])
    assert caught.value.code == "section_suspended"
    assert snapshot() == before

    events = OutboxMessage.objects.count()
    version = Section.objects.get(pk=section.pk).version
    clock_set(at(2026, 3, 7, 10))
    objection_reply(objection=objection, reply="业绩要求符合规定。", by=world["agency"])
    row = Section.objects.get(pk=section.pk)
    assert (row.suspended_at, row.doc_issue_end, row.bid_deadline, row.opening_at, row.version) == (
        None,
        NEW_END,
        DEADLINE,
        DEADLINE,
        version + 1,
    )
    notice = Notice.objects.get(kind="amendment")
    assert (notice.status, notice.doc_issue_end, notice.bid_deadline, notice.published_at, notice.body) == (
        "published",
        NEW_END,
        DEADLINE,
        at(2026, 3, 7, 10),
        BODY,
    )
    assert list(notice.sections.all()) == [row]
    added = list(OutboxMessage.objects.order_by("id")[events:].values_list("event_type", "payload"))
    assert [(t, p["notice_id"], p["kind"], p["body"]) for t, p in added] == [
        ("tendering.notice.published", str(notice.uuid), "amendment", BODY)
    ]
    entry = AuditEntry.objects.get(action="tendering.objection.reply")
    assert (entry.after["doc_issue_end_before"], entry.after["doc_issue_end_after"]) == (
        "2026-03-09T09:00:00+00:00",
        "2026-03-12T09:00:00+00:00",
    )
    assert (entry.after["bid_deadline_before"], entry.after["bid_deadline_after"]) == (
        "2026-03-24T01:30:00+00:00",
        "2026-03-24T01:30:00+00:00",
    )

    # After the old end the documents are obtained again, until the new end and not at it.
    clock_set(at(2026, 3, 10, 9))
    obtained = document_obtain(section=section, by=world["bidder2"])
    assert obtained.obtained_at == at(2026, 3, 10, 9)
    clock_set(NEW_END)
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        document_obtain(section=section, by=world["bidder3"])
    assert (caught.value.code, caught.value.detail["doc_issue_end"]) == (
        "document_issue_closed",
        "2026-03-12T09:00:00+00:00",
    )
    assert snapshot() == before
    assert DocumentObtain.objects.filter(section=section).count() == 2


def test_a_suspension_after_the_issue_period_gives_nothing_back(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 10, 9))  # the issue ended on 9 March 17:00; objections run until 14 March
    objection = objection_file(section=section, kind="tender_documents", text="业绩要求过高。", by=world["bidder1"])
    clock_set(at(2026, 3, 12, 9))  # 12 days left: the deadline moves 15 days on, the issue end does not
    objection_reply(objection=objection, reply="不成立。", by=world["agency"])
    row = Section.objects.get(pk=section.pk)
    assert (row.suspended_at, row.doc_issue_end, row.bid_deadline) == (None, OLD_END, at(2026, 3, 27, 9, 30))
    notice = Notice.objects.get(kind="amendment")
    assert notice.doc_issue_end is None
    assert "发售" not in notice.body
    entry = AuditEntry.objects.get(action="tendering.objection.reply")
    assert entry.after["doc_issue_end_before"] == entry.after["doc_issue_end_after"] == "2026-03-09T09:00:00+00:00"
    with pytest.raises(Conflict) as caught:
        document_obtain(section=section, by=world["bidder2"])
    assert caught.value.code == "document_issue_closed"


def test_an_objection_answered_the_same_day_gives_nothing_back(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 4, 11))
    objection = objection_file(section=section, kind="tender_documents", text="业绩要求过高。", by=world["bidder1"])
    clock_set(at(2026, 3, 4, 16))
    objection_reply(objection=objection, reply="不成立。", by=world["agency"])
    assert Section.objects.get(pk=section.pk).doc_issue_end == OLD_END
    assert not Notice.objects.filter(kind="amendment").exists()


def test_the_same_story_through_the_api(world: World, section: Section) -> None:
    bidder1, bidder2, agency = client_for("bidder1"), client_for("bidder2"), client_for("agency")
    clock_set(at(2026, 3, 4, 11))
    response = bidder1.post(
        f"{API}/sections/{section.code}/objections",
        {"kind": "tender_documents", "text": "业绩要求过高。"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    objection = response.json()["uuid"]
    tender = bidder2.get(f"{API}/tenders/{section.code}").json()
    assert (tender["suspended"], tender["suspended_at"], tender["doc_issue_end"]) == (
        True,
        "2026-03-04T11:00:00+08:00",
        "2026-03-09T17:00:00+08:00",
    )
    clock_set(at(2026, 3, 5, 10))
    response = bidder2.post(f"{API}/sections/{section.code}/obtain")
    assert (response.status_code, response.json()["code"]) == (409, "section_suspended")

    clock_set(at(2026, 3, 7, 10))
    response = agency.post(
        f"{API}/objections/{objection}/reply", {"reply": "业绩要求符合规定。"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    tender = bidder2.get(f"{API}/tenders/{section.code}").json()
    assert (tender["suspended"], tender["suspended_at"], tender["doc_issue_end"], tender["bid_deadline"]) == (
        False,
        None,
        "2026-03-12T17:00:00+08:00",
        "2026-03-24T09:30:00+08:00",
    )
    amendments = [n for n in tender["notices"] if n["kind"] == "amendment"]
    assert [(n["doc_issue_end"], n["bid_deadline"], n["body"]) for n in amendments] == [
        ("2026-03-12T17:00:00+08:00", "2026-03-24T09:30:00+08:00", BODY)
    ]
    project = agency.get(f"{API}/projects/{section.project.code}").json()
    assert [(s["suspended"], s["doc_issue_end"]) for s in project["sections"]] == [(False, "2026-03-12T17:00:00+08:00")]

    clock_set(at(2026, 3, 12, 16, 59))
    response = bidder2.post(f"{API}/sections/{section.code}/obtain")
    assert response.status_code == 201, response.content
    clock_set(NEW_END)
    response = client_for("bidder3").post(f"{API}/sections/{section.code}/obtain")
    assert (response.status_code, response.json()["code"]) == (409, "document_issue_closed")
