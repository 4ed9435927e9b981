"""A section's draw as the centre's staff request it: from the tender to ``draw_commit``.

The section gives the project, the tenderer and its agency (``tendering.selectors``); the
procedure gives the committee the drawn experts sit on (``rules.committee_kind_for``), whose size
and composition the law fixes (``rules.committee_check``): a request that would break it is
refused with the rule's own message before anything is committed. The bidders are avoided only
once they are known — after the bid deadline, read through ``bidding.selectors.bidders_for``
(the audited gatekeeper); before it the list is secret and the drawn experts recuse themselves
when they see it, reserves replacing them.

Every refusal comes before the first write and before the bidders are read, so a refused request
leaves no draw, no audit entry and no trace of a look at the bidders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from zhengwu.contexts.bidding import selectors as bidding_selectors
from zhengwu.contexts.experts.draw import Contribution
from zhengwu.contexts.experts.models import ExpertDraw
from zhengwu.contexts.experts.rules import (
    COMMITTEE_LABELS,
    DrawGroup,
    RuleViolation,
    committee_check,
    committee_kind_for,
    committee_minimum,
)
from zhengwu.contexts.experts.services.common import region_code_problem, require_staff
from zhengwu.contexts.experts.services.draws import draw_commit, draw_perform
from zhengwu.contexts.experts.specialties import specialty_code_normalize, specialty_known
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now, clock_today
from zhengwu.kernel.errors import Conflict as StateConflict
from zhengwu.kernel.errors import InvalidInput, NotFound

REPRESENTATIVES_MAX = 20


@dataclass(frozen=True)
class Committee:
    """Who sits beside the drawn experts, and the facts that set the committee's minimum size.

    ``representatives`` are the tenderer's (purchaser's) own members; ``complex_project`` marks a
    technically complex or high-impact procurement (7 members, 87号令 第四十七条);
    ``at_open_tender_threshold`` a negotiation or inquiry at the open-tender threshold (5 members).
    """

    representatives: int = 0
    complex_project: bool = False
    at_open_tender_threshold: bool = False


@dataclass(frozen=True)
class DrawCheck:
    """What a draw request makes of the section's committee, before anything is committed."""

    section_code: str
    project_code: str
    tenderer_uscc: str
    agency_uscc: str
    procedure: str
    kind: str
    label: str
    experts: int
    representatives: int
    size: int
    minimum: int
    violations: tuple[RuleViolation, ...]
    # Whether the bid deadline has passed: the bidders are then avoided by the draw.
    bidders_known: bool

    @property
    def lawful(self) -> bool:
        return not self.violations


def _section(section_code: str) -> Any:
    return tendering_selectors.section_get_by_code(code=section_code)


def _groups_checked(groups: Sequence[DrawGroup]) -> tuple[DrawGroup, ...]:
    if not groups:
        raise InvalidInput("抽取申请至少要有一组抽取条件", code="draw_request_invalid", detail={"field": "groups"})
    for group in groups:
        for code in group.specialties:
            if not specialty_known(specialty_code_normalize(code)):
                raise InvalidInput(
                    f"专业代码“{code}”不在专业分类表中", code="specialty_unknown", detail={"code": code[:20]}
                )
        _regions_checked(group.regions)
    return tuple(groups)


def _regions_checked(regions: Sequence[str]) -> tuple[str, ...]:
    for code in regions:
        problem = region_code_problem(code)
        if problem is not None:
            raise InvalidInput(problem, code="region_code_invalid", detail={"code": code[:20]})
    return tuple(regions)


def _check(*, section: Any, groups: Sequence[DrawGroup], committee: Committee) -> DrawCheck:
    project = section.project
    kind = committee_kind_for(procedure=project.procedure)
    if kind is None:
        raise InvalidInput(
            "该交易方式不组建评标委员会，无需抽取专家",
            code="draw_procedure_no_committee",
            detail={"procedure": project.procedure},
        )
    representatives = committee.representatives
    if isinstance(representatives, bool) or not isinstance(representatives, int):
        raise InvalidInput("招标人代表人数必须是整数", code="representatives_invalid")
    if not 0 <= representatives <= REPRESENTATIVES_MAX:
        raise InvalidInput(
            f"招标人代表人数应在0至{REPRESENTATIVES_MAX}之间",
            code="representatives_invalid",
            detail={"value": representatives},
        )
    checked = _groups_checked(groups)
    experts = sum(g.count for g in checked)
    size = experts + representatives
    facts: dict[str, Any] = {
        "budget_fen": section.estimate_fen,
        "complex_project": committee.complex_project,
        "at_open_tender_threshold": committee.at_open_tender_threshold,
    }
    minimum, _, _ = committee_minimum(kind=kind, **facts)
    violations = committee_check(kind=kind, size=size, experts=experts, **facts)
    return DrawCheck(
        section_code=section.code,
        project_code=project.code,
        tenderer_uscc=project.owner_uscc,
        agency_uscc=project.agency_uscc or "",
        procedure=project.procedure,
        kind=str(kind),
        label=COMMITTEE_LABELS[kind],
        experts=experts,
        representatives=representatives,
        size=size,
        minimum=minimum,
        violations=tuple(violations),
        bidders_known=tendering_selectors.section_deadline_passed(section=section),
    )


def section_draw_check(
    *, section_code: str, groups: Sequence[DrawGroup], committee: Committee = Committee(), by: Actor
) -> DrawCheck:
    """The committee a draw request would fill for the section, checked against the law (centre staff).

    Reads nothing secret and writes nothing: the preview shown before the commitment.
    """
    require_staff(by, what="发起专家抽取")
    return _check(section=_section(section_code), groups=groups, committee=committee)


def _violations_raise(check: DrawCheck) -> None:
    first = check.violations[0]
    raise InvalidInput(
        first.message,
        code=first.code,
        detail={
            "errors": [{"code": v.code, "message": v.message, "article": v.article} for v in check.violations],
            "size": check.size,
            "experts": check.experts,
        },
    )


def section_draw_commit(
    *,
    section_code: str,
    evaluation_on: dt.date,
    groups: Sequence[DrawGroup],
    committee: Committee = Committee(),
    regions: Sequence[str] = (),
    by: Actor,
) -> ExpertDraw:
    """Commit the draw of a section's experts (centre staff), avoiding its tenderer, agency and known bidders.

    Refused (InvalidInput) when the committee would break the law — with the rule's code and
    message (``committee_too_small``, ``committee_size_even``, ``committee_experts_too_few``) —
    for an unknown specialty or region, an evaluation day in the past or before the opening, a
    procedure without a committee; Conflict ``draw_exists`` when the section has its draw.
    """
    require_staff(by, what="发起专家抽取")
    section = _section(section_code)
    check = _check(section=section, groups=groups, committee=committee)
    if not isinstance(evaluation_on, dt.date) or isinstance(evaluation_on, dt.datetime):
        raise InvalidInput("请填写评标日期", code="evaluation_date_invalid")
    if evaluation_on < clock_today():
        raise InvalidInput(
            "评标日期不能早于今天", code="evaluation_date_past", detail={"date": evaluation_on.isoformat()}
        )
    opening_at = section.opening_at or section.bid_deadline
    if opening_at is not None and evaluation_on < opening_at.astimezone(CHINA_TZ).date():
        raise InvalidInput(
            "评标日期不能早于开标日期",
            code="evaluation_before_opening",
            detail={"date": evaluation_on.isoformat(), "opening": opening_at.astimezone(CHINA_TZ).date().isoformat()},
        )
    pool_regions = _regions_checked(regions)
    if not check.lawful:
        _violations_raise(check)
    if ExpertDraw.objects.filter(section_code=section.code).exists():
        raise StateConflict("该标段已发起专家抽取", code="draw_exists", detail={"section": section.code})
    bidders: list[str] = []
    if check.bidders_known:
        bidders = [row.organisation_uscc for row in bidding_selectors.bidders_for(section=section, by=by)]
    return draw_commit(
        section_code=section.code,
        project_code=check.project_code,
        tenderer_uscc=check.tenderer_uscc,
        evaluation_on=evaluation_on,
        groups=_groups_normalised(groups),
        agency_uscc=check.agency_uscc,
        bidder_usccs=bidders,
        regions=pool_regions,
        by=by,
    )


def _groups_normalised(groups: Sequence[DrawGroup]) -> list[DrawGroup]:
    """The groups with their specialty codes normalised as the pool stores them."""
    return [
        DrawGroup(
            specialties=tuple(specialty_code_normalize(c) for c in g.specialties),
            count=g.count,
            reserves=g.reserves,
            regions=g.regions,
        )
        for g in groups
    ]


CONTRIBUTION_MAX = 200
# The party named in the record for the value the regulator supplies at the draw.
SUPERVISOR_PARTY = "supervisor"


def section_draw_perform(*, section_code: str, contribution: str = "", by: Actor) -> ExpertDraw:
    """Perform the section's committed draw (centre staff), mixing in the supervisor's value if given.

    ``contribution`` is text the regulator supplies at the draw, after the commitment was
    published; it enters the record as the ``supervisor``'s contribution. NotFound
    ``draw_not_found`` before a commitment; Conflict ``draw_done`` once drawn.
    """
    require_staff(by, what="执行专家抽取")
    found = ExpertDraw.objects.filter(section_code=(section_code or "").strip()).first()
    if found is None:
        raise NotFound("该标段尚未发起专家抽取", code="draw_not_found", detail={"section": (section_code or "")[:64]})
    value = (contribution or "").strip()
    if len(value) > CONTRIBUTION_MAX or "\x00" in value:
        raise InvalidInput(f"监督人员提供的随机数不能超过{CONTRIBUTION_MAX}个字符", code="contribution_invalid")
    contributions = [Contribution(party=SUPERVISOR_PARTY, value=value, given_at=clock_now())] if value else []
    return draw_perform(draw=found, contributions=contributions, by=by)
