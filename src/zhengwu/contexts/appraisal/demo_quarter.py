"""The demo runs two whole quarters of the appraisal through the services, as the evaluator would.

For each of 2026Q2 and 2026Q3: the round is designed on the default indicator system, a 办件名单
is imported (a CSV, through the same import as a real one), the sample is drawn and the
invitations sent through the local channel; simulated enterprises answer on the web and by
telephone, some refuse (a reserve takes their place), and a few bad responses are planted
(straight-liners, speeders, copies, an interviewer who fabricates). Quality control flags them,
the evaluator reviews every flag, objective data are entered, problems become tickets that the
units answer, the round is scored and published, and the reports are built.

The story the two quarters tell is fixed by seeds: one department and one centre are clearly last
in both quarters (the accountability rules apply to them), a key-project harm flag refers the
department to discipline inspection, and one centre improves markedly.
"""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from zhengwu.contexts.appraisal import collection, quality, rounds, tickets
from zhengwu.contexts.appraisal.accountability import harm_flag_enter
from zhengwu.contexts.appraisal.demo_respondents import respondent_plant, respondent_simulate
from zhengwu.contexts.appraisal.models import IndicatorSystem, Invitation, Response, Round, Ticket, Unit
from zhengwu.contexts.appraisal.objective import ObjectiveInput, objective_values_set
from zhengwu.contexts.appraisal.publication import round_publish
from zhengwu.contexts.appraisal.reports import report_leaders_build, report_unit_build
from zhengwu.contexts.appraisal.results import round_results_compute
from zhengwu.contexts.appraisal.sampling import round_code_period
from zhengwu.contexts.appraisal.services import unit_member_add
from zhengwu.contexts.appraisal.skiplogic import relevant_evaluate
from zhengwu.contexts.appraisal.system import SystemDef
from zhengwu.contexts.appraisal.systems import system_def, system_default_install
from zhengwu.contexts.identity.selectors import actor_for, user_get
from zhengwu.contexts.identity.services.accounts import user_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.errors import NotFound
from zhengwu.kernel.uscc import ALPHABET, uscc_check_char, uscc_org_check_char

QUARTERS = ("2026Q2", "2026Q3")
# Who the story is about (unit codes of demo.py): the department and the centre that come last,
# the department whose delays harmed key projects, the centre that improves, and the demo
# department user's own unit (昆明市市场监督管理局).
LAST_DEPARTMENT = "D016"  # 市农业农村局
LAST_CENTRE = "C012"  # 禄劝彝族苗族自治县政务服务中心
IMPROVER = "C005"  # 西山区政务服务中心
DEMO_DEPARTMENT_UNIT = "D023"  # 市市场监督管理局
INTERVIEWERS = tuple(f"interviewer{i}" for i in range(1, 7))
FABRICATOR = "interviewer6"
PLANTED_PER_QUARTER = {"straight_line": 4, "speeding": 4, "copy": 3}
REFUSAL_SHARE = 0.08
_MATTERS = {
    "centre": ["企业开办", "不动产登记", "一般事项"],
    "department": ["投资项目审批", "工程建设项目审批", "一般事项"],
}
FRAME_HEADERS = ["单位编号", "统一社会信用代码", "企业名称", "联系人", "手机号码", "电子邮箱", "事项类型", "企业规模"]
_NAME_HEADS = "滇昆云春金华鑫瑞德盛泰和安信诚恒达兴隆"
_NAME_TRADES = ["建设工程", "商贸", "农业科技", "物流", "餐饮管理", "信息技术", "医药", "新材料", "文化传媒", "置业"]


@dataclass
class DemoStory:
    """What happened, for the demo's tests and the person running it."""

    planted: dict[str, str]  # instance id → planted kind
    responses: int
    refusals: int


def _uscc(rng: np.random.Generator, region: str) -> str:
    body = "".join(rng.choice(list(ALPHABET[:10] + "ABCDEFGHJKLMNPQRTUWXY"), size=8))
    first17 = "91" + region + body + uscc_org_check_char(body)
    return first17 + uscc_check_char(first17)


def _frame_csv(*, units: list[Unit], rng: np.random.Generator) -> bytes:
    """A 办件名单 as a data owner would send it: one row per enterprise per unit."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FRAME_HEADERS)
    seen: set[str] = set()
    for unit in units:
        for _ in range(int(rng.integers(70, 140))):
            code = _uscc(rng, unit.region_code or "530100")
            if code in seen:
                continue
            seen.add(code)
            name = f"昆明{''.join(rng.choice(list(_NAME_HEADS), size=2))}{rng.choice(_NAME_TRADES)}有限公司"
            # A quarter of the enterprises left no mobile number: they are interviewed by telephone.
            reachable = rng.random() > 0.25
            prefix = rng.choice(["138", "139", "158", "186", "187"])
            phone = f"{prefix}{int(rng.integers(10**7, 10**8))}" if reachable else ""
            writer.writerow(
                [
                    unit.code,
                    code,
                    name,
                    "张" + str(rng.choice(list("伟敏静磊洋丽强军"))),
                    phone,
                    "",
                    str(rng.choice(_MATTERS[unit.kind])),
                    str(rng.choice(["小型企业", "微型企业", "中型企业"])),
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _quality(units: list[Unit], quarter: str) -> dict[str, float]:
    """Each unit's latent quality (0–100) in a quarter; the story's units are set by hand."""
    rng = np.random.default_rng(20260401)
    base = {u.code: float(np.clip(rng.normal(80, 4), 70, 90)) for u in units}
    base[LAST_DEPARTMENT] = 60.0
    base[LAST_CENTRE] = 62.0
    if quarter == "2026Q3":
        base[IMPROVER] = min(92.0, base[IMPROVER] + 9.0)
    return base


def _offsets(units: list[Unit], system: SystemDef) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(20260402)
    return {u.code: {c.code: float(rng.normal(0, 4)) for c in system.categories} for u in units}


def _actor(username: str) -> Actor | None:
    """The demo account's actor, or None when the identity demo did not create it."""
    try:
        return actor_for(user=user_get(username=username))
    except NotFound:
        return None


def _interviewer_actors(*, by: Actor) -> dict[str, Actor]:
    """The evaluator's telephone interviewers: appraiser accounts of the demo."""
    actors = {}
    for i, username in enumerate(INTERVIEWERS, start=1):
        actor = _actor(username)
        if actor is None:
            user = user_create(
                username=username,
                password=secrets.token_urlsafe(24),
                display_name=f"电话访员{i}",
                roles=["appraiser"],
                phone=f"1390000{i:04d}",
                is_demo=True,
                by=by,
            )
            actor = actor_for(user=user)
        actors[username] = actor
    return actors


def _answer(
    *,
    invitation: Invitation,
    simulated_by: Callable[[Invitation], tuple[dict[str, str], dict[str, int], dict[str, str], str]],
    interviewers: Mapping[str, Actor],
) -> tuple[Response, str]:
    answers, timings, topics, planted = simulated_by(invitation)
    cati = invitation.channel == Invitation.Channel.CATI
    response = collection.response_submit(
        invitation=invitation,
        uscc=invitation.frame_entry.uscc,
        answers=answers,
        timings=timings,
        topics=topics,
        instance_id=str(uuid.uuid4()),
        started_at=None,
        mode=Response.Mode.CATI if cati else Response.Mode.WEB,
        # A released reserve is nobody's yet: the first interviewer takes it.
        by=interviewers.get(invitation.interviewer_username, interviewers[INTERVIEWERS[0]]) if cati else None,
    )
    return response, planted


def quarter_run(
    *,
    code: str,
    system_record: IndicatorSystem,
    appraiser: Actor,
    leader: Actor | None,
    unit_user: Actor | None,
    interviewers: Mapping[str, Actor],
    link_base: str,
) -> DemoStory:
    """Run one quarter from design to publication."""
    system = system_def(system=system_record)
    start, end = round_code_period(code)
    year, quarter = code[:4], code[-1]
    rng = np.random.default_rng(int(code[:4]) * 10 + int(quarter))
    round_ = rounds.round_create(
        code=code,
        title=f"{year}年第{quarter}季度政务服务第三方评价",
        period_start=start,
        period_end=end,
        system=system_record,
        margin=7.0,
        assumed_sd=20.0,
        min_per_unit=20,
        reserve_ratio=0.3,
        seed=int(code[:4]) * 100 + int(quarter),
        by=appraiser,
    )
    units = list(Unit.objects.filter(active=True))
    rounds.frame_import(round=round_, data=_frame_csv(units=units, rng=rng), filename="办件名单.csv", by=appraiser)
    rounds.round_sample_draw(round=round_, by=appraiser)
    rounds.round_open(round=round_, link_base=link_base, interviewers=list(INTERVIEWERS), by=appraiser)

    quality_of = _quality(units, code)
    offsets = _offsets(units, system)
    items_of = {kind: system.items_for(kind) for kind in Unit.Kind.values}
    problem_items = {kind: [i.name for i in items if i.kind == "problem"] for kind, items in items_of.items()}
    planted_left = dict(PLANTED_PER_QUARTER)
    planted: dict[str, str] = {}
    last_answers: dict[str, tuple[dict[str, str], dict[str, int], dict[str, str]]] = {}

    def simulate(invitation: Invitation) -> tuple[dict[str, str], dict[str, int], dict[str, str], str]:
        unit = invitation.unit
        items = items_of[unit.kind]
        honest = respondent_simulate(
            system=system,
            items=items,
            quality=quality_of[unit.code],
            category_offsets=offsets[unit.code],
            rng=rng,
            relevant=relevant_evaluate,
        )
        topics = {name: honest.problems[0][1] for name in problem_items[unit.kind] if honest.problems}
        kind = ""
        if invitation.channel == Invitation.Channel.CATI and invitation.interviewer_username == FABRICATOR:
            kind = "fabricating_interviewer"
        elif planted_left["copy"] and unit.code in last_answers and rng.random() < 0.05:
            kind = "copy"
        elif planted_left["straight_line"] and rng.random() < 0.01:
            kind = "straight_line"
        elif planted_left["speeding"] and invitation.channel != Invitation.Channel.CATI and rng.random() < 0.01:
            kind = "speeding"
        if kind == "copy":
            answers, timings, topics = last_answers[unit.code]
            planted_left["copy"] -= 1
            return dict(answers), dict(timings), dict(topics), kind
        if kind:
            bad = respondent_plant(kind=kind, honest=honest, items=items, rng=rng)
            if kind in planted_left:
                planted_left[kind] -= 1
            return bad.answers, bad.timings, topics, kind
        last_answers[unit.code] = (honest.answers, honest.timings, topics)
        return honest.answers, honest.timings, topics, ""

    responses = refusals = 0
    pending = list(
        Invitation.objects.filter(round=round_, released=True)
        .select_related("unit", "frame_entry")
        .order_by("unit__code", "id")
    )
    while pending:
        invitation = pending.pop(0)
        interviewer = interviewers.get(invitation.interviewer_username) or appraiser
        if rng.random() < REFUSAL_SHARE:
            reserve = rounds.invitation_outcome_record(
                invitation=invitation, outcome="refused", by=interviewer, link_base=link_base
            )
            refusals += 1
            if reserve is not None:
                pending.append(Invitation.objects.select_related("unit", "frame_entry").get(pk=reserve.pk))
            continue
        response, kind = _answer(invitation=invitation, simulated_by=simulate, interviewers=interviewers)
        responses += 1
        if kind:
            planted[response.instance_id] = kind
    rounds.round_close(round=round_, by=appraiser)

    # Quality control, and the evaluator's review of every flag: the planted ones are rejected,
    # the honest ones that tripped a check are accepted with the reviewer's reason.
    quality.round_qc_run(round=round_, by=appraiser)
    for response in Response.objects.filter(round=round_, qc_status=Response.Qc.FLAGGED):
        planted_kind = planted.get(response.instance_id)
        if planted_kind:
            note = (
                "复核确认为无效答卷（回访核实）："
                + {
                    "straight_line": "全部题目同一选项，回访时受访者表示未认真作答",
                    "speeding": "作答用时过短，回访时受访者表示未认真阅读题目",
                    "copy": "与同单位另一份答卷完全相同，系重复录入",
                    "fabricating_interviewer": "访员访问记录异常，回访核实未接受过访问",
                }[planted_kind]
            )
            quality.response_review(response=response, decision="reject", note=note, by=appraiser)
        else:
            quality.response_review(
                response=response, decision="accept", note="回访核实确为本人作答，予以采纳", by=appraiser
            )

    objective_values_set(round=round_, values=_objective_values(units, system, quality_of, rng), by=appraiser)
    round_results_compute(round=round_, by=appraiser, bootstrap=2000, seed=int(code[:4]) * 10 + int(quarter))

    # Problems go to the units as tickets; the demo department answers its own.
    tickets.tickets_create_for_round(round=round_, by=appraiser)
    if unit_user is not None:
        own = Ticket.objects.filter(round=round_, unit__code=DEMO_DEPARTMENT_UNIT).order_by("number")
        for i, ticket in enumerate(own):
            if i % 3 == 2:
                continue  # left open: the unit has not answered yet
            tickets.ticket_reply(
                ticket=ticket, reply="已组织窗口人员专题培训，优化办事指南并公开承诺时限。", by=unit_user
            )
            accepted = i % 3 == 0
            note = "经回访核实，问题已整改到位" if accepted else "整改措施未覆盖问题根源，请补充"
            tickets.ticket_verify(ticket=ticket, accept=accepted, note=note, by=appraiser)

    if leader is not None and code == QUARTERS[-1]:
        harm_flag_enter(
            round=round_,
            unit=Unit.objects.get(code=LAST_DEPARTMENT),
            evidence="市重点项目（某农产品加工园区）的农用地审批超期逾三个月，导致项目延期开工（市政府督查室核查报告）",
            by=leader,
        )
    round_publish(round=round_, by=appraiser, build_reports=False)
    report_leaders_build(round=round_, by=appraiser)
    for unit_code in {LAST_DEPARTMENT, LAST_CENTRE, DEMO_DEPARTMENT_UNIT}:
        report_unit_build(round=round_, unit=Unit.objects.get(code=unit_code), by=appraiser)
    return DemoStory(planted=planted, responses=responses, refusals=refusals)


def _objective_values(
    units: list[Unit], system: SystemDef, quality_of: Mapping[str, float], rng: np.random.Generator
) -> list[ObjectiveInput]:
    """Data-fed indicators, better where the unit's service is better (with noise)."""
    values = []
    for unit in units:
        goodness = float(np.clip((quality_of[unit.code] - 55) / 40, 0, 1))
        for indicator in system.indicators:
            if indicator.source != "objective" or indicator.applies_to not in ("all", unit.kind):
                continue
            worst, best = float(indicator.worst or 0), float(indicator.best or 0)
            share = float(np.clip(goodness + rng.normal(0, 0.1), 0, 1))
            value = worst + share * (best - worst)
            values.append(ObjectiveInput(unit.code, indicator.code, round(value, 2), "办件系统统计"))
    return values


def demo_quarters_run(*, link_base: str) -> list[DemoStory]:
    """Both quarters, once: nothing is done when a round already exists."""
    if Round.objects.exists():
        return []
    appraiser = _actor("appraiser") or Actor.system("demo-appraiser")
    interviewers = _interviewer_actors(by=Actor.system("demo"))
    leader = _actor("leader")
    unit_user = _actor("dept")
    if unit_user is not None and unit_user.user_id is not None:
        unit_member_add(
            unit=Unit.objects.get(code=DEMO_DEPARTMENT_UNIT),
            user_id=unit_user.user_id,
            username=unit_user.username,
            by=appraiser,
        )
    system_record = system_default_install(by=appraiser)
    return [
        quarter_run(
            code=code,
            system_record=system_record,
            appraiser=appraiser,
            leader=leader,
            unit_user=unit_user,
            interviewers=interviewers,
            link_base=link_base,
        )
        for code in QUARTERS
    ]
