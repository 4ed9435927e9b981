"""Pre-qualification (资格预审) of a construction.open_prequalification tender, through the services.

Dates worked out by hand on the 2026 calendar (and checked against ``rules.prequalification_check``
and ``rules.timetable_check``). The pre-qualification notice is published Monday 2 March 2026
10:00: the documents are issued for at least 5 days (招标条例 第十六条), from 2 March to Saturday 7
March 17:00; applications at least 5 days after the sale ends (第十七条): 12 March at the earliest —
we use Thursday 12 March 09:30. The invitation goes out Friday 13 March 10:00: its documents are
issued until 18 March 17:00 and bids are due at least 20 days after the issue starts
(招标投标法 第二十四条): 2 April 09:30.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.identity.services import organisation_create, user_create
from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import Document, DocumentObtain, Notice, PrequalApplication, Section
from zhengwu.contexts.tendering.services import (
    document_obtain,
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    prequal_apply,
    prequal_conclude,
    prequal_documents_obtain,
    prequal_review,
    prequal_withdraw,
)
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    PASSWORD,
    SYSTEM,
    World,
    at,
    project_make,
    snapshot,
    uscc_make,
    world_build,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ZhengwuError
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

PREQUAL = "construction.open_prequalification"
PQ_ISSUE_END = at(2026, 3, 7, 17)
PQ_DEADLINE = at(2026, 3, 12, 9, 30)
INVITE_AT = at(2026, 3, 13, 10)
INVITE_ISSUE_END = at(2026, 3, 18, 17)
BID_DEADLINE = at(2026, 4, 2, 9, 30)
MINUTE = dt.timedelta(minutes=1)
BIDDER1 = "云南某建设工程有限公司"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Path) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


# --- helpers (also used by the page and API tests) -------------------------------------------------


def bidder_add(world: World, key: str, name: str) -> Actor:
    """Another verified bidder organisation with one user named ``key``."""
    uscc = uscc_make()
    organisation = organisation_create(uscc=uscc, name=name, market_roles=["bidder"], by=SYSTEM)
    user = user_create(
        username=key,
        password=PASSWORD,
        display_name=f"测试{key}",
        roles=["bidder"],
        organisation=organisation,
        by=SYSTEM,
    )
    world.actors[key] = actor_for(user=user)
    world.uscc[key] = uscc
    return world.actors[key]


def notice_publish_as(world: World, notice: Notice) -> Notice:
    notice_approve(notice=notice, by=world["staff"])
    return notice_publish(notice=notice, by=world["agency"])


def prequal_notice(world: World, section: Section, **dates: Any) -> Notice:
    return notice_draft(
        project=section.project,
        kind="prequalification",
        title=f"{section.project.name}资格预审公告",
        body="申请人资格要求：具备市政公用工程施工总承包二级及以上资质。",
        sections=[section],
        by=world["agency"],
        **{"doc_issue_end": PQ_ISSUE_END, "bid_deadline": PQ_DEADLINE, **dates},
    )


def prequal_publish(world: World) -> Section:
    """A construction.open_prequalification section whose pre-qualification notice is published at NOW."""
    _, sections = project_make(world, procedure=PREQUAL)
    notice_publish_as(world, prequal_notice(world, sections[0]))
    return Section.objects.get(pk=sections[0].pk)


def invitation_notice(world: World, section: Section, **dates: Any) -> Notice:
    return notice_draft(
        project=section.project,
        kind="invitation",
        title=f"{section.project.name}投标邀请书",
        body="致资格预审合格的申请人。",
        sections=[section],
        by=world["agency"],
        **{"doc_issue_end": INVITE_ISSUE_END, "bid_deadline": BID_DEADLINE, **dates},
    )


def applied(world: World, section: Section, *keys: str) -> dict[str, PrequalApplication]:
    """Each of ``keys`` obtains the documents and applies (at the current clock)."""
    out = {}
    for key in keys:
        prequal_documents_obtain(section=section, by=world[key])
        out[key] = prequal_apply(section=section, name=f"{key}申请文件.pdf", content=f"{key}".encode(), by=world[key])
    return out


def state() -> dict[str, Any]:
    """Everything a refused call must leave unchanged, pre-qualification included."""
    return {
        **snapshot(),
        "prequal": list(
            PrequalApplication.objects.order_by("id").values_list(
                "organisation_id", "status", "file_sha256", "storage_name", "reason", "version"
            )
        ),
        "prequal_sections": list(
            Section.objects.order_by("id").values_list(
                "prequal_deadline", "prequal_concluded_at", "ruleset_version", "published_at"
            )
        ),
    }


def refused(call: Any, error: type[ZhengwuError], code: str) -> ZhengwuError:
    """Run ``call``; it must raise ``error`` with ``code`` and change nothing."""
    before = state()
    with pytest.raises(error) as exc:
        call()
    assert exc.value.code == code, exc.value
    assert state() == before
    return exc.value


# --- the notice opens the stage ------------------------------------------------------------------


def test_publishing_the_prequalification_notice_moves_the_section_and_stores_its_timetable(world: World) -> None:
    section = prequal_publish(world)
    assert (section.status, section.status_reason, section.ruleset_version) == (
        "prequalification",
        "prequalification_published",
        "1",
    )
    assert (section.prequal_doc_issue_start, section.prequal_doc_issue_end, section.prequal_deadline) == (
        NOW,
        PQ_ISSUE_END,
        PQ_DEADLINE,
    )
    assert (section.published_at, section.bid_deadline, section.prequal_concluded_at) == (NOW, None, None)
    events = [
        m.payload
        for m in OutboxMessage.objects.order_by("id")
        if m.payload.get("section_code") == section.code and "previous_status" in m.payload
    ]
    assert [(e["previous_status"], e["status"], e["reason"]) for e in events] == [
        ("draft", "prequalification", "prequalification_published")
    ]


def test_a_tender_notice_or_invitation_without_prequalification_is_refused_where_it_is_required(
    world: World,
) -> None:
    _, sections = project_make(world, procedure=PREQUAL)
    for kind in ("tender", "invitation"):
        notice = notice_draft(
            project=sections[0].project,
            kind=kind,
            title="招标公告",
            body="正文",
            sections=sections,
            doc_issue_end=at(2026, 3, 9, 17),
            bid_deadline=at(2026, 3, 24, 9, 30),
            by=world["agency"],
        )
        notice_approve(notice=notice, by=world["staff"])
        error = refused(
            lambda n=notice: notice_publish(notice=n, by=world["agency"]), Conflict, "prequalification_required"
        )
        assert error.detail["sections"] == [sections[0].code]
    assert Section.objects.get(pk=sections[0].pk).status == "draft"


def test_a_section_in_prequalification_opens_only_by_an_invitation_after_the_conclusion(world: World) -> None:
    section = prequal_publish(world)
    clock_set(INVITE_AT)
    tender = notice_draft(
        project=section.project,
        kind="tender",
        title="招标公告",
        body="正文",
        sections=[section],
        doc_issue_end=INVITE_ISSUE_END,
        bid_deadline=BID_DEADLINE,
        by=world["agency"],
    )
    notice_approve(notice=tender, by=world["staff"])
    refused(lambda: notice_publish(notice=tender, by=world["agency"]), Conflict, "invitation_required")
    invitation = invitation_notice(world, section)
    notice_approve(notice=invitation, by=world["staff"])
    refused(lambda: notice_publish(notice=invitation, by=world["agency"]), Conflict, "prequalification_not_concluded")
    # A second pre-qualification notice for the same section is refused too.
    again = prequal_notice(world, section, doc_issue_end=at(2026, 3, 20, 17), bid_deadline=at(2026, 3, 26, 9, 30))
    notice_approve(notice=again, by=world["staff"])
    refused(lambda: notice_publish(notice=again, by=world["agency"]), Conflict, "sections_not_draft")


# --- documents ------------------------------------------------------------------------------------


def test_prequalification_documents_and_tender_documents_never_cross(world: World) -> None:
    section = prequal_publish(world)
    project = section.project
    prequal_doc = document_upload(
        project=project,
        section=section,
        name="资格预审文件.pdf",
        content=b"pq",
        stage="prequalification",
        by=world["agency"],
    )
    tender_doc = document_upload(
        project=project, section=section, name="招标文件.pdf", content=b"td", by=world["agency"]
    )
    assert (prequal_doc.stage, tender_doc.stage) == ("prequalification", "tender")
    refused(
        lambda: document_upload(
            project=project, name="x.pdf", content=b"x", stage="prequalification", is_public=True, by=world["agency"]
        ),
        InvalidInput,
        "document_stage_public",
    )
    refused(
        lambda: document_upload(project=project, name="x.pdf", content=b"x", stage="bogus", by=world["agency"]),
        InvalidInput,
        "document_stage_invalid",
    )
    # Before obtaining, nothing of either; after obtaining the pre-qualification documents, only those.
    with pytest.raises(PermissionDenied) as exc:
        selectors.document_download(document=prequal_doc, by=world["bidder1"])
    assert exc.value.code == "prequal_documents_not_obtained"
    application = prequal_documents_obtain(section=section, by=world["bidder1"])
    assert (application.status, application.paid, application.amount_fen, application.organisation_name) == (
        "obtained",
        False,
        0,
        BIDDER1,
    )
    assert application.organisation_uscc == world.uscc["bidder1"]
    assert selectors.document_download(document=prequal_doc, by=world["bidder1"]) == prequal_doc
    with pytest.raises(PermissionDenied):
        selectors.document_download(document=tender_doc, by=world["bidder1"])
    assert [d.name for d in selectors.documents_for(section=section, by=world["bidder1"])] == ["资格预审文件.pdf"]
    assert selectors.documents_for(section=section, by=world["bidder2"]) == []
    # Obtaining again returns the same record.
    assert prequal_documents_obtain(section=section, by=world["bidder1"]).pk == application.pk
    assert PrequalApplication.objects.count() == 1
    # The tender documents handed out later never include the pre-qualification documents.
    _pass_three(world, section)
    clock_set(INVITE_AT)
    notice_publish_as(world, invitation_notice(world, section))
    obtain = document_obtain(section=Section.objects.get(pk=section.pk), by=world["bidder1"])
    assert [d.name for d in obtain.documents.all()] == ["招标文件.pdf"]
    # A pre-qualification document cannot be uploaded any more (the section left pre-qualification).
    refused(
        lambda: document_upload(
            project=project,
            section=section,
            name="补充.pdf",
            content=b"x",
            stage="prequalification",
            by=world["agency"],
        ),
        Conflict,
        "documents_closed",
    )


def test_the_documents_are_obtained_only_during_their_issue_period(world: World) -> None:
    section = prequal_publish(world)
    clock_set(PQ_ISSUE_END - MINUTE)
    prequal_documents_obtain(section=section, by=world["bidder1"])
    clock_set(PQ_ISSUE_END)
    refused(
        lambda: prequal_documents_obtain(section=section, by=world["bidder2"]),
        Conflict,
        "prequal_document_issue_closed",
    )


def test_who_may_not_obtain_the_documents(world: World) -> None:
    section = prequal_publish(world)
    for key, error, code in (
        ("agency", PermissionDenied, "bidder_required"),
        ("staff", PermissionDenied, "bidder_required"),
        ("regulator", PermissionDenied, "bidder_required"),
        ("public", PermissionDenied, "bidder_required"),
        ("system", PermissionDenied, "bidder_required"),
        ("bidder_pending", PermissionDenied, "organisation_not_verified"),
    ):
        refused(lambda k=key: prequal_documents_obtain(section=section, by=world[k]), error, code)
    # A tender without pre-qualification, and a draft of a pre-qualification procedure.
    _, plain = project_make(world, procedure="construction.open")
    refused(
        lambda: prequal_documents_obtain(section=plain[0], by=world["bidder1"]),
        InvalidInput,
        "prequalification_not_applicable",
    )
    _, drafts = project_make(world, procedure=PREQUAL)
    refused(
        lambda: prequal_documents_obtain(section=drafts[0], by=world["bidder1"]),
        Conflict,
        "section_not_in_prequalification",
    )


# --- applications -------------------------------------------------------------------------------


def test_apply_replace_and_withdraw_before_the_deadline_with_the_file_digest(world: World) -> None:
    section = prequal_publish(world)
    refused(
        lambda: prequal_apply(section=section, name="a.pdf", content=b"a", by=world["bidder1"]),
        Conflict,
        "prequal_documents_not_obtained",
    )
    prequal_documents_obtain(section=section, by=world["bidder1"])
    first = prequal_apply(section=section, name="申请文件.pdf", content=b"first", by=world["bidder1"])
    assert (first.status, first.file_name, first.file_size, first.file_sha256) == (
        "submitted",
        "申请文件.pdf",
        5,
        hashlib.sha256(b"first").hexdigest(),
    )
    clock_set(PQ_DEADLINE - MINUTE)
    second = prequal_apply(section=section, name="申请文件（修改）.pdf", content=b"second", by=world["bidder1"])
    assert (second.pk, second.file_sha256, second.submitted_at) == (
        first.pk,
        hashlib.sha256(b"second").hexdigest(),
        PQ_DEADLINE - MINUTE,
    )
    replaced = AuditEntry.objects.get(action="tendering.prequal.replace", object_id=str(first.uuid))
    assert (replaced.before["file_sha256"], replaced.after["file_sha256"]) == (first.file_sha256, second.file_sha256)
    with selectors.prequal_file_open(application=second) as handle:
        assert handle.read() == b"second"
    withdrawn = prequal_withdraw(section=section, by=world["bidder1"])
    assert (withdrawn.status, withdrawn.withdrawn_at) == ("withdrawn", PQ_DEADLINE - MINUTE)
    refused(
        lambda: prequal_withdraw(section=section, by=world["bidder1"]), Conflict, "prequal_application_not_submitted"
    )
    # Submitting again before the deadline is allowed.
    assert prequal_apply(section=section, name="c.pdf", content=b"third", by=world["bidder1"]).status == "submitted"
    # At the deadline, and a minute after: neither applying nor withdrawing.
    for instant in (PQ_DEADLINE, PQ_DEADLINE + MINUTE):
        clock_set(instant)
        refused(
            lambda: prequal_apply(section=section, name="d.pdf", content=b"late", by=world["bidder1"]),
            Conflict,
            "prequal_deadline_passed",
        )
        refused(lambda: prequal_withdraw(section=section, by=world["bidder1"]), Conflict, "prequal_deadline_passed")


def test_nothing_is_applied_or_withdrawn_while_an_objection_suspends_the_tender(world: World) -> None:
    section = prequal_publish(world)
    applied(world, section, "bidder1")
    prequal_documents_obtain(section=section, by=world["bidder2"])
    Section.objects.filter(pk=section.pk).update(suspended_at=at(2026, 3, 5, 9))
    clock_set(at(2026, 3, 5, 10))
    refused(lambda: prequal_withdraw(section=section, by=world["bidder1"]), Conflict, "section_suspended")
    refused(
        lambda: prequal_apply(section=section, name="a.pdf", content=b"a", by=world["bidder2"]),
        Conflict,
        "section_suspended",
    )
    refused(lambda: prequal_documents_obtain(section=section, by=world["bidder3"]), Conflict, "section_suspended")


def test_an_empty_file_is_refused(world: World) -> None:
    section = prequal_publish(world)
    prequal_documents_obtain(section=section, by=world["bidder1"])
    refused(
        lambda: prequal_apply(section=section, name="a.pdf", content=b"", by=world["bidder1"]),
        InvalidInput,
        "document_empty",
    )


# --- review and conclusion ------------------------------------------------------------------------


def _pass_three(world: World, section: Section) -> dict[str, PrequalApplication]:
    """bidder1..3 apply; after the deadline the agency passes all three and concludes."""
    apps = applied(world, section, "bidder1", "bidder2", "bidder3")
    clock_set(PQ_DEADLINE)
    for app in apps.values():
        prequal_review(application=app, passed=True, by=world["agency"])
    prequal_conclude(section=section, by=world["agency"])
    return apps


def test_the_review_waits_for_the_deadline_and_the_reviewers(world: World) -> None:
    section = prequal_publish(world)
    apps = applied(world, section, "bidder1")
    app = apps["bidder1"]
    # An applicant that only obtained the documents is not reviewed.
    only_obtained = prequal_documents_obtain(section=section, by=world["bidder2"])
    clock_set(PQ_DEADLINE - MINUTE)
    refused(
        lambda: prequal_review(application=app, passed=True, by=world["agency"]),
        Conflict,
        "prequal_deadline_not_passed",
    )
    refused(lambda: prequal_conclude(section=section, by=world["agency"]), Conflict, "prequal_deadline_not_passed")
    clock_set(PQ_DEADLINE)
    for key in ("bidder1", "bidder2", "regulator", "expert", "public", "tenderer_other", "agency_other", "system"):
        refused(
            lambda k=key: prequal_review(application=app, passed=True, by=world[k]),
            PermissionDenied,
            "prequal_reviewer_required",
        )
        refused(
            lambda k=key: prequal_conclude(section=section, by=world[k]), PermissionDenied, "prequal_reviewer_required"
        )
    refused(lambda: prequal_review(application=app, passed=False, by=world["agency"]), InvalidInput, "reason_required")
    refused(lambda: prequal_conclude(section=section, by=world["agency"]), Conflict, "prequal_reviews_pending")
    refused(
        lambda: prequal_review(application=only_obtained, passed=True, by=world["agency"]),
        Conflict,
        "prequal_application_not_submitted",
    )
    # The tenderer, the agency and the centre's staff may review; a decision may change until the conclusion.
    assert prequal_review(application=app, passed=False, reason="资质不符", by=world["staff"]).status == "failed"
    assert prequal_review(application=app, passed=True, by=world["tenderer"]).status == "passed"


def test_two_passed_fail_the_section_and_each_applicant_reads_its_own_result(world: World) -> None:
    section = prequal_publish(world)
    apps = applied(world, section, "bidder1", "bidder2", "bidder3")
    clock_set(PQ_DEADLINE + MINUTE)
    prequal_review(application=apps["bidder1"], passed=True, by=world["agency"])
    prequal_review(application=apps["bidder2"], passed=True, by=world["agency"])
    prequal_review(application=apps["bidder3"], passed=False, reason="类似工程业绩不满足要求", by=world["agency"])
    # Before the conclusion an applicant sees no decision.
    own = selectors.prequal_application_status(section=section, by=world["bidder3"])
    assert own is not None
    assert (selectors.prequal_result(application=own), selectors.prequal_status_shown(application=own)) == (
        None,
        "submitted",
    )
    concluded = prequal_conclude(section=section, by=world["agency"])
    assert (concluded.status, concluded.status_reason, concluded.prequal_concluded_at) == (
        "failed",
        "insufficient_qualified",
        PQ_DEADLINE + MINUTE,
    )
    own = selectors.prequal_application_status(section=section, by=world["bidder3"])
    assert own is not None
    result = selectors.prequal_result(application=own)
    assert result is not None
    assert (result.passed, result.reason) == (False, "类似工程业绩不满足要求")
    refused(lambda: prequal_conclude(section=section, by=world["agency"]), Conflict, "section_not_in_prequalification")


def test_three_passed_the_invitation_opens_the_section_and_only_they_obtain_the_tender_documents(
    world: World,
) -> None:
    section = prequal_publish(world)
    bidder_add(world, "bidder4", "昆明某市政工程有限公司")
    bidder_add(world, "bidder5", "云南某路面工程有限公司")
    apps = applied(world, section, "bidder1", "bidder2", "bidder3", "bidder4")
    clock_set(PQ_DEADLINE)
    for key in ("bidder1", "bidder2", "bidder3"):
        prequal_review(application=apps[key], passed=True, by=world["agency"])
    prequal_review(application=apps["bidder4"], passed=False, reason="项目经理资格不符", by=world["agency"])
    concluded = prequal_conclude(section=section, by=world["staff"])
    assert (concluded.status, concluded.prequal_concluded_at) == ("prequalification", PQ_DEADLINE)
    refused(
        lambda: prequal_review(application=apps["bidder1"], passed=False, reason="x", by=world["agency"]),
        Conflict,
        "prequalification_concluded",
    )
    document_upload(project=section.project, section=section, name="招标文件.pdf", content=b"td", by=world["agency"])
    clock_set(INVITE_AT)
    invitation = notice_publish_as(world, invitation_notice(world, section))
    section.refresh_from_db()
    assert (section.status, section.bid_deadline, section.published_at) == ("accepting_bids", BID_DEADLINE, NOW)
    assert (invitation.status, invitation.kind) == ("published", "invitation")
    for key in ("bidder4", "bidder5"):
        refused(
            lambda k=key: document_obtain(section=section, by=world[k]), PermissionDenied, "prequalification_not_passed"
        )
    for key in ("bidder1", "bidder2", "bidder3"):
        document_obtain(section=section, by=world[key])
    assert DocumentObtain.objects.filter(section=section).count() == 3


def test_a_short_invitation_timetable_is_refused(world: World) -> None:
    section = prequal_publish(world)
    _pass_three(world, section)
    clock_set(INVITE_AT)
    notice = invitation_notice(world, section, bid_deadline=at(2026, 4, 1, 9, 30))
    notice_approve(notice=notice, by=world["staff"])
    refused(lambda: notice_publish(notice=notice, by=world["agency"]), InvalidInput, "bid_period_short")


# --- secrecy of the applicants ---------------------------------------------------------------------

REVIEWERS = {"tenderer", "agency", "staff"}
EVERYONE = (
    "staff",
    "tenderer",
    "tenderer_other",
    "agency",
    "agency_other",
    "bidder1",
    "bidder2",
    "bidder3",
    "bidder_pending",
    "expert",
    "regulator",
    "appraiser",
    "leader",
    "dept",
    "public",
    "system",
)


def test_the_applicant_list_is_secret_before_the_deadline_and_for_reviewers_only_after(world: World) -> None:
    section = prequal_publish(world)
    app = applied(world, section, "bidder1")["bidder1"]
    clock_set(PQ_DEADLINE - MINUTE)
    for key in EVERYONE:
        with pytest.raises(PermissionDenied) as exc:
            selectors.prequal_applications_for(section=section, by=world[key])
        assert exc.value.code == "prequal_applicants_secret", key
        assert selectors.prequal_applications_visible(section=section, by=world[key]) is False
        own = selectors.prequal_application_status(section=section, by=world[key])
        assert (own is not None) is (key == "bidder1"), key
        if key == "bidder1":
            assert selectors.prequal_application_get(uuid=app.uuid, by=world[key]).pk == app.pk
            assert selectors.prequal_file_download(uuid=app.uuid, by=world[key]).pk == app.pk
        else:
            with pytest.raises(NotFound):
                selectors.prequal_application_get(uuid=app.uuid, by=world[key])
            with pytest.raises(NotFound):
                selectors.prequal_file_download(uuid=app.uuid, by=world[key])
    denied = AuditEntry.objects.filter(action="tendering.prequal_applications.view_denied", object_id=section.code)
    assert denied.count() == len(EVERYONE)
    clock_set(PQ_DEADLINE)
    for key in EVERYONE:
        if key in REVIEWERS:
            rows = selectors.prequal_applications_for(section=section, by=world[key])
            assert [(r.organisation_name, r.status) for r in rows] == [(BIDDER1, "submitted")], key
            assert selectors.prequal_file_download(uuid=app.uuid, by=world[key]).pk == app.pk
        else:
            with pytest.raises(PermissionDenied) as exc:
                selectors.prequal_applications_for(section=section, by=world[key])
            assert exc.value.code == "prequal_applicants_denied", key
            if key != "bidder1":
                with pytest.raises(NotFound):
                    selectors.prequal_file_download(uuid=app.uuid, by=world[key])
    viewed = AuditEntry.objects.filter(action="tendering.prequal_applications.view", object_id=section.code)
    assert viewed.count() == len(REVIEWERS)
    downloads = AuditEntry.objects.filter(action="tendering.prequal_application.download", object_id=str(app.uuid))
    assert downloads.count() == len(REVIEWERS)
    # No audit entry of the applicant's own acts names the section.
    own_acts = AuditEntry.objects.filter(action__in=("tendering.prequal.obtain", "tendering.prequal.apply"))
    assert {e.object_id for e in own_acts} == {str(app.uuid)}
    # No event names an applicant.
    tendering_events = OutboxMessage.objects.filter(event_type__startswith="tendering")
    assert tendering_events.exists()
    assert not any(BIDDER1 in str(m.payload) for m in tendering_events)


def test_a_document_of_the_other_stage_is_never_reached_through_documents_for(world: World) -> None:
    section = prequal_publish(world)
    document_upload(
        project=section.project, name="资格预审文件.pdf", content=b"pq", stage="prequalification", by=world["agency"]
    )
    assert Document.objects.filter(stage="prequalification").count() == 1
    for key in ("bidder2", "expert", "public"):
        assert selectors.documents_for(section=section, by=world[key]) == [], key
