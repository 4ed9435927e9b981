"""Re-tendering a failed section (重新招标): a new draft section of the same project that replaces it.

A construction tender published Monday 2 March 2026 with its deadline on 24 March 09:30 gets one
bid (fewer than 3: 招标投标法实施条例 第四十四条) and fails; a land listing ending 7 April 17:00 gets
none and fails (国土资源部令第39号: listed again).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import codes, selectors
from zhengwu.contexts.tendering.models import CodeCounter, Section
from zhengwu.contexts.tendering.services import section_add, section_close_bidding, section_retender
from zhengwu.contexts.tendering.tests.factories import (
    LISTING,
    NOW,
    World,
    at,
    project_make,
    snapshot,
    tender_publish,
    world_build,
)
from zhengwu.contexts.tendering.tests.test_api_secrecy import client_for as api_client
from zhengwu.contexts.tendering.tests.test_pages_journeys import body, client_for
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import Conflict, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/trading/api/tendering"
DEADLINE = at(2026, 3, 24, 9, 30)
OPERATOR = "12530100MB0Y10015N"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ZHENGWU_OPERATOR_USCC = OPERATOR
    return world_build()


@pytest.fixture
def failed(world: World) -> Section:
    """The construction section, failed with one bid; the project has a second section still open."""
    _, sections, _ = tender_publish(
        world,
        sections=(("第一标段", "52300000.00", "800000.00"), ("第二标段", "10000000.00", "200000.00")),
        document_price_yuan="300",
    )
    clock_set(DEADLINE)
    section = section_close_bidding(section=sections[0], bid_count=1, by=world["system"])
    assert section.status == "failed"
    return section


def state() -> dict[str, Any]:
    return {
        **snapshot(),
        "retenders": list(Section.objects.order_by("id").values_list("retender_of_id", "attempt")),
        "counters": list(CodeCounter.objects.order_by("id").values_list("scope", "last_serial")),
    }


def test_a_failed_section_is_tendered_again_as_a_new_draft_section(world: World, failed: Section) -> None:
    assert selectors.retender_outcome(section=failed) == "retender"
    assert selectors.retender_possible(section=failed, by=world["agency"])
    new = section_retender(section=failed, by=world["agency"])
    project = failed.project
    assert (new.project_id, new.index, new.code) == (
        project.pk,
        3,
        codes.section_code_make(project_code=project.code, index=3),
    )
    assert new.code not in (failed.code,)
    # A new 统一交易标识码, issued exactly as section_add issues them.
    assert new.deal_code.startswith("E48-" + OPERATOR + "-20260324-")
    assert codes.deal_code_check(new.deal_code)
    assert new.deal_code != failed.deal_code
    assert (
        new.name,
        new.estimate_fen,
        new.bid_security_fen,
        new.document_price_fen,
        new.status,
        new.retender_of_id,
        new.attempt,
        new.published_at,
        new.bid_deadline,
    ) == ("第一标段", 5_230_000_000, 80_000_000, 30_000, "draft", failed.pk, 2, None, None)
    failed.refresh_from_db()
    assert failed.status == "failed"  # it keeps its status and history
    entry = AuditEntry.objects.get(action="tendering.section.retender")
    assert (entry.object_id, entry.after["retender_of"], entry.after["attempt"]) == (new.code, failed.code, 2)
    assert not selectors.retender_possible(section=failed, by=world["agency"])
    # Only once: the next failure is re-tendered from the new section.
    before = state()
    for who in ("agency", "tenderer"):
        with pytest.raises(Conflict) as caught:
            section_retender(section=failed, by=world[who])
        assert (caught.value.code, caught.value.detail["retender"]) == ("retender_exists", new.code)
    assert state() == before


def test_the_tenderer_may_retender_where_adding_a_section_is_closed(world: World, failed: Section) -> None:
    with pytest.raises(Conflict) as caught:
        section_add(project=failed.project, name="新标段", estimate_yuan="1000", by=world["tenderer"])
    assert caught.value.code == "project_sections_closed"
    assert section_retender(section=failed, by=world["tenderer"]).attempt == 2


def test_retender_is_refused_to_anyone_but_the_projects_managers(world: World, failed: Section) -> None:
    before = state()
    for who in ("tenderer_other", "agency_other", "bidder1", "staff", "regulator", "system", "public", "expert"):
        with pytest.raises(PermissionDenied) as caught:
            section_retender(section=failed, by=world[who])
        assert caught.value.code == "tender_manager_required", who
        assert not selectors.retender_possible(section=failed, by=world[who])
    assert state() == before


def test_only_a_failed_section_may_be_retendered(world: World, failed: Section) -> None:
    still_open = Section.objects.get(project=failed.project, index=2)
    draft = section_add(project=project_make(world)[0], name="草稿标段", estimate_yuan="1000", by=world["agency"])
    before = state()
    for section in (still_open, draft):
        with pytest.raises(Conflict) as caught:
            section_retender(section=section, by=world["agency"])
        assert (caught.value.code, caught.value.detail["status"]) == ("retender_not_failed", section.status)
    assert state() == before


def test_a_failed_land_listing_is_listed_again(world: World) -> None:
    _, sections, _ = tender_publish(world, procedure=LISTING, sections=(("KCC2026-18号地块", "128000000", "25600000"),))
    clock_set(at(2026, 4, 7, 17))
    plot = section_close_bidding(section=sections[0], bid_count=0, by=world["system"])
    assert plot.status == "failed"
    assert selectors.retender_outcome(section=plot) == "relist"
    again = section_retender(section=plot, by=world["agency"])
    assert (again.attempt, again.bid_security_fen, again.retender_of_id) == (2, 2_560_000_000, plot.pk)


def test_a_land_auction_ended_for_too_few_bidders_may_be_offered_again() -> None:
    # 国土资源部令第39号 第十五条: the auction is ended; the land is offered again by a new auction.
    from zhengwu.contexts.tendering import rules

    ruleset = rules.ruleset_for(procedure="land.auction", on=NOW.date())
    assert rules.bids_insufficient_outcome(ruleset=ruleset) == "terminate"


# --- pages and API -------------------------------------------------------------------------------------


def test_the_project_page_offers_the_retender_and_shows_the_attempt(world: World, failed: Section) -> None:
    agency = client_for("agency")
    page = body(agency.get(f"/trading/projects/{failed.project.code}/"))
    assert page.count('data-testid="section-retender"') == 1
    assert f"/sections/{failed.code}/retender/" in page
    # Staff oversee the project but are not offered the button.
    staff_page = body(client_for("staff").get(f"/trading/projects/{failed.project.code}/"))
    assert 'data-testid="section-retender"' not in staff_page
    response = agency.post(f"/trading/projects/{failed.project.code}/sections/{failed.code}/retender/")
    assert response.status_code == 302, body(response)
    new = Section.objects.get(retender_of=failed)
    page = body(agency.get(f"/trading/projects/{failed.project.code}/"))
    assert 'data-testid="section-attempt" data-attempt="2"' in page
    assert f'href="/trading/tenders/{failed.code}/" data-testid="section-replaces"' in page
    assert 'data-testid="section-retendered-by"' in page
    assert new.code in page
    assert 'data-testid="section-retender"' not in page
    # The new section's own page says which attempt it is and what it replaces (a draft: managers only).
    page = body(agency.get(f"/trading/tenders/{new.code}/"))
    assert 'data-testid="section-attempt" data-attempt="2"' in page
    assert f'href="/trading/tenders/{failed.code}/" data-testid="section-replaces"' in page


def test_a_refused_retender_page_changes_nothing(world: World, failed: Section) -> None:
    still_open = Section.objects.get(project=failed.project, index=2)
    before = state()
    response = client_for("agency").post(
        f"/trading/projects/{failed.project.code}/sections/{still_open.code}/retender/"
    )
    assert response.status_code == 400
    assert 'data-code="retender_not_failed"' in body(response)
    response = client_for("bidder1").post(f"/trading/projects/{failed.project.code}/sections/{failed.code}/retender/")
    assert response.status_code == 403
    response = client_for("agency_other").post(
        f"/trading/projects/{failed.project.code}/sections/{failed.code}/retender/"
    )
    assert response.status_code == 404  # the project is not theirs to see
    assert state() == before


def test_the_api_retenders_a_failed_section(world: World, failed: Section) -> None:
    agency = api_client("agency")
    response = agency.post(f"{API}/sections/{failed.code}/retender")
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["attempt"], out["retender_of"], out["status"], out["name"]) == (2, failed.code, "draft", "第一标段")
    again = agency.post(f"{API}/sections/{failed.code}/retender")
    assert (again.status_code, again.json()["code"]) == (409, "retender_exists")
    denied = api_client("bidder1").post(f"{API}/sections/{failed.code}/retender")
    assert (denied.status_code, denied.json()["code"]) == (403, "tender_manager_required")
    detail = agency.get(f"{API}/projects/{failed.project.code}").json()
    assert [(s["code"], s["attempt"], s["retender_of"]) for s in detail["sections"]] == [
        (failed.code, 1, None),
        (Section.objects.get(project=failed.project, index=2).code, 1, None),
        (out["code"], 2, failed.code),
    ]
