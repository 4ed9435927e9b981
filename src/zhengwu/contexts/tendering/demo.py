"""Demo tenders on the trading platform, created through the services as real users would.

Three trades, each registered, drafted, approved by the centre's staff and published:

- a construction tender (施工公开招标) with two sections, registered by the agency for the tenderer;
- a government procurement by 竞争性磋商 (one package, documents sold at a fee);
- a land-use-right 挂牌 listing, registered by the tenderer (as 出让人) itself.

Deadlines are computed from the clock and the working-day calendar: each notice is published
"now", its bid deadline is the earliest lawful day plus a week (so the demo stays open for a
while), falling back to the earliest lawful day when the week would run past the years the
calendar holds. Where even the earliest lawful deadline falls in a year the calendar does not
hold (the rules refuse to guess: ``calendar_year_missing``) — a 挂牌 needs a 20-day notice plus 10
working days, so from late November on it runs into next year — the notice is left approved but
unpublished and a warning says so; loading the demo again after the next year's holiday
arrangement is imported (``zhengwu calendar import``) publishes it. Nothing is ever published
with a backdated or guessed timetable.

Loading twice changes nothing: projects are found by name and owner, and every step is skipped
when already done.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from zhengwu.contexts.bidding.selectors import custodian_key_current
from zhengwu.contexts.bidding.services import custodian_key_register, supervision_custody_key_sync
from zhengwu.contexts.identity.selectors import actor_for, organisation_get_by_id, user_get
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.models import Document, Notice, Project, Question, Section
from zhengwu.contexts.tendering.services import (
    document_obtain,
    document_upload,
    notice_approve,
    notice_draft,
    notice_publish,
    notice_revise,
    project_register,
    question_ask,
    section_add,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import AgreementKey, key_file_create
from zhengwu.kernel.errors import NotAuthenticated, NotFound, ZhengwuError
from zhengwu.kernel.workdays import WorkCalendar
from zhengwu.platform.workdays.selectors import calendar_get

logger = logging.getLogger(__name__)

# Extra days beyond the earliest lawful deadline, so a demo tender stays open for a while.
MARGIN_DAYS = 7


@dataclass(frozen=True)
class DemoSection:
    name: str
    estimate_yuan: str
    bid_security_yuan: str
    document_price_yuan: str = "0"
    document_name: str = ""
    document_text: str = ""


@dataclass(frozen=True)
class DemoTender:
    name: str
    procedure: str
    by: str  # "agency" registers for the tenderer, "tenderer" for itself
    funding_source: str
    budget_yuan: str
    region_code: str
    industry_code: str
    sections: tuple[DemoSection, ...]
    notice_body: str
    bid_hour: tuple[int, int] = (9, 30)
    envelopes: str = "single"  # "two": technical then commercial (双信封), as the tender documents say


TENDERS = (
    DemoTender(
        name="昆明市呈贡区吴家营片区市政道路及配套管网工程",
        procedure=rules.Procedure.CONSTRUCTION_OPEN.value,
        envelopes="two",
        by="agency",
        funding_source="财政资金及企业自筹",
        budget_yuan="86500000.00",
        region_code="530114",
        industry_code="E48",
        sections=(
            DemoSection(
                name="第一标段：道路及桥涵工程",
                estimate_yuan="52300000.00",
                bid_security_yuan="800000.00",
                document_name="招标文件（第一标段）.txt",
                document_text=(
                    "第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（综合评估法）\n第四章 合同条款及格式\n"
                ),
            ),
            DemoSection(
                name="第二标段：给排水及综合管网工程",
                estimate_yuan="34200000.00",
                bid_security_yuan="600000.00",
                document_name="招标文件（第二标段）.txt",
                document_text="第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（经评审的最低投标价法）\n",
            ),
        ),
        notice_body=(
            "本招标项目已由呈贡区发展和改革局批准建设，项目业主为昆明某城市建设投资有限公司，"
            "资金来自财政资金及企业自筹，招标人委托云南某招标代理有限公司进行公开招标。\n"
            "投标人资格要求：具备市政公用工程施工总承包贰级及以上资质，具有有效的安全生产许可证。"
            "本次招标不接受联合体投标。\n"
            "招标文件在交易平台免费获取；投标文件须加密后在线递交。"
        ),
    ),
    DemoTender(
        name="昆明市政务服务中心智慧大厅信息化运维服务采购项目",
        procedure=rules.Procedure.PROCUREMENT_COMPETITIVE_CONSULTATION.value,
        by="agency",
        funding_source="市级财政预算资金",
        budget_yuan="1860000.00",
        region_code="530100",
        industry_code="I65",
        sections=(
            DemoSection(
                name="包1：智慧大厅信息化系统运维服务（三年）",
                estimate_yuan="1860000.00",
                bid_security_yuan="30000.00",
                document_price_yuan="300.00",
                document_name="竞争性磋商文件.txt",
                document_text="第一章 磋商邀请\n第二章 供应商须知\n第三章 评审办法（综合评分法，价格分值30%）\n",
            ),
        ),
        notice_body=(
            "项目预算金额：186万元（最高限价186万元）。采购需求：智慧大厅叫号、评价、自助终端等系统的"
            "三年运维服务。\n供应商资格要求：符合《政府采购法》第二十二条规定的条件；本项目专门面向中小企业。\n"
            "磋商文件售价300元，售后不退。"
        ),
        bid_hour=(14, 30),
    ),
    DemoTender(
        name="呈贡区KCC2026-18号地块国有建设用地使用权挂牌出让",
        procedure=rules.Procedure.LAND_LISTING.value,
        by="tenderer",
        funding_source="国有建设用地使用权出让收入",
        budget_yuan="128000000.00",
        region_code="530114",
        industry_code="K70",
        sections=(
            DemoSection(
                name="KCC2026-18号地块（城镇住宅用地，面积36512.40平方米，出让年限70年）",
                estimate_yuan="128000000.00",
                bid_security_yuan="25600000.00",
                document_name="挂牌出让文件.txt",
                document_text="一、出让地块基本情况\n二、竞买人资格\n三、竞买保证金\n四、挂牌报价规则\n",
            ),
        ),
        notice_body=(
            "经昆明市人民政府批准，决定以挂牌方式出让呈贡区KCC2026-18号地块国有建设用地使用权。"
            "起始价12800万元，增价幅度100万元，竞买保证金2560万元。\n"
            "中华人民共和国境内外的法人、自然人和其他组织均可申请参加竞买，申请人可以单独申请，也可以联合申请。\n"
            "本次挂牌出让不设底价公开，按照价高者得原则确定竞得人。"
        ),
        bid_hour=(17, 0),
    ),
)


def _actor(username: str) -> Actor | None:
    try:
        return actor_for(user=user_get(username=username))
    except (NotFound, NotAuthenticated):
        return None


def _at(day: dt.date, hour: tuple[int, int]) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour[0], hour[1], tzinfo=CHINA_TZ)


def _day_with_margin(calendar: WorkCalendar, earliest: dt.date) -> dt.date:
    """``earliest`` plus the margin, on a working day — or ``earliest`` where the calendar ends first."""
    try:
        return calendar.rest_day_rollover(earliest + dt.timedelta(days=MARGIN_DAYS))
    except ZhengwuError:
        return earliest


def _timetable(spec: DemoTender, project: Project) -> dict[str, dt.datetime]:
    """Bid deadline, document issue end and (listings) listing start for a notice published now.

    Starts from the earliest lawful dates (``rules.timetable_compute``) plus the margin, then lets
    ``rules.timetable_check`` confirm them, moving the deadline a working day at a time if needed.
    Raises the rules' error (e.g. ``calendar_year_missing``) when no lawful timetable fits the calendar.
    """
    now = clock_now()
    ruleset = rules.ruleset_for(procedure=project.procedure, on=now.astimezone(CHINA_TZ).date())
    calendar = calendar_get()
    table = rules.timetable_compute(ruleset=ruleset, published_at=now, calendar=calendar)
    out: dict[str, dt.datetime] = {}
    if ruleset.activity_start == "required" and table.activity_start_earliest_day is not None:
        # A listing: it starts when the notice period allows and lasts the shortest lawful time.
        out["activity_start"] = _at(calendar.rest_day_rollover(table.activity_start_earliest_day), (9, 0))
        day = table.bid_deadline_earliest_day
    else:
        day = _day_with_margin(calendar, table.bid_deadline_earliest_day)
        if table.doc_issue_last_day_min is not None:
            out["doc_issue_end"] = _at(_day_with_margin(calendar, table.doc_issue_last_day_min), (17, 0))
    violations: list[rules.RuleViolation] = []
    for _ in range(31):
        out["bid_deadline"] = _at(day, spec.bid_hour)
        if "doc_issue_end" in out:
            out["doc_issue_end"] = min(out["doc_issue_end"], out["bid_deadline"])
        violations = rules.timetable_check(
            ruleset=ruleset,
            published_at=now,
            calendar=calendar,
            opening_at=out["bid_deadline"],
            **out,
        )
        if not violations:
            return out
        day = calendar.rest_day_rollover(day + dt.timedelta(days=1))
    raise ZhengwuError(violations[0].message, code=violations[0].code)


def _project(spec: DemoTender, *, tenderer: Actor, agency: Actor) -> Project:
    owner_id = tenderer.organisation_id
    assert owner_id is not None  # the demo tenderer belongs to its organisation
    existing = Project.objects.filter(name=spec.name, owner_org_id=owner_id).first()
    if existing is not None:
        return existing
    if spec.by == "agency":
        uscc = organisation_get_by_id(organisation_id=owner_id).uscc
        return project_register(
            name=spec.name,
            procedure=spec.procedure,
            funding_source=spec.funding_source,
            budget_yuan=spec.budget_yuan,
            region_code=spec.region_code,
            industry_code=spec.industry_code,
            tenderer_uscc=uscc,
            by=agency,
        )
    return project_register(
        name=spec.name,
        procedure=spec.procedure,
        funding_source=spec.funding_source,
        budget_yuan=spec.budget_yuan,
        region_code=spec.region_code,
        industry_code=spec.industry_code,
        by=tenderer,
    )


def _sections(spec: DemoTender, project: Project, *, by: Actor) -> list[Section]:
    out: list[Section] = []
    for item in spec.sections:
        section = project.sections.filter(name=item.name).first()
        if section is None:
            section = section_add(
                project=project,
                name=item.name,
                estimate_yuan=item.estimate_yuan,
                bid_security_yuan=item.bid_security_yuan,
                document_price_yuan=item.document_price_yuan,
                by=by,
            )
        if item.document_name and not Document.objects.filter(section=section, name=item.document_name).exists():
            document_upload(
                project=project,
                section=section,
                name=item.document_name,
                content=f"{project.name}\n{section.name}\n\n{item.document_text}".encode(),
                content_type="text/plain; charset=utf-8",
                by=by,
            )
        out.append(section)
    return out


def _publish(spec: DemoTender, project: Project, sections: list[Section], *, by: Actor, staff: Actor) -> bool:
    notice = project.notices.filter(kind=Notice.Kind.TENDER).order_by("created_at").first()
    if notice is not None and notice.status == Notice.Status.PUBLISHED:
        return True
    if any(s.status != rules.SectionStatus.DRAFT for s in sections):
        return False
    try:
        timetable = _timetable(spec, project)
    except ZhengwuError as exc:
        logger.warning("demo: %s not published: %s (%s)", project.name, exc.message, exc.code)
        return False
    ruleset = rules.ruleset_for(procedure=project.procedure, on=clock_now().astimezone(CHINA_TZ).date())
    title = f"{project.name}{ruleset.notice_title}"
    if notice is None:
        notice = notice_draft(
            project=project,
            kind=Notice.Kind.TENDER,
            title=title,
            body=spec.notice_body,
            sections=sections,
            by=by,
            doc_issue_end=timetable.get("doc_issue_end"),
            bid_deadline=timetable.get("bid_deadline"),
            activity_start=timetable.get("activity_start"),
            envelopes=spec.envelopes,
        )
    else:
        # Drafted on an earlier run whose dates may no longer be lawful from now: redate it.
        notice = notice_revise(
            notice=notice,
            title=title,
            body=spec.notice_body,
            doc_issue_end=timetable.get("doc_issue_end"),
            bid_deadline=timetable.get("bid_deadline"),
            activity_start=timetable.get("activity_start"),
            by=by,
        )
    notice = notice_approve(notice=notice, comment="经审核，公告内容符合规定，同意发布。", by=staff)
    try:
        notice_publish(notice=notice, by=by)
    except ZhengwuError as exc:
        # Most often the calendar does not reach the deadline yet (calendar_year_missing), or the
        # notice was drafted on an earlier day and its dates are no longer lawful from now on.
        logger.warning("demo: %s left unpublished: %s (%s)", project.name, exc.message, exc.code)
        return False
    return True


def _bidders_take_part(section: Section) -> None:
    """Two bidders obtain the first construction section's documents; one asks a question."""
    bidder1, bidder2 = _actor("bidder1"), _actor("bidder2")
    for bidder in (bidder1, bidder2):
        if bidder is not None:
            document_obtain(section=section, by=bidder)
    if bidder1 is None or bidder1.organisation_id is None:
        return
    if not Question.objects.filter(section=section, asker_org_id=bidder1.organisation_id).exists():
        question_ask(
            section=section,
            text="招标文件第三章评标办法中“类似工程业绩”是否包含市政道路改扩建工程？请予澄清。",
            by=bidder1,
        )


def _custody_keys_ensure(*officers: Actor) -> None:
    """Register the demo tenderer's and agency's custody keys, kept in ``VAR_DIR/demo/`` (0600).

    Publishing a tender notice splits its opening key among custodians who registered a custody
    key. A real officer keeps the private half on its own machine; the demo keeps it beside the
    data so an opening can be shown (``custody-<username>.key``, base64 of the raw X25519 key).
    """
    supervision_custody_key_sync(by=Actor.system("demo"))
    folder = Path(settings.VAR_DIR) / "demo"
    for officer in officers:
        path = folder / f"custody-{officer.username}.key"
        if path.exists():
            key = AgreementKey.from_raw(base64.b64decode(path.read_text()))
        else:
            key = AgreementKey.generate()
            key_file_create(path, base64.b64encode(key.raw()).decode("ascii"))
        public = base64.b64encode(key.public_raw).decode("ascii")
        current = custodian_key_current(holder=f"org:{officer.organisation_id}")
        if current is None or current.public != public:
            custodian_key_register(public=public, by=officer)


def demo_load(*, platforms: list[str]) -> list[dict[str, Any]]:
    """Create the demo tenders when the trading platform is served; return no accounts (identity makes them)."""
    if "trading" not in platforms:
        return []
    tenderer, agency, staff = _actor("tenderer"), _actor("agency"), _actor("staff")
    if tenderer is None or agency is None or staff is None:
        logger.warning("demo: the demo accounts are missing; load the identity demo first")
        return []
    _custody_keys_ensure(tenderer, agency)
    for spec in TENDERS:
        by = agency if spec.by == "agency" else tenderer
        project = _project(spec, tenderer=tenderer, agency=agency)
        sections = _sections(spec, project, by=by)
        published = _publish(spec, project, sections, by=by, staff=staff)
        if published and spec.procedure == rules.Procedure.CONSTRUCTION_OPEN.value:
            section = Section.objects.select_related("project").get(pk=sections[0].pk)
            if section.status == rules.SectionStatus.ACCEPTING_BIDS and clock_now() < (
                section.doc_issue_end or section.bid_deadline or clock_now()
            ):
                _bidders_take_part(section)
    return []
