"""Clarification questions and answers (答疑/澄清), and objections (异议) with their reply times.

Questions are anonymous to the tenderer: the asker is stored for the platform and shown to no
one else. An answer goes to every holder of the documents; one that changes the documents too
close to the deadline moves the deadline as the law requires (招标投标法 第二十三条) and is
published as an amendment notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import iso, next_check_for, section_summary, violation_error
from zhengwu.contexts.tendering.models import (
    Answer,
    AnswerDelivery,
    DocumentObtain,
    Notice,
    Objection,
    Question,
    Section,
)
from zhengwu.contexts.tendering.services._holders import holder_org_ids
from zhengwu.contexts.tendering.services.common import (
    BEFORE_DEADLINE_STATUSES,
    deadline_move,
    notice_event,
    opening_notice_of,
    require_manager,
    ruleset_of,
    section_locked,
    suspension_check,
    text_required,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.workdays.selectors import calendar_get

TEXT_MAX = 5_000
ANSWER_MAX = 50_000


def _bidder_required(by: Actor, *, what: str) -> int:
    if not by.has_role(Role.BIDDER) or by.organisation_id is None:
        raise PermissionDenied(
            f"只有投标人（供应商、竞买人）可以{what}", code="bidder_required", detail={"action": what}
        )
    if not by.organisation_verified:
        raise PermissionDenied(
            f"单位尚未通过核验，不能{what}", code="organisation_not_verified", detail={"action": what}
        )
    return by.organisation_id


def _before_deadline(section: Section, now: dt.datetime) -> None:
    if section.status == rules.SectionStatus.DRAFT or section.bid_deadline is None:
        raise Conflict("该标段尚未发布公告", code="section_not_published", detail={"section": section.code})
    if now >= section.bid_deadline:
        raise Conflict(
            "投标截止时间已过",
            code="bid_deadline_passed",
            detail={"section": section.code, "bid_deadline": iso(section.bid_deadline)},
        )
    if section.status != rules.SectionStatus.ACCEPTING_BIDS:
        raise Conflict("该标段已不在投标阶段", code="section_closed", detail={"status": section.status})


def question_ask(*, section: Section, text: str, by: Actor) -> Question:
    """Ask a clarification question on a section's documents (bidders who obtained them, before the deadline).

    The tenderer and everyone else see the question without its asker; the asker sees it as its own.
    """
    organisation_id = _bidder_required(by, what="提出澄清问题")
    text = text_required(text, field="text", label="问题", max_length=TEXT_MAX)
    if not DocumentObtain.objects.filter(section=section, organisation_id=organisation_id).exists():
        raise PermissionDenied("请先获取招标文件再提问", code="documents_not_obtained")
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        suspension_check(locked)
        _before_deadline(locked, now)
        question = Question.objects.create(
            section=locked,
            asker_org_id=organisation_id,
            asker_org_name=by.organisation_name,
            asker_user_id=by.user_id,
            text=text,
            asked_at=now,
        )
        audit_append(
            actor=by,
            action="tendering.question.ask",
            object_type="tendering.question",
            object_id=str(question.uuid),
            after={"text": text},
        )
    return question


def _local(instant: dt.datetime | None) -> str:
    return instant.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if instant else ""


def _amendment_notice_create(
    *,
    section: Section,
    body: str,
    extended: bool,
    affects_bid_preparation: bool,
    now: dt.datetime,
    by: Actor,
    doc_issue_end: dt.datetime | None = None,
) -> Notice:
    """A published amendment notice (澄清/修改公告) stating the locked section's deadline; no event yet.

    ``doc_issue_end``: the document issue period was moved to end then (after a suspension).
    """
    project = section.project
    deadline_text = (
        f"投标截止时间和开标时间顺延至{_local(section.bid_deadline)}。"
        if extended
        else f"投标截止时间不变，仍为{_local(section.bid_deadline)}。"
    )
    notice = Notice.objects.create(
        project=project,
        kind=Notice.Kind.AMENDMENT,
        title=f"{project.name}{section.name}澄清/修改公告",
        body=f"{body}\n\n{deadline_text}",
        status=Notice.Status.PUBLISHED,
        doc_issue_end=doc_issue_end,
        bid_deadline=section.bid_deadline,
        opening_at=section.opening_at,
        references=opening_notice_of(section),
        affects_bid_preparation=affects_bid_preparation,
        published_at=now,
        published_by_username=by.username,
        created_by_user_id=by.user_id,
        created_by_username=by.username,
        created_at=now,
    )
    notice.sections.set([section])
    return notice


def answer_publish(
    *,
    section: Section,
    body: str,
    affects_bid_preparation: bool,
    questions: Sequence[Question] = (),
    by: Actor,
) -> Answer:
    """Publish a clarification to every holder of the section's documents, answering ``questions``.

    When it changes the documents in a way that may affect how bids are prepared
    (``affects_bid_preparation``), it is also published as an amendment notice, and if fewer
    days are left before the deadline than the law requires (``rules.amendment_deadline``: 15 days
    for tenders), the bid deadline and the opening move to the lawful date.
    """
    require_manager(section.project, by, what="发布澄清答复")
    body = text_required(body, field="body", label="澄清内容", max_length=ANSWER_MAX)
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        # Nothing is clarified while an objection suspends the tender: the answer to the objection
        # comes first (实施条例 第二十二条), and it may change what a clarification would say.
        suspension_check(locked)
        _before_deadline(locked, now)
        wanted = {q.pk for q in questions}
        rows = list(Question.objects.select_for_update().filter(pk__in=wanted, section=locked))
        if len(rows) != len(wanted):
            raise InvalidInput("所选问题不属于本标段", code="question_foreign", detail={"field": "questions"})
        answered = [str(q.uuid) for q in rows if q.answer_id is not None]
        if answered:
            raise Conflict("问题已答复", code="question_already_answered", detail={"questions": answered})
        before = section_summary(locked)
        deadline_before = locked.bid_deadline
        assert deadline_before is not None  # _before_deadline guarantees it
        required = rules.amendment_deadline(
            ruleset=ruleset_of(locked),
            issued_at=now,
            bid_deadline=deadline_before,
            affects_bid_preparation=bool(affects_bid_preparation),
            calendar=calendar_get(),
        )
        extended = required > deadline_before
        if extended:
            deadline_move(section=locked, new_deadline=required)
        notice: Notice | None = None
        if affects_bid_preparation or extended:
            notice = _amendment_notice_create(
                section=locked,
                body=body,
                extended=extended,
                affects_bid_preparation=bool(affects_bid_preparation),
                now=now,
                by=by,
            )
        answer = Answer.objects.create(
            section=locked,
            body=body,
            affects_bid_preparation=bool(affects_bid_preparation),
            published_at=now,
            published_by_user_id=by.user_id,
            published_by_username=by.username,
            bid_deadline_before=deadline_before,
            bid_deadline_after=locked.bid_deadline if extended else None,
            amendment_notice=notice,
        )
        Question.objects.filter(pk__in=wanted).update(answer=answer)
        AnswerDelivery.objects.bulk_create(
            [AnswerDelivery(answer=answer, organisation_id=o, delivered_at=now) for o in holder_org_ids(locked)]
        )
        if notice is not None:
            outbox_publish(event=notice_event(notice=notice, sections=[locked]))
        audit_append(
            actor=by,
            action="tendering.answer.publish",
            object_type="tendering.section",
            object_id=locked.code,
            before=before,
            after={
                **section_summary(locked),
                "answer": str(answer.uuid),
                "questions": sorted(str(q.uuid) for q in rows),
                "affects_bid_preparation": bool(affects_bid_preparation),
                "extended": extended,
                "amendment_notice": str(notice.uuid) if notice else None,
            },
        )
    return answer


def objection_file(*, section: Section, kind: str, text: str, by: Actor) -> Objection:
    """File an objection (异议) within its statutory window; the reply is due by the statutory time.

    ``kind`` is one of the rule set's objection kinds (e.g. on the tender documents: at least 10
    days before the bid deadline, 招标投标法实施条例 第二十二条). The objector is hidden like an asker.
    """
    organisation_id = _bidder_required(by, what="提出异议")
    text = text_required(text, field="text", label="异议内容", max_length=TEXT_MAX)
    kind = (kind or "").strip()
    if not kind:
        raise InvalidInput("请选择异议类型", code="objection_kind_required", detail={"field": "kind"})
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        if locked.status == rules.SectionStatus.DRAFT or locked.bid_deadline is None:
            raise Conflict("该标段尚未发布公告", code="section_not_published", detail={"section": locked.code})
        ruleset = ruleset_of(locked)
        calendar = calendar_get()
        rule = ruleset.objection_rule(kind)
        if rule.window == "within_publicity" and locked.publicity_ends_at is None:
            raise Conflict("尚未公示，不能对公示内容提出异议", code="publicity_not_started", detail={"kind": kind})
        # 政府采购 质疑 on the documents runs from the later of receiving them and the end of their
        # notice period (采购条例 第五十三条第（一）项), which is the reading rules takes.
        reference_at = None
        if rule.window == "after_reference" and kind == rules.ObjectionKind.TENDER_DOCUMENTS:
            obtain = DocumentObtain.objects.filter(section=locked, organisation_id=organisation_id).first()
            ends = [t for t in (locked.doc_issue_end, obtain.obtained_at if obtain else None) if t is not None]
            reference_at = max(ends) if ends else None
        violation = rules.objection_window_check(
            ruleset=ruleset,
            kind=kind,
            filed_at=now,
            # An objection at the opening refers to the opening time; the others to the deadline.
            bid_deadline=locked.opening_at if kind == rules.ObjectionKind.OPENING else locked.bid_deadline,
            publicity_end=locked.publicity_ends_at,
            calendar=calendar,
            reference_at=reference_at,
        )
        if violation is not None:
            raise violation_error(violation, conflict=True)
        reply_due = rules.objection_reply_due(ruleset=ruleset, kind=kind, filed_at=now, calendar=calendar)
        objection = Objection.objects.create(
            section=locked,
            kind=kind,
            text=text,
            filed_by_org_id=organisation_id,
            filed_by_org_name=by.organisation_name,
            filed_by_user_id=by.user_id,
            filed_at=now,
            reply_due=reply_due,
            suspends=rule.suspends,
        )
        if rule.suspends and locked.suspended_at is None:
            # 作出答复前，应当暂停招标投标活动 (实施条例 第二十二条; 第五十四条 for the result): the
            # section stands still from now — no obtaining, no questions, no closing of bids or
            # opening — until every suspending objection on it is answered. Further objections
            # filed meanwhile keep it suspended; the first one's instant is kept.
            locked.suspended_at = now
            locked.next_check_at = next_check_for(locked)
            locked.version += 1
            locked.save(update_fields=["suspended_at", "next_check_at", "version"])
        audit_append(
            actor=by,
            action="tendering.objection.file",
            object_type="tendering.objection",
            object_id=str(objection.uuid),
            after={"kind": kind, "text": text, "reply_due": iso(reply_due), "suspends": rule.suspends},
        )
    return objection


def objection_reply(*, objection: Objection, reply: str, by: Actor) -> Objection:
    """Reply to an objection (the tenderer or its agency); a late reply is recorded as late.

    Answering the last pending objection that suspends the section lifts the suspension. If the
    bid deadline passed while the tender stood still, or less time is left than a clarification
    needs (``rules.amendment_deadline``: 15 days for tenders), the deadline and the opening move to
    the lawful date, published as an amendment notice.
    """
    require_manager(objection.section.project, by, what="答复异议")
    reply = text_required(reply, field="reply", label="答复", max_length=TEXT_MAX)
    now = clock_now()
    with transaction.atomic():
        # The section first, as objection_file locks it: a filing and a reply never cross.
        section = section_locked(objection.section)
        locked = Objection.objects.select_for_update().get(pk=objection.pk)
        if locked.status != Objection.Status.PENDING:
            raise Conflict("该异议已答复", code="objection_already_replied")
        locked.status = Objection.Status.REPLIED
        locked.reply = reply
        locked.replied_at = now
        locked.replied_by_username = by.username
        locked.save(update_fields=["status", "reply", "replied_at", "replied_by_username"])
        lifted = False
        notice: Notice | None = None
        deadline_before = section.bid_deadline
        issue_end_before = section.doc_issue_end
        if (
            locked.suspends
            and section.suspended_at is not None
            and not section.objections.filter(status=Objection.Status.PENDING, suspends=True).exists()
        ):
            lifted = True
            notice = _suspension_lift(section=section, now=now, by=by)
        if notice is not None:
            outbox_publish(event=notice_event(notice=notice, sections=[section]))
        audit_append(
            actor=by,
            action="tendering.objection.reply",
            object_type="tendering.objection",
            object_id=str(locked.uuid),
            before={"status": Objection.Status.PENDING},
            after={
                "status": locked.status,
                "reply": reply,
                "late": now > locked.reply_due,
                "suspension_lifted": lifted,
                "bid_deadline_before": iso(deadline_before) if notice else None,
                "bid_deadline_after": iso(section.bid_deadline) if notice else None,
                "doc_issue_end_before": iso(issue_end_before) if notice else None,
                "doc_issue_end_after": iso(section.doc_issue_end) if notice else None,
                "amendment_notice": str(notice.uuid) if notice else None,
            },
        )
    return locked


def _suspension_lift(*, section: Section, now: dt.datetime, by: Actor) -> Notice | None:
    """Lift a locked section's suspension; give back the time it took; return the notice, if any.

    Legal reading: 实施条例 第二十二条 stops the tender until the answer but says nothing of the
    deadline. Bidders could neither obtain the documents nor ask while it stood still, and the
    answer may lead them to change their bids, so it is treated like a clarification that may
    affect bid preparation (招标投标法 第二十三条, 实施条例 第二十一条): at least the clarification
    lead time (15 days) must remain, or the deadline moves to the earliest lawful day at its time
    of day. A deadline that passed while suspended is brought past ``now`` by whole days first,
    keeping its time of day, so the same rule computes the new one.

    The document issue period (实施条例 第十六条) lost the days it stood still: when the
    suspension began before its end, it ends later, leaving at least the days that were left
    (``rules.doc_issue_resume``), never after the deadline as moved above. Either move is
    published as an amendment notice stating both dates. Sections past the documents stage (a
    第五十四条 suspension during the candidates' publicity) only resume.
    """
    suspended_at = section.suspended_at
    section.suspended_at = None
    section.save(update_fields=["suspended_at"])
    deadline = section.bid_deadline
    if section.status not in BEFORE_DEADLINE_STATUSES or deadline is None or suspended_at is None:
        section.next_check_at = next_check_for(section)
        section.version += 1
        section.save(update_fields=["next_check_at", "version"])
        return None
    ruleset = ruleset_of(section)
    calendar = calendar_get()
    reference = deadline
    if now >= reference:
        reference = deadline + dt.timedelta(days=(now - deadline).days + 1)
    required = rules.amendment_deadline(
        ruleset=ruleset,
        issued_at=now,
        bid_deadline=reference,
        affects_bid_preparation=True,
        calendar=calendar,
    )
    extended = required > deadline
    if extended:
        deadline_move(section=section, new_deadline=required)  # saves, with the version
    else:
        section.next_check_at = next_check_for(section)
        section.version += 1
        section.save(update_fields=["next_check_at", "version"])
    issue_end = section.doc_issue_end
    issue_moved = False
    if issue_end is not None:
        new_end = rules.doc_issue_resume(
            ruleset=ruleset,
            doc_issue_end=issue_end,
            suspended_at=suspended_at,
            resumed_at=now,
            bid_deadline=section.bid_deadline,
            calendar=calendar,
            doc_issue_start=section.doc_issue_start,
        )
        if new_end != issue_end:
            issue_moved = True
            section.doc_issue_end = new_end
            section.save(update_fields=["doc_issue_end"])
    if not (extended or issue_moved):
        return None
    project = section.project
    body = f"{project.name}{section.name}的异议已答复，暂停的招标投标活动自即日起恢复。"
    if issue_moved:
        body += (
            f"因暂停期间不能获取招标文件，招标文件发售（获取）截止时间相应顺延至{_local(section.doc_issue_end)}"
            "（《招标投标法实施条例》第十六条、第二十二条）。"
        )
    return _amendment_notice_create(
        section=section,
        body=body,
        extended=extended,
        affects_bid_preparation=False,
        now=now,
        by=by,
        doc_issue_end=section.doc_issue_end if issue_moved else None,
    )
