"""Experts entered, changed, suspended, reinstated and retired by the centre's staff."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction

from zhengwu.contexts.experts.models import Expert, ExpertConflict, ExpertSpecialty
from zhengwu.contexts.experts.personal import id_card_digest, id_card_seal
from zhengwu.contexts.experts.services.common import (
    ExpertFields,
    ExpertInput,
    errors_raise,
    expert_input_check,
    expert_summary,
    reason_checked,
    require_staff,
)
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import user_get
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now, clock_today
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound
from zhengwu.kernel.idcard import idcard_mask
from zhengwu.platform.audit.services import audit_append

# Which statuses each staff action may start from. Retirement (出库) is final: an expert who
# comes back is entered again, with a new entry date.
STATUS_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({"active"}), "suspended"),
    "reinstate": (frozenset({"suspended"}), "active"),
    "retire": (frozenset({"active", "suspended"}), "retired"),
}
STATUS_ACTION_LABELS = {"suspend": "暂停专家", "reinstate": "恢复专家", "retire": "专家出库"}


def account_for(username: str, *, expert: Expert | None = None) -> tuple[int | None, str]:
    """The (id, username) of the expert account ``username``, checked; (None, "") for none.

    The account must be active, hold the expert role and not be linked to another expert.
    """
    username = (username or "").strip()
    if not username:
        return None, ""
    try:
        user = user_get(username=username)
    except NotFound as exc:
        raise InvalidInput(
            f"账号“{username}”不存在", code="expert_account_not_found", detail={"field": "username"}
        ) from exc
    if not user.is_active or Role.EXPERT not in user.role_codes:
        raise InvalidInput(
            f"账号“{username}”不是在用的评标专家账号", code="expert_account_not_expert", detail={"field": "username"}
        )
    taken = Expert.objects.filter(user_id=user.pk)
    if expert is not None:
        taken = taken.exclude(pk=expert.pk)
    if taken.exists():
        raise Conflict(f"账号“{username}”已关联其他专家", code="expert_account_taken", detail={"field": "username"})
    return user.pk, user.username


def expert_build(fields: ExpertFields, *, by: Actor, now: dt.datetime, today: dt.date) -> Expert:
    """An unsaved expert from checked fields (with its number sealed and digested)."""
    assert fields.birth_date is not None
    expert = Expert(
        name=fields.name,
        id_card_masked=idcard_mask(fields.id_card),
        id_card_digest=id_card_digest(fields.id_card),
        sex=fields.sex,
        birth_date=fields.birth_date,
        phone=fields.phone,
        employer_name=fields.employer_name,
        employer_uscc=fields.employer_uscc,
        region_code=fields.region_code,
        title_name=fields.title_name,
        title_level=fields.title_level,
        qualifications=fields.qualifications,
        education=fields.education,
        work_years=fields.work_years,
        work_years_on=today,
        base_type=fields.base_type,
        entered_on=fields.entered_on,
        created_at=now,
        created_by_username=by.username,
    )
    expert.id_card_sealed = id_card_seal(expert_uuid=expert.uuid, number=fields.id_card)
    return expert


def specialties_save(expert: Expert, specialties: Sequence[tuple[str, bool]]) -> None:
    ExpertSpecialty.objects.bulk_create(
        [ExpertSpecialty(expert=expert, code=code, is_main=main) for code, main in specialties]
    )


def id_card_taken(digest: str, *, expert: Expert | None = None) -> bool:
    rows = Expert.objects.filter(id_card_digest=digest)
    if expert is not None:
        rows = rows.exclude(pk=expert.pk)
    return rows.exists()


def _id_card_conflict() -> Conflict:
    return Conflict("该身份证号码已在专家库中", code="expert_id_card_taken", detail={"field": "id_card"})


def _employer_changed(expert: Expert, fields: ExpertFields) -> bool:
    # Two codes decide; without both, the names do (adding the code of the same employer, or
    # correcting its spelling next to an unchanged code, is not a change of employer).
    if expert.employer_uscc and fields.employer_uscc:
        return expert.employer_uscc != fields.employer_uscc
    return expert.employer_name != fields.employer_name


def expert_create(
    *,
    name: str,
    id_card: str,
    phone: str,
    employer_name: str,
    region_code: str,
    title_name: str,
    title_level: str,
    work_years: int | str | None,
    base_type: str,
    main_specialty: str,
    other_specialties: Sequence[str] = (),
    employer_uscc: str = "",
    qualifications: str = "",
    education: str = "",
    entered_on: dt.date | None = None,
    username: str = "",
    by: Actor,
) -> Expert:
    """Enter an expert in the pool (the centre's staff).

    Every field is checked at once (``detail["errors"]`` lists every problem); the identity
    number must pass GB 11643 and not be in the pool yet; ``username`` links an existing expert
    account, so that the expert can sign in and see their own assignments.
    """
    require_staff(by, what="录入专家")
    today = clock_today()
    fields, errors = expert_input_check(
        ExpertInput(
            name=name,
            id_card=id_card,
            phone=phone,
            employer_name=employer_name,
            region_code=region_code,
            title_name=title_name,
            title_level=title_level,
            work_years=work_years,
            base_type=base_type,
            main_specialty=main_specialty,
            other_specialties=other_specialties,
            employer_uscc=employer_uscc,
            qualifications=qualifications,
            education=education,
            entered_on=entered_on,
        ),
        today=today,
    )
    errors_raise(errors)
    assert fields is not None
    user_id, linked = account_for(username)
    now = clock_now()
    expert = expert_build(fields, by=by, now=now, today=today)
    expert.user_id, expert.username = user_id, linked
    if id_card_taken(expert.id_card_digest):
        raise _id_card_conflict()
    try:
        with transaction.atomic():
            expert.save(force_insert=True)
            specialties_save(expert, fields.specialties)
            audit_append(
                actor=by,
                action="experts.expert.create",
                object_type="experts.expert",
                object_id=str(expert.uuid),
                after=expert_summary(expert, fields.specialties),
            )
    except IntegrityError as exc:
        # A concurrent entry of the same person (or account) won the race.
        if id_card_taken(expert.id_card_digest):
            raise _id_card_conflict() from exc
        raise Conflict("该账号已关联其他专家", code="expert_account_taken", detail={"field": "username"}) from exc
    return expert


def expert_update(
    *,
    expert: Expert,
    name: str,
    phone: str,
    employer_name: str,
    region_code: str,
    title_name: str,
    title_level: str,
    work_years: int | str | None,
    base_type: str,
    main_specialty: str,
    other_specialties: Sequence[str] = (),
    employer_uscc: str = "",
    qualifications: str = "",
    education: str = "",
    entered_on: dt.date | None = None,
    id_card: str = "",
    username: str = "",
    by: Actor,
) -> Expert:
    """Change an expert's record (the centre's staff); every field is given, as on the edit form.

    An empty ``id_card`` keeps the stored number. A change of employer records the former one as
    an ended employment relation (``ExpertConflict``), so the draw keeps avoiding its tenders
    for the look-back period. A retired expert cannot be changed.
    """
    require_staff(by, what="修改专家信息")
    today = clock_today()
    fields, errors = expert_input_check(
        ExpertInput(
            name=name,
            id_card=id_card,
            phone=phone,
            employer_name=employer_name,
            region_code=region_code,
            title_name=title_name,
            title_level=title_level,
            work_years=work_years,
            base_type=base_type,
            main_specialty=main_specialty,
            other_specialties=other_specialties,
            employer_uscc=employer_uscc,
            qualifications=qualifications,
            education=education,
            entered_on=entered_on or expert.entered_on,
        ),
        today=today,
        id_card_required=False,
    )
    errors_raise(errors)
    assert fields is not None
    user_id, linked = account_for(username, expert=expert)
    now = clock_now()
    try:
        with transaction.atomic():
            locked = Expert.objects.select_for_update().get(pk=expert.pk)
            if locked.status == Expert.Status.RETIRED:
                raise Conflict("专家已出库，不能修改", code="expert_retired", detail={"expert": str(locked.uuid)})
            before = expert_summary(locked)
            if fields.id_card:
                digest = id_card_digest(fields.id_card)
                if digest != locked.id_card_digest:
                    if id_card_taken(digest, expert=locked):
                        raise _id_card_conflict()
                    assert fields.birth_date is not None
                    locked.id_card_digest = digest
                    locked.id_card_masked = idcard_mask(fields.id_card)
                    locked.id_card_sealed = id_card_seal(expert_uuid=locked.uuid, number=fields.id_card)
                    locked.sex, locked.birth_date = fields.sex, fields.birth_date
            employer_changed = _employer_changed(locked, fields)
            if employer_changed:
                ExpertConflict.objects.create(
                    expert=locked,
                    organisation_uscc=locked.employer_uscc,
                    organisation_name=locked.employer_name,
                    relation=ExpertConflict.Relation.EMPLOYMENT,
                    ends_on=today,
                    note="原工作单位（变更工作单位时自动登记）",
                    declared_at=now,
                    declared_by_username=by.username,
                )
            if fields.work_years != locked.work_years:
                locked.work_years_on = today
            for attr in (
                "name",
                "phone",
                "employer_name",
                "employer_uscc",
                "region_code",
                "title_name",
                "title_level",
                "work_years",
                "base_type",
                "qualifications",
                "education",
                "entered_on",
            ):
                setattr(locked, attr, getattr(fields, attr))
            locked.user_id, locked.username = user_id, linked
            locked.updated_at = now
            locked.version += 1
            locked.save()
            locked.specialties.all().delete()
            specialties_save(locked, fields.specialties)
            audit_append(
                actor=by,
                action="experts.expert.update",
                object_type="experts.expert",
                object_id=str(locked.uuid),
                before=before,
                after={**expert_summary(locked, fields.specialties), "employer_recorded_as_conflict": employer_changed},
            )
    except IntegrityError as exc:
        raise Conflict("该账号已关联其他专家", code="expert_account_taken", detail={"field": "username"}) from exc
    return locked


def _status_change(*, expert: Expert, action: str, reason: str, by: Actor) -> Expert:
    what = STATUS_ACTION_LABELS[action]
    require_staff(by, what=what)
    reason = reason_checked(reason, what=f"{what}的原因")
    allowed, target = STATUS_TRANSITIONS[action]
    with transaction.atomic():
        locked = Expert.objects.select_for_update().get(pk=expert.pk)
        if locked.status not in allowed:
            raise Conflict(
                f"专家当前状态为“{locked.get_status_display()}”，不能{what}",
                code="expert_status_conflict",
                detail={"status": locked.status, "action": action},
            )
        before = {"status": locked.status, "status_reason": locked.status_reason, "version": locked.version}
        locked.status = target
        locked.status_reason = reason
        locked.updated_at = clock_now()
        locked.version += 1
        locked.save(update_fields=["status", "status_reason", "updated_at", "version"])
        audit_append(
            actor=by,
            action=f"experts.expert.{action}",
            object_type="experts.expert",
            object_id=str(locked.uuid),
            before=before,
            after={"status": locked.status, "status_reason": reason, "version": locked.version},
        )
    return locked


def expert_suspend(*, expert: Expert, reason: str, by: Actor) -> Expert:
    """Suspend an active expert (暂停抽取): not drawn until reinstated (the centre's staff, with a reason)."""
    return _status_change(expert=expert, action="suspend", reason=reason, by=by)


def expert_reinstate(*, expert: Expert, reason: str, by: Actor) -> Expert:
    """Reinstate a suspended expert (the centre's staff, with a reason)."""
    return _status_change(expert=expert, action="reinstate", reason=reason, by=by)


def expert_retire(*, expert: Expert, reason: str, by: Actor) -> Expert:
    """Take an expert out of the pool for good (出库: the centre's staff, with a reason)."""
    return _status_change(expert=expert, action="retire", reason=reason, by=by)
