"""Project registration: who for whom, clear refusals of bad input, codes issued once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhengwu.contexts.tendering import codes
from zhengwu.contexts.tendering.services import project_register, section_add
from zhengwu.contexts.tendering.tests.factories import NOW, World, project_make, snapshot, world_build
from zhengwu.kernel.clock import clock_reset, clock_set
from zhengwu.kernel.errors import InvalidInput, NotFound, PermissionDenied, ZhengwuError
from zhengwu.platform.audit.selectors import audit_entries_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    clock_set(NOW)
    yield
    clock_reset()


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return world_build()


def _register(world: World, key: str = "tenderer", **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "name": "昆明市盘龙区某学校教学楼建设工程",
        "procedure": "construction.open",
        "funding_source": "财政资金",
        "budget_yuan": "12500000.50",
        "region_code": "530102",
        "industry_code": "E47",
        **changes,
    }
    return project_register(by=world[key], **fields)


def test_a_tenderer_registers_for_itself_and_the_code_follows_the_serials(world: World) -> None:
    first = _register(world)
    second = _register(world, name="第二个项目")
    procurement = _register(world, procedure="procurement.open", name="采购项目")
    assert [p.code[:16] for p in (first, second, procurement)] == [
        "E530102202600001",
        "E530102202600002",
        "G530102202600001",
    ]
    assert all(codes.project_code_validate(p.code) == p.code for p in (first, second, procurement))
    assert (first.owner_uscc, first.agency_org_id, first.budget_fen, first.created_by_username) == (
        world.uscc["tenderer"],
        None,
        1_250_000_050,
        "tenderer",
    )
    entry = audit_entries_for(object_type="tendering.project", object_id=first.code)[0]
    assert (entry.action, entry.after["budget_fen"], entry.after["owner"]) == (
        "tendering.project.register",
        1_250_000_050,
        world.uscc["tenderer"],
    )


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"procedure": "construction.lottery"}, "procedure_unknown", "procedure"),
        ({"region_code": "5301"}, "region_code_invalid", "region_code"),
        ({"region_code": "990100"}, "region_code_invalid", "region_code"),
        ({"industry_code": "E99"}, "industry_code_invalid", "industry_code"),
        ({"budget_yuan": "12.345"}, "money_precision", "budget"),
        ({"budget_yuan": "一百万"}, "money_format", "budget"),
        ({"budget_yuan": "0"}, "amount_invalid", "budget"),
        ({"name": "  "}, "name_required", "name"),
        ({"funding_source": ""}, "funding_source_required", "funding_source"),
    ],
)
def test_bad_registrations_are_refused_with_the_field_named(
    world: World, changes: dict[str, str], code: str, field: str
) -> None:
    before = snapshot()
    with pytest.raises(InvalidInput) as caught:
        _register(world, **changes)
    assert (caught.value.code, caught.value.detail["field"]) == (code, field)
    assert snapshot() == before


def test_an_agency_registers_for_the_tenderer_it_names(world: World) -> None:
    project = _register(world, "agency", tenderer_uscc=world.uscc["tenderer"].lower())
    assert (project.owner_name, project.agency_name, project.agency_uscc) == (
        "昆明某城市建设投资有限公司",
        "云南某招标代理有限公司",
        world.uscc["agency"],
    )
    before = snapshot()
    refusals: list[tuple[dict[str, Any], type[ZhengwuError], str]] = [
        ({}, InvalidInput, "tenderer_uscc_required"),
        ({"tenderer_uscc": world.uscc["bidder1"]}, InvalidInput, "tenderer_role_missing"),
        ({"tenderer_uscc": "91530100MA6K99999X"}, NotFound, "organisation_not_found"),
    ]
    for changes, error, code in refusals:
        with pytest.raises(error) as caught:
            _register(world, "agency", **changes)
        assert caught.value.code == code
    with pytest.raises(PermissionDenied) as other:
        _register(world, "tenderer", tenderer_uscc=world.uscc["tenderer_other"])
    assert other.value.code == "project_register_denied"
    assert snapshot() == before


def test_sections_get_the_next_index_and_a_deal_code_when_the_operator_is_configured(
    world: World, settings: Any
) -> None:
    project, sections = project_make(world)
    assert sections[0].deal_code == ""  # no operator code configured: none issued
    settings.ZHENGWU_OPERATOR_USCC = "12530100MB0Y10015N"
    second = section_add(project=project, name="第二标段", estimate_yuan="1000000", by=world["agency"])
    third = section_add(project=project, name="第三标段", estimate_yuan="1000000", by=world["agency"])
    assert (second.index, second.code) == (2, project.code + "001002")
    assert (second.deal_code[:32], third.deal_code[:32]) == (
        "E48-12530100MB0Y10015N-20260302-",
        "E48-12530100MB0Y10015N-20260302-",
    )
    assert (second.deal_code[32:38], third.deal_code[32:38]) == ("000001", "000002")
    assert codes.deal_code_check(second.deal_code)
    assert codes.deal_code_check(third.deal_code)
