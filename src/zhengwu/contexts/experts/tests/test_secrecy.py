"""Who may see and change the pool: a matrix over every role, through the pages and the API.

The centre's staff maintain the pool; regulators read it; an expert sees only themself (and
declares their own conflicts and unavailability); tenderers, agencies, bidders, other experts and
the public see nothing — the list is 403 (audited), one expert is 404 as if absent — and a refused
act changes nothing: no row, no version, no audit entry of an act.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from zhengwu.contexts.experts.models import Expert, ExpertAssignment, ExpertConflict, ExpertUnavailability
from zhengwu.contexts.experts.tests.factories import NOW, ROLE_KEYS, World, client_for, id_card_make
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

WALKERS: tuple[str | None, ...] = (*ROLE_KEYS, None)
# What the pages of someone who must not see the expert may never contain.
SECRET = "吴建国"
WRITE_ACTIONS = (
    "experts.expert.create",
    "experts.expert.update",
    "experts.expert.suspend",
    "experts.expert.import",
    "experts.import.run",
    "experts.conflict.declare",
    "experts.availability.set",
)


def _client(key: str | None) -> Client:
    return client_for(key) if key else Client()


def _state() -> tuple[Any, ...]:
    return (
        Expert.objects.count(),
        sorted(Expert.objects.values_list("uuid", "status", "version", "name")),
        ExpertConflict.objects.count(),
        ExpertUnavailability.objects.count(),
        AuditEntry.objects.filter(action__in=WRITE_ACTIONS).count(),
    )


def _expected_get(key: str | None, url: str, expert_uuid: str) -> int:
    if key is None:
        return 302
    if url.endswith("/experts/me/"):
        return 200 if key.startswith("expert") else 403
    if url.endswith(("/new/", "/import/", "/import/template/", "/edit/")):
        return 200 if key == "staff" else 403
    if url.endswith(f"/{expert_uuid}/"):
        return 200 if key in ("staff", "regulator", "expert") else 404
    # The list and its export.
    return 200 if key in ("staff", "regulator") else 403


@pytest.mark.parametrize("key", WALKERS)
def test_pages_show_the_pool_to_oversight_and_an_expert_only_themself(world: World, key: str | None) -> None:
    expert = world.experts["expert"]
    ExpertAssignment.objects.create(
        expert=expert, section_code="C5301002026000010001001", tenderer_uscc=world.uscc["tenderer"], assigned_at=NOW
    )
    uuid = str(expert.uuid)
    urls = [
        "/trading/experts/",
        "/trading/experts/?format=xlsx",
        f"/trading/experts/{uuid}/",
        f"/trading/experts/{uuid}/edit/",
        "/trading/experts/new/",
        "/trading/experts/import/",
        "/trading/experts/import/template/",
        "/trading/experts/me/",
    ]
    client = _client(key)
    for url in urls:
        response = client.get(url)
        expected = _expected_get(key, url.split("?")[0], uuid)
        assert response.status_code == expected, (key, url, response.status_code)
        if expected == 302:
            assert response["Location"].startswith("/trading/accounts/login/")
        if key not in ("staff", "regulator", "expert") and "xlsx" not in url:
            assert SECRET not in response.content.decode(), (key, url)
            # Nobody else learns the panel either.
            assert "C5301002026000010001001" not in response.content.decode(), (key, url)
    if key == "expert":
        page = client.get("/trading/experts/me/").content.decode()
        assert SECRET in page
        assert "C5301002026000010001001" in page
        assert "郑丽华" not in page
    if key == "expert_other":
        page = client.get("/trading/experts/me/").content.decode()
        assert "郑丽华" in page
        assert 'data-testid="assignments"' in page
        assert "C530100202600" not in page


def test_every_refused_look_at_the_list_is_audited(world: World) -> None:
    denied = [k for k in ROLE_KEYS if k not in ("staff", "regulator")]
    for key in denied:
        assert client_for(key).get("/trading/experts/").status_code == 403
    assert AuditEntry.objects.filter(action="experts.pool.view_denied").count() == len(denied)
    assert AuditEntry.objects.filter(action="experts.pool.view").count() == 0


def _post_acts(uuid: str) -> list[tuple[str, dict[str, str], set[str]]]:
    """(url, form data, who may do it) for every act on the pages."""
    new = {
        "name": "新专家",
        "id_card": id_card_make(),
        "phone": "13987650077",
        "employer_name": "某设计院",
        "region_code": "530102",
        "title_name": "高级工程师",
        "title_level": "senior",
        "work_years": "12",
        "base_type": "comprehensive",
        "main_specialty": "A06",
    }
    return [
        ("/trading/experts/new/", new, {"staff"}),
        (f"/trading/experts/{uuid}/edit/", {**new, "id_card": "", "name": "改过的名字"}, {"staff"}),
        (f"/trading/experts/{uuid}/suspend/", {"reason": "年度考核不合格"}, {"staff"}),
        (
            f"/trading/experts/{uuid}/conflicts/",
            {"organisation_name": "某公司", "relation": "other"},
            {"staff", "expert"},
        ),
        (
            f"/trading/experts/{uuid}/availability/",
            {"starts_on": "2026-04-01", "ends_on": "2026-04-02", "reason": "出差"},
            {"staff", "expert"},
        ),
    ]


@pytest.mark.parametrize("key", WALKERS)
def test_acts_on_the_pages_are_refused_to_everyone_else_and_change_nothing(world: World, key: str | None) -> None:
    uuid = str(world.experts["expert"].uuid)
    client = _client(key)
    for url, data, allowed in _post_acts(uuid):
        before = _state()
        response = client.post(url, data)
        if key in allowed:
            assert response.status_code == 302, (key, url, response.content.decode()[:2000])
            assert _state() != before
            continue
        assert response.status_code in (302, 403, 404), (key, url, response.status_code)
        if key is None:
            assert response["Location"].startswith("/trading/accounts/login/")
        assert _state() == before, (key, url)
        assert SECRET not in response.content.decode() or key == "regulator"


API = "/trading/api/experts"


def _api_get(client: Client, path: str) -> tuple[int, dict[str, Any]]:
    response = client.get(API + path)
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize("key", WALKERS)
def test_the_api_keeps_the_same_doors(world: World, key: str | None) -> None:
    expert = world.experts["expert"]
    uuid = str(expert.uuid)
    client = _client(key)
    status, body = _api_get(client, "/experts")
    if key is None:
        assert status == 401
        return
    if key in ("staff", "regulator"):
        assert status == 200
        assert body["total"] == 2
        assert {item["name"] for item in body["items"]} == {"吴建国", "郑丽华"}
        assert all("id_card" not in item for item in body["items"])
    else:
        assert (status, body["code"]) == (403, "experts_pool_denied")
    status, body = _api_get(client, f"/experts/{uuid}")
    if key in ("staff", "regulator", "expert"):
        assert status == 200
        assert body["expert"]["id_card_masked"] == expert.id_card_masked
    else:
        assert (status, body["code"]) == (404, "expert_not_found")
        assert SECRET not in json.dumps(body, ensure_ascii=False)
    status, body = _api_get(client, "/me")
    if key in ("expert", "expert_other"):
        assert status == 200
        assert body["expert"]["name"] == {"expert": "吴建国", "expert_other": "郑丽华"}[key]
    else:
        assert (status, body["code"]) == (404, "expert_not_linked")
    before = _state()
    response = client.post(
        API + f"/experts/{uuid}/suspend", json.dumps({"reason": "接口暂停试试"}), content_type="application/json"
    )
    if key == "staff":
        assert response.status_code == 200
        assert json.loads(response.content)["expert"]["status"] == "suspended"
    else:
        expected = 403 if key in ("regulator", "expert") else 404
        assert response.status_code == expected, (key, response.content)
        assert _state() == before
    before = _state()
    response = client.post(
        API + f"/experts/{uuid}/conflicts",
        json.dumps({"organisation_name": "某公司", "relation": "kinship"}),
        content_type="application/json",
    )
    if key in ("staff", "expert"):
        assert response.status_code == 201
    else:
        assert response.status_code == (403 if key == "regulator" else 404), (key, response.content)
        assert _state() == before
