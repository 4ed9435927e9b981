"""The pool's pages and API as staff and an expert use them."""

from __future__ import annotations

import json

import pytest

from zhengwu.contexts.experts.models import Expert, ExpertConflict, ExpertUnavailability
from zhengwu.contexts.experts.tests.factories import World, client_for, expert_make, id_card_make

pytestmark = pytest.mark.django_db


def _form(**values: str) -> dict[str, str]:
    data = {
        "name": "冯立新",
        "id_card": id_card_make("530112"),
        "phone": "13987650123",
        "employer_name": "云南某交通规划设计研究院有限公司",
        "employer_uscc": "",
        "region_code": "530112",
        "title_name": "高级工程师",
        "title_level": "senior",
        "work_years": "18",
        "base_type": "comprehensive",
        "main_specialty": "A0803",
        "other_specialties": "A080301",
        "qualifications": "",
        "education": "本科",
        "entered_on": "2026-01-05",
        "username": "expert_unlinked",
    }
    data.update(values)
    return data


def test_staff_enter_an_expert_and_see_every_problem_marked_first(world: World) -> None:
    staff = client_for("staff")
    bad = staff.post("/trading/experts/new/", _form(id_card="530112197001010000", phone="123", region_code="12"))
    assert bad.status_code == 400
    page = bad.content.decode()
    assert 'data-code="id_card_check_digit"' in page
    assert "手机号码格式不正确" in page
    assert "所在地区代码应为6位行政区划代码" in page
    assert not Expert.objects.filter(name="冯立新").exists()
    good = staff.post("/trading/experts/new/", _form())
    assert good.status_code == 302
    expert = Expert.objects.get(name="冯立新")
    assert good["Location"] == f"/trading/experts/{expert.uuid}/"
    assert expert.username == "expert_unlinked"
    assert expert.entered_on.isoformat() == "2026-01-05"
    detail = staff.get(good["Location"]).content.decode()
    assert expert.id_card_masked in detail
    assert 'data-code="A0803"' in detail


def test_staff_edit_suspend_and_maintain_conflicts_and_unavailability(world: World) -> None:
    staff = client_for("staff")
    expert = world.experts["expert"]
    base = f"/trading/experts/{expert.uuid}/"
    edit = staff.get(base + "edit/").content.decode()
    assert 'value="吴建国"' in edit
    assert expert.id_card_masked in edit
    response = staff.post(base + "edit/", _form(name="吴建国", id_card="", username="expert", main_specialty="A080201"))
    assert response.status_code == 302
    expert.refresh_from_db()
    assert (expert.employer_name, expert.version) == ("云南某交通规划设计研究院有限公司", 2)
    # The former employer is now a recorded (ended) employment.
    assert ExpertConflict.objects.filter(expert=expert, relation="employment").count() == 1
    assert staff.post(base + "suspend/", {"reason": ""}).status_code == 400
    assert staff.post(base + "suspend/", {"reason": "年度考核不合格"}).status_code == 302
    expert.refresh_from_db()
    assert expert.status == "suspended"
    assert 'data-testid="expert-reinstate"' in staff.get(base).content.decode()
    assert (
        staff.post(base + "conflicts/", {"organisation_name": "某公司", "relation": "directorship"}).status_code == 302
    )
    conflict = ExpertConflict.objects.get(expert=expert, relation="directorship")
    withdraw = staff.post(f"/trading/experts/conflicts/{conflict.uuid}/withdraw/", {"reason": "经核实并非董事"})
    assert withdraw.status_code == 302
    conflict.refresh_from_db()
    assert conflict.withdraw_reason == "经核实并非董事"
    added = staff.post(base + "availability/", {"starts_on": "2026-03-10", "ends_on": "2026-03-20", "reason": "住院"})
    assert added.status_code == 302
    window = ExpertUnavailability.objects.get(expert=expert)
    assert staff.post(base + f"availability/{window.pk}/remove/").status_code == 302
    assert not ExpertUnavailability.objects.filter(expert=expert).exists()
    inverted = staff.post(
        base + "availability/", {"starts_on": "2026-03-20", "ends_on": "2026-03-10", "reason": "倒置"}
    )
    assert inverted.status_code == 400
    assert 'data-code="unavailability_dates_invalid"' in inverted.content.decode()


def test_the_list_page_filters_and_pages(world: World) -> None:
    for i in range(23):
        expert_make(world, name=f"测试专家{i:02d}", other_specialties=[], region_code="530114")
    staff = client_for("staff")
    first = staff.get("/trading/experts/", {"region": "530114"}).content.decode()
    assert first.count('<tr data-expert="') == 20
    assert 'data-testid="pager">1 / 2<' in first
    assert "page=2" in first
    assert "region=530114" in first
    second = staff.get("/trading/experts/", {"region": "530114", "page": "2"}).content.decode()
    assert second.count('<tr data-expert="') == 3
    filtered = staff.get("/trading/experts/", {"specialty": "A0802", "q": "吴"}).content.decode()
    assert filtered.count('<tr data-expert="') == 1
    assert "吴建国" in filtered
    bad = staff.get("/trading/experts/", {"status": "gone"})
    assert bad.status_code == 400
    assert 'data-code="status_unknown"' in bad.content.decode()


def test_an_expert_declares_conflicts_and_leave_on_their_own_page(world: World) -> None:
    me = client_for("expert")
    expert = world.experts["expert"]
    base = f"/trading/experts/{expert.uuid}/"
    response = me.post(
        base + "conflicts/",
        {
            "organisation_name": "云南某建设工程有限公司",
            "organisation_uscc": world.uscc["bidder"],
            "relation": "kinship",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/trading/experts/me/"
    response = me.post(base + "availability/", {"starts_on": "2026-03-03", "ends_on": "2026-03-05", "reason": "出差"})
    assert response["Location"] == "/trading/experts/me/"
    page = me.get("/trading/experts/me/").content.decode()
    assert "云南某建设工程有限公司" in page
    assert "出差" in page
    # No withdrawal for the expert: it would take avoidance away.
    assert 'data-testid="conflict-withdraw"' not in page
    conflict = ExpertConflict.objects.get(expert=expert)
    assert me.post(f"/trading/experts/conflicts/{conflict.uuid}/withdraw/", {"reason": "我想撤回"}).status_code == 403
    conflict.refresh_from_db()
    assert conflict.withdrawn_at is None


def test_an_expert_without_a_record_is_told_so(world: World) -> None:
    page = client_for("expert_unlinked").get("/trading/experts/me/").content.decode()
    assert 'data-testid="expert-unlinked"' in page


def test_the_api_enters_and_changes_an_expert(world: World) -> None:
    staff = client_for("staff")
    payload = {
        "name": "蒋卫东",
        "id_card": id_card_make("530103"),
        "phone": "13987650456",
        "employer_name": "某咨询公司",
        "region_code": "530103",
        "title_name": "高级经济师",
        "title_level": "高级",
        "work_years": 20,
        "base_type": "comprehensive",
        "main_specialty": "A06",
    }
    response = staff.post("/trading/api/experts/experts", json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    body = json.loads(response.content)["expert"]
    assert (body["title_level"], body["senior_title"], body["work_years"]) == ("senior", True, 20)
    assert payload["id_card"] not in response.content.decode()
    again = staff.post("/trading/api/experts/experts", json.dumps(payload), content_type="application/json")
    assert (again.status_code, json.loads(again.content)["code"]) == (409, "expert_id_card_taken")
    bad = staff.post(
        "/trading/api/experts/experts",
        json.dumps({**payload, "id_card": "1", "phone": "x"}),
        content_type="application/json",
    )
    error = json.loads(bad.content)
    assert bad.status_code == 400
    assert error["code"] == "id_card_length"
    assert {e["code"] for e in error["detail"]["errors"]} == {"id_card_length", "phone_invalid"}
    changed = staff.put(
        f"/trading/api/experts/experts/{body['uuid']}",
        json.dumps({**payload, "id_card": "", "education": "博士研究生"}),
        content_type="application/json",
    )
    assert changed.status_code == 200
    assert json.loads(changed.content)["expert"]["education"] == "博士研究生"
    windows = staff.put(
        f"/trading/api/experts/experts/{body['uuid']}/availability",
        json.dumps({"windows": [{"starts_on": "2026-03-09", "ends_on": "2026-03-09", "reason": "开会"}]}),
        content_type="application/json",
    )
    assert windows.status_code == 200
    assert json.loads(windows.content) == [{"starts_on": "2026-03-09", "ends_on": "2026-03-09", "reason": "开会"}]
