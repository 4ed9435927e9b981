"""Feedback tickets (问题反馈与整改): each problem a respondent raised goes to its unit with a deadline.

The closed loop of appraisal-methods.md §1.4: the evaluator sends the problem, worded so that
nothing names the respondent; the unit replies with its rectification; the evaluator verifies
and closes it or sends it back (退回重办) with a new deadline; a ticket left past its deadline
escalates — first to the unit's head, then, more than a few working days later, to the city's
supervision office and leaders.

Deadlines count working days (工作日) on the platform's calendar, holidays and 调休 included.
Units read a ticket's summary, category, deadline and events — never the problem's original
text, the response or the respondent (管评分离).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, QuerySet

from zhengwu.contexts.appraisal.access import APPRAISER, actor_unit, raw_view_audit
from zhengwu.contexts.appraisal.models import Problem, Response, Round, Ticket, TicketEvent, Unit
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.workdays.selectors import calendar_get, workday_add

# Sichuan's verified rule: "对不满意或者非常不满意问题，在15个工作日内整改到位" (appraisal-methods.md §1.4).
# The national text (国办发〔2019〕51号) is recalled as saying the same for real-name 差评, but that
# sentence is unverified, and Beijing (7 days) and Dezhou (5 working days) differ: configurable.
DEFAULT_TICKET_WORKDAYS = 15
# Working days past the deadline after which an overdue ticket goes to the city's supervision office.
DEFAULT_ESCALATE_AFTER_WORKDAYS = 5
MASK = "＊＊＊"
OPEN_STATUSES = (Ticket.Status.OPEN, Ticket.Status.REOPENED)
REPLY_MAX = 4000
SUMMARY_MAX = 2000

ESCALATION_LABELS = {0: "", 1: "已提醒单位主要负责人", 2: "已列入市督查室督办清单"}

# What could name the respondent, most specific first: e-mail addresses; 18-character codes (USCC
# and the 18-digit identity number alike); 15-digit identity numbers of the old format; mobile
# numbers, with or without +86 and separators; landlines with their area code; full legal
# names of companies; any other long run of digits (bank accounts, licence numbers).
_IDENTIFIERS = (
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"),
    re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Za-z]{18}(?![0-9A-Za-z]))(?=(?:[A-Za-z]*[0-9]){6})[0-9A-Za-z]{18}"),
    re.compile(r"(?<!\d)\d{15}(?!\d)"),
    re.compile(r"(?<!\d)(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)"),
    re.compile(r"(?<!\d)[(（]?0\d{2,3}[)）]?[\s\-]?\d{7,8}(?!\d)"),
    # A company's name runs back from its legal suffix to the nearest punctuation or a word that
    # introduces it (是, 为, 对 …), so that "我们是云南某某有限公司" keeps "我们是".
    re.compile(
        r"[^\s，。；：、,.;:!?！？“”\"'()（）是为系叫在向对被给把我们的]{2,18}?(?:股份有限公司|有限责任公司|有限公司)"
    ),
    re.compile(r"(?<!\d)\d{7,}(?!\d)"),
)


# --- pure rules -----------------------------------------------------------------------------


def summary_mask(text: str, *, known: Iterable[str] = ()) -> str:
    """``text`` with everything that could identify the respondent replaced by ＊＊＊.

    ``known`` are literal strings to hide as well: the respondent's own name and code as the
    response recorded them, which no pattern could guess.
    """
    masked = text
    for literal in sorted({k.strip() for k in known if k and len(k.strip()) >= 2}, key=len, reverse=True):
        masked = masked.replace(literal, MASK)
    for pattern in _IDENTIFIERS:
        masked = pattern.sub(MASK, masked)
    return masked.strip()


def ticket_number_format(*, round_code: str, serial: int) -> str:
    """A ticket's number: ``PJ`` + the round's code + a serial within the round, e.g. PJ2026Q3-0001."""
    return f"PJ{round_code}-{serial:04d}"


def escalation_level_for(*, overdue: bool, overdue_workdays: int, escalate_after: int) -> int:
    """0 while within the deadline; 1 once past it; 2 once more than ``escalate_after`` working days past it."""
    if not overdue:
        return 0
    return 2 if overdue_workdays > escalate_after else 1


# --- configuration ----------------------------------------------------------------------------


def ticket_workdays() -> int:
    """Working days a unit has to rectify (``ZHENGWU_APPRAISAL_TICKET_WORKDAYS``)."""
    return _positive_setting("ZHENGWU_APPRAISAL_TICKET_WORKDAYS", DEFAULT_TICKET_WORKDAYS)


def escalate_after_workdays() -> int:
    """Working days overdue before level 2 (``ZHENGWU_APPRAISAL_ESCALATE_AFTER_WORKDAYS``)."""
    return _positive_setting("ZHENGWU_APPRAISAL_ESCALATE_AFTER_WORKDAYS", DEFAULT_ESCALATE_AFTER_WORKDAYS)


def _positive_setting(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    if not isinstance(value, int) or value < 1:
        raise InvalidInput(f"配置项 {name} 须为正整数", code="appraisal_ticket_config", detail={"setting": name})
    return value


def _today(now: dt.datetime | None = None) -> dt.date:
    return (now or clock_now()).astimezone(CHINA_TZ).date()


def category_names(*, round: Round) -> dict[str, str]:
    """Category code → name in the round's indicator system."""
    system = system_def(system=round.system)
    return {c.code: c.name for c in system.categories}


# --- services ---------------------------------------------------------------------------------


def _appraiser_only(by: Actor, message: str) -> None:
    if not by.has_role(APPRAISER):
        raise PermissionDenied(message, code="appraisal_appraiser_only")


def _event(ticket: Ticket, *, action: str, by: Actor, note: str = "", at: dt.datetime | None = None) -> None:
    TicketEvent.objects.create(ticket=ticket, at=at or clock_now(), actor=by.username, action=action, note=note)


def _audit(ticket: Ticket, *, action: str, by: Actor, before: dict[str, Any], after: dict[str, Any]) -> None:
    audit_append(
        actor=by,
        action=f"appraisal.ticket.{action}",
        object_type="appraisal.ticket",
        object_id=ticket.number,
        before=before,
        after=after,
    )


def tickets_create_for_round(*, round: Round, by: Actor) -> int:
    """Send each problem of ``round`` to its unit as a ticket; returns how many were created.

    Problems from responses QC rejected are left out; a problem that already has a ticket is
    skipped, so running it again only adds the problems raised since. Each ticket's summary is
    the problem's text masked (``summary_mask``), its deadline ``ticket_workdays()`` working days
    from today. Only the evaluator (or the system, at publication) sends tickets.
    """
    if not (by.is_system or by.has_role(APPRAISER)):
        raise PermissionDenied("只有第三方评价机构可以派发问题反馈单", code="appraisal_appraiser_only")
    if round.status in (Round.Status.DESIGN, Round.Status.COLLECTING):
        raise Conflict("调查结束后才能派发问题反馈单", code="appraisal_tickets_round_open")
    now = clock_now()
    deadline = workday_add(start=_today(now), days=ticket_workdays())
    with transaction.atomic():
        # The round's row serialises numbering: two senders never hand out the same serial.
        Round.objects.select_for_update().get(pk=round.pk)
        problems = list(
            Problem.objects.filter(round=round, ticket__isnull=True)
            .exclude(response__qc_status=Response.Qc.REJECTED)
            .select_related("response", "unit")
            .order_by("unit__kind", "unit__code", "created_at", "id")
        )
        serial = _last_serial(round)
        for problem in problems:
            serial += 1
            ticket = Ticket.objects.create(
                number=ticket_number_format(round_code=round.code, serial=serial),
                round=round,
                unit=problem.unit,
                problem=problem,
                category_code=problem.category_code,
                summary=summary_mask(
                    problem.text, known=(problem.response.respondent_name, problem.response.respondent_uscc)
                )[:SUMMARY_MAX],
                deadline=deadline,
                created_at=now,
            )
            _event(ticket, action="created", by=by, note=f"整改期限 {deadline.isoformat()}", at=now)
            after = {"unit": problem.unit.code, "category": problem.category_code, "deadline": deadline.isoformat()}
            _audit(ticket, action="create", by=by, before={}, after=after)
    return len(problems)


def _last_serial(round: Round) -> int:
    last = Ticket.objects.filter(round=round).aggregate(m=Max("number"))["m"]
    return int(last.rsplit("-", 1)[1]) if last else 0


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("unit", "round").get(pk=ticket.pk)


def ticket_summary_edit(*, ticket: Ticket, summary: str, by: Actor) -> Ticket:
    """The evaluator rewords a ticket's summary, until the unit has replied; the new text is masked too."""
    _appraiser_only(by, "只有第三方评价机构可以修改问题摘要")
    text = summary_mask(summary.strip())
    if not text:
        raise InvalidInput("问题摘要不能为空", code="appraisal_ticket_summary_required")
    if len(text) > SUMMARY_MAX:
        raise InvalidInput(f"问题摘要不能超过{SUMMARY_MAX}字", code="appraisal_ticket_summary_long")
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status not in OPEN_STATUSES:
            raise Conflict("单位已反馈或已办结的问题不能再修改摘要", code="appraisal_ticket_summary_frozen")
        before = ticket.summary
        if text == before:
            return ticket
        ticket.summary = text
        ticket.save(update_fields=["summary"])
        # The note does not repeat the old wording: the unit may read the events.
        _event(ticket, action="edited", by=by, note="第三方评价机构修改了问题摘要")
        _audit(ticket, action="summary_edit", by=by, before={"summary": before}, after={"summary": text})
    return ticket


def ticket_reply(*, ticket: Ticket, reply: str, by: Actor) -> Ticket:
    """The unit answers with its rectification: open or reopened → replied. Only the ticket's own unit."""
    unit = actor_unit(actor=by)
    if unit is None or unit.pk != ticket.unit_id:
        raise PermissionDenied("只有问题所属单位可以反馈整改情况", code="appraisal_ticket_not_your_unit")
    text = reply.strip()
    if not text:
        raise InvalidInput("请填写整改情况", code="appraisal_ticket_reply_required")
    if len(text) > REPLY_MAX:
        raise InvalidInput(f"整改情况不能超过{REPLY_MAX}字", code="appraisal_ticket_reply_long")
    now = clock_now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status not in OPEN_STATUSES:
            raise Conflict(
                "该问题当前不在待整改状态", code="appraisal_ticket_not_open", detail={"status": ticket.status}
            )
        before = ticket.status
        ticket.status = Ticket.Status.REPLIED
        ticket.reply, ticket.replied_at, ticket.replied_by = text, now, by.username
        ticket.save(update_fields=["status", "reply", "replied_at", "replied_by"])
        _event(ticket, action="replied", by=by, note=text, at=now)
        _audit(ticket, action="reply", by=by, before={"status": before}, after={"status": ticket.status, "reply": text})
    return ticket


def ticket_verify(*, ticket: Ticket, accept: bool, note: str, by: Actor) -> Ticket:
    """The evaluator checks a reply: accept → closed; reject → reopened with a fresh deadline.

    A rejection needs its reason. The new deadline is the same number of working days from
    today, and the escalation starts again from zero against it (the earlier escalations stay
    in the ticket's events).
    """
    _appraiser_only(by, "只有第三方评价机构可以核实整改情况")
    note = note.strip()
    if not accept and not note:
        raise InvalidInput("退回重办须说明理由", code="appraisal_ticket_reason_required")
    now = clock_now()
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status != Ticket.Status.REPLIED:
            raise Conflict(
                "单位尚未反馈，无法核实", code="appraisal_ticket_not_replied", detail={"status": ticket.status}
            )
        before = {"status": ticket.status, "deadline": ticket.deadline.isoformat()}
        if accept:
            ticket.status, ticket.closed_at = Ticket.Status.CLOSED, now
            ticket.save(update_fields=["status", "closed_at"])
            _event(ticket, action="closed", by=by, note=note or "整改到位，予以办结", at=now)
        else:
            ticket.status = Ticket.Status.REOPENED
            ticket.deadline = workday_add(start=_today(now), days=ticket_workdays())
            ticket.escalation_level, ticket.escalated_at = 0, None
            ticket.save(update_fields=["status", "deadline", "escalation_level", "escalated_at"])
            _event(ticket, action="reopened", by=by, note=f"{note}（新整改期限 {ticket.deadline.isoformat()}）", at=now)
        after = {"status": ticket.status, "deadline": ticket.deadline.isoformat(), "note": note}
        _audit(ticket, action="close" if accept else "reopen", by=by, before=before, after=after)
    return ticket


def tickets_escalate(*, now: dt.datetime | None = None, by: Actor) -> int:
    """Raise the escalation of open tickets past their deadline; returns how many changed.

    Level 1 (past the deadline): the unit's head is notified (an ``escalated`` event). Level 2
    (more than ``escalate_after_workdays()`` working days past it): listed for the city's
    supervision office and leaders. A level only ever rises, so a second run the same day finds
    nothing to do: the scheduled task may run as often as it likes.
    """
    if not (by.is_system or by.has_role(APPRAISER)):
        raise PermissionDenied("只有系统或第三方评价机构可以执行逾期升级", code="appraisal_appraiser_only")
    now = now or clock_now()
    today = _today(now)
    after = escalate_after_workdays()
    calendar = calendar_get()
    changed = 0
    with transaction.atomic():
        due = Ticket.objects.select_for_update().filter(
            status__in=OPEN_STATUSES, deadline__lt=today, escalation_level__lt=2
        )
        for ticket in due.order_by("id"):
            level = escalation_level_for(
                overdue=True, overdue_workdays=calendar.workdays_between(ticket.deadline, today), escalate_after=after
            )
            if level <= ticket.escalation_level:
                continue
            before = ticket.escalation_level
            ticket.escalation_level, ticket.escalated_at = level, now
            ticket.save(update_fields=["escalation_level", "escalated_at"])
            note = (
                f"超过整改期限（{ticket.deadline.isoformat()}），已提醒单位主要负责人"
                if level == 1
                else f"逾期超过{after}个工作日，列入市督查室督办清单并报市领导"
            )
            _event(ticket, action="escalated", by=by, note=note, at=now)
            _audit(ticket, action="escalate", by=by, before={"level": before}, after={"level": level})
            changed += 1
    return changed


# --- selectors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFilters:
    round_code: str = ""
    unit_code: str = ""
    status: str = ""
    overdue: bool = False


def tickets_visible(
    *, by: Actor, filters: TicketFilters | None = None, today: dt.date | None = None
) -> QuerySet[Ticket]:
    """The tickets ``by`` may read: all of them for the evaluator, its own unit's for a unit user.

    Anyone else is refused. The queryset never joins the problem or the response: pages show
    the summary, category, deadline and events only.
    """
    filters = filters or TicketFilters()
    tickets = Ticket.objects.select_related("unit", "round").order_by("deadline", "number")
    if not by.has_role(APPRAISER):
        unit = actor_unit(actor=by)
        if unit is None:
            raise PermissionDenied("只有第三方评价机构和被评价单位可以查看问题反馈单", code="appraisal_tickets_denied")
        tickets = tickets.filter(unit=unit)
    if filters.round_code:
        tickets = tickets.filter(round__code=filters.round_code)
    if filters.unit_code:
        tickets = tickets.filter(unit__code=filters.unit_code)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.overdue:
        tickets = tickets.filter(status__in=OPEN_STATUSES, deadline__lt=today or _today())
    return tickets


def ticket_get(*, number: str, by: Actor) -> Ticket:
    """One ticket ``by`` may read; ``NotFound`` for another unit's ticket as for a missing one."""
    ticket = tickets_visible(by=by).filter(number=number).first()
    if ticket is None:
        raise NotFound("问题反馈单不存在", code="appraisal_ticket_missing")
    return ticket


def ticket_problem_text(*, ticket: Ticket, by: Actor) -> str:
    """The problem as the respondent wrote it: the evaluator's alone, and each reading is audited."""
    raw_view_audit(by=by, what="problem", object_id=ticket.number)
    return ticket.problem.text if ticket.problem else ""


def ticket_is_overdue(ticket: Ticket, *, today: dt.date | None = None) -> bool:
    return ticket.status in OPEN_STATUSES and ticket.deadline < (today or _today())


def tickets_overdue(*, round: Round | None = None, today: dt.date | None = None) -> list[Ticket]:
    """Open tickets past their deadline, most escalated and oldest first (for the evaluator and reports)."""
    tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, deadline__lt=today or _today()).select_related("unit")
    if round is not None:
        tickets = tickets.filter(round=round)
    return list(tickets.order_by("-escalation_level", "deadline", "number"))


def ticket_counts_by_unit(*, round: Round, today: dt.date | None = None) -> dict[int, dict[str, int]]:
    """Per unit id: how many of the round's tickets are in each status, plus ``overdue`` and ``total``."""
    counts: dict[int, dict[str, int]] = {}
    for row in Ticket.objects.filter(round=round).values("unit_id", "status").annotate(n=Count("id")):
        unit_counts = counts.setdefault(row["unit_id"], _empty_counts())
        unit_counts[row["status"]] += row["n"]
        unit_counts["total"] += row["n"]
    overdue = (
        Ticket.objects.filter(round=round, status__in=OPEN_STATUSES, deadline__lt=today or _today())
        .values("unit_id")
        .annotate(n=Count("id"))
    )
    for row in overdue:
        counts.setdefault(row["unit_id"], _empty_counts())["overdue"] = row["n"]
    return counts


def _empty_counts() -> dict[str, int]:
    return {**dict.fromkeys(Ticket.Status.values, 0), "overdue": 0, "total": 0}


def unit_ticket_counts(*, round: Round, unit: Unit, today: dt.date | None = None) -> dict[str, int]:
    return ticket_counts_by_unit(round=round, today=today).get(unit.pk, _empty_counts())
