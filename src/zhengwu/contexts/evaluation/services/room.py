"""Writes of the evaluation room: create, choose the leader, compliance review, score sheets, sign the report.

Each service checks who acts (``selectors.member_for`` for the committee's work), changes in one
transaction and appends one audit entry. A refusal changes nothing. Order of the work, as the
committee does it (招标条例 第四十九条至第五十三条):

1. ``evaluation_create`` — centre staff or the host, once the section is ``evaluating``; the
   committee is the section's accepted panel; the method comes from the tender documents.
2. ``leader_vote`` / ``leader_set`` — the committee elects its leader (a member with more than
   half of the votes) or the staff record the choice.
3. ``compliance_mark`` — each member marks each opened bid compliant or not, with a reason code;
   marks are locked once every member has marked every bid; the decision is by majority (review.py).
4. ``sheet_save`` / ``sheet_submit`` — each member scores every compliant bid on every item;
   drafts keep exactly what was typed; submission validates (``score_sheet_problems``) and locks.
5. ``report_sign`` — once every sheet is in, each member signs the result; one who disagrees must
   write the dissent (招标条例 第五十三条); the report is complete when all have signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.bidding import services as bidding_services
from zhengwu.contexts.evaluation import selectors
from zhengwu.contexts.evaluation.config import method_build, method_items
from zhengwu.contexts.evaluation.models import (
    Adjustment,
    ComplianceMark,
    Evaluation,
    FlagAnswer,
    Member,
    Sheet,
    Signature,
)
from zhengwu.contexts.evaluation.rules import Disqualification, SheetProblem, score_sheet_problems
from zhengwu.contexts.evaluation.services.outcome import report_completed
from zhengwu.contexts.experts import selectors as experts_selectors
from zhengwu.contexts.identity import selectors as identity_selectors
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.kernel.money import money_to_fen
from zhengwu.platform.audit.services import audit_append

DISSENT_MAX = 4_000
SCORE_TEXT_MAX = 20


def _locked(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().get(pk=evaluation.pk)


def _open(evaluation: Evaluation) -> None:
    if evaluation.status != Evaluation.Status.REVIEWING:
        raise Conflict("评标报告已签署，评审结束", code="evaluation_complete")


def _representatives(section: Any, usernames: Sequence[str]) -> list[Any]:
    """The users named as the tenderer's representatives: people of the tenderer or its agency."""
    project = section.project
    allowed = {project.owner_org_id, project.agency_org_id} - {None}
    users = []
    for username in dict.fromkeys(u.strip() for u in usernames if u and u.strip()):
        try:
            user = identity_selectors.user_get(username=username)
        except NotFound:
            raise InvalidInput(
                f"用户“{username[:40]}”不存在", code="representative_unknown", detail={"username": username[:40]}
            ) from None
        if identity_selectors.actor_for(user=user).organisation_id not in allowed:
            raise InvalidInput(
                "招标人代表应为招标人或其委托的招标代理机构的人员（《招标投标法》第三十七条）",
                code="representative_not_tenderer",
                detail={"username": username[:40]},
            )
        users.append(user)
    return users


def evaluation_create(
    *, section: Any, method: Mapping[str, Any], representatives: Sequence[str] = (), by: Actor
) -> Evaluation:
    """Open the evaluation room of a section whose opening record is published (centre staff or host).

    The committee is the section's accepted panel (experts context), refused unless its size and
    composition are lawful (``experts_selectors.committee_check``); the method configuration is
    checked by building it (``config.method_build``). Every opened bid must carry its price in the
    read-out form (``price_fen``).
    """
    if by.is_system or not (
        by.has_role(*selectors.OVERSIGHT_ROLES[:1]) or tendering_selectors.can_manage(project=section.project, by=by)
    ):
        raise PermissionDenied("只有交易中心工作人员或招标人、招标代理机构可以组建评标室", code="evaluation_denied")
    if section.status != "evaluating":
        raise Conflict("标段尚未进入评标阶段", code="section_not_evaluating", detail={"status": section.status})
    config = dict(method)
    method_build(config)
    panel = experts_selectors.panel_for_section(section_code=section.code)
    if not panel:
        raise Conflict("该标段尚无确认参加的评标专家", code="panel_empty")
    # The law's size and composition (≥ 5, odd, experts ≥ 2/3 for construction; see experts.rules):
    # the drawn experts and the tenderer's representatives (招标投标法 第三十七条).
    reps = _representatives(section, representatives)
    size = len(panel) + len(reps)
    violations = experts_selectors.committee_check(
        procedure=section.project.procedure, size=size, experts=len(panel), budget_fen=section.estimate_fen
    )
    if violations:
        first = violations[0]
        raise Conflict(
            first["message"],
            code=first["code"],
            detail={"errors": violations, "size": size, "experts": len(panel)},
        )
    bids = bidding_selectors.opened_bids_for_evaluation(section_code=section.code)
    if not bids:
        raise Conflict("该标段没有开启的投标文件", code="no_opened_bids")
    for bid in bids:
        if bid.commercial_pending:
            continue  # 双信封: the price comes with the commercial envelope, opened after the technical review
        price = bid.readout.get("price_fen")
        if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
            raise InvalidInput("开标一览表缺少投标报价", code="readout_price_missing", detail={"bid_id": bid.bid_id})
    now = clock_now()
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                section_uuid=section.uuid,
                section_code=section.code,
                project_code=section.project.code,
                method=config,
                created_at=now,
                created_by_username=by.username,
            )
            for seat in panel:
                Member.objects.create(
                    evaluation=evaluation,
                    expert_id=seat.expert_id,
                    name=seat.name,
                    user_id=seat.user_id,
                    is_leader=seat.role == "leader",
                )
            for user in reps:
                Member.objects.create(
                    evaluation=evaluation,
                    expert_id=f"rep:{user.pk}",
                    kind=Member.Kind.REPRESENTATIVE,
                    name=user.display_name or user.username,
                    user_id=user.pk,
                )
            audit_append(
                actor=by,
                action="evaluation.create",
                object_type="evaluation.evaluation",
                object_id=section.code,
                after={
                    "method": config.get("kind"),
                    "members": size,
                    "representatives": [u.username for u in reps],
                    "bids": len(bids),
                },
            )
    except IntegrityError:
        raise Conflict("该标段的评标室已组建", code="evaluation_exists") from None
    return evaluation


def _leader_make(evaluation: Evaluation, leader: Member) -> None:
    evaluation.members.exclude(pk=leader.pk).update(is_leader=False)
    evaluation.members.filter(pk=leader.pk).update(is_leader=True)


def _seat(evaluation: Evaluation, expert_id: str) -> Member:
    found = evaluation.members.filter(expert_id=expert_id).first()
    if found is None:
        raise InvalidInput("该专家不是本评标委员会成员", code="member_unknown")
    return found


def leader_vote(*, evaluation: Evaluation, expert_id: str, by: Actor) -> Member | None:
    """A member votes for the committee's leader (推举); returns the leader once one has more than half the votes."""
    member = selectors.member_for(evaluation=evaluation, by=by)
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        candidate = _seat(locked, expert_id)
        Member.objects.filter(pk=member.pk).update(leader_vote=candidate)
        votes = locked.members.filter(leader_vote=candidate).count()
        elected = votes * 2 > locked.members.count()
        if elected:
            _leader_make(locked, candidate)
        audit_append(
            actor=by,
            action="evaluation.leader.vote",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"for": expert_id, "votes": votes, "elected": elected},
        )
    return candidate if elected else None


def leader_set(*, evaluation: Evaluation, expert_id: str, by: Actor) -> Member:
    """Centre staff record the committee's leader (where the committee does not elect one on the platform)."""
    if by.is_system or not by.has_role(selectors.OVERSIGHT_ROLES[0]):
        raise PermissionDenied("只有交易中心工作人员可以指定评标委员会组长", code="leader_denied")
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        candidate = _seat(locked, expert_id)
        _leader_make(locked, candidate)
        audit_append(
            actor=by,
            action="evaluation.leader.set",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"leader": expert_id},
        )
    return candidate


def compliance_mark(
    *, evaluation: Evaluation, bid_id: str, compliant: bool, reason: str = "", note: str = "", by: Actor
) -> ComplianceMark:
    """A member marks one opened bid compliant, or not with a reason code (``rules.bids``).

    Editable until every member has marked every bid; then the review is closed and the
    committee's decision (by majority) stands.
    """
    member = selectors.member_for(evaluation=evaluation, by=by)
    note = (note or "").strip()[:DISSENT_MAX]
    if compliant:
        reason, note = "", ""
    else:
        Disqualification(reason, note)  # InvalidInput for an unknown reason, or OTHER without a note
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        bids = selectors.bids_for(evaluation=locked)
        ids = [b.bid_id for b in bids]
        if bid_id not in ids:
            raise InvalidInput("投标文件不存在", code="bid_unknown", detail={"bid_id": str(bid_id)[:40]})
        if selectors.review_complete(evaluation=locked, bid_ids=ids):
            raise Conflict("符合性审查已结束", code="review_closed")
        mark, _ = ComplianceMark.objects.update_or_create(
            member=member,
            bid_id=bid_id,
            defaults={"compliant": compliant, "reason": reason, "note": note, "marked_at": clock_now()},
        )
        if any(b.commercial_pending for b in bids) and selectors.review_complete(evaluation=locked, bid_ids=ids):
            # 双信封: the technical review has concluded; the rejected bidders' commercial envelopes
            # are never opened (the second opening round skips them).
            verdicts = selectors.decisions(evaluation=locked, bid_ids=ids)
            rejected = [bid_id for bid_id, verdict in verdicts.items() if verdict is not None]
            if rejected:
                bidding_services.commercial_exclusions_record(
                    section_code=locked.section_code,
                    bid_ids=rejected,
                    reason="technical_rejected",
                    by=Actor.system("evaluation"),
                )
        audit_append(
            actor=by,
            action="evaluation.compliance.mark",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"bid": bid_id, "compliant": compliant, "reason": reason},
        )
    return mark


def _scores_kept(scores: Mapping[str, Mapping[str, Any]], bid_ids: list[str], codes: list[str]) -> dict[str, Any]:
    # Keep what was typed, as text, for the bids and items of the sheet; nothing else.
    kept: dict[str, dict[str, str]] = {}
    for bid_id in bid_ids:
        row = scores.get(bid_id) or {}
        kept[bid_id] = {
            code: str(row[code]).strip()[:SCORE_TEXT_MAX]
            for code in codes
            if code in row and row[code] is not None and str(row[code]).strip() != ""
        }
    return kept


def _sheet_write(evaluation: Evaluation, member: Member, scores: Mapping[str, Mapping[str, Any]]) -> Sheet:
    valid = selectors.valid_bid_ids(evaluation=evaluation)
    if valid is None:
        raise Conflict("符合性审查尚未结束，不能评分", code="review_open")
    codes = [item.code for item in method_items(method_build(evaluation.method))]
    if not codes:
        raise Conflict("经评审的最低投标价法不打分，无评分表", code="method_unscored")
    sheet = Sheet.objects.select_for_update().filter(member=member).first()
    if sheet is not None and sheet.submitted_at is not None:
        raise Conflict("评分表已提交，不能修改", code="sheet_submitted")
    kept = _scores_kept(scores, valid, codes)
    if sheet is None:
        sheet = Sheet(member=member)
    sheet.scores = kept
    sheet.updated_at = clock_now()
    sheet.save()
    return sheet


def sheet_problems(*, evaluation: Evaluation, sheet: Sheet) -> list[SheetProblem]:
    """What is wrong or missing in one member's sheet (``score_sheet_problems`` over the compliant bids)."""
    from zhengwu.contexts.evaluation.rules import ScoreSheet

    valid = selectors.valid_bid_ids(evaluation=evaluation) or []
    method = method_build(evaluation.method)
    rows = [
        ScoreSheet(expert_id=sheet.member.expert_id, bid_id=bid_id, scores=sheet.scores.get(bid_id, {}))
        for bid_id in valid
    ]
    return score_sheet_problems(items=method_items(method), sheets=rows, bid_ids=valid, rounding=method.rounding)


def sheet_save(*, evaluation: Evaluation, scores: Mapping[str, Mapping[str, Any]], by: Actor) -> Sheet:
    """Save a member's draft sheet as typed (wrong or missing values included: nothing typed is lost)."""
    member = selectors.member_for(evaluation=evaluation, by=by)
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        sheet = _sheet_write(locked, member, scores)
        audit_append(
            actor=by,
            action="evaluation.sheet.save",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"member": member.expert_id},
        )
    return sheet


def sheet_submit(*, evaluation: Evaluation, scores: Mapping[str, Mapping[str, Any]], by: Actor) -> Sheet:
    """Save and submit a member's sheet: refused (the draft kept) while any score is wrong or missing; then locked.

    The refusal is ``InvalidInput`` with the first problem's code and every problem in ``detail``;
    the draft is saved in its own transaction first, so what was typed is never lost.
    """
    member = selectors.member_for(evaluation=evaluation, by=by)
    sheet = sheet_save(evaluation=evaluation, scores=scores, by=by)
    problems = sheet_problems(evaluation=evaluation, sheet=sheet)
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, code=first.code, detail={"problems": [p.as_dict() for p in problems]})
    if any(b.commercial_pending for b in selectors.bids_for(evaluation=evaluation)):
        raise Conflict("商务标尚未开启，评分表暂不能提交（可先保存草稿）", code="commercial_pending")
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        row = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if row.submitted_at is not None:
            raise Conflict("评分表已提交，不能修改", code="sheet_submitted")
        row.submitted_at = clock_now()
        row.save(update_fields=["submitted_at"])
        audit_append(
            actor=by,
            action="evaluation.sheet.submit",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"member": member.expert_id, "bids": len(row.scores)},
        )
    return row


def report_sign(*, evaluation: Evaluation, agrees: bool, dissent: str = "", by: Actor) -> Signature:
    """A member signs the evaluation report; a member who disagrees must state the dissent in writing.

    招标条例 第五十三条: the report is signed by every member; one who disagrees states the reasons in
    writing, and one who refuses both to sign and to state reasons is deemed to agree — so a
    refusal without reasons is not accepted here (``dissent_required``). The signature binds the
    result's digest. The report is complete once every member has signed.
    """
    member = selectors.member_for(evaluation=evaluation, by=by)
    dissent = (dissent or "").strip()
    if len(dissent) > DISSENT_MAX:
        raise InvalidInput(f"不同意见不得超过{DISSENT_MAX}字", code="dissent_too_long")
    if not agrees and not dissent:
        raise InvalidInput("不同意评标结果的，应当书面说明不同意见和理由", code="dissent_required")
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        result = selectors.result_for(evaluation=locked)
        if result is None:
            raise Conflict("尚有评委未提交评分表", code="sheets_pending")
        if Signature.objects.filter(member=member).exists():
            raise Conflict("已签署评标报告", code="report_signed")
        open_flags = selectors.flags_unanswered(evaluation=locked, result=result)
        if open_flags:
            # The committee signs a result whose outlying scores were looked at by their authors.
            raise Conflict(
                "尚有偏离评委会平均分的评分未经本人确认或修改",
                code="deviations_unanswered",
                detail={
                    "flags": [{"expert_id": f.expert_id, "bid_id": f.bid_id, "item": f.item_code} for f in open_flags]
                },
            )
        now = clock_now()
        signature = Signature.objects.create(
            member=member, agrees=agrees, dissent=dissent, result_digest=selectors.result_digest(result), signed_at=now
        )
        complete = Signature.objects.filter(member__evaluation=locked).count() == locked.members.count()
        if complete:
            locked.status = Evaluation.Status.COMPLETE
            locked.completed_at = now
            locked.version += 1
            locked.save(update_fields=["status", "completed_at", "version"])
            report_completed(evaluation=locked, result=result, digest=signature.result_digest, now=now)
        audit_append(
            actor=by,
            action="evaluation.report.sign",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={
                "member": member.expert_id,
                "agrees": agrees,
                "digest": signature.result_digest,
                "complete": complete,
            },
        )
    return signature


ADJUSTMENT_CODE_MAX = 40
ADJUSTMENT_REASON_MAX = 300


def adjustment_record(
    *, evaluation: Evaluation, bid_id: str, code: str, amount_yuan: str, reason: str, by: Actor
) -> Adjustment | None:
    """The leader records a price adjustment the committee agreed (经评审的最低投标价法 only).

    12号令 第三十一条: the committee quantifies the tender documents' factors as money on each
    compliant bid's price (价格比较一览表). Positive adds to the evaluated price, negative takes off;
    zero removes the factor. Only after the compliance review, before anyone has signed.
    """
    member = selectors.member_for(evaluation=evaluation, by=by)
    if not member.is_leader:
        raise PermissionDenied("价格调整由评标委员会组长代表委员会录入", code="leader_required")
    code = (code or "").strip()
    reason = (reason or "").strip()
    if not code or len(code) > ADJUSTMENT_CODE_MAX:
        raise InvalidInput("请填写调整因素", code="adjustment_code_required", detail={"field": "code"})
    if not reason or len(reason) > ADJUSTMENT_REASON_MAX:
        raise InvalidInput(
            "请填写调整依据（招标文件条款）", code="adjustment_reason_required", detail={"field": "reason"}
        )
    try:
        amount_fen = money_to_fen(amount_yuan)
    except InvalidInput as exc:
        exc.detail = {**exc.detail, "field": "amount"}
        raise
    if method_items(method_build(evaluation.method)):
        raise Conflict("只有经评审的最低投标价法可以调整评审价格", code="adjustments_not_applicable")
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        valid = selectors.valid_bid_ids(evaluation=locked)
        if valid is None:
            raise Conflict("符合性审查尚未结束", code="review_open")
        if bid_id not in valid:
            raise InvalidInput(
                "只能对通过符合性审查的投标调整", code="bid_not_valid", detail={"bid_id": str(bid_id)[:40]}
            )
        if Signature.objects.filter(member__evaluation=locked).exists():
            raise Conflict("已有成员签署评标报告，不能再调整", code="report_signing")
        row: Adjustment | None
        if amount_fen == 0:
            Adjustment.objects.filter(evaluation=locked, bid_id=bid_id, code=code).delete()
            row = None
        else:
            row, _ = Adjustment.objects.update_or_create(
                evaluation=locked,
                bid_id=bid_id,
                code=code,
                defaults={
                    "amount_fen": amount_fen,
                    "reason": reason,
                    "recorded_by_username": by.username,
                    "recorded_at": clock_now(),
                },
            )
        audit_append(
            actor=by,
            action="evaluation.adjustment.record",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"bid": bid_id, "code": code, "amount_fen": amount_fen, "reason": reason},
        )
    return row


REASON_MAX = 2_000


def flag_confirm(*, evaluation: Evaluation, bid_id: str, item_code: str, reason: str, by: Actor) -> FlagAnswer:
    """A member confirms a score of theirs that deviates beyond the limit, stating why (reasons required).

    The flag must be one of the member's in the current result; the answer covers that score only.
    """
    member = selectors.member_for(evaluation=evaluation, by=by)
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise InvalidInput("请说明坚持该评分的理由", code="flag_reason_required", detail={"field": "reason"})
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        result = selectors.result_for(evaluation=locked)
        flag = next(
            (
                f
                for f in (result.deviation_flags if result else ())
                if f.expert_id == member.expert_id and f.bid_id == bid_id and (f.item_code or "") == (item_code or "")
            ),
            None,
        )
        if flag is None:
            raise InvalidInput("没有该项偏离提示", code="flag_unknown", detail={"bid_id": str(bid_id)[:40]})
        answer, _ = FlagAnswer.objects.update_or_create(
            member=member,
            bid_id=bid_id,
            item_code=item_code or "",
            score=str(flag.score),
            defaults={"reason": reason, "answered_at": clock_now()},
        )
        audit_append(
            actor=by,
            action="evaluation.flag.confirm",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"member": member.expert_id, "bid": bid_id, "item": item_code, "score": str(flag.score)},
        )
    return answer


def sheet_reopen(*, evaluation: Evaluation, by: Actor) -> Sheet:
    """A member whose scores were flagged reopens their submitted sheet to revise it (before anyone signs).

    The sheet becomes a draft again, exactly as it was; the result waits for it to be resubmitted.
    """
    member = selectors.member_for(evaluation=evaluation, by=by)
    with transaction.atomic():
        locked = _locked(evaluation)
        _open(locked)
        result = selectors.result_for(evaluation=locked)
        if result is None or not any(f.expert_id == member.expert_id for f in result.deviation_flags):
            raise Conflict("只有评分被提示偏离的评委可以修改已提交的评分表", code="sheet_not_flagged")
        if Signature.objects.filter(member__evaluation=locked).exists():
            raise Conflict("已有成员签署评标报告，不能再修改评分", code="report_signing")
        sheet = Sheet.objects.select_for_update().get(member=member)
        sheet.submitted_at = None
        sheet.updated_at = clock_now()
        sheet.save(update_fields=["submitted_at", "updated_at"])
        audit_append(
            actor=by,
            action="evaluation.sheet.reopen",
            object_type="evaluation.evaluation",
            object_id=locked.section_code,
            after={"member": member.expert_id},
        )
    return sheet
