"""Secrecy walk over every GET endpoint of the tendering API with every role, before and after the deadline.

The routes are read from the router itself, so a new endpoint is walked without anyone adding it
here; a path parameter this walk cannot fill fails the test instead of being skipped.
"""

from __future__ import annotations

import re
import uuid as uuid_lib
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.identity.selectors import user_get
from zhengwu.contexts.tendering.api import router_build
from zhengwu.contexts.tendering.models import Document, Notice, Objection, Section
from zhengwu.contexts.tendering.services import (
    answer_publish,
    document_obtain,
    document_upload,
    objection_file,
    question_ask,
    registration_apply,
)
from zhengwu.contexts.tendering.tests.factories import LISTING, NOW, World, at, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
DEADLINE = at(2026, 3, 24, 9, 30)
# Every kind of person, by the username world_build gives them; None is the anonymous visitor.
WALKERS: tuple[str | None, ...] = (
    "staff",
    "tenderer",
    "tenderer_other",
    "agency",
    "agency_other",
    "bidder1",  # obtained the documents, asked a question, filed an objection
    "bidder2",  # another bidder, who obtained nothing
    "bidder_pending",
    "expert",
    "regulator",
    "appraiser",
    "leader",
    "dept",
    "public",
    None,
)
OWN_STATUS = "/sections/{code}/obtain"
OWN_REGISTRATION = "/sections/{code}/registration"
REGISTRATIONS = "/sections/{code}/registrations"
ONE_REGISTRATION = "/registrations/{uuid}"
SEARCH = "/registrations"
AFTER_DEADLINE = {"tenderer", "agency", "staff", "regulator"}
# Pre-qualification applicants and their files: nothing to read in a section without pre-qualification.
PREQUAL_SECRET_ROUTES = ("/sections/{code}/prequal/applications", "/prequal/{uuid}", "/prequal/{uuid}/file")


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


def client_for(username: str | None) -> Client:
    client = Client()
    if username is not None:
        client.force_login(user_get(username=username))
        session = client.session
        session["zw_totp_ok"] = True
        session.save()
    return client


def get_paths() -> list[str]:
    """Every GET route of the router, as its path template."""
    router = router_build(platform="trading")
    assert router is not None
    return sorted(
        path for path, view in router.path_operations.items() if any("GET" in op.methods for op in view.operations)
    )


def fill(template: str, values: dict[str, str]) -> str:
    """The template with its parameters filled from ``values`` (keyed by the text before the parameter)."""

    def one(match: re.Match[str]) -> str:
        key = template[: match.start()].rstrip("/").rsplit("/", 1)[-1] + "/" + match.group(1)
        assert key in values, f"the secrecy walk does not know how to fill {key} in {template}"
        return values[key]

    return re.sub(r"\{(\w+)\}", one, template)


def body_of(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


@pytest.fixture
def tender(world: World) -> dict[str, str]:
    """A published construction section: bidder1 obtained it, asked, objected, and got an answer;
    and a published land listing (key ``land``) in which bidder1 registered to bid."""
    project, sections, notice = tender_publish(world)
    _, plots, _ = tender_publish(
        world,
        procedure=LISTING,
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        budget_yuan="128000000",
        sections=(("KCC2026-18号地块", "128000000", "25600000"),),
    )
    section = sections[0]
    document = document_upload(
        project=project, section=section, name="招标文件.pdf", content=b"doc", by=world["agency"]
    )
    document_upload(project=project, name="图纸目录.pdf", content=b"public", is_public=True, by=world["agency"])
    clock_set(at(2026, 3, 3, 9))
    document_obtain(section=section, by=world["bidder1"])
    question = question_ask(section=section, text="工期能否顺延？", by=world["bidder1"])
    answer_publish(
        section=section, body="工期不变。", questions=[question], affects_bid_preparation=False, by=world["agency"]
    )
    # Last: the objection suspends the tender until it is answered (实施条例 第二十二条).
    objection = objection_file(section=section, kind="tender_documents", text="业绩要求过高", by=world["bidder1"])
    registration = registration_apply(section=plots[0], by=world["bidder1"])
    return {
        "land": plots[0].code,
        "registrations/uuid": str(registration.uuid),
        "projects/code": project.code,
        "sections/code": section.code,
        "tenders/section_code": section.code,
        "notices/uuid": str(notice.uuid),
        "documents/uuid": str(document.uuid),
        "objections/uuid": str(objection.uuid),
        # No pre-qualification here (test_api_prequalification walks a pre-qualified section).
        "prequal/uuid": str(uuid_lib.uuid4()),
    }


def test_before_the_deadline_no_get_endpoint_names_the_holder_to_anyone_but_itself(
    world: World, tender: dict[str, str]
) -> None:
    secrets = ("云南某建设工程有限公司", world.uscc["bidder1"], "bidder1")
    paths = get_paths()
    assert len(paths) == 23  # a new GET endpoint is walked too; update this count when adding one
    walked = 0
    for username in WALKERS:
        client = client_for(username)
        for template in paths:
            response = client.get(API + fill(template, tender))
            walked += 1
            assert response.status_code < 500, (username, template)
            if username is None:
                assert response.status_code == 401, template
            if username == "agency" and template not in (
                "/sections/{code}/obtainers",
                REGISTRATIONS,
                ONE_REGISTRATION,
                "/refunds",  # the centre's staff only (test_refunds.py)
                *PREQUAL_SECRET_ROUTES,
                SEARCH,
            ):
                # The walk reaches real data: the project's agency reads every other route.
                assert response.status_code == 200, template
            body = body_of(response)
            if username == "bidder1" and template == OWN_STATUS:
                assert response.json()["organisation_name"] == "云南某建设工程有限公司"
                continue
            if template == ONE_REGISTRATION and username in ("bidder1", "staff"):
                # Its own bidder, and the staff who act on the bank's word quoting the reference.
                assert response.json()["organisation_name"] == "云南某建设工程有限公司", username
                continue
            for secret in secrets:
                assert secret not in body, (username, template, secret)
            if template == "/sections/{code}/obtainers" and username is not None:
                assert (response.status_code, response.json()["code"]) == (403, "obtainers_secret"), username
            if template == OWN_STATUS and username is not None:
                assert response.json()["obtained"] is False, username
            if template == REGISTRATIONS and username is not None:
                assert (response.status_code, response.json()["code"]) == (403, "registrations_secret"), username
            if template == ONE_REGISTRATION and username is not None:
                assert (response.status_code, response.json()["code"]) == (404, "registration_not_found"), username
            if template == SEARCH and username is not None:
                # Centre staff only, and a search with no reference finds nothing.
                expected = (400, "reference_required") if username == "staff" else (403, "centre_staff_required")
                assert (response.status_code, response.json()["code"]) == expected, username
            if template == OWN_REGISTRATION and username is not None:
                # A construction section: no registration for anyone, and nothing to apply for.
                assert (response.json()["applicable"], response.json()["registration"]) == (False, None), username
    assert walked == len(WALKERS) * len(paths)
    # Every look at the list was refused and audited (anonymous never reached it).
    refused = AuditEntry.objects.filter(action="tendering.obtainers.view_denied", object_id=tender["sections/code"])
    assert refused.count() == len(WALKERS) - 1
    # Staff opening the one registration they were given is audited.
    assert (
        AuditEntry.objects.filter(
            action="tendering.registration.view", object_id=tender["registrations/uuid"], actor_username="staff"
        ).count()
        == 1
    )


def test_before_the_deadline_no_get_endpoint_names_who_registered_in_a_land_listing(
    world: World, tender: dict[str, str]
) -> None:
    secrets = ("云南某建设工程有限公司", world.uscc["bidder1"], "bidder1")
    # Every section route walked on the land listing, where bidder1 registered.
    values = {**tender, "sections/code": tender["land"], "tenders/section_code": tender["land"]}
    paths = get_paths()
    for username in WALKERS:
        client = client_for(username)
        for template in paths:
            response = client.get(API + fill(template, values))
            assert response.status_code < 500, (username, template)
            if username is None:
                assert response.status_code == 401, template
                continue
            body = body_of(response)
            if username == "bidder1" and template == OWN_REGISTRATION:
                own = response.json()
                assert (own["applicable"], own["registration"]["organisation_name"], own["registration"]["status"]) == (
                    True,
                    "云南某建设工程有限公司",
                    "applied",
                )
                continue
            if template == ONE_REGISTRATION and username in ("bidder1", "staff"):
                assert response.json()["uuid"] == tender["registrations/uuid"], username
                continue
            for secret in secrets:
                assert secret not in body, (username, template, secret)
            if template == REGISTRATIONS:
                assert (response.status_code, response.json()["code"]) == (403, "registrations_secret"), username
            if template == OWN_REGISTRATION:
                own = response.json()
                assert (
                    own["applicable"],
                    own["registration_deadline"],
                    own["deposit_required_yuan"],
                    own["registration"],
                ) == (True, "2026-04-02T17:00:00+08:00", "25600000.00", None), username
    refused = AuditEntry.objects.filter(action="tendering.registrations.view_denied", object_id=tender["land"])
    assert refused.count() == len(WALKERS) - 1
    assert not AuditEntry.objects.filter(action="tendering.registrations.view").exists()


def test_after_the_deadline_the_holders_are_shown_to_the_tenderer_agency_staff_and_regulator_only(
    world: World, tender: dict[str, str]
) -> None:
    clock_set(DEADLINE)
    url = f"{API}/sections/{tender['sections/code']}/obtainers"
    for username in WALKERS:
        response = client_for(username).get(url)
        if username is None:
            assert response.status_code == 401
        elif username in AFTER_DEADLINE:
            assert response.status_code == 200, username
            assert [(r["organisation_name"], r["username"]) for r in response.json()] == [
                ("云南某建设工程有限公司", "bidder1")
            ]
        else:
            assert (response.status_code, response.json()["code"]) == (403, "obtainers_denied"), username
    assert AuditEntry.objects.filter(action="tendering.obtainers.view").count() == len(AFTER_DEADLINE)


def test_the_asker_and_objector_stay_hidden_from_the_agency_before_the_deadline(
    world: World, tender: dict[str, str]
) -> None:
    agency = client_for("agency")
    questions = agency.get(f"{API}/sections/{tender['sections/code']}/questions").json()
    assert [(q["text"], q["mine"]) for q in questions] == [("工期能否顺延？", False)]
    objections = agency.get(f"{API}/sections/{tender['sections/code']}/objections").json()
    assert [(o["text"], o["filed_by"]) for o in objections] == [("业绩要求过高", None)]
    # The objector sees its own objection as its own.
    own = client_for("bidder1").get(f"{API}/sections/{tender['sections/code']}/objections").json()
    assert [(o["text"], o["mine"]) for o in own] == [("业绩要求过高", True)]
    # Another bidder sees neither.
    other = client_for("bidder2")
    assert other.get(f"{API}/sections/{tender['sections/code']}/questions").json() == []
    assert other.get(f"{API}/sections/{tender['sections/code']}/objections").json() == []
    assert Objection.objects.count() == 1
    assert Section.objects.count() == 2  # with the land listing
    assert Notice.objects.count() == 2
    assert Document.objects.count() == 2
