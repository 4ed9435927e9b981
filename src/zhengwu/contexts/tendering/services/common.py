"""Checks and helpers shared by the tendering services (not part of the public interface)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.events import NoticePublished
from zhengwu.contexts.tendering.lifecycle import iso, next_check_for, violation_error
from zhengwu.contexts.tendering.models import Document, Notice, Project, Section
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.kernel.money import money_to_fen

# People who run a tender: the tenderer (招标人/采购人/出让人) for its own projects and the agency
# it appointed (招标代理机构) for the projects it was appointed to.
MANAGER_ROLES = (Role.TENDERER, Role.AGENCY)
# Notices that open a tender: the sections they name must be drafts and get the timetable.
OPENING_KINDS = (Notice.Kind.TENDER, Notice.Kind.INVITATION, Notice.Kind.PREQUALIFICATION)
# Statuses in which the bid deadline has not been reached yet (the documents stage).
BEFORE_DEADLINE_STATUSES = ("draft", "published", "accepting_bids")


def is_system(by: Actor) -> bool:
    """The system itself (the scheduler, demo data, operators' commands), never a person."""
    return by.is_system and "system" in by.roles


def is_staff(by: Actor) -> bool:
    return by.has_role(Role.CENTRE_STAFF)


def project_manages(project: Project, by: Actor) -> bool:
    """Whether ``by`` acts for the project's tenderer or for its appointed agency (verified only)."""
    if by.is_system or by.organisation_id is None or not by.organisation_verified:
        return False
    if by.has_role(Role.TENDERER) and by.organisation_id == project.owner_org_id:
        return True
    return bool(by.has_role(Role.AGENCY) and project.agency_org_id and by.organisation_id == project.agency_org_id)


def require_manager(project: Project, by: Actor, *, what: str) -> None:
    """Refuse anyone but the project's tenderer or agency, naming the refused act."""
    if project_manages(project, by):
        return
    if by.has_role(*MANAGER_ROLES) and by.organisation_id is not None and not by.organisation_verified:
        raise PermissionDenied(
            f"单位尚未通过核验，不能{what}", code="organisation_not_verified", detail={"action": what}
        )
    raise PermissionDenied(
        f"只有本项目的招标人或其委托的代理机构可以{what}", code="tender_manager_required", detail={"action": what}
    )


def require_system_or_staff(by: Actor, *, what: str) -> None:
    if not (is_system(by) or is_staff(by)):
        raise PermissionDenied(f"只有系统或交易中心工作人员可以{what}", code="staff_required", detail={"action": what})


def violations_raise(violations: list[rules.RuleViolation], *, conflict: bool = False) -> None:
    """Raise the first violation, listing all of them in ``detail["violations"]``."""
    if not violations:
        return
    error = violation_error(violations[0], conflict=conflict)
    if len(violations) > 1:
        error.detail["violations"] = [
            {"code": v.code, "message": v.message, "article": v.article, "detail": v.detail or {}} for v in violations
        ]
    raise error


def china_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(CHINA_TZ).date()


def ruleset_current(procedure: str) -> rules.RuleSet:
    """The rule set in force today for ``procedure``."""
    return rules.ruleset_for(procedure=procedure, on=china_date(clock_now()))


def ruleset_of(section: Section) -> rules.RuleSet:
    """The rule set a section was published under (today's before publication).

    A tender keeps the rules in force on the day it was published: the version pinned at
    publication is looked up as stored, never re-derived from today's table.
    """
    if not section.ruleset_version:
        return ruleset_current(section.project.procedure)
    return rules.ruleset_get(procedure=section.project.procedure, version=section.ruleset_version)


def text_required(value: str, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{label}", code=f"{field}_required", detail={"field": field})
    if len(value) > max_length:
        raise InvalidInput(
            f"{label}不能超过{max_length}个字符", code=f"{field}_too_long", detail={"field": field, "max": max_length}
        )
    if "\x00" in value:
        raise InvalidInput(f"{label}含有非法字符", code=f"{field}_invalid", detail={"field": field})
    return value


def yuan_to_fen(value: str | Decimal | int, *, field: str, label: str, positive: bool = False) -> int:
    """An amount in yuan as fen, with the field named in the error."""
    try:
        fen = money_to_fen(value)
    except InvalidInput as exc:
        exc.detail = {**exc.detail, "field": field}
        raise
    if fen < 0 or (positive and fen == 0):
        raise InvalidInput(
            f"{label}必须{'大于' if positive else '不小于'}零",
            code="amount_invalid",
            detail={"field": field, "value": str(value)},
        )
    return fen


def aware_required(value: dt.datetime | None, *, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise InvalidInput("时间必须带时区", code="datetime_naive", detail={"field": field})
    return value


def section_locked(section: Section) -> Section:
    """The section's row, locked until commit and fresh from the database."""
    return Section.objects.select_for_update(of=("self",)).select_related("project").get(pk=section.pk)


def suspension_check(section: Section) -> None:
    """Refuse an act of the tender while an objection suspends it (招标投标法实施条例 第二十二条、第五十四条)."""
    if section.suspended_at is None:
        return
    raise Conflict(
        "该标段因异议尚未答复，招标投标活动已暂停（《招标投标法实施条例》第二十二条），请待招标人答复后再办理",
        code="section_suspended",
        detail={"section": section.code, "suspended_at": iso(section.suspended_at)},
    )


# --- notices, shared by the services that publish them ---------------------------------------


def opening_notice_of(section: Section) -> Notice | None:
    """The published notice that opened ``section`` (the one amendments refer to)."""
    return (
        section.notices.filter(status=Notice.Status.PUBLISHED, kind__in=OPENING_KINDS)
        .order_by("-published_at", "-id")
        .first()
    )


def notice_event(
    *, notice: Notice, sections: Sequence[Section], opening_keys: list[dict[str, str]] | None = None
) -> NoticePublished:
    """The NoticePublished event of a notice that is being published (public facts only)."""
    project = notice.project
    section_ids = [s.pk for s in sections]
    attachments = [
        {"name": d.name, "sha256": d.sha256, "size": d.size}
        for d in Document.objects.filter(project=project, is_public=True).order_by("uploaded_at", "id")
        if d.section_id is None or d.section_id in section_ids
    ]
    # The budget is published for government procurement (政府采购法实施条例 第三十条) and tenders;
    # land and property reserve prices (底价) are secret, so those notices carry none.
    budget_fen = project.budget_fen if project.trade_type in ("construction", "procurement") else None
    return NoticePublished(
        notice_id=str(notice.uuid),
        kind=notice.kind,
        trade_type=project.trade_type,
        procedure=project.procedure,
        project_code=project.code,
        project_name=project.name,
        section_codes=sorted(s.code for s in sections),
        title=notice.title,
        body=notice.body,
        tenderer_name=project.owner_name,
        agency_name=project.agency_name,
        region_code=project.region_code,
        budget_fen=budget_fen,
        published_at=iso(notice.published_at) or "",
        bid_deadline=iso(notice.bid_deadline),
        opening_at=iso(notice.opening_at),
        references_notice_id=str(notice.references.uuid) if notice.references_id and notice.references else None,
        attachments=attachments,
        opening_keys=list(opening_keys or []),
        tenderer_uscc=project.owner_uscc,
        agency_uscc=project.agency_uscc or "",
        industry_code=project.industry_code,
        project_created_at=iso(project.created_at),
        doc_issue_start=iso(notice.doc_issue_start),
        doc_issue_end=iso(notice.doc_issue_end),
        sections=[
            {
                "code": s.code,
                "name": s.name,
                "deal_code": s.deal_code,
                "estimate_fen": s.estimate_fen if budget_fen is not None else None,
                "bid_security_fen": s.bid_security_fen,
                "document_price_fen": s.document_price_fen,
                "attempt": s.attempt,
                "created_at": iso(s.created_at),
            }
            for s in sorted(sections, key=lambda s: s.code)
        ],
    )


def notice_summary(notice: Notice) -> dict[str, object]:
    return {
        "notice": str(notice.uuid),
        "kind": notice.kind,
        "title": notice.title,
        "status": notice.status,
        "sections": sorted(notice.sections.values_list("code", flat=True)),
        "doc_issue_start": iso(notice.doc_issue_start),
        "doc_issue_end": iso(notice.doc_issue_end),
        "bid_deadline": iso(notice.bid_deadline),
        "opening_at": iso(notice.opening_at),
        "activity_start": iso(notice.activity_start),
        "references": str(notice.references.uuid) if notice.references else None,
        "version": notice.version,
    }


def deadline_move(*, section: Section, new_deadline: dt.datetime) -> None:
    """Move a locked section's bid deadline (and its opening with it) later; the caller saves nothing."""
    offset = (section.opening_at - section.bid_deadline) if section.opening_at and section.bid_deadline else None
    section.bid_deadline = new_deadline
    # The opening keeps its place relative to the deadline (normally the same instant: 招标投标法 第三十四条).
    section.opening_at = new_deadline + offset if offset is not None else new_deadline
    section.next_check_at = next_check_for(section)
    section.version += 1
    section.save(update_fields=["bid_deadline", "opening_at", "next_check_at", "version"])


def sections_checked(project: Project, sections: Sequence[Section]) -> list[Section]:
    if not sections:
        raise InvalidInput("请选择公告涉及的标段（包）", code="notice_sections_required", detail={"field": "sections"})
    unique = {s.pk: s for s in sections}
    foreign = [s.code for s in unique.values() if s.project_id != project.pk]
    if foreign:
        raise InvalidInput(
            "所选标段不属于本项目", code="notice_sections_foreign", detail={"field": "sections", "sections": foreign}
        )
    return sorted(unique.values(), key=lambda s: s.index)
