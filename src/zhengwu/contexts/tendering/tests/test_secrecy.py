"""Who obtained the documents is secret from everyone until the bid deadline — walked role by role.

(The walk over every page and API endpoint comes with the pages; this one covers the selectors
they are built on.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import models as dj_models

from zhengwu.contexts.tendering import selectors
from zhengwu.contexts.tendering.models import Objection, Section
from zhengwu.contexts.tendering.services import (
    answer_publish,
    document_obtain,
    document_upload,
    objection_file,
    objection_reply,
    question_ask,
)
from zhengwu.contexts.tendering.tests.factories import (
    NOW,
    ROLE_KEYS,
    World,
    at,
    tender_publish,
    world_build,
)
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import PermissionDenied
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage

pytestmark = pytest.mark.django_db

DEADLINE = at(2026, 3, 24, 9, 30)
BIDDER1 = "云南某建设工程有限公司"
BIDDER2 = "昆明某路桥工程有限公司"
# Allowed to see the list once the deadline has passed (the tenderer and agency of *this* project).
AFTER_DEADLINE = {"tenderer", "agency", "staff", "regulator"}


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any, tmp_path: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return world_build()


@pytest.fixture
def section(world: World) -> Section:
    """A published section: bidder1 and bidder2 obtained it; bidder1 asked, bidder2 objected."""
    project, sections, _ = tender_publish(world)
    section = sections[0]
    document_upload(project=project, section=section, name="招标文件.pdf", content=b"doc", by=world["agency"])
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=section, by=world["bidder1"])
    clock_set(at(2026, 3, 4, 9))
    document_obtain(section=section, by=world["bidder2"])
    question = question_ask(section=section, text="工期能否顺延？", by=world["bidder1"])
    answer_publish(
        section=section, body="工期不变。", questions=[question], affects_bid_preparation=False, by=world["agency"]
    )
    # Last: the objection suspends the tender until it is answered (实施条例 第二十二条).
    objection_file(section=section, kind="tender_documents", text="业绩要求过高", by=world["bidder2"])
    return Section.objects.get(pk=section.pk)


def _plain(value: Any) -> Any:
    """Everything a caller receives, field by field, for a leak search."""
    if isinstance(value, dj_models.Model):
        return {f.attname: _plain(getattr(value, f.attname)) for f in value._meta.concrete_fields}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, list | tuple | dj_models.QuerySet):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _everything_readable(section: Section, by: Any) -> str:
    project = section.project
    results = [
        selectors.document_obtain_status(section=section, by=by),
        selectors.sections_obtained(by=by),
        selectors.documents_for(section=section, by=by),
        selectors.questions_for(section=section, by=by),
        selectors.answers_for(section=section, by=by),
        selectors.objections_for(section=section, by=by),
        selectors.project_notices(project=project, by=by),
        selectors.notices_published(project=project),
        selectors.projects_for(by=by),
        selectors.sections_open(),
        selectors.project_sections(project=project),
        selectors.section_timetable(section=section),
        selectors.obtainers_visible(section=section, by=by),
    ]
    return repr(_plain(results))


def test_before_the_deadline_the_gatekeeper_refuses_every_role_and_audits_each_try(
    world: World, section: Section
) -> None:
    clock_set(at(2026, 3, 24, 9, 29, 59))  # one second before the deadline
    for key in ROLE_KEYS:
        assert selectors.obtainers_visible(section=section, by=world[key]) is False
        with pytest.raises(PermissionDenied) as caught:
            selectors.document_obtainers_for(section=section, by=world[key])
        assert caught.value.code == "obtainers_secret", key
        assert BIDDER1 not in caught.value.message
        assert BIDDER2 not in caught.value.message
    denied = AuditEntry.objects.filter(action="tendering.obtainers.view_denied").order_by("position")
    assert [(e.actor_username, e.object_id, e.after) for e in denied] == [
        (world[key].username, section.code, {"deadline_passed": False}) for key in ROLE_KEYS
    ]


def test_before_the_deadline_no_reader_tells_anyone_who_else_obtained_asked_or_objected(
    world: World, section: Section
) -> None:
    for key in ROLE_KEYS:
        by = world[key]
        seen = _everything_readable(section, by)
        own = by.organisation_name
        for name in (BIDDER1, BIDDER2):
            if name != own:
                assert name not in seen, f"{key} can learn that {name} takes part"
    # Nor does anything sent to the other platforms.
    for message in OutboxMessage.objects.filter(event_type__startswith="tendering."):
        assert BIDDER1 not in repr(message.payload)
        assert BIDDER2 not in repr(message.payload)


def test_a_bidder_learns_its_own_record_and_nothing_else(world: World, section: Section) -> None:
    own = selectors.document_obtain_status(section=section, by=world["bidder1"])
    assert own is not None
    assert (own.organisation_name, own.obtained_at) == (BIDDER1, at(2026, 3, 3, 9))
    assert selectors.document_obtain_status(section=section, by=world["bidder3"]) is None
    for key in ("tenderer", "agency", "staff", "regulator", "system"):
        assert selectors.document_obtain_status(section=section, by=world[key]) is None
    assert selectors.sections_obtained(by=world["bidder1"]) == [section]
    assert selectors.sections_obtained(by=world["bidder3"]) == []


def test_an_extended_deadline_keeps_the_list_secret_until_the_new_deadline(world: World, section: Section) -> None:
    clock_set(at(2026, 3, 10, 9))
    # The objection is answered first (nothing is clarified while it suspends the tender); 14 days
    # are left, so the answer itself moves the deadline to 25 March, which the clarification keeps.
    objection_reply(objection=Objection.objects.get(section=section), reply="不成立。", by=world["agency"])
    answer_publish(section=section, body="技术规范更正。", affects_bid_preparation=True, by=world["agency"])
    clock_set(DEADLINE)  # the original deadline has passed, the new one (25 March) has not
    with pytest.raises(PermissionDenied) as caught:
        selectors.document_obtainers_for(section=section, by=world["tenderer"])
    assert caught.value.code == "obtainers_secret"
    clock_set(at(2026, 3, 25, 9, 30))
    assert [r.organisation_name for r in selectors.document_obtainers_for(section=section, by=world["tenderer"])] == [
        BIDDER1,
        BIDDER2,
    ]


def test_after_the_deadline_the_tenderer_agency_staff_and_regulators_may_see_it_and_each_look_is_audited(
    world: World, section: Section
) -> None:
    clock_set(DEADLINE)
    for key in ROLE_KEYS:
        by = world[key]
        if key in AFTER_DEADLINE:
            assert selectors.obtainers_visible(section=section, by=by) is True
            rows = selectors.document_obtainers_for(section=section, by=by)
            assert [(r.organisation_name, r.obtained_at, r.paid, r.amount_fen) for r in rows] == [
                (BIDDER1, at(2026, 3, 3, 9), False, 0),
                (BIDDER2, at(2026, 3, 4, 9), False, 0),
            ]
            entry = AuditEntry.objects.filter(action="tendering.obtainers.view").order_by("-position").first()
            assert entry is not None
            assert (entry.actor_username, entry.object_id, entry.after) == (by.username, section.code, {"count": 2})
        else:
            assert selectors.obtainers_visible(section=section, by=by) is False
            with pytest.raises(PermissionDenied) as caught:
                selectors.document_obtainers_for(section=section, by=by)
            assert caught.value.code == "obtainers_denied", key
    assert AuditEntry.objects.filter(action="tendering.obtainers.view").count() == len(AFTER_DEADLINE)
    assert AuditEntry.objects.filter(action="tendering.obtainers.view_denied").count() == len(ROLE_KEYS) - len(
        AFTER_DEADLINE
    )
    # After the deadline the insiders see who objected; the asker stays anonymous for good.
    assert [v.filed_by for v in selectors.objections_for(section=section, by=world["tenderer"])] == [BIDDER2]
    assert BIDDER1 not in repr(_plain(selectors.questions_for(section=section, by=world["tenderer"])))


def test_the_tenderer_of_another_project_is_never_admitted(world: World, section: Section) -> None:
    clock_set(DEADLINE)
    with pytest.raises(PermissionDenied) as caught:
        selectors.document_obtainers_for(section=section, by=world["tenderer_other"])
    assert caught.value.code == "obtainers_denied"
