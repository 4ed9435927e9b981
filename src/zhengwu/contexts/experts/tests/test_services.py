"""The pool's services: entering, changing and suspending experts, conflicts and unavailability.

A refused call changes nothing: no row, no audit entry.
"""

from __future__ import annotations

import datetime as dt

import pytest

from zhengwu.contexts.experts.models import Expert, ExpertConflict, ExpertSpecialty, ExpertUnavailability
from zhengwu.contexts.experts.personal import id_card_open
from zhengwu.contexts.experts.services import (
    Window,
    availability_set,
    conflict_declare,
    conflict_withdraw,
    expert_reinstate,
    expert_retire,
    expert_suspend,
    expert_update,
)
from zhengwu.contexts.experts.tests.factories import TODAY, World, expert_make, id_card_make, uscc_make
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _update(expert: Expert, world: World, by: str = "staff", **changes: object) -> Expert:
    fields: dict[str, object] = {
        "name": expert.name,
        "phone": expert.phone,
        "employer_name": expert.employer_name,
        "employer_uscc": expert.employer_uscc,
        "region_code": expert.region_code,
        "title_name": expert.title_name,
        "title_level": expert.title_level,
        "work_years": expert.work_years,
        "base_type": expert.base_type,
        "main_specialty": "A080201",
        "other_specialties": [],
        "username": expert.username,
    }
    fields.update(changes)
    return expert_update(expert=expert, **fields, by=world[by])  # type: ignore[arg-type]


def test_enters_an_expert_with_the_number_sealed_and_only_its_mask_visible(world: World) -> None:
    number = id_card_make("530111", dt.date(1968, 9, 3), male=False)
    expert = expert_make(world, name="李秀英", id_card=number, other_specialties=["A080202", "a080210 "])
    expert.refresh_from_db()
    assert expert.id_card_masked == number[:6] + "********" + number[-4:]
    assert number not in expert.id_card_sealed
    assert number not in expert.id_card_digest
    assert id_card_open(expert_uuid=expert.uuid, sealed=expert.id_card_sealed) == number
    assert (expert.sex, expert.birth_date) == ("female", dt.date(1968, 9, 3))
    assert expert.status == "active"
    assert expert.entered_on == TODAY
    assert list(expert.specialties.values_list("code", "is_main")) == [
        ("A080201", True),
        ("A080202", False),
        ("A080210", False),
    ]
    entry = AuditEntry.objects.get(action="experts.expert.create", object_id=str(expert.uuid))
    assert number not in str(entry.after)
    assert entry.after["id_card"] == expert.id_card_masked


def test_a_sealed_number_moved_to_another_expert_does_not_open(world: World) -> None:
    from zhengwu.kernel.errors import IntegrityViolation

    one, other = world.experts["expert"], world.experts["expert_other"]
    with pytest.raises(IntegrityViolation):
        id_card_open(expert_uuid=other.uuid, sealed=one.id_card_sealed)


def test_reports_every_problem_of_the_fields_at_once_and_enters_nothing(world: World) -> None:
    before = Expert.objects.count()
    with pytest.raises(InvalidInput) as caught:
        expert_make(
            world,
            name="",
            id_card="530102197005170012",
            phone="12345",
            region_code="990102",
            title_level="特级",
            work_years="many",
            main_specialty="Z99",
        )
    codes = {e["code"] for e in caught.value.detail["errors"]}
    assert codes == {
        "name_required",
        "id_card_check_digit",
        "phone_invalid",
        "region_code_invalid",
        "title_level_unknown",
        "work_years_invalid",
        "specialty_unknown",
    }
    assert Expert.objects.count() == before


def test_refuses_a_person_already_in_the_pool(world: World) -> None:
    number = id_card_make()
    expert_make(world, id_card=number)
    with pytest.raises(Conflict) as caught:
        expert_make(world, id_card=number.lower(), name="另一人")
    assert caught.value.code == "expert_id_card_taken"
    assert Expert.objects.filter(name="另一人").count() == 0


def test_links_only_an_expert_account_not_linked_yet(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        expert_make(world, username="bidder")
    assert caught.value.code == "expert_account_not_expert"
    with pytest.raises(Conflict) as taken:
        expert_make(world, username="expert")
    assert taken.value.code == "expert_account_taken"
    linked = expert_make(world, username="expert_unlinked")
    assert linked.user_id == world["expert_unlinked"].user_id


@pytest.mark.parametrize("who", ["regulator", "expert", "tenderer", "agency", "bidder", "public", "appraiser"])
def test_only_staff_enter_experts(world: World, who: str) -> None:
    before = (Expert.objects.count(), AuditEntry.objects.count())
    with pytest.raises(PermissionDenied):
        _enter_as(world, who)
    assert (Expert.objects.count(), AuditEntry.objects.count()) == before


def _enter_as(world: World, who: str) -> None:
    from zhengwu.contexts.experts.services import expert_create

    expert_create(
        name="张三",
        id_card=id_card_make(),
        phone="13987650009",
        employer_name="某单位",
        region_code="530102",
        title_name="高级工程师",
        title_level="senior",
        work_years=10,
        base_type="comprehensive",
        main_specialty="A06",
        by=world[who],
    )


def test_a_change_of_employer_records_the_former_one_as_an_ended_employment(world: World) -> None:
    old_uscc, new_uscc = uscc_make(), uscc_make()
    expert = expert_make(world, employer_name="旧单位有限公司", employer_uscc=old_uscc)
    changed = _update(expert, world, employer_name="新单位有限公司", employer_uscc=new_uscc, work_years=20)
    assert (changed.employer_uscc, changed.version) == (new_uscc, 2)
    former = ExpertConflict.objects.get(expert=expert)
    assert (former.organisation_uscc, former.relation, former.ends_on) == (old_uscc, "employment", TODAY)
    # The same employer's name corrected next to its unchanged code is not a change of employer.
    _update(changed, world, employer_name="新单位（集团）有限公司", employer_uscc=new_uscc)
    assert ExpertConflict.objects.filter(expert=expert).count() == 1


def test_an_update_keeps_the_number_unless_a_new_one_is_given(world: World) -> None:
    expert = world.experts["expert"]
    sealed = expert.id_card_sealed
    kept = _update(expert, world, name="吴建国")
    assert kept.id_card_sealed == sealed
    new_number = id_card_make("530114", dt.date(1975, 1, 2))
    changed = _update(kept, world, id_card=new_number)
    assert id_card_open(expert_uuid=changed.uuid, sealed=changed.id_card_sealed) == new_number
    assert changed.birth_date == dt.date(1975, 1, 2)
    with pytest.raises(Conflict):
        _update(world.experts["expert_other"], world, id_card=new_number)


def test_an_expert_cannot_change_their_own_record(world: World) -> None:
    expert = world.experts["expert"]
    with pytest.raises(PermissionDenied):
        _update(expert, world, by="expert", name="改名")
    expert.refresh_from_db()
    assert (expert.name, expert.version) == ("吴建国", 1)


def test_suspends_reinstates_and_retires_by_the_transition_table(world: World) -> None:
    expert = world.experts["expert"]
    with pytest.raises(InvalidInput):
        expert_suspend(expert=expert, reason="", by=world["staff"])
    suspended = expert_suspend(expert=expert, reason="年度考核不合格", by=world["staff"])
    assert (suspended.status, suspended.status_reason) == ("suspended", "年度考核不合格")
    with pytest.raises(Conflict) as caught:
        expert_suspend(expert=expert, reason="再次暂停试试", by=world["staff"])
    assert caught.value.code == "expert_status_conflict"
    assert expert_reinstate(expert=expert, reason="复核合格恢复", by=world["staff"]).status == "active"
    retired = expert_retire(expert=expert, reason="本人申请退出", by=world["staff"])
    assert retired.status == "retired"
    with pytest.raises(Conflict):
        expert_reinstate(expert=expert, reason="想要恢复出库专家", by=world["staff"])
    with pytest.raises(Conflict):
        _update(retired, world, name="出库后修改")
    actions = list(
        AuditEntry.objects.filter(object_id=str(expert.uuid), action__startswith="experts.expert.").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "experts.expert.create",
        "experts.expert.suspend",
        "experts.expert.reinstate",
        "experts.expert.retire",
    ]


def test_regulators_read_but_do_not_suspend(world: World) -> None:
    expert = world.experts["expert"]
    with pytest.raises(PermissionDenied):
        expert_suspend(expert=expert, reason="监管要求暂停", by=world["regulator"])
    expert.refresh_from_db()
    assert expert.status == "active"


def test_an_expert_declares_their_own_conflict_but_not_another_experts(world: World) -> None:
    own, other = world.experts["expert"], world.experts["expert_other"]
    conflict = conflict_declare(
        expert=own,
        organisation_name="云南某建设工程有限公司",
        organisation_uscc=world.uscc["bidder"],
        relation="kinship",
        note="配偶任职",
        by=world["expert"],
    )
    assert (conflict.expert_id, conflict.declared_by_username) == (own.pk, "expert")
    before = ExpertConflict.objects.count()
    with pytest.raises(PermissionDenied):
        conflict_declare(expert=other, organisation_name="某公司", relation="other", by=world["expert"])
    with pytest.raises(PermissionDenied):
        conflict_declare(expert=own, organisation_name="某公司", relation="other", by=world["bidder"])
    assert ExpertConflict.objects.count() == before


def test_a_declaration_is_checked(world: World) -> None:
    own = world.experts["expert"]
    good = uscc_make()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidInput) as bad_code:
        conflict_declare(
            expert=own, organisation_name="某公司", organisation_uscc=wrong, relation="other", by=world["staff"]
        )
    assert bad_code.value.code == "organisation_uscc_invalid"
    with pytest.raises(InvalidInput):
        conflict_declare(expert=own, organisation_name="某公司", relation="friendship", by=world["staff"])
    with pytest.raises(InvalidInput):
        conflict_declare(
            expert=own,
            organisation_name="某公司",
            relation="employment",
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2024, 1, 1),
            by=world["staff"],
        )
    assert not ExpertConflict.objects.filter(expert=own).exists()


def test_only_staff_withdraw_a_declaration_and_it_stays_on_record(world: World) -> None:
    own = world.experts["expert"]
    conflict = conflict_declare(expert=own, organisation_name="某咨询公司", relation="other", by=world["expert"])
    with pytest.raises(PermissionDenied):
        conflict_withdraw(conflict=conflict, reason="申报有误，撤回", by=world["expert"])
    conflict.refresh_from_db()
    assert conflict.withdrawn_at is None
    withdrawn = conflict_withdraw(conflict=conflict, reason="经核实单位名称填错", by=world["staff"])
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.withdrawn_by_username == "staff"
    with pytest.raises(Conflict):
        conflict_withdraw(conflict=conflict, reason="再次撤销试试", by=world["staff"])
    assert ExpertConflict.objects.filter(pk=conflict.pk).exists()


def test_availability_is_replaced_whole_by_the_expert_or_staff(world: World) -> None:
    own = world.experts["expert"]
    rows = availability_set(
        expert=own,
        windows=[
            Window(dt.date(2026, 4, 1), dt.date(2026, 4, 10), "出差"),
            Window(dt.date(2026, 3, 10), dt.date(2026, 3, 12), "体检"),
        ],
        by=world["expert"],
    )
    assert [(r.starts_on, r.reason) for r in rows] == [(dt.date(2026, 3, 10), "体检"), (dt.date(2026, 4, 1), "出差")]
    availability_set(expert=own, windows=[Window(dt.date(2026, 5, 1), dt.date(2026, 5, 1), "会议")], by=world["staff"])
    assert list(ExpertUnavailability.objects.filter(expert=own).values_list("reason", flat=True)) == ["会议"]
    with pytest.raises(InvalidInput):
        availability_set(
            expert=own, windows=[Window(dt.date(2026, 5, 2), dt.date(2026, 5, 1), "倒置")], by=world["staff"]
        )
    with pytest.raises(InvalidInput):
        availability_set(expert=own, windows=[Window(dt.date(2026, 5, 2), dt.date(2026, 5, 3), " ")], by=world["staff"])
    with pytest.raises(PermissionDenied):
        availability_set(expert=own, windows=[], by=world["expert_other"])
    assert list(ExpertUnavailability.objects.filter(expert=own).values_list("reason", flat=True)) == ["会议"]


def test_specialties_have_exactly_one_main(world: World) -> None:
    expert = world.experts["expert"]
    assert ExpertSpecialty.objects.filter(expert=expert, is_main=True).count() == 1
