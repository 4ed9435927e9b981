"""The law's clock: timetables, pre-qualification, amendments, objections and publicity periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from zhengwu.contexts.tendering.rules.model import (
    _ONE_DAY,
    CALENDAR,
    OBJECTION_KIND_LABELS,
    PLATFORM,
    Limit,
    ObjectionKind,
    Period,
    RuleSet,
    RuleViolation,
    _local,
    _local_opt,
)
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import WorkCalendar, period_deadline


def _end_min(ruleset: RuleSet, limit: Limit, start: dt.date, calendar: WorkCalendar) -> dt.date:
    """The earliest day a period of ``limit`` begun on ``start`` may end on."""
    period = limit.period
    if limit.counting == "span" and ruleset.span_start_day_counts and period.amount > 0:
        # The first day counts: N days end on the (N-1)th day after it; N working days end on the
        # N-th working day counting from the day before.
        if period.unit == CALENDAR:
            return calendar.calendar_day_add(start, period.amount - 1)
        return calendar.workday_add(start - _ONE_DAY, period.amount)
    return period.add_to(start, calendar)


def _start_max(period: Period, end: dt.date, calendar: WorkCalendar) -> dt.date:
    """The last day an act may happen and still leave ``period`` before the day ``end``.

    It is the day before the N-th day (or working day) counted back from ``end`` inclusive, so that
    the days after it up to ``end`` number at least N: for 15 days before 21 March that is 6 March;
    for 3 working days before a Wednesday it is the Sunday before (Monday, Tuesday, Wednesday).
    """
    return period.subtract_from(end + _ONE_DAY, calendar) - _ONE_DAY


def _interval_holds(period: Period, start: dt.date, end: dt.date, calendar: WorkCalendar) -> bool:
    if period.unit == CALENDAR:
        return (end - start).days >= period.amount
    return calendar.workdays_between(start, end) >= period.amount


def _at_same_time(day: dt.date, like: dt.datetime) -> dt.datetime:
    local = like.astimezone(CHINA_TZ)
    return dt.datetime.combine(day, local.time(), tzinfo=CHINA_TZ).astimezone(like.tzinfo)


def _period_text(limit: Limit) -> str:
    return limit.period.label()


def _violation(code: str, message: str, article: str, **detail: Any) -> RuleViolation:
    return RuleViolation(code=code, message=message, article=article, detail=detail)


def _iso(value: dt.date) -> str:
    return value.isoformat()


# -- timetables -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timetable:
    """The earliest lawful dates of a tender published at ``published_at``, and — once a bid
    deadline is chosen — the cut-offs it implies.

    ``*_day`` fields are Beijing dates: the act is lawful at any time of that day or later.
    Cut-offs are exclusive instants (24:00 of the last allowed day).
    """

    procedure: str
    ruleset_version: str
    published_at: dt.datetime
    doc_issue_last_day_min: dt.date | None  # earliest last day of the document sale/provision period
    bid_deadline_earliest_day: dt.date  # earliest day of the bid deadline (挂牌/公示/披露 end)
    activity_start_earliest_day: dt.date | None  # land: earliest start of 投标/拍卖/挂牌
    prequal_doc_issue_last_day_min: dt.date | None
    application_deadline_earliest_day: dt.date | None  # prequalification applications
    bid_deadline: dt.datetime | None = None
    amendment_cutoff: dt.datetime | None = None  # later amendments affecting bids extend the deadline
    objection_cutoffs: tuple[tuple[str, dt.datetime], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        def opt(value: dt.date | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "procedure": self.procedure,
            "ruleset_version": self.ruleset_version,
            "published_at": self.published_at.isoformat(),
            "doc_issue_last_day_min": opt(self.doc_issue_last_day_min),
            "bid_deadline_earliest_day": self.bid_deadline_earliest_day.isoformat(),
            "activity_start_earliest_day": opt(self.activity_start_earliest_day),
            "prequal_doc_issue_last_day_min": opt(self.prequal_doc_issue_last_day_min),
            "application_deadline_earliest_day": opt(self.application_deadline_earliest_day),
            "bid_deadline": opt(self.bid_deadline),
            "amendment_cutoff": opt(self.amendment_cutoff),
            "objection_cutoffs": {kind: at.isoformat() for kind, at in self.objection_cutoffs},
        }


def _workday_on_or_after(ruleset: RuleSet, day: dt.date, calendar: WorkCalendar) -> dt.date:
    return calendar.rest_day_rollover(day) if ruleset.deadline_on_workday else day


def timetable_compute(
    *,
    ruleset: RuleSet,
    published_at: dt.datetime,
    calendar: WorkCalendar,
    bid_deadline: dt.datetime | None = None,
    doc_issue_start: dt.datetime | None = None,
) -> Timetable:
    """Every statutory date that follows from publishing at ``published_at``.

    Documents are taken to be issued from publication unless ``doc_issue_start`` says otherwise.
    For prequalification procedures ``published_at`` is the prequalification notice and the
    bid-deadline day is a lower bound (documents issued on the earliest application deadline).
    Given ``bid_deadline``, the amendment and objection cut-offs it implies are added.
    """
    p = _local(published_at, "published_at")
    ds = _local_opt(doc_issue_start, "doc_issue_start") or p
    start = ds.date()

    prequal_doc_last: dt.date | None = None
    application_earliest: dt.date | None = None
    if ruleset.prequalification != "none":
        if ruleset.prequal_doc_issue_min is not None:
            prequal_doc_last = _end_min(ruleset, ruleset.prequal_doc_issue_min, p.date(), calendar)
        if ruleset.prequal_application_min is not None:
            base = (
                prequal_doc_last
                if ruleset.prequal_application_from == "doc_issue_end" and prequal_doc_last is not None
                else p.date()
            )
            application_earliest = _workday_on_or_after(
                ruleset, _end_min(ruleset, ruleset.prequal_application_min, base, calendar), calendar
            )
        if ruleset.prequalification == "required" and application_earliest is not None:
            start = max(start, application_earliest)

    doc_last = _end_min(ruleset, ruleset.doc_issue_min, start, calendar) if ruleset.doc_issue_min else None
    earliest = start
    if ruleset.bid_period_min is not None:
        base = start if ruleset.bid_period_from == "doc_issue" else p.date()
        earliest = _end_min(ruleset, ruleset.bid_period_min, base, calendar)
    activity_earliest: dt.date | None = None
    if ruleset.notice_to_start_min is not None:
        activity_earliest = _end_min(ruleset, ruleset.notice_to_start_min, p.date(), calendar)
        earliest = max(earliest, activity_earliest)
        if ruleset.listing_period_min is not None:
            earliest = _end_min(ruleset, ruleset.listing_period_min, activity_earliest, calendar)
    if doc_last is not None:
        earliest = max(earliest, doc_last)  # the sale must have run its course by the deadline
    earliest = _workday_on_or_after(ruleset, earliest, calendar)

    b = _local_opt(bid_deadline, "bid_deadline")
    amendment_cutoff: dt.datetime | None = None
    cutoffs: list[tuple[str, dt.datetime]] = []
    if b is not None:
        if ruleset.clarification_lead is not None:
            last = _start_max(ruleset.clarification_lead.period, b.date(), calendar)
            amendment_cutoff = period_deadline(last)
        for rule in ruleset.objections:
            if rule.window == "before_deadline" and rule.kind != ObjectionKind.PREQUALIFICATION_DOCUMENTS:
                assert rule.window_period is not None
                cutoffs.append((rule.kind, period_deadline(_start_max(rule.window_period, b.date(), calendar))))
    return Timetable(
        procedure=ruleset.procedure,
        ruleset_version=ruleset.version,
        published_at=published_at,
        doc_issue_last_day_min=doc_last,
        bid_deadline_earliest_day=earliest,
        activity_start_earliest_day=activity_earliest,
        prequal_doc_issue_last_day_min=prequal_doc_last,
        application_deadline_earliest_day=application_earliest,
        bid_deadline=bid_deadline,
        amendment_cutoff=amendment_cutoff,
        objection_cutoffs=tuple(cutoffs),
    )


def _issue_window_check(
    *,
    ruleset: RuleSet,
    limit: Limit | None,
    notice: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    deadline: dt.datetime,
    calendar: WorkCalendar,
    prefix: str,
    what: str,
) -> list[RuleViolation]:
    out: list[RuleViolation] = []
    if start < notice:
        out.append(
            _violation(
                f"{prefix}doc_issue_before_notice",
                f"{what}发售（提供）开始时间不得早于公告（邀请）发出时间",
                "",
                doc_issue_start=start.isoformat(),
                published_at=notice.isoformat(),
            )
        )
    if end <= start:
        out.append(
            _violation(
                f"{prefix}doc_issue_end_before_start",
                f"{what}发售（提供）截止时间必须晚于开始时间",
                "",
                doc_issue_start=start.isoformat(),
                doc_issue_end=end.isoformat(),
            )
        )
        return out
    if end > deadline:
        out.append(
            _violation(
                f"{prefix}doc_issue_after_deadline",
                f"{what}发售（提供）截止时间不得晚于递交截止时间",
                "",
                doc_issue_end=end.isoformat(),
                deadline=deadline.isoformat(),
            )
        )
    if limit is not None:
        last_min = _end_min(ruleset, limit, start.date(), calendar)
        if end.date() < last_min:
            out.append(
                _violation(
                    f"{prefix}doc_issue_period_short",
                    f"{what}发售（提供）期不得少于{_period_text(limit)}（{limit.article}），最早截止于{_iso(last_min)}",
                    limit.article,
                    last_day_min=_iso(last_min),
                    doc_issue_end=end.isoformat(),
                    period=limit.period.as_dict(),
                )
            )
    return out


def _rest_day_violation(
    ruleset: RuleSet, when: dt.datetime, calendar: WorkCalendar, code: str, what: str
) -> RuleViolation | None:
    if ruleset.deadline_on_workday and calendar.is_rest_day(when.date()):
        nxt = calendar.rest_day_rollover(when.date())
        return _violation(
            code,
            f"{what}{_iso(when.date())}不是工作日，请改为工作日（最近为{_iso(nxt)}）",
            f"{PLATFORM}；《民法典》第二百零三条",
            day=_iso(when.date()),
            next_workday=_iso(nxt),
        )
    return None


def timetable_check(
    *,
    ruleset: RuleSet,
    published_at: dt.datetime,
    bid_deadline: dt.datetime,
    calendar: WorkCalendar,
    doc_issue_start: dt.datetime | None = None,
    doc_issue_end: dt.datetime | None = None,
    opening_at: dt.datetime | None = None,
    activity_start: dt.datetime | None = None,
) -> list[RuleViolation]:
    """Every way the planned timetable of a notice breaks its rule set; empty when lawful.

    ``published_at`` is when the notice (or invitation; for prequalification procedures the
    invitation to the qualified applicants) goes out; documents are issued from then until the
    deadline unless ``doc_issue_start``/``doc_issue_end`` say otherwise. For land procedures
    ``activity_start`` is the start of 投标/拍卖/挂牌 (required for 挂牌; for 拍卖 it defaults to the
    opening, for 招标 to the bid deadline). For 单一来源 and 产权挂牌 the "bid deadline" is the end
    of the 公示 / 信息披露 period. The prequalification stage is checked by ``prequalification_check``.
    """
    p = _local(published_at, "published_at")
    b = _local(bid_deadline, "bid_deadline")
    ds = _local_opt(doc_issue_start, "doc_issue_start") or p
    de = _local_opt(doc_issue_end, "doc_issue_end") or b
    o = _local_opt(opening_at, "opening_at")
    s = _local_opt(activity_start, "activity_start")

    if b <= p:
        return [
            _violation(
                "deadline_not_after_notice",
                "截止时间必须晚于公告发布时间",
                "",
                published_at=p.isoformat(),
                bid_deadline=b.isoformat(),
            )
        ]
    out = _issue_window_check(
        ruleset=ruleset,
        limit=ruleset.doc_issue_min,
        notice=p,
        start=ds,
        end=de,
        deadline=b,
        calendar=calendar,
        prefix="",
        what="招标（采购）文件",
    )

    if ruleset.bid_period_min is not None:
        limit = ruleset.bid_period_min
        base = ds if ruleset.bid_period_from == "doc_issue" else p
        earliest = _end_min(ruleset, limit, base.date(), calendar)
        if b.date() < earliest:
            since = "文件开始发出" if ruleset.bid_period_from == "doc_issue" else "公告发布"
            out.append(
                _violation(
                    "bid_period_short",
                    f"自{since}之日起至截止之日止不得少于{_period_text(limit)}（{limit.article}），"
                    f"截止时间最早为{_iso(earliest)}",
                    limit.article,
                    earliest_day=_iso(earliest),
                    bid_deadline=b.isoformat(),
                    period=limit.period.as_dict(),
                )
            )

    if ruleset.notice_to_start_min is not None or ruleset.listing_period_min is not None:
        if s is None:
            if ruleset.activity_start == "required":
                raise InvalidInput(f"{ruleset.title}必须给出挂牌起始时间", code="activity_start_required", detail={})
            s = o if (ruleset.activity_start == "opening_or_deadline" and o is not None) else b
        if ruleset.notice_to_start_min is not None:
            limit = ruleset.notice_to_start_min
            earliest = _end_min(ruleset, limit, p.date(), calendar)
            if s.date() < earliest:
                out.append(
                    _violation(
                        "notice_period_short",
                        f"公告应当至少在投标、拍卖或者挂牌开始日前{_period_text(limit)}发布（{limit.article}），"
                        f"开始时间最早为{_iso(earliest)}",
                        limit.article,
                        earliest_day=_iso(earliest),
                        activity_start=s.isoformat(),
                        period=limit.period.as_dict(),
                    )
                )
        if ruleset.listing_period_min is not None and s > b:
            out.append(
                _violation(
                    "activity_start_after_deadline",
                    "挂牌（投标、拍卖）开始时间不得晚于截止时间",
                    "",
                    activity_start=s.isoformat(),
                    bid_deadline=b.isoformat(),
                )
            )
        elif ruleset.listing_period_min is not None:
            limit = ruleset.listing_period_min
            earliest = _end_min(ruleset, limit, s.date(), calendar)
            if b.date() < earliest:
                out.append(
                    _violation(
                        "listing_period_short",
                        f"挂牌时间不得少于{_period_text(limit)}（{limit.article}），挂牌最早截止于{_iso(earliest)}",
                        limit.article,
                        earliest_day=_iso(earliest),
                        bid_deadline=b.isoformat(),
                        period=limit.period.as_dict(),
                    )
                )

    rest = _rest_day_violation(ruleset, b, calendar, "deadline_on_rest_day", "截止日")
    if rest is not None:
        out.append(rest)

    if o is not None:
        if ruleset.opening_at_deadline is not None and o != b:
            article = ruleset.opening_at_deadline.article
            out.append(
                _violation(
                    "opening_not_at_deadline",
                    f"开标应当在投标截止时间的同一时间进行（{article}）",
                    article,
                    opening_at=o.isoformat(),
                    bid_deadline=b.isoformat(),
                )
            )
        elif o < b:
            out.append(
                _violation(
                    "opening_before_deadline",
                    "开标（开启）时间不得早于截止时间",
                    "",
                    opening_at=o.isoformat(),
                    bid_deadline=b.isoformat(),
                )
            )
        elif o.date() != b.date():
            rest = _rest_day_violation(ruleset, o, calendar, "opening_on_rest_day", "开标日")
            if rest is not None:
                out.append(rest)
    return out


def prequalification_check(
    *,
    ruleset: RuleSet,
    published_at: dt.datetime,
    application_deadline: dt.datetime,
    calendar: WorkCalendar,
    doc_issue_start: dt.datetime | None = None,
    doc_issue_end: dt.datetime | None = None,
) -> list[RuleViolation]:
    """Every way the timetable of a prequalification notice breaks its rule set; empty when lawful.

    The prequalification documents are issued from ``published_at`` until the application
    deadline unless ``doc_issue_start``/``doc_issue_end`` say otherwise.
    """
    if ruleset.prequalification == "none":
        raise InvalidInput(
            f"{ruleset.title}不进行资格预审",
            code="prequalification_not_applicable",
            detail={"procedure": ruleset.procedure},
        )
    p = _local(published_at, "published_at")
    a = _local(application_deadline, "application_deadline")
    ds = _local_opt(doc_issue_start, "doc_issue_start") or p
    de = _local_opt(doc_issue_end, "doc_issue_end") or a
    if a <= p:
        return [
            _violation(
                "application_deadline_not_after_notice",
                "资格预审申请文件递交截止时间必须晚于公告发布时间",
                "",
                published_at=p.isoformat(),
                application_deadline=a.isoformat(),
            )
        ]
    out = _issue_window_check(
        ruleset=ruleset,
        limit=ruleset.prequal_doc_issue_min,
        notice=p,
        start=ds,
        end=de,
        deadline=a,
        calendar=calendar,
        prefix="prequal_",
        what="资格预审文件",
    )
    if ruleset.prequal_application_min is not None:
        limit = ruleset.prequal_application_min
        from_sale_end = ruleset.prequal_application_from == "doc_issue_end"
        base = de if from_sale_end else p
        earliest = _end_min(ruleset, limit, base.date(), calendar)
        if a.date() < earliest:
            since = "资格预审文件停止发售" if from_sale_end else "资格预审公告发布"
            out.append(
                _violation(
                    "application_period_short",
                    f"自{since}之日起提交资格预审申请文件的时间不得少于{_period_text(limit)}（{limit.article}），"
                    f"截止时间最早为{_iso(earliest)}",
                    limit.article,
                    earliest_day=_iso(earliest),
                    application_deadline=a.isoformat(),
                    period=limit.period.as_dict(),
                )
            )
    rest = _rest_day_violation(ruleset, a, calendar, "application_deadline_on_rest_day", "资格预审申请截止日")
    if rest is not None:
        out.append(rest)
    return out


# -- amendments -----------------------------------------------------------------------------------

Stage = Literal["bid", "prequalification"]


def _clarification_lead(ruleset: RuleSet, stage: str) -> Limit | None:
    if stage == "bid":
        return ruleset.clarification_lead
    if stage == "prequalification":
        if ruleset.prequalification == "none":
            raise InvalidInput(
                f"{ruleset.title}不进行资格预审",
                code="prequalification_not_applicable",
                detail={"procedure": ruleset.procedure},
            )
        return ruleset.prequal_clarification_lead
    raise InvalidInput(f"未知的阶段“{stage}”", code="stage_unknown", detail={"stage": stage})


def amendment_deadline(
    *,
    ruleset: RuleSet,
    issued_at: dt.datetime,
    bid_deadline: dt.datetime,
    affects_bid_preparation: bool,
    calendar: WorkCalendar,
    stage: Stage = "bid",
) -> dt.datetime:
    """The lawful deadline after a clarification or amendment issued at ``issued_at``.

    Unchanged when the amendment cannot affect the preparation of bids or enough lead time
    remains; otherwise moved to the earliest lawful day at the original time of day (招标法 第二十三条,
    招标条例 第二十一条, 采购条例 第三十一条 …: 不足15日的，应当顺延). For ``stage="prequalification"``
    ``bid_deadline`` is the application deadline.
    """
    lead = _clarification_lead(ruleset, stage)
    i = _local(issued_at, "issued_at")
    b = _local(bid_deadline, "bid_deadline")
    if i >= b:
        raise InvalidInput(
            "截止时间已过，不能再澄清或修改文件",
            code="amendment_after_deadline",
            detail={"issued_at": i.isoformat(), "bid_deadline": b.isoformat()},
        )
    if not affects_bid_preparation or lead is None:
        return bid_deadline
    if _interval_holds(lead.period, i.date(), b.date(), calendar):
        return bid_deadline
    new_day = _workday_on_or_after(ruleset, lead.period.add_to(i.date(), calendar), calendar)
    return _at_same_time(new_day, bid_deadline)


def amendment_check(
    *,
    ruleset: RuleSet,
    issued_at: dt.datetime,
    bid_deadline: dt.datetime,
    affects_bid_preparation: bool,
    calendar: WorkCalendar,
    stage: Stage = "bid",
) -> RuleViolation | None:
    """The violation of publishing this amendment while keeping ``bid_deadline`` (None if lawful)."""
    lawful = amendment_deadline(
        ruleset=ruleset,
        issued_at=issued_at,
        bid_deadline=bid_deadline,
        affects_bid_preparation=affects_bid_preparation,
        calendar=calendar,
        stage=stage,
    )
    if lawful <= bid_deadline:
        return None
    lead = _clarification_lead(ruleset, stage)
    assert lead is not None
    return _violation(
        "amendment_lead_short",
        f"可能影响文件编制的澄清或修改应当在截止时间至少{_period_text(lead)}前发出（{lead.article}），"
        f"截止时间应顺延至{lawful.astimezone(CHINA_TZ).strftime('%Y-%m-%d %H:%M')}",
        lead.article,
        lawful_deadline=lawful.isoformat(),
        bid_deadline=bid_deadline.isoformat(),
        period=lead.period.as_dict(),
    )


# -- objections -----------------------------------------------------------------------------------


def _reference_missing(kind: str, what: str) -> InvalidInput:
    return InvalidInput(
        f"判断“{OBJECTION_KIND_LABELS.get(kind, kind)}”是否逾期需要{what}",
        code="objection_reference_missing",
        detail={"kind": kind, "missing": what},
    )


def objection_window_check(
    *,
    ruleset: RuleSet,
    kind: str,
    filed_at: dt.datetime,
    bid_deadline: dt.datetime | None,
    publicity_end: dt.datetime | None,
    calendar: WorkCalendar,
    reference_at: dt.datetime | None = None,
) -> RuleViolation | None:
    """Whether an objection (异议/质疑) of ``kind`` filed at ``filed_at`` is within its window.

    ``bid_deadline`` is the submission deadline the objection refers to (for prequalification
    documents, the application deadline; for an opening objection, the opening time).
    ``publicity_end`` ends the publicity period (中标候选人公示, 单一来源公示). For 政府采购 质疑
    the period runs from ``reference_at`` — the day the supplier knew or should have known
    (采购条例 第五十三条: receipt of the documents or end of their notice period, end of the step,
    end of the result notice) — falling back to ``publicity_end``.
    """
    rule = ruleset.objection_rule(kind)
    f = _local(filed_at, "filed_at")
    b = _local_opt(bid_deadline, "bid_deadline")
    pe = _local_opt(publicity_end, "publicity_end")
    label = OBJECTION_KIND_LABELS.get(rule.kind, rule.kind)

    if rule.window == "any_time":
        return None
    if rule.window == "before_deadline":
        if b is None:
            raise _reference_missing(kind, "截止时间")
        assert rule.window_period is not None
        last = _start_max(rule.window_period, b.date(), calendar)
        if f.date() > last:
            return _violation(
                "objection_late",
                f"{label}应当在截止时间{rule.window_period.label()}前提出（{rule.window_article}），"
                f"即不晚于{_iso(last)}",
                rule.window_article,
                last_day=_iso(last),
                filed_at=f.isoformat(),
                deadline=b.isoformat(),
            )
        return None
    if rule.window == "on_the_spot":
        if b is None:
            raise _reference_missing(kind, "开标时间")
        if f < b:
            return _violation(
                "objection_before_opening",
                f"{label}应当在开标现场提出（{rule.window_article}），开标尚未开始",
                rule.window_article,
                filed_at=f.isoformat(),
                opening_at=b.isoformat(),
            )
        if f.date() != b.date():
            return _violation(
                "objection_not_on_the_spot",
                f"{label}应当在开标现场提出（{rule.window_article}），开标当日之后不再受理",
                rule.window_article,
                filed_at=f.isoformat(),
                opening_at=b.isoformat(),
            )
        return None
    if rule.window == "within_publicity":
        if pe is None:
            raise _reference_missing(kind, "公示截止时间")
        if f > pe:
            return _violation(
                "objection_outside_publicity",
                f"{label}应当在公示期间提出（{rule.window_article}），公示已于{pe.strftime('%Y-%m-%d %H:%M')}结束",
                rule.window_article,
                filed_at=f.isoformat(),
                publicity_end=pe.isoformat(),
            )
        return None
    # after_reference: 政府采购 质疑
    ref = _local_opt(reference_at, "reference_at") or pe
    if ref is None:
        raise _reference_missing(kind, "起算时间（知道或者应知权益受损之日）")
    assert rule.window_period is not None
    last = rule.window_period.add_to(ref.date(), calendar)
    if rule.window_period.unit == CALENDAR:
        last = calendar.rest_day_rollover(last)
    if f >= period_deadline(last):
        return _violation(
            "objection_late",
            f"{label}应当在知道或者应知其权益受到损害之日起{rule.window_period.label()}内提出"
            f"（{rule.window_article}），即不晚于{_iso(last)}",
            rule.window_article,
            last_day=_iso(last),
            filed_at=f.isoformat(),
            reference_at=ref.isoformat(),
        )
    return None


def objection_reply_due(
    *,
    ruleset: RuleSet,
    kind: str,
    filed_at: dt.datetime,
    calendar: WorkCalendar,
    publicity_end: dt.datetime | None = None,
) -> dt.datetime:
    """When the answer to an objection is due: an exclusive instant (24:00 of the last day).

    On-the-spot objections are answered on the spot: the due instant is the filing instant.
    For a 单一来源 公示 objection the period runs from the end of the 公示 (``publicity_end``).
    """
    rule = ruleset.objection_rule(kind)
    f = _local(filed_at, "filed_at")
    if rule.reply is None:
        return filed_at
    start = f.date()
    if rule.reply_from == "publicity_end":
        pe = _local_opt(publicity_end, "publicity_end")
        if pe is None:
            raise _reference_missing(kind, "公示截止时间")
        start = max(start, pe.date())
    if rule.reply.unit == CALENDAR:
        last = calendar.period_last_day(start, rule.reply.amount)
    else:
        last = calendar.workday_period_last_day(start, rule.reply.amount)
    return period_deadline(last)


# -- publicity ------------------------------------------------------------------------------------

PublicityKind = Literal["candidates", "result"]


def _publicity_limit(ruleset: RuleSet, kind: str) -> Limit:
    limit = {"candidates": ruleset.candidate_publicity_min, "result": ruleset.result_publicity_min}.get(kind)
    if limit is None:
        raise InvalidInput(
            f"{ruleset.title}没有“{kind}”公示期规定",
            code="publicity_kind_unknown",
            detail={"kind": kind, "procedure": ruleset.procedure},
        )
    return limit


def publicity_last_day_min(
    *, ruleset: RuleSet, kind: PublicityKind, start: dt.datetime, calendar: WorkCalendar
) -> dt.date:
    """The earliest last day of a publicity period (中标候选人公示, 结果公告) begun at ``start``."""
    limit = _publicity_limit(ruleset, kind)
    return _end_min(ruleset, limit, _local(start, "start").date(), calendar)


def candidate_publicity_due(
    *, ruleset: RuleSet, report_received_at: dt.datetime, calendar: WorkCalendar
) -> dt.datetime:
    """By when the candidates must be published (招标条例 第五十四条: 收到评标报告之日起3日内)."""
    limit = ruleset.candidate_publicity_publish_within
    if limit is None:
        raise InvalidInput(
            f"{ruleset.title}没有中标候选人公示", code="publicity_kind_unknown", detail={"kind": "candidates"}
        )
    received = _local(report_received_at, "report_received_at").date()
    if limit.period.unit == CALENDAR:
        return period_deadline(calendar.period_last_day(received, limit.period.amount))
    return period_deadline(calendar.workday_period_last_day(received, limit.period.amount))


def publicity_check(
    *,
    ruleset: RuleSet,
    kind: PublicityKind,
    start: dt.datetime,
    end: dt.datetime,
    calendar: WorkCalendar,
    report_received_at: dt.datetime | None = None,
) -> RuleViolation | None:
    """Whether a publicity period from ``start`` to ``end`` is long enough (and, for candidates with
    ``report_received_at`` given, started in time)."""
    limit = _publicity_limit(ruleset, kind)
    s = _local(start, "start")
    e = _local(end, "end")
    if report_received_at is not None and kind == "candidates":
        due = candidate_publicity_due(ruleset=ruleset, report_received_at=report_received_at, calendar=calendar)
        if s >= due:
            within = ruleset.candidate_publicity_publish_within
            assert within is not None
            return _violation(
                "publicity_late",
                f"应当自收到评标报告之日起{_period_text(within)}内公示中标候选人（{within.article}）",
                within.article,
                due=due.isoformat(),
                start=s.isoformat(),
            )
    last_min = _end_min(ruleset, limit, s.date(), calendar)
    if e <= s or e.date() < last_min:
        return _violation(
            "publicity_period_short",
            f"公示期不得少于{_period_text(limit)}（{limit.article}），最早结束于{_iso(last_min)}",
            limit.article,
            last_day_min=_iso(last_min),
            start=s.isoformat(),
            end=e.isoformat(),
            period=limit.period.as_dict(),
        )
    return None


# -- money and counts -----------------------------------------------------------------------------
