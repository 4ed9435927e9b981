"""Reading the pool: filters, paging and the Excel export; and the draw's candidates."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from zhengwu.contexts.experts import selectors
from zhengwu.contexts.experts.models import Expert, ExpertAssignment
from zhengwu.contexts.experts.personal import id_card_open
from zhengwu.contexts.experts.selectors import ExpertFilters, experts_eligible, experts_export, experts_page
from zhengwu.contexts.experts.services import (
    Window,
    availability_set,
    conflict_declare,
    conflict_withdraw,
    expert_suspend,
)
from zhengwu.contexts.experts.tests.factories import NOW, TODAY, World, client_for, expert_make
from zhengwu.kernel.errors import InvalidInput, PermissionDenied
from zhengwu.kernel.paging import Page
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _pool(world: World) -> dict[str, object]:
    """Eight experts besides the world's two (吴建国 530102 A080201, 郑丽华 530111 A040102)."""

    def make(**fields: object) -> object:
        return expert_make(world, **{"other_specialties": [], **fields})

    made = {
        "road_senior": make(name="甲道路", region_code="530103", main_specialty="A080201"),
        "bridge": make(
            name="乙桥梁",
            region_code="530114",
            main_specialty="A080202",
            title_level="intermediate",
            title_name="工程师",
        ),
        "cost": make(
            name="丙造价",
            region_code="530302",
            main_specialty="A06",
            other_specialties=[],
            employer_name="云南某造价咨询有限公司",
        ),
        "water": make(
            name="丁水利",
            region_code="530402",
            main_specialty="A080802",
            other_specialties=["A080804"],
            title_level="full_senior",
            title_name="正高级工程师",
        ),
        "machine": make(
            name="戊机械", region_code="530112", main_specialty="B010107", other_specialties=[], base_type="procurement"
        ),
        "suspended": make(name="己暂停", region_code="530102", main_specialty="A080205"),
        "away": make(name="庚出差", region_code="530102", main_specialty="A080204"),
        "electric": make(name="辛电气", region_code="530111", main_specialty="A080105", work_years=6),
    }
    expert_suspend(expert=made["suspended"], reason="年度考核不合格", by=world["staff"])
    availability_set(
        expert=made["away"], windows=[Window(TODAY, TODAY + dt.timedelta(days=5), "出国交流")], by=world["staff"]
    )
    return made


def _names(page: Page[Expert]) -> list[str]:
    return [e.name for e in page.items]


def _filtered(world: World, **filters: str) -> list[str]:
    return _names(experts_page(by=world["staff"], filters=ExpertFilters(**filters), size=100))


def test_filters_by_specialty_below_a_code_region_status_title_pool_and_text(world: World) -> None:
    made = _pool(world)
    # A0802 (市政工程) admits every code below it, main or not.
    assert _filtered(world, specialty="A0802") == ["乙桥梁", "吴建国", "己暂停", "庚出差", "甲道路"]
    # 吴建国 holds A080202 besides his main A080201.
    assert _filtered(world, specialty="a080202") == ["乙桥梁", "吴建国"]
    assert _filtered(world, specialty="A0808") == ["丁水利"]
    # A city code covers its districts; a district code only itself; a province all.
    assert len(_filtered(world, region="530100")) == 8
    assert _filtered(world, region="530302") == ["丙造价"]
    assert len(_filtered(world, region="530000")) == 10
    assert _filtered(world, status="suspended") == ["己暂停"]
    assert _filtered(world, title_level="full_senior") == ["丁水利"]
    assert _filtered(world, base_type="procurement") == ["戊机械"]
    assert _filtered(world, search="造价咨询") == ["丙造价"]
    assert _filtered(world, search="郑丽") == ["郑丽华"]
    # A whole identity number finds its expert by the keyed digest.
    number = id_card_open(expert_uuid=made["water"].uuid, sealed=made["water"].id_card_sealed)  # type: ignore[attr-defined]
    assert _filtered(world, search=number) == ["丁水利"]
    assert _filtered(world, specialty="A0802", region="530102", status="active") == ["吴建国", "庚出差"]


def test_unknown_filter_values_are_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        experts_page(by=world["staff"], filters=ExpertFilters(status="deleted"))
    assert caught.value.code == "status_unknown"
    with pytest.raises(InvalidInput):
        experts_page(by=world["staff"], filters=ExpertFilters(region="53a"))


def test_pages_the_pool_in_name_order_with_totals(world: World) -> None:
    _pool(world)
    first = experts_page(by=world["regulator"], page=1, size=4)
    third = experts_page(by=world["regulator"], page=3, size=4)
    assert (first.total, first.pages, len(first.items), len(third.items)) == (10, 3, 4, 2)
    everyone = _names(experts_page(by=world["staff"], size=100))
    assert _names(first) == everyone[:4]
    assert _names(third) == everyone[8:]
    views = AuditEntry.objects.filter(action="experts.pool.view", actor_username="regulator")
    assert [e.after["page"] for e in views.order_by("position")] == [1, 3]


def test_a_page_of_the_pool_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    _pool(world)
    # count, page, specialties (prefetched), audit append — whatever the page size.
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        page = experts_page(by=world["staff"], size=100)
        [list(e.specialties.all()) for e in page.items]


def test_the_export_has_the_filtered_list_with_masked_numbers(world: World) -> None:
    made = _pool(world)
    response = client_for("staff").get(
        "/trading/experts/", {"specialty": "A0802", "status": "active", "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 1 + 4
    first = rows[1]
    assert [r[0] for r in rows[1:]] == ["乙桥梁", "吴建国", "庚出差", "甲道路"]
    bridge = made["bridge"]
    assert first[1] == bridge.id_card_masked  # type: ignore[attr-defined]
    number = id_card_open(expert_uuid=bridge.uuid, sealed=bridge.id_card_sealed)  # type: ignore[attr-defined]
    assert number not in response.content.decode("latin-1")
    assert first[12] == "A080202 工程施工·市政工程·桥梁工程"
    assert first[13] == ""
    assert rows[2][12:14] == ["A080201 工程施工·市政工程·道路工程", "A080202"]
    entry = AuditEntry.objects.get(action="experts.pool.export")
    assert entry.after == {"filters": {"specialty": "A0802", "status": "active"}, "count": 4}


def test_work_years_grow_with_the_full_years_since_they_were_declared(world: World) -> None:
    expert = world.experts["expert"]
    assert selectors.work_years_on(expert, TODAY) == 15
    assert selectors.work_years_on(expert, dt.date(2027, 3, 1)) == 15
    assert selectors.work_years_on(expert, dt.date(2027, 3, 2)) == 16
    assert selectors.work_years_on(expert, dt.date(2036, 3, 2)) == 25


def test_the_draw_sees_active_available_experts_of_the_specialty_and_region(world: World) -> None:
    made = _pool(world)
    eligible = experts_eligible(specialties=["A0802"], region_codes=["530100"], on_date=TODAY)
    assert [e.expert_id for e in eligible] == sorted(e.expert_id for e in eligible)
    assert {e.uuid for e in eligible} == {
        str(world.experts["expert"].uuid),
        str(made["road_senior"].uuid),  # type: ignore[attr-defined]
        str(made["bridge"].uuid),  # type: ignore[attr-defined]
    }
    # The one away today is back after the window; the suspended one stays out.
    later = experts_eligible(specialties=["A0802"], region_codes=["530100"], on_date=TODAY + dt.timedelta(days=6))
    assert str(made["away"].uuid) in {e.uuid for e in later}  # type: ignore[attr-defined]
    assert str(made["suspended"].uuid) not in {e.uuid for e in later}  # type: ignore[attr-defined]
    # No region: anywhere; a county code: only there.
    assert len(experts_eligible(specialties=["A06"], region_codes=[], on_date=TODAY)) == 1
    assert experts_eligible(specialties=["A06"], region_codes=["530102"], on_date=TODAY) == []
    assert [e.base_type for e in experts_eligible(specialties=["B01"], region_codes=[], on_date=TODAY)] == [
        "procurement"
    ]
    assert experts_eligible(specialties=["B01"], region_codes=[], on_date=TODAY, base_type="comprehensive") == []
    with pytest.raises(InvalidInput):
        experts_eligible(specialties=[], region_codes=[], on_date=TODAY)


def test_the_draw_gets_plain_data_for_its_avoidance_rules(world: World) -> None:
    expert = world.experts["expert"]
    bidder = world.uscc["bidder"]
    conflict_declare(
        expert=expert,
        organisation_name="云南某建设工程有限公司",
        organisation_uscc=bidder,
        relation="employment",
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2024, 6, 30),
        by=world["expert"],
    )
    withdrawn = conflict_declare(expert=expert, organisation_name="填错的单位", relation="other", by=world["expert"])
    conflict_withdraw(conflict=withdrawn, reason="单位名称填错", by=world["staff"])
    tenderer = world.uscc["tenderer"]
    for i, (section, status, days_ago) in enumerate(
        [("S1", "completed", 30), ("S2", "accepted", 200), ("S3", "declined", 10), ("S4", "completed", 400)]
    ):
        ExpertAssignment.objects.create(
            expert=expert,
            section_code=f"{section}{i}",
            tenderer_uscc=tenderer,
            status=status,
            assigned_at=NOW - dt.timedelta(days=days_ago),
        )
    (found,) = [
        e
        for e in experts_eligible(specialties=["A080201"], region_codes=["530102"], on_date=TODAY)
        if e.uuid == str(expert.uuid)
    ]
    assert found.specialties == ("A080201", "A080202")
    assert found.main_specialty == "A080201"
    assert (found.employer_name, found.employer_uscc) == ("云南某建筑设计研究院有限公司", "")
    assert (found.title_level, found.senior_title, found.work_years) == ("senior", True, 15)
    assert [(c.organisation_uscc, c.relation, c.ends_on) for c in found.conflicts] == [
        (bidder, "employment", dt.date(2024, 6, 30))
    ]
    # Served in the last year (the default look-back): S1 and S2; S3 declined, S4 too long ago.
    assert found.assignments_by_tenderer == {tenderer: 2}
    longer = experts_eligible(
        specialties=["A080201"], region_codes=[], on_date=TODAY, assignments_since=TODAY - dt.timedelta(days=500)
    )
    assert next(e for e in longer if e.uuid == str(expert.uuid)).assignments_by_tenderer == {tenderer: 3}


def test_the_pool_is_refused_to_market_roles_and_the_refusal_is_audited(world: World) -> None:
    for who in ("tenderer", "agency", "bidder", "expert", "public", "appraiser"):
        with pytest.raises(PermissionDenied):
            experts_page(by=world[who])
        with pytest.raises(PermissionDenied):
            experts_export(by=world[who])
    assert AuditEntry.objects.filter(action="experts.pool.view_denied").count() == 6
    assert AuditEntry.objects.filter(action="experts.pool.export_denied").count() == 6
