"""The two quarterly reports as PDF: 《政务要情参阅》 for the city's leaders and 《一把手必读》 per unit.

Built from the round's stored results (``RoundResult``/``UnitScore``, written by scoring), its
tickets and its accountability outcomes; charts from ``report_charts``; rendered by the
platform's ``pdf_render`` with CJK fonts. Both are restricted documents (内部资料): they are
stored (``ReportFile``, with their SHA-256) and handed out only to those entitled to them, and
every download is written to the audit log — the distribution log (appraisal-methods.md §2.10).

The documents are always in Chinese, whatever the reader's interface language. A unit's report
speaks only of that unit, its kind's average and its problems as summarised for it: never
another unit's figures, never a respondent.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

from zhengwu.contexts.appraisal.access import APPRAISER, CITY_LEADER, actor_unit
from zhengwu.contexts.appraisal.models import (
    AccountabilityOutcome,
    Problem,
    ReportFile,
    Response,
    Round,
    RoundResult,
    Ticket,
    Unit,
    UnitScore,
)
from zhengwu.contexts.appraisal.report_charts import (
    RankPoint,
    TrendPoint,
    category_chart,
    count_chart,
    ranking_chart,
    trend_chart,
)
from zhengwu.contexts.appraisal.system import RATING_LABELS, SystemDef
from zhengwu.contexts.appraisal.systems import system_def
from zhengwu.contexts.appraisal.tickets import (
    OPEN_STATUSES,
    summary_mask,
    ticket_counts_by_unit,
    ticket_is_overdue,
    tickets_overdue,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now, clock_today
from zhengwu.kernel.errors import Conflict, NotFound, PermissionDenied
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.web.pdf import pdf_render

LEADERS_TEMPLATE = "appraisal/reports/leaders.html"
UNIT_TEMPLATE = "appraisal/reports/unit.html"
RESTRICTED = "内部资料 注意保存"
KIND_TITLES: dict[str, str] = {Unit.Kind.CENTRE: "政务服务中心（大厅）", Unit.Kind.DEPARTMENT: "市级审批部门"}
TOP_CATEGORIES = 5
METHOD_STANDARDS = (
    "GB/T 19038-2009《顾客满意测评模型和方法指南》",
    "GB/T 19039-2009《顾客满意测评通则》",
    "GB/T 39735-2020《政务服务评价工作指南》",
)


# --- what the reports say -------------------------------------------------------------------


def _require_results(round: Round) -> RoundResult:
    result = RoundResult.objects.filter(round=round).first()
    if round.status not in (Round.Status.SCORED, Round.Status.PUBLISHED) or result is None:
        raise Conflict("本轮尚未计分，不能生成报告", code="appraisal_round_not_scored")
    return result


def _builder_check(by: Actor) -> None:
    if not (by.is_system or by.has_role(APPRAISER)):
        raise PermissionDenied("只有第三方评价机构可以生成报告", code="appraisal_appraiser_only")


def _chinese_date(day: Any) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _previous_round(round: Round) -> Round | None:
    return (
        Round.objects.filter(
            period_start__lt=round.period_start, status__in=(Round.Status.SCORED, Round.Status.PUBLISHED)
        )
        .order_by("-period_start")
        .first()
    )


def _problem_counts(round: Round, *, unit: Unit | None = None) -> Counter[str]:
    problems = Problem.objects.filter(round=round).exclude(response__qc_status=Response.Qc.REJECTED)
    if unit is not None:
        problems = problems.filter(unit=unit)
    return Counter(problems.values_list("category_code", flat=True))


def _category_name(system: SystemDef, code: str) -> str:
    names = {c.code: c.name for c in system.categories}
    return names.get(code, "未分类") if code else "未分类"


def _method(system: SystemDef, result: RoundResult) -> dict[str, Any]:
    scoring = [(RATING_LABELS[k], system.scoring[k]) for k in ("5", "4", "3", "2", "1")]
    reliability = [
        {"name": _category_name(system, code), "alpha": values.get("alpha"), "k": values.get("k"), "n": values.get("n")}
        for code, values in sorted(result.reliability.items())
        if isinstance(values, dict)
    ]
    return {
        "scoring": scoring,
        "used": result.responses_used,
        "excluded": result.responses_excluded,
        "bootstrap": result.bootstrap,
        "seed": result.seed,
        "reliability": reliability,
        "standards": METHOD_STANDARDS,
        "system": f"{system.title}（{len(system.categories)}个类别、{len(system.indicators)}项指标）",
    }


def _score_row(score: UnitScore) -> dict[str, Any]:
    return {
        "rank": score.rank,
        "of": score.of,
        "name": score.unit.name,
        "code": score.unit.code,
        "n": score.n,
        "total": score.total,
        "ci_low": score.ci_low,
        "ci_high": score.ci_high,
        "rank_low": score.rank_low,
        "rank_high": score.rank_high,
        "p_last": score.p_last,
        "change": score.change,
        "change_significant": score.change_significant,
        "last": score.rank == score.of,
    }


def leaders_context(*, round: Round) -> dict[str, Any]:
    """Everything 《政务要情参阅》 shows, as template data (charts as ``data:`` URIs)."""
    result = _require_results(round)
    system = system_def(system=round.system)
    previous = _previous_round(round)
    previous_result = RoundResult.objects.filter(round=previous).first() if previous else None
    trend = list(
        RoundResult.objects.filter(
            round__period_start__lte=round.period_start,
            round__status__in=(Round.Status.SCORED, Round.Status.PUBLISHED),
        )
        .select_related("round")
        .order_by("round__period_start")
    )
    scores = list(UnitScore.objects.filter(round=round).select_related("unit").order_by("kind", "rank", "unit__code"))
    rankings = []
    for kind, title in KIND_TITLES.items():
        rows = [_score_row(s) for s in scores if s.kind == kind]
        if not rows:
            continue
        points = [RankPoint(r["name"], r["total"], r["ci_low"], r["ci_high"], highlight=r["last"]) for r in rows]
        chart = ranking_chart(points=points, title=f"{title}得分及95%置信区间")
        rankings.append({"kind": kind, "title": title, "rows": rows, "chart": chart})
    movers = sorted(
        (_score_row(s) for s in scores if s.change_significant and s.change is not None),
        key=lambda r: -abs(r["change"]),
    )
    counts = _problem_counts(round)
    categories = [(_category_name(system, code), n) for code, n in counts.most_common()]
    unit_names = {s.unit_id: s.unit.name for s in scores}
    ticket_counts = ticket_counts_by_unit(round=round)
    ticket_totals: Counter[str] = Counter()
    for unit_counts in ticket_counts.values():
        ticket_totals.update(unit_counts)
    today = clock_today()
    city_change = result.city_score - result.previous_city_score if result.previous_city_score is not None else None
    overdue = [
        {
            "number": t.number,
            "unit": t.unit.name,
            "category": _category_name(system, t.category_code),
            "deadline": t.deadline,
            "days": (today - t.deadline).days,
            "level": t.escalation_level,
        }
        for t in tickets_overdue(round=round, today=today)
    ]
    return {
        "title": f"政务要情参阅（{round.title or round.code}）",
        "restricted": RESTRICTED,
        "round": round,
        "period": f"{_chinese_date(round.period_start)}至{_chinese_date(round.period_end)}",
        "issued": _chinese_date(today),
        "result": result,
        "previous": previous,
        "previous_result": previous_result,
        "city_change": city_change,
        "city_change_abs": abs(city_change) if city_change is not None else None,
        "trend_chart": trend_chart(
            points=[TrendPoint(r.round.code, r.city_score, r.city_ci_low, r.city_ci_high) for r in trend],
            title="全市政务服务满意度走势",
        ),
        "rankings": rankings,
        "movers": movers,
        "problem_total": sum(counts.values()),
        "problem_categories": categories,
        "top_categories": categories[:TOP_CATEGORIES],
        "problem_chart": count_chart(
            names=[name for name, _ in categories], counts=[n for _, n in categories], title="问题数量（按类别）"
        )
        if categories
        else "",
        "ticket_totals": ticket_totals,
        "ticket_units": sorted(
            ({"unit": unit_names.get(uid, ""), **c} for uid, c in ticket_counts.items() if c["overdue"]),
            key=lambda r: -r["overdue"],
        ),
        "overdue": overdue,
        "outcomes": list(
            AccountabilityOutcome.objects.filter(round=round).select_related("unit").order_by("rule", "unit__code")
        ),
        "method": _method(system, result),
    }


def unit_context(*, round: Round, unit: Unit) -> dict[str, Any]:
    """Everything 《一把手必读》 shows for ``unit``: its own figures, its kind's average, its problems."""
    result = _require_results(round)
    score = UnitScore.objects.filter(round=round, unit=unit).first()
    if score is None:
        raise NotFound("该单位本轮没有评价结果", code="appraisal_unit_score_missing")
    system = system_def(system=round.system)
    peers = list(UnitScore.objects.filter(round=round, kind=score.kind))
    categories: list[dict[str, Any]] = []
    for category in system.categories:
        sums = [p.categories[category.code]["score"] for p in peers if _has_score(p.categories.get(category.code))]
        own = score.categories.get(category.code)
        if not _has_score(own) and not sums:
            continue
        categories.append(
            {
                "code": category.code,
                "name": category.name,
                "score": own["score"] if _has_score(own) else None,
                "average": sum(sums) / len(sums) if sums else None,
            }
        )
    for row in categories:
        row["gap"] = row["score"] - row["average"] if row["score"] is not None and row["average"] is not None else None
    tickets = list(Ticket.objects.filter(round=round, unit=unit))
    problems: dict[str, list[str]] = defaultdict(list)
    for ticket in tickets:
        problems[ticket.category_code].append(ticket.summary)
    untracked = (
        Problem.objects.filter(round=round, unit=unit, ticket__isnull=True)
        .exclude(response__qc_status=Response.Qc.REJECTED)
        .select_related("response")
    )
    for problem in untracked:
        # Not yet sent as a ticket: masked here exactly as a ticket's summary would be.
        known = (problem.response.respondent_name, problem.response.respondent_uscc)
        problems[problem.category_code].append(summary_mask(problem.text, known=known))
    problem_groups = sorted(
        ({"name": _category_name(system, code), "summaries": items} for code, items in problems.items()),
        key=lambda g: -len(g["summaries"]),
    )
    today = clock_today()
    earlier_open = Ticket.objects.filter(
        unit=unit, status__in=OPEN_STATUSES, round__period_start__lt=round.period_start
    ).count()
    status_counts = Counter(t.status for t in tickets)
    ticket_rows = [
        {
            "number": t.number,
            "category": _category_name(system, t.category_code),
            "status": t.get_status_display(),
            "deadline": t.deadline,
            "overdue": ticket_is_overdue(t, today=today),
        }
        for t in sorted(tickets, key=lambda t: t.number)
    ]
    return {
        "title": f"一把手必读（{unit.name}，{round.title or round.code}）",
        "restricted": RESTRICTED,
        "round": round,
        "unit": unit,
        "kind_title": KIND_TITLES.get(score.kind, score.kind),
        "period": f"{_chinese_date(round.period_start)}至{_chinese_date(round.period_end)}",
        "issued": _chinese_date(today),
        "score": score,
        # Stored as shares (0–1), shown as percentages.
        "satisfaction_pct": score.satisfaction_rate * 100,
        "negative_pct": score.negative_rate * 100,
        "change_abs": abs(score.change) if score.change is not None else None,
        "city_score": result.city_score,
        "categories": categories,
        "category_chart": category_chart(
            names=[c["name"] for c in categories],
            unit=[c["score"] for c in categories],
            average=[c["average"] for c in categories],
        )
        if categories
        else "",
        # The three categories furthest below the kind's average (none when it leads everywhere).
        "weakest": sorted((c for c in categories if c["gap"] is not None and c["gap"] < 0), key=lambda c: c["gap"])[:3],
        "problem_groups": problem_groups,
        "problem_total": sum(len(g["summaries"]) for g in problem_groups),
        "tickets": ticket_rows,
        "ticket_counts": {
            "total": len(tickets),
            "open": status_counts[Ticket.Status.OPEN] + status_counts[Ticket.Status.REOPENED],
            "replied": status_counts[Ticket.Status.REPLIED],
            "closed": status_counts[Ticket.Status.CLOSED],
            "overdue": sum(1 for row in ticket_rows if row["overdue"]),
            "earlier_open": earlier_open,
        },
        "outcomes": list(AccountabilityOutcome.objects.filter(round=round, unit=unit).order_by("rule")),
        "method": _method(system, result),
    }


def _has_score(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("score"), int | float)


# --- building and storing -------------------------------------------------------------------


def _store(*, round: Round, kind: str, unit: Unit | None, pdf: bytes, by: Actor) -> ReportFile:
    digest = hashlib.sha256(pdf).hexdigest()
    now = clock_now()
    with transaction.atomic():
        # The round's row serialises builders: the unique constraint cannot, since NULLs (the
        # leaders' report has no unit) never collide in it.
        Round.objects.select_for_update().get(pk=round.pk)
        report = ReportFile.objects.filter(round=round, kind=kind, unit=unit).first()
        before = {"sha256": report.sha256} if report else {}
        if report is None:
            report = ReportFile(round=round, kind=kind, unit=unit)
        report.content, report.sha256, report.created_at, report.created_by = pdf, digest, now, by.username
        report.save()
        audit_append(
            actor=by,
            action="appraisal.report.build",
            object_type="appraisal.report",
            object_id=_report_key(report),
            before=before,
            after={"sha256": digest, "bytes": len(pdf)},
        )
    return report


def _report_key(report: ReportFile) -> str:
    return f"{report.round.code}/{report.kind}/{report.unit.code if report.unit else ''}"


def report_leaders_build(*, round: Round, by: Actor) -> ReportFile:
    """Render and store 《政务要情参阅》 for ``round`` (scored or published); replaces an earlier build."""
    _builder_check(by)
    pdf = pdf_render(template=LEADERS_TEMPLATE, context=leaders_context(round=round))
    return _store(round=round, kind=ReportFile.Kind.LEADERS, unit=None, pdf=pdf, by=by)


def report_unit_build(*, round: Round, unit: Unit, by: Actor) -> ReportFile:
    """Render and store ``unit``'s 《一把手必读》 for ``round``; replaces an earlier build."""
    _builder_check(by)
    pdf = pdf_render(template=UNIT_TEMPLATE, context=unit_context(round=round, unit=unit))
    return _store(round=round, kind=ReportFile.Kind.UNIT, unit=unit, pdf=pdf, by=by)


def reports_build_check(*, round: Round, by: Actor) -> None:
    """Refuse (as building would) before queueing a build: only the evaluator, only a scored round."""
    _builder_check(by)
    _require_results(round)


def reports_build_all(
    *, round: Round, by: Actor, progress: Callable[[int, int], None] | None = None
) -> list[ReportFile]:
    """Both kinds: the leaders' report and one 《一把手必读》 per scored unit; ``progress(done, total)``."""
    reports_build_check(round=round, by=by)
    units = [s.unit for s in UnitScore.objects.filter(round=round).select_related("unit").order_by("kind", "rank")]
    total = len(units) + 1
    reports = [report_leaders_build(round=round, by=by)]
    if progress:
        progress(1, total)
    for done, unit in enumerate(units, start=2):
        reports.append(report_unit_build(round=round, unit=unit, by=by))
        if progress:
            progress(done, total)
    return reports


# --- who may have them ------------------------------------------------------------------------


def report_may_download(*, report: ReportFile, by: Actor) -> bool:
    """The evaluator always; after publication, leaders the leaders' report and a unit its own."""
    if by.has_role(APPRAISER):
        return True
    if report.round.status != Round.Status.PUBLISHED:
        return False
    if report.kind == ReportFile.Kind.LEADERS:
        return by.has_role(CITY_LEADER)
    unit = actor_unit(actor=by)
    return unit is not None and report.unit_id == unit.pk


def reports_visible(*, round: Round, by: Actor) -> list[ReportFile]:
    """The round's stored reports ``by`` may download (without their content)."""
    reports = (
        ReportFile.objects.filter(round=round)
        .select_related("round", "unit")
        .defer("content")
        .order_by("kind", "unit__code")
    )
    return [r for r in reports if report_may_download(report=r, by=by)]


def report_download(*, round: Round, report_id: int, by: Actor) -> ReportFile:
    """Hand out one report, writing the handing-out to the audit log (the distribution log)."""
    report = ReportFile.objects.select_related("round", "unit").filter(round=round, pk=report_id).first()
    if report is None:
        raise NotFound("报告不存在", code="appraisal_report_missing")
    if not report_may_download(report=report, by=by):
        raise PermissionDenied("无权下载该报告", code="appraisal_report_denied")
    audit_append(
        actor=by,
        action="appraisal.report.download",
        object_type="appraisal.report",
        object_id=_report_key(report),
        after={"sha256": report.sha256, "at": clock_now().astimezone(CHINA_TZ).isoformat()},
    )
    return report
