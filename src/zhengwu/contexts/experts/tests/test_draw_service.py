"""The draw over the pool: commit, perform, the record re-runs, avoidance holds, reserves replace decliners."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from zhengwu.contexts.experts import services
from zhengwu.contexts.experts.models import Expert, ExpertAssignment, ExpertDraw
from zhengwu.contexts.experts.rules import DrawGroup
from zhengwu.contexts.experts.tests.factories import TODAY, World, expert_make, id_card_make
from zhengwu.contexts.experts.verify import record_verify
from zhengwu.kernel.errors import Conflict, PermissionDenied
from zhengwu.platform.audit.models import AuditEntry

SECTION = "E5301142026000010001001"
EVALUATION_ON = TODAY + dt.timedelta(days=20)


def _pool(world: World) -> dict[str, Expert]:
    """Twelve road experts: nine free, one employed by the tenderer, one tied to the bidder, one suspended."""
    made: dict[str, Expert] = {}
    for n in range(9):
        made[f"free{n}"] = expert_make(
            world,
            name=f"专家{n}",
            id_card=id_card_make(birth=dt.date(1965 + n, 3, 1)),
            phone=f"139876500{n + 10}",
        )
    made["tenderer_staff"] = expert_make(
        world,
        name="招标人员工",
        id_card=id_card_make(birth=dt.date(1980, 1, 1)),
        employer_uscc=world.uscc["tenderer"],
        employer_name="昆明某城市建设投资有限公司",
    )
    made["bidder_kin"] = expert_make(world, name="投标人亲属", id_card=id_card_make(birth=dt.date(1981, 1, 1)))
    services.conflict_declare(
        expert=made["bidder_kin"],
        organisation_uscc=world.uscc["bidder"],
        organisation_name="云南某建设工程有限公司",
        relation="kinship",
        note="配偶任该公司法定代表人",
        by=world["staff"],
    )
    made["suspended"] = expert_make(world, name="暂停专家", id_card=id_card_make(birth=dt.date(1982, 1, 1)))
    services.expert_suspend(expert=made["suspended"], reason="违规记录", by=world["staff"])
    return made


def _commit(world: World) -> ExpertDraw:
    return services.draw_commit(
        section_code=SECTION,
        project_code="E5301142026000010001",
        tenderer_uscc=world.uscc["tenderer"],
        evaluation_on=EVALUATION_ON,
        groups=[DrawGroup(specialties=("A0802",), count=5, reserves=3)],
        bidder_usccs=[world.uscc["bidder"]],
        by=world["staff"],
    )


@pytest.mark.django_db
def test_a_draw_is_committed_then_performed_and_anyone_can_re_run_it(world: World) -> None:
    pool = _pool(world)
    committed = _commit(world)
    # Before the draw: the commitment only; the seed is nowhere in clear.
    assert committed.status == "committed"
    assert committed.record is None
    assert "seed" not in committed.committed
    assert not ExpertAssignment.objects.filter(section_code=SECTION).exists()
    published = committed.commitment

    drawn = services.draw_perform(draw=committed, by=world["staff"])
    record = drawn.record
    assert record is not None
    assert record_verify(json.loads(json.dumps(record)), commitment=published) == []
    (group,) = record["result"]
    assert len(group["picks"]) == 5
    assert len(group["reserves"]) == 3
    # The avoided never appear: the tenderer's employee, the bidder's relative, the suspended one.
    avoided = {str(pool[k].uuid) for k in ("tenderer_staff", "bidder_kin", "suspended")}
    assert not avoided & {*group["picks"], *group["reserves"]}
    excluded = {e["id"]: e["reasons"] for e in record["pool"]["excluded"]}
    assert str(pool["tenderer_staff"].uuid) in excluded
    assert str(pool["bidder_kin"].uuid) in excluded
    assigned = set(ExpertAssignment.objects.filter(section_code=SECTION).values_list("expert__uuid", flat=True))
    assert {str(u) for u in assigned} == set(group["picks"])
    # A tampered record no longer verifies.
    forged = json.loads(json.dumps(record))
    forged["result"][0]["picks"][0] = str(pool["tenderer_staff"].uuid)
    assert record_verify(forged, commitment=published) != []
    # The draw is done once.
    with pytest.raises(Conflict) as again:
        services.draw_perform(draw=drawn, by=world["staff"])
    assert again.value.code == "draw_done"


@pytest.mark.django_db
def test_only_staff_draw_and_a_refusal_changes_nothing(world: World) -> None:
    _pool(world)
    audit = AuditEntry.objects.count()
    for who in ("tenderer", "agency", "bidder", "regulator", "expert", "public"):
        with pytest.raises(PermissionDenied):
            _commit_as(world, who)
    assert not ExpertDraw.objects.exists()
    assert AuditEntry.objects.count() == audit
    first = _commit(world)
    with pytest.raises(Conflict) as twice:
        _commit(world)
    assert twice.value.code == "draw_exists"
    with pytest.raises(PermissionDenied):
        services.draw_perform(draw=first, by=world["regulator"])
    assert ExpertDraw.objects.get().status == "committed"


def _commit_as(world: World, who: str) -> ExpertDraw:
    return services.draw_commit(
        section_code=SECTION,
        project_code="E5301142026000010001",
        tenderer_uscc=world.uscc["tenderer"],
        evaluation_on=EVALUATION_ON,
        groups=[DrawGroup(specialties=("A0802",), count=5, reserves=3)],
        by=world[who],
    )


@pytest.mark.django_db
def test_a_decline_calls_the_next_reserve_in_the_records_order(world: World) -> None:
    _pool(world)
    drawn = services.draw_perform(draw=_commit(world), by=world["staff"])
    record = drawn.record
    assert record is not None
    (group,) = record["result"]
    # The account "expert" is the first pick's own (the pool's link moved to it for this test).
    first = Expert.objects.get(uuid=group["picks"][0])
    user_id = Expert.objects.get(username="expert").user_id
    Expert.objects.filter(username="expert").update(user_id=None, username="")
    Expert.objects.filter(pk=first.pk).update(user_id=user_id, username="expert")
    mine = ExpertAssignment.objects.get(section_code=SECTION, expert=first)
    # Nobody answers for someone else.
    other = ExpertAssignment.objects.filter(section_code=SECTION).exclude(pk=mine.pk).first()
    assert other is not None
    with pytest.raises(PermissionDenied):
        services.assignment_answer(assignment=other, accept=False, by=world["expert"])
    assert ExpertAssignment.objects.get(pk=other.pk).status == "notified"

    replacement = services.assignment_answer(assignment=mine, accept=False, by=world["expert"])
    assert ExpertAssignment.objects.get(pk=mine.pk).status == "declined"
    assert replacement is not None
    assert str(replacement.expert.uuid) == group["reserves"][0]
    assert ExpertAssignment.objects.filter(section_code=SECTION, status="notified").count() == 5
    with pytest.raises(Conflict) as answered:
        services.assignment_answer(assignment=mine, accept=True, by=world["expert"])
    assert answered.value.code == "assignment_answered"
