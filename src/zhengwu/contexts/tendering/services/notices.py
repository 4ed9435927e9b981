"""Notices: draft, approve, publish (which opens the tender), amend, terminate.

A notice is drafted by the tenderer or its agency, approved in every role the procedure's rule
set names (``rules.notice_approval_roles``), then published. Publishing a tender notice checks
its timetable against the law and the working-day calendar, pins the rule set in force that
day to its sections and opens them for bids. A published notice never changes: an amendment
is a new notice that references it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import (
    REASON_ACCEPTING,
    REASON_PREQUALIFICATION,
    REASON_PUBLISHED,
    iso,
    section_summary,
    status_apply,
    violation_error,
)
from zhengwu.contexts.tendering.models import Notice, NoticeApproval, Project, Section
from zhengwu.contexts.tendering.services.common import (
    OPENING_KINDS,
    aware_required,
    deadline_move,
    is_staff,
    notice_event,
    notice_summary,
    project_manages,
    require_manager,
    ruleset_current,
    ruleset_of,
    sections_checked,
    suspension_check,
    text_required,
    violations_raise,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish
from zhengwu.platform.workdays.selectors import calendar_get

TITLE_MAX = 200
BODY_MAX = 50_000
REASON_MAX = 2_000
# Notices that open a tender: the sections they name must be drafts and get the timetable.
DRAFTABLE_KINDS = (*OPENING_KINDS, Notice.Kind.AMENDMENT)


def _local(instant: dt.datetime) -> str:
    return instant.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


# --- checks --------------------------------------------------------------------------------------


def _kind_checked(kind: str) -> str:
    if kind == Notice.Kind.TERMINATION:
        raise InvalidInput("终止公告请通过“终止招标”办理", code="notice_kind_termination", detail={"field": "kind"})
    if kind not in DRAFTABLE_KINDS:
        raise InvalidInput("未知的公告类型", code="notice_kind_invalid", detail={"field": "kind", "kind": kind})
    return kind


def _references_checked(project: Project, kind: str, references: Notice | None) -> Notice | None:
    if kind != Notice.Kind.AMENDMENT:
        if references is not None:
            raise InvalidInput(
                "只有澄清/修改公告可以引用原公告", code="notice_reference_unexpected", detail={"field": "references"}
            )
        return None
    if references is None:
        raise InvalidInput(
            "澄清/修改公告须注明所更正的原公告", code="notice_reference_required", detail={"field": "references"}
        )
    if references.project_id != project.pk or references.status != Notice.Status.PUBLISHED:
        raise InvalidInput(
            "所引用的原公告须为本项目已发布的公告", code="notice_reference_invalid", detail={"field": "references"}
        )
    return references


def _approver_role(notice: Notice, required: tuple[str, ...], done: set[str], by: Actor) -> str | None:
    """The first required role, not yet approved, in which ``by`` may approve ``notice``."""
    project = notice.project
    for role in required:
        if role in done:
            continue
        if role == Role.TENDERER:
            allowed = (
                by.has_role(Role.TENDERER) and by.organisation_verified and by.organisation_id == project.owner_org_id
            )
        elif role == Role.AGENCY:
            allowed = bool(
                by.has_role(Role.AGENCY)
                and by.organisation_verified
                and project.agency_org_id
                and by.organisation_id == project.agency_org_id
            )
        else:
            allowed = by.has_role(role)
        if allowed:
            return role
    return None


# --- services ------------------------------------------------------------------------------------


def notice_draft(
    *,
    project: Project,
    kind: str,
    title: str,
    body: str,
    sections: Sequence[Section],
    doc_issue_start: dt.datetime | None = None,
    doc_issue_end: dt.datetime | None = None,
    bid_deadline: dt.datetime | None = None,
    opening_at: dt.datetime | None = None,
    activity_start: dt.datetime | None = None,
    references: Notice | None = None,
    affects_bid_preparation: bool = False,
    bidder_key_required: bool = True,
    envelopes: str = Notice.Envelopes.SINGLE,
    by: Actor,
) -> Notice:
    """Draft a notice of ``project`` for ``sections`` (tender, invitation, pre-qualification, amendment).

    The timetable (document issue period, bid deadline, opening) is checked against the law when
    the notice is published, since the periods run from the instant of publication; preview it
    with ``selectors.notice_timetable_check``. An amendment references the published notice it
    corrects and may name a new, later bid deadline.
    """
    require_manager(project, by, what="起草公告")
    kind = _kind_checked(kind)
    envelopes = _envelopes_checked(envelopes)
    title = text_required(title, field="title", label="公告标题", max_length=TITLE_MAX)
    body = text_required(body, field="body", label="公告正文", max_length=BODY_MAX)
    chosen = sections_checked(project, sections)
    references = _references_checked(project, kind, references)
    for name, value in (
        ("doc_issue_start", doc_issue_start),
        ("doc_issue_end", doc_issue_end),
        ("bid_deadline", bid_deadline),
        ("opening_at", opening_at),
        ("activity_start", activity_start),
    ):
        aware_required(value, field=name)
    now = clock_now()
    with transaction.atomic():
        notice = Notice.objects.create(
            project=project,
            kind=kind,
            title=title,
            body=body,
            doc_issue_start=doc_issue_start,
            doc_issue_end=doc_issue_end,
            bid_deadline=bid_deadline,
            opening_at=opening_at,
            activity_start=activity_start,
            references=references,
            affects_bid_preparation=bool(affects_bid_preparation),
            bidder_key_required=bool(bidder_key_required),
            envelopes=envelopes,
            created_by_user_id=by.user_id,
            created_by_username=by.username,
            created_at=now,
        )
        notice.sections.set(chosen)
        audit_append(
            actor=by,
            action="tendering.notice.draft",
            object_type="tendering.notice",
            object_id=str(notice.uuid),
            after={**notice_summary(notice), "project": project.code},
        )
    return notice


def notice_revise(
    *,
    notice: Notice,
    title: str,
    body: str,
    doc_issue_start: dt.datetime | None = None,
    doc_issue_end: dt.datetime | None = None,
    bid_deadline: dt.datetime | None = None,
    opening_at: dt.datetime | None = None,
    activity_start: dt.datetime | None = None,
    sections: Sequence[Section] | None = None,
    affects_bid_preparation: bool | None = None,
    bidder_key_required: bool | None = None,
    envelopes: str | None = None,
    by: Actor,
) -> Notice:
    """Replace the text and timetable of an unpublished notice; its approvals are withdrawn.

    Approval covers the text that was approved, so a revised notice goes through approval again.
    """
    require_manager(notice.project, by, what="修改公告")
    title = text_required(title, field="title", label="公告标题", max_length=TITLE_MAX)
    body = text_required(body, field="body", label="公告正文", max_length=BODY_MAX)
    chosen = sections_checked(notice.project, sections) if sections is not None else None
    for name, value in (
        ("doc_issue_start", doc_issue_start),
        ("doc_issue_end", doc_issue_end),
        ("bid_deadline", bid_deadline),
        ("opening_at", opening_at),
        ("activity_start", activity_start),
    ):
        aware_required(value, field=name)
    with transaction.atomic():
        locked = (
            Notice.objects.select_for_update(of=("self",)).select_related("project", "references").get(pk=notice.pk)
        )
        if locked.status == Notice.Status.PUBLISHED:
            raise Conflict("已发布的公告不可修改；如需更正请发布澄清/修改公告", code="notice_immutable")
        before = notice_summary(locked)
        locked.title, locked.body = title, body
        locked.doc_issue_start, locked.doc_issue_end = doc_issue_start, doc_issue_end
        locked.bid_deadline, locked.opening_at = bid_deadline, opening_at
        locked.activity_start = activity_start
        if affects_bid_preparation is not None:
            locked.affects_bid_preparation = affects_bid_preparation
        if bidder_key_required is not None:
            locked.bidder_key_required = bidder_key_required
        if envelopes is not None:
            locked.envelopes = _envelopes_checked(envelopes)
        withdrawn = list(locked.approvals.values_list("role", flat=True))
        locked.approvals.all().delete()
        locked.status = Notice.Status.DRAFT
        locked.version += 1
        locked.save()
        if chosen is not None:
            locked.sections.set(chosen)
        audit_append(
            actor=by,
            action="tendering.notice.revise",
            object_type="tendering.notice",
            object_id=str(locked.uuid),
            before=before,
            after={**notice_summary(locked), "approvals_withdrawn": sorted(withdrawn)},
        )
    return locked


def notice_approve(*, notice: Notice, comment: str = "", by: Actor) -> Notice:
    """Approve a draft notice in one of the roles the rule set requires; the last one makes it approved.

    Each required role approves once; one person approves in one role only.
    """
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise InvalidInput("审核意见不能超过500个字符", code="comment_too_long", detail={"field": "comment"})
    now = clock_now()
    with transaction.atomic():
        locked = (
            Notice.objects.select_for_update(of=("self",)).select_related("project", "references").get(pk=notice.pk)
        )
        required = tuple(rules.notice_approval_roles(ruleset=ruleset_current(locked.project.procedure)))
        approvals = list(locked.approvals.all())
        done = {a.role for a in approvals}
        role = _approver_role(locked, required, done, by)
        # Permission first: someone who may not approve learns nothing about the notice's state.
        if role is None and _approver_role(locked, required, set(), by) is None:
            raise PermissionDenied(
                "您不在本公告的审核人之列", code="notice_approve_denied", detail={"required_roles": list(required)}
            )
        if locked.status == Notice.Status.PUBLISHED:
            raise Conflict("公告已发布", code="notice_immutable")
        if role is None:
            raise Conflict("您所在角色已审核过本公告", code="notice_already_approved", detail={"roles": sorted(done)})
        if by.user_id is not None and any(a.user_id == by.user_id for a in approvals):
            raise Conflict("同一人不能以两个角色审核同一公告", code="notice_approver_twice")
        NoticeApproval.objects.create(
            notice=locked,
            role=role,
            user_id=by.user_id,
            username=by.username,
            display_name=by.display_name,
            organisation_name=by.organisation_name,
            comment=comment,
            approved_at=now,
        )
        before = locked.status
        if done | {role} >= set(required):
            locked.status = Notice.Status.APPROVED
            locked.version += 1
            locked.save(update_fields=["status", "version"])
        audit_append(
            actor=by,
            action="tendering.notice.approve",
            object_type="tendering.notice",
            object_id=str(locked.uuid),
            before={"status": before, "approved_roles": sorted(done)},
            after={"status": locked.status, "approved_roles": sorted(done | {role}), "role": role, "comment": comment},
        )
    return locked


def _opening_sections_check(*, notice: Notice, sections: list[Section], ruleset: rules.RuleSet) -> None:
    """Refuse sections the notice may not open.

    A draft may be opened by any opening notice, except by a tender notice or invitation where
    the procedure requires pre-qualification (资格预审) first. A section in pre-qualification is
    opened only by the invitation to the qualified applicants (投标邀请书), once the review is
    concluded.
    """
    prequal = rules.SectionStatus.PREQUALIFICATION
    if notice.kind == Notice.Kind.INVITATION:
        allowed: tuple[str, ...] = (rules.SectionStatus.DRAFT, prequal)
    else:
        allowed = (rules.SectionStatus.DRAFT,)
    if notice.kind == Notice.Kind.TENDER:
        in_prequal = [s.code for s in sections if s.status == prequal]
        if in_prequal:
            raise Conflict(
                "资格预审后应向资格预审合格的申请人发出投标邀请书，而不是招标公告",
                code="invitation_required",
                detail={"sections": in_prequal},
            )
    not_draft = [s.code for s in sections if s.status not in allowed]
    if not_draft:
        raise Conflict(
            "所选标段已发布过公告，不能再次发布招标公告；如需更正请发布澄清/修改公告",
            code="sections_not_draft",
            detail={"sections": not_draft},
        )
    if notice.kind in (Notice.Kind.TENDER, Notice.Kind.INVITATION) and ruleset.prequalification == "required":
        skipped = [s.code for s in sections if s.status == rules.SectionStatus.DRAFT]
        if skipped:
            raise Conflict(
                f"{ruleset.title}须先进行资格预审：请先发布资格预审公告，资格预审结束后再发出投标邀请书",
                code="prequalification_required",
                detail={"sections": skipped, "procedure": ruleset.procedure},
            )
    unconcluded = [s.code for s in sections if s.status == prequal and s.prequal_concluded_at is None]
    if unconcluded:
        raise Conflict(
            "资格预审尚未结束，不能发出投标邀请书",
            code="prequalification_not_concluded",
            detail={"sections": unconcluded},
        )


def _publish_opening(*, notice: Notice, sections: list[Section], now: dt.datetime) -> None:
    project = notice.project
    # Sections that went through pre-qualification keep the rule set pinned when it was published.
    pinned = next((s for s in sections if s.ruleset_version), None)
    ruleset = ruleset_of(pinned) if pinned is not None else ruleset_current(project.procedure)
    _opening_sections_check(notice=notice, sections=sections, ruleset=ruleset)
    if notice.bid_deadline is None:
        raise InvalidInput("请填写投标截止时间", code="bid_deadline_required", detail={"field": "bid_deadline"})
    # Documents cannot be issued before the notice announcing them is out.
    issue_start = max(notice.doc_issue_start or now, now)
    issue_end = notice.doc_issue_end or notice.bid_deadline
    calendar = calendar_get()
    if notice.kind == Notice.Kind.PREQUALIFICATION:
        # The deadline of a pre-qualification notice is the application deadline; its sections
        # move to pre-qualification until the invitation to the qualified applicants opens them.
        violations_raise(
            rules.prequalification_check(
                ruleset=ruleset,
                published_at=now,
                application_deadline=notice.bid_deadline,
                calendar=calendar,
                doc_issue_start=issue_start,
                doc_issue_end=issue_end,
            )
        )
        notice.doc_issue_start, notice.doc_issue_end = issue_start, issue_end
        notice.status = Notice.Status.PUBLISHED
        notice.published_at = now
        for section in sections:
            # The section is public from the pre-qualification notice on; its statutory dates run
            # from it (rules.timetable_compute counts the pre-qualification stage from here).
            section.published_at = now
            section.prequal_doc_issue_start, section.prequal_doc_issue_end = issue_start, issue_end
            section.prequal_deadline = notice.bid_deadline
            section.ruleset_version = ruleset.version
            section.version += 1
            section.save()
        return
    opening_at = notice.opening_at or notice.bid_deadline
    violations_raise(
        rules.timetable_check(
            ruleset=ruleset,
            published_at=now,
            bid_deadline=notice.bid_deadline,
            calendar=calendar,
            doc_issue_start=issue_start,
            doc_issue_end=issue_end,
            opening_at=opening_at,
            activity_start=notice.activity_start,
        )
    )
    for section in sections:
        violation = rules.bid_security_check(
            ruleset=ruleset, estimate_fen=section.estimate_fen, security_fen=section.bid_security_fen
        )
        if violation is not None:
            raise violation_error(violation)
    notice.doc_issue_start, notice.doc_issue_end, notice.opening_at = issue_start, issue_end, opening_at
    notice.status = Notice.Status.PUBLISHED
    notice.published_at = now
    for section in sections:
        if section.prequal_deadline is None:
            section.published_at = now
        section.doc_issue_start, section.doc_issue_end = issue_start, issue_end
        section.bid_deadline, section.opening_at = notice.bid_deadline, opening_at
        section.activity_start = notice.activity_start
        section.ruleset_version = ruleset.version
        section.version += 1
        section.save()


def _publish_amendment(*, notice: Notice, sections: list[Section], now: dt.datetime) -> None:
    # No amendment while an objection suspends the tender: the answer comes first (实施条例
    # 第二十二条), and lifting the suspension publishes the timetable it leaves.
    for section in sections:
        suspension_check(section)
    closed = [
        s.code
        for s in sections
        if s.status != rules.SectionStatus.ACCEPTING_BIDS or s.bid_deadline is None or now >= s.bid_deadline
    ]
    if closed:
        raise Conflict(
            "投标截止时间已过或标段不在投标阶段，不能发布澄清/修改公告",
            code="bid_deadline_passed",
            detail={"sections": closed},
        )
    current = max(s.bid_deadline for s in sections if s.bid_deadline is not None)
    required = max(
        rules.amendment_deadline(
            ruleset=ruleset_of(s),
            issued_at=now,
            bid_deadline=s.bid_deadline,
            affects_bid_preparation=notice.affects_bid_preparation,
            calendar=calendar_get(),
        )
        for s in sections
        if s.bid_deadline is not None
    )
    wanted = notice.bid_deadline
    if wanted is not None and wanted < current:
        raise InvalidInput(
            "澄清/修改不能提前投标截止时间",
            code="amendment_deadline_earlier",
            detail={"field": "bid_deadline", "current": iso(current)},
        )
    if wanted is not None and wanted < required:
        raise InvalidInput(
            f"澄清或者修改发出之日至投标截止时间不足法定期限，投标截止时间不得早于{_local(required)}",
            code="amendment_deadline_too_early",
            detail={"field": "bid_deadline", "required": iso(required)},
        )
    new_deadline = max(wanted or current, required)
    notice.status = Notice.Status.PUBLISHED
    notice.published_at = now
    notice.bid_deadline = new_deadline
    notice.opening_at = None
    for section in sections:
        if section.bid_deadline is not None and new_deadline > section.bid_deadline:
            deadline_move(section=section, new_deadline=new_deadline)
        notice.opening_at = section.opening_at


# The envelopes a bidder seals, in the order they are opened.
ENVELOPES: dict[str, tuple[str, ...]] = {
    Notice.Envelopes.SINGLE: ("single",),
    Notice.Envelopes.TWO: ("technical", "commercial"),
}


def _envelopes_checked(value: str) -> str:
    if value not in Notice.Envelopes.values:
        raise InvalidInput(
            "投标文件信封方式无效", code="envelopes_invalid", detail={"field": "envelopes", "value": str(value)}
        )
    return value


def _opening_keys_issue(*, notice: Notice, sections: list[Section], by: Actor) -> list[dict[str, str]]:
    """Create the opening keys of the sections a tender notice or invitation opens to sealed bids.

    Their public halves and fingerprints are published with the notice; bidders seal to them.
    Refused (``custodian_key_missing``) while a custodian has no registered custody key, so no
    tender opens for bids that could not be opened lawfully later.
    """
    if notice.kind not in (Notice.Kind.TENDER, Notice.Kind.INVITATION):
        return []
    if not ruleset_current(notice.project.procedure).sealed_bids:
        return []
    # Imported here: the bidding context reads tendering's selectors and services in turn.
    from zhengwu.contexts.bidding.services import opening_keys_create

    published: list[dict[str, str]] = []
    for section in sections:
        for key in opening_keys_create(
            section=section,
            envelopes=ENVELOPES[notice.envelopes],
            bidder_key_required=notice.bidder_key_required,
            by=by,
        ):
            published.append(
                {
                    "section": section.code,
                    "envelope": key.envelope,
                    "public_key": key.public,
                    "fingerprint": key.fingerprint,
                    "bidder_key_required": "yes" if key.bidder_key_required else "no",
                }
            )
    return published


def notice_publish(*, notice: Notice, by: Actor) -> Notice:
    """Publish an approved notice; it is frozen from now on and delivered to the other platforms.

    A tender (invitation) notice: its timetable is checked against the law from this instant
    (``rules.timetable_check`` on the working-day calendar), the rule set in force today is pinned
    to its sections, and they move draft → published → accepting_bids (an invitation after
    pre-qualification: prequalification → published → accepting_bids, once it is concluded). A
    pre-qualification notice: its timetable is checked by ``rules.prequalification_check``, the
    rule set is pinned, and its sections move draft → prequalification with the documents' issue
    period and the application deadline. Where the rule set requires pre-qualification, a tender
    notice or invitation for a draft section is refused (``prequalification_required``). An
    amendment: the bid deadline moves to the later of the one it names and the lawful minimum
    (``rules.amendment_deadline``). Publishes NoticePublished, then one SectionStatusChanged per move.
    """
    if not (project_manages(notice.project, by) or is_staff(by)):
        require_manager(notice.project, by, what="发布公告")
    now = clock_now()
    with transaction.atomic():
        locked = (
            Notice.objects.select_for_update(of=("self",)).select_related("project", "references").get(pk=notice.pk)
        )
        if locked.status == Notice.Status.PUBLISHED:
            raise Conflict("公告已发布", code="notice_immutable")
        required = set(rules.notice_approval_roles(ruleset=ruleset_current(locked.project.procedure)))
        missing = sorted(required - set(locked.approvals.values_list("role", flat=True)))
        if locked.status != Notice.Status.APPROVED or missing:
            raise Conflict("公告尚未完成审核", code="notice_not_approved", detail={"missing_roles": missing})
        sections = list(
            Section.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk__in=locked.sections.values("pk"))
            .order_by("index")
        )
        before = {"notice": notice_summary(locked), "sections": [section_summary(s) for s in sections]}
        if locked.kind == Notice.Kind.AMENDMENT:
            _publish_amendment(notice=locked, sections=sections, now=now)
        else:
            _publish_opening(notice=locked, sections=sections, now=now)
        locked.published_by_username = by.username
        locked.version += 1
        locked.save()
        opening_keys = _opening_keys_issue(notice=locked, sections=sections, by=by)
        outbox_publish(event=notice_event(notice=locked, sections=sections, opening_keys=opening_keys))
        if locked.kind == Notice.Kind.PREQUALIFICATION:
            for section in sections:
                status_apply(
                    section=section,
                    target=rules.SectionStatus.PREQUALIFICATION,
                    reason=REASON_PREQUALIFICATION,
                    now=now,
                )
        if locked.kind in (Notice.Kind.TENDER, Notice.Kind.INVITATION):
            for section in sections:
                status_apply(section=section, target=rules.SectionStatus.PUBLISHED, reason=REASON_PUBLISHED, now=now)
                status_apply(
                    section=section, target=rules.SectionStatus.ACCEPTING_BIDS, reason=REASON_ACCEPTING, now=now
                )
        audit_append(
            actor=by,
            action="tendering.notice.publish",
            object_type="tendering.notice",
            object_id=str(locked.uuid),
            before=before,
            after={"notice": notice_summary(locked), "sections": [section_summary(s) for s in sections]},
        )
    return locked
