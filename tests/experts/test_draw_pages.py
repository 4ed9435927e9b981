"""A section's expert draw through the trading pages and the API, and its commitment on the public site.

The tender of the tendering tests (a construction section, bid deadline 2026-03-24 09:30) gets
its experts: the staff check the committee (refused with the law's message when it is too
small), commit — the commitment reaches the public section page through the exchange — and
perform the draw with the regulator's contribution; a drawn expert declines on their own page and
the next reserve is called; the record downloaded by the staff re-runs with ``record_verify``
against the commitment the public page shows. Who was drawn is shown to the staff and regulators
only: every other role is refused on the page, the record and the API, before and after the draw,
and a refused POST changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.disclosure.models import ExpertDrawCommitment
from zhengwu.contexts.experts import draw as draw_rules
from zhengwu.contexts.experts.events import DrawCommitted
from zhengwu.contexts.experts.models import Expert, ExpertAssignment, ExpertDraw
from zhengwu.contexts.experts.services import expert_create
from zhengwu.contexts.experts.tests.factories import client_for, id_card_make
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services import user_create
from zhengwu.contexts.tendering.models import Section
from zhengwu.contexts.tendering.tests.factories import NOW, PASSWORD, SYSTEM, World, at, tender_publish, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.platform.audit.models import AuditEntry
from zhengwu.platform.exchange.models import OutboxMessage
from zhengwu.platform.exchange.relay import relay_run_once

pytestmark = pytest.mark.django_db

API = "/trading/api/experts"
EVALUATION_ON = "2026-03-25"
CONTRIBUTION = "监督随机数 7391-2026"


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@dataclass
class Scene:
    world: World
    section: Section
    pool: list[Expert]

    @property
    def code(self) -> str:
        return self.section.code


def _scene() -> Scene:
    world = world_build()
    user = user_create(username="expert_other", password=PASSWORD, display_name="其他专家", roles=["expert"], by=SYSTEM)
    world.actors["expert_other"] = actor_for(user=user)
    _, sections, _ = tender_publish(world)
    pool = [
        expert_create(
            name=f"路桥专家{n}",
            id_card=id_card_make(birth=dt.date(1966 + n, 4, 1)),
            phone=f"1398765{n:04d}",
            employer_name="云南某公路勘察设计院有限公司",
            region_code="530102",
            title_name="高级工程师",
            title_level="senior",
            work_years=20,
            base_type="comprehensive",
            main_specialty="A080201",
            by=world["staff"],
        )
        for n in range(9)
    ]
    # The other expert sits in the pool too, in another specialty: never drawn here.
    expert_create(
        name="建筑专家",
        id_card=id_card_make(birth=dt.date(1975, 4, 1)),
        phone="13987659999",
        employer_name="云南某建筑设计院有限公司",
        region_code="530102",
        title_name="高级工程师",
        title_level="senior",
        work_years=15,
        base_type="comprehensive",
        main_specialty="A040102",
        username="expert_other",
        by=world["staff"],
    )
    return Scene(world=world, section=sections[0], pool=pool)


def _request(count: int = 5, *, step: str = "check", representatives: int = 0) -> dict[str, Any]:
    return {
        "evaluation_on": EVALUATION_ON,
        "representatives": str(representatives),
        "regions": "",
        "g0_specialties": "A0802",
        "g0_count": str(count),
        "g0_reserves": "2",
        "g0_regions": "",
        "step": step,
    }


def _page(client: Client, url: str, *, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _state() -> tuple[Any, ...]:
    """Everything a refused POST must leave as it was."""
    return (
        list(ExpertDraw.objects.values_list("section_code", "status", "commitment")),
        sorted(ExpertAssignment.objects.values_list("uuid", "status")),
        AuditEntry.objects.count(),
        OutboxMessage.objects.count(),
    )


def _link_account_to(expert: Expert, username: str) -> None:
    """Move ``username``'s link in the pool to ``expert`` (the drawn one answers for themself)."""
    holder = Expert.objects.filter(username=username).first()
    user_id = user_get(username=username).pk
    if holder is not None:
        Expert.objects.filter(pk=holder.pk).update(user_id=None, username="")
    Expert.objects.filter(pk=expert.pk).update(user_id=user_id, username=username)


def test_the_staff_check_commit_and_perform_a_draw_an_expert_declines_and_the_record_verifies() -> None:
    scene = _scene()
    staff = client_for("staff")
    draw_url = f"/trading/experts/draws/{scene.code}/"

    page = _page(staff, draw_url)
    assert 'data-testid="draw-request"' in page
    assert scene.section.project.owner_uscc in page

    # Four experts make a committee of four: the law wants five or more, an odd number.
    before = _state()
    refused = staff.post(draw_url + "commit/", _request(4))
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'data-code="committee_too_small"' in body
    assert "评标委员会应由5人以上组成" in body
    assert 'data-testid="draw-commit-button"' not in body
    # Committing anyway is refused by the service with the same rule.
    forced = staff.post(draw_url + "commit/", _request(4, step="commit"))
    assert forced.status_code == 400
    assert 'data-code="committee_too_small"' in forced.content.decode()
    # Four experts and two representatives: six members, an even number.
    even = staff.post(draw_url + "commit/", _request(4, step="commit", representatives=2))
    assert even.status_code == 400
    assert 'data-code="committee_size_even"' in even.content.decode()
    assert _state() == before

    checked = staff.post(draw_url + "commit/", _request(5))
    assert checked.status_code == 200
    assert 'data-testid="draw-check-ok"' in checked.content.decode()
    assert 'data-testid="draw-commit-button"' in checked.content.decode()

    committed = staff.post(draw_url + "commit/", _request(5, step="commit"))
    assert committed.status_code == 302
    draw = ExpertDraw.objects.get(section_code=scene.code)
    assert draw.status == "committed"
    # Before the deadline the bidders are secret: none avoided, and their list was not read.
    assert draw.committed["request"]["bidder_usccs"] == []
    assert not AuditEntry.objects.filter(action__startswith="bidding.bidders").exists()
    # The announcement, and only it, goes to the public platform.
    (message,) = OutboxMessage.objects.filter(event_type="experts.draw.committed")
    payload = message.payload
    assert set(payload) == {"section_code", "format", "suite", "commitment", "committed_at"}
    assert DrawCommitted.from_payload(payload).announcement() == draw_rules.announcement(draw.committed)
    assert not any(str(e.uuid) in json.dumps(payload) for e in scene.pool)
    assert relay_run_once().ok
    published = ExpertDrawCommitment.objects.get(section_code=scene.code)
    assert published.commitment == draw.commitment
    public_page = _page(Client(), f"/sections/{scene.code}/")
    assert 'data-testid="expert-draw"' in public_page
    shown = re.search(r'data-testid="expert-draw-commitment">([0-9a-f]{64})<', public_page)
    assert shown is not None
    assert shown.group(1) == draw.commitment
    assert not any(e.name in public_page for e in scene.pool)
    # The same announcement again changes nothing.
    assert ExpertDrawCommitment.objects.count() == 1

    page = _page(staff, draw_url)
    assert draw.commitment in page
    assert 'data-testid="draw-perform"' in page
    assert not any(e.name in page for e in scene.pool)

    clock_set(NOW + dt.timedelta(minutes=30))
    performed = staff.post(draw_url + "perform/", {"contribution": CONTRIBUTION})
    assert performed.status_code == 302
    draw.refresh_from_db()
    assert draw.status == "drawn"
    assert draw.record is not None
    assert draw.record["contributions"][0]["value"] == CONTRIBUTION
    (group,) = draw.record["result"]
    assert len(group["picks"]) == 5
    assert len(group["reserves"]) == 2
    assert ExpertAssignment.objects.filter(section_code=scene.code, status="notified").count() == 5
    page = _page(staff, draw_url)
    names = {str(e.uuid): e.name for e in scene.pool}
    for pick in group["picks"]:
        assert names[pick] in page
    assert 'data-testid="draw-verify-command"' in page
    assert f"--commitment {draw.commitment}" in page

    # The first drawn expert declines on their own page; the first reserve is called.
    first = Expert.objects.get(uuid=group["picks"][0])
    _link_account_to(first, "expert")
    expert = client_for("expert")
    mine = _page(expert, "/trading/experts/me/")
    assert 'data-testid="assignment-decline"' in mine
    assignment = ExpertAssignment.objects.get(section_code=scene.code, expert=first)
    declined = expert.post(f"/trading/experts/me/assignments/{assignment.uuid}/decline/", follow=True)
    assert declined.status_code == 200
    answer = declined.content.decode()
    assert "已启用候补专家" in answer
    # The expert learns that a reserve was called, never who.
    assert names[group["reserves"][0]] not in answer
    assert group["reserves"][0] not in answer
    assert ExpertAssignment.objects.get(pk=assignment.pk).status == "declined"
    reserve = ExpertAssignment.objects.get(section_code=scene.code, expert__uuid=group["reserves"][0])
    assert reserve.status == "notified"
    again = expert.post(f"/trading/experts/me/assignments/{assignment.uuid}/accept/")
    assert again.status_code == 400
    assert ExpertAssignment.objects.get(pk=assignment.pk).status == "declined"

    page = _page(staff, draw_url)
    assert f'data-seat="{group["reserves"][0]}" data-status="notified"' in page
    assert f'data-seat="{group["picks"][0]}" data-status="declined"' in page
    assert f'data-seat="{group["reserves"][1]}" data-status="waiting"' in page

    # The record the staff download re-runs against the commitment the public was shown.
    download = staff.get(draw_url + "record.json")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    record = json.loads(download.content)
    assert record_verify(record, commitment=shown.group(1)) == []


def test_after_the_deadline_the_bidders_are_read_through_their_gatekeeper() -> None:
    scene = _scene()
    clock_set(at(2026, 3, 24, 10, 0))
    before = AuditEntry.objects.filter(action="bidding.bidders.view").count()
    response = client_for("staff").post(
        API + f"/draws/{scene.code}",
        json.dumps(
            {
                "evaluation_on": EVALUATION_ON,
                "groups": [{"specialties": ["A0802"], "count": 5, "reserves": 1}],
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "committed"
    assert body["panel"] == []
    assert AuditEntry.objects.filter(action="bidding.bidders.view").count() == before + 1
    draw = ExpertDraw.objects.get()
    assert draw.committed["request"]["agency_uscc"] == scene.world.uscc["agency"]
    assert draw.committed["request"]["tenderer_uscc"] == scene.world.uscc["tenderer"]


def test_the_api_checks_commits_performs_and_answers() -> None:
    scene = _scene()
    staff = client_for("staff")
    bad = staff.post(
        API + f"/draws/{scene.code}/check",
        json.dumps({"groups": [{"specialties": ["A0802"], "count": 4}]}),
        content_type="application/json",
    )
    assert bad.status_code == 200
    assert bad.json()["lawful"] is False
    assert [v["code"] for v in bad.json()["violations"]] == ["committee_too_small", "committee_size_even"]
    refused = staff.post(
        API + f"/draws/{scene.code}",
        json.dumps({"evaluation_on": EVALUATION_ON, "groups": [{"specialties": ["A0802"], "count": 4}]}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "committee_too_small"
    unknown = staff.post(
        API + f"/draws/{scene.code}",
        json.dumps({"evaluation_on": EVALUATION_ON, "groups": [{"specialties": ["Z99"], "count": 5}]}),
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "specialty_unknown"
    assert not ExpertDraw.objects.exists()

    made = staff.post(
        API + f"/draws/{scene.code}",
        json.dumps({"evaluation_on": EVALUATION_ON, "groups": [{"specialties": ["A0802"], "count": 5, "reserves": 2}]}),
        content_type="application/json",
    )
    assert made.status_code == 201
    twice = staff.post(
        API + f"/draws/{scene.code}",
        json.dumps({"evaluation_on": EVALUATION_ON, "groups": [{"specialties": ["A0802"], "count": 5}]}),
        content_type="application/json",
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "draw_exists"
    not_yet = staff.get(API + f"/draws/{scene.code}/record")
    assert not_yet.status_code == 404
    assert not_yet.json()["code"] == "draw_not_drawn"
    performed = staff.post(
        API + f"/draws/{scene.code}/perform",
        json.dumps({"contribution": CONTRIBUTION}),
        content_type="application/json",
    )
    assert performed.status_code == 200
    panel = performed.json()["panel"]
    assert [s["reserve"] for s in panel[0]["seats"]] == [False] * 5 + [True] * 2
    done = staff.post(API + f"/draws/{scene.code}/perform", json.dumps({}), content_type="application/json")
    assert done.status_code == 409
    assert done.json()["code"] == "draw_done"

    regulator = client_for("regulator").get(API + f"/draws/{scene.code}")
    assert regulator.status_code == 200
    assert regulator.json()["panel"] == panel
    record = client_for("regulator").get(API + f"/draws/{scene.code}/record").json()
    assert record_verify(record, commitment=made.json()["commitment"]) == []

    picks = [s["expert"] for s in panel[0]["seats"] if not s["reserve"]]
    reserves = [s["expert"] for s in panel[0]["seats"] if s["reserve"]]
    first = Expert.objects.get(uuid=picks[0])
    _link_account_to(first, "expert")
    assignment = ExpertAssignment.objects.get(section_code=scene.code, expert=first)
    other = client_for("expert_other").post(
        API + f"/me/assignments/{assignment.uuid}/answer",
        json.dumps({"accept": False}),
        content_type="application/json",
    )
    assert other.status_code == 404
    assert other.json()["code"] == "assignment_not_found"
    answered = client_for("expert").post(
        API + f"/me/assignments/{assignment.uuid}/answer",
        json.dumps({"accept": False}),
        content_type="application/json",
    )
    assert answered.status_code == 200
    assert answered.json()["assignment"]["status"] == "declined"
    assert answered.json()["reserve_called"] is True
    assert reserves[0] not in answered.content.decode()
    assert ExpertAssignment.objects.get(section_code=scene.code, expert__uuid=reserves[0]).status == "notified"
    again = client_for("expert").post(
        API + f"/me/assignments/{assignment.uuid}/answer", json.dumps({"accept": True}), content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "assignment_answered"


# --- secrecy ---------------------------------------------------------------------------------------

OUTSIDERS: tuple[str | None, ...] = ("tenderer", "agency", "bidder1", "public", "expert", "expert_other", None)


def _client(key: str | None) -> Client:
    return client_for(key) if key else Client()


def _walk_reads(client: Client, code: str) -> list[tuple[str, int, str]]:
    out = []
    for url in (
        f"/trading/experts/draws/{code}/",
        f"/trading/experts/draws/{code}/record.json",
        API + f"/draws/{code}",
        API + f"/draws/{code}/record",
    ):
        response = client.get(url)
        out.append((url, response.status_code, response.content.decode(errors="replace")))
    return out


def _walk_writes(client: Client, code: str) -> list[tuple[str, int, str]]:
    out = []
    for url, data in (
        (f"/trading/experts/draws/{code}/commit/", _request(5, step="commit")),
        (f"/trading/experts/draws/{code}/commit/", _request(5)),
        (f"/trading/experts/draws/{code}/perform/", {"contribution": "x"}),
    ):
        response = client.post(url, data)
        out.append((url, response.status_code, response.content.decode(errors="replace")))
    for url, payload in (
        (
            API + f"/draws/{code}",
            {"evaluation_on": EVALUATION_ON, "groups": [{"specialties": ["A0802"], "count": 5}]},
        ),
        (API + f"/draws/{code}/check", {"groups": [{"specialties": ["A0802"], "count": 5}]}),
        (API + f"/draws/{code}/perform", {"contribution": "x"}),
    ):
        response = client.post(url, json.dumps(payload), content_type="application/json")
        out.append((url, response.status_code, response.content.decode(errors="replace")))
    return out


def _secrets(scene: Scene) -> list[str]:
    return [s for e in scene.pool for s in (e.name, str(e.uuid))]


@pytest.mark.parametrize("key", OUTSIDERS)
def test_nobody_but_staff_and_regulators_learns_the_panel_before_or_after_the_draw(key: str | None) -> None:
    scene = _scene()
    client = _client(key)
    secrets_ = _secrets(scene)

    def refused(results: list[tuple[str, int, str]]) -> None:
        for url, status, body in results:
            if key is None:
                # Pages send the anonymous to sign in; the API answers 401.
                assert status in (302, 401), (url, status)
            else:
                assert status in (403, 404), (url, status)
            leaked = [s for s in secrets_ if s in body]
            assert not leaked, (url, leaked)

    # Before any draw, then committed, then drawn (with an expert's answer in between).
    refused(_walk_reads(client, scene.code))
    before = _state()
    refused(_walk_writes(client, scene.code))
    assert _state() == before

    staff = client_for("staff")
    assert staff.post(f"/trading/experts/draws/{scene.code}/commit/", _request(5, step="commit")).status_code == 302
    refused(_walk_reads(client, scene.code))
    before = _state()
    refused(_walk_writes(client, scene.code))
    assert _state() == before

    assert staff.post(f"/trading/experts/draws/{scene.code}/perform/", {}).status_code == 302
    refused(_walk_reads(client, scene.code))
    before = _state()
    refused(_walk_writes(client, scene.code))
    assert _state() == before
    if key is not None:
        # Their own pages say nothing of the panel either (the expert "expert" was not drawn:
        # the account is linked to no pool record here).
        for url in ("/trading/", "/trading/experts/me/"):
            body = client.get(url).content.decode()
            assert not [s for s in secrets_ if s in body], url


def test_regulators_read_the_draw_and_cannot_act() -> None:
    scene = _scene()
    staff = client_for("staff")
    regulator = client_for("regulator")
    draw_url = f"/trading/experts/draws/{scene.code}/"
    page = _page(regulator, draw_url)
    assert 'data-testid="draw-none"' in page
    assert 'data-testid="draw-request"' not in page
    before = _state()
    assert regulator.post(draw_url + "commit/", _request(5, step="commit")).status_code == 403
    api = regulator.post(
        API + f"/draws/{scene.code}",
        json.dumps({"evaluation_on": EVALUATION_ON, "groups": [{"specialties": ["A0802"], "count": 5}]}),
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["code"] == "experts_staff_required"
    assert _state() == before

    assert staff.post(draw_url + "commit/", _request(5, step="commit")).status_code == 302
    before = _state()
    assert regulator.post(draw_url + "perform/", {}).status_code == 403
    assert (
        regulator.post(
            API + f"/draws/{scene.code}/perform", json.dumps({}), content_type="application/json"
        ).status_code
        == 403
    )
    assert _state() == before
    assert staff.post(draw_url + "perform/", {}).status_code == 302
    page = _page(regulator, draw_url)
    draw = ExpertDraw.objects.get()
    assert draw.record is not None
    names = {str(e.uuid): e.name for e in scene.pool}
    assert all(names[p] in page for p in draw.record["result"][0]["picks"])
    assert 'data-testid="draw-perform"' not in page
    assert AuditEntry.objects.filter(action="experts.draw.view", actor_username="regulator").exists()
