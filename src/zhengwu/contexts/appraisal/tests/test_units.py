from __future__ import annotations

import pytest

from zhengwu.contexts.appraisal.demo import demo_units_create
from zhengwu.contexts.appraisal.models import Unit
from zhengwu.contexts.appraisal.selectors import unit_counts
from zhengwu.contexts.appraisal.services import unit_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

APPRAISER = Actor(user_id=7, username="appraiser", roles=frozenset({"appraiser"}), ip="10.1.2.3")


def test_appraiser_creates_a_unit_with_one_audit_entry() -> None:
    unit = unit_create(code="C001", name="五华区政务服务中心", kind="centre", region_code="530102", by=APPRAISER)
    assert (unit.code, unit.name, unit.kind) == ("C001", "五华区政务服务中心", "centre")
    entries = list(AuditEntry.objects.filter(object_type="appraisal.unit"))
    assert [(e.action, e.object_id, e.actor_username) for e in entries] == [
        ("appraisal.unit.create", "C001", "appraiser")
    ]


@pytest.mark.parametrize(
    "role",
    ["centre_staff", "tenderer", "agency", "bidder", "expert", "regulator", "city_leader", "department_user", "public"],
)
def test_only_the_third_party_evaluator_manages_units(role: str) -> None:
    actor = Actor(user_id=9, username=role, roles=frozenset({role}))
    with pytest.raises(PermissionDenied):
        unit_create(code="D001", name="市财政局", kind="department", by=actor)
    assert Unit.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="appraisal.unit").count() == 0


def test_duplicate_and_invalid_units_are_refused_and_change_nothing() -> None:
    unit_create(code="D001", name="市财政局", kind="department", by=APPRAISER)
    with pytest.raises(Conflict) as taken:
        unit_create(code="D001", name="市商务局", kind="department", by=APPRAISER)
    assert taken.value.code == "unit_taken"
    with pytest.raises(InvalidInput) as bad_kind:
        unit_create(code="X001", name="某单位", kind="school", by=APPRAISER)
    assert bad_kind.value.code == "unit_kind"
    assert list(Unit.objects.values_list("code", "name")) == [("D001", "市财政局")]


def test_demo_units_are_forty_centres_and_thirty_four_departments() -> None:
    demo_units_create()
    assert unit_counts() == {"centre": 40, "department": 34}
    assert Unit.objects.count() == 74
