"""Project registration (项目登记) and its sections (标段/包)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import organisation_get, organisation_get_by_id
from zhengwu.contexts.tendering import codes, rules
from zhengwu.contexts.tendering.lifecycle import section_summary
from zhengwu.contexts.tendering.models import CodeCounter, Project, Section
from zhengwu.contexts.tendering.services.common import (
    china_date,
    require_manager,
    ruleset_current,
    text_required,
    violation_error,
    yuan_to_fen,
)
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from zhengwu.platform.audit.services import audit_append

NAME_MAX = 200
# Section codes carry a three-digit index; no real project comes near this.
SECTIONS_MAX = 99


def _serial_next(scope: str) -> int:
    CodeCounter.objects.bulk_create([CodeCounter(scope=scope)], ignore_conflicts=True)
    # The UPDATE locks the counter row until commit: concurrent registrations queue here.
    CodeCounter.objects.filter(scope=scope).update(last_serial=F("last_serial") + 1)
    return CodeCounter.objects.values_list("last_serial", flat=True).get(scope=scope)


def _field(check: Callable[[str], str], value: str, *, field: str) -> str:
    """``check(value)``, with the form field named in the error."""
    try:
        return check(value)
    except InvalidInput as exc:
        exc.detail = {**exc.detail, "field": field}
        raise


def _procedure_checked(procedure: str) -> tuple[str, str]:
    trade_type = _field(lambda p: str(rules.procedure_trade_type(p)), (procedure or "").strip(), field="procedure")
    return procedure.strip(), trade_type


def _deal_code_issue(*, project: Project, now: dt.datetime) -> str:
    """The section's 统一交易标识码, or "" while the platform operator's code is not configured."""
    operator = getattr(settings, "ZHENGWU_OPERATOR_USCC", "")
    if not operator:
        return ""
    day = china_date(now)
    serial = _serial_next(f"deal:{operator}:{day.isoformat()}")
    return codes.deal_code_make(industry_code=project.industry_code, operator_uscc=operator, day=day, serial=serial)


def _owner_for(*, tenderer_uscc: str | None, by: Actor) -> tuple[int, str, str, int | None, str, str]:
    """``(owner id, uscc, name, agency id, agency uscc, agency name)`` for a registration by ``by``."""
    if by.organisation_id is None or not by.has_role(Role.TENDERER, Role.AGENCY):
        raise PermissionDenied(
            "只有招标人（采购人）或招标代理机构可以登记项目", code="project_register_denied", detail={}
        )
    if not by.organisation_verified:
        raise PermissionDenied("单位尚未通过核验，不能登记项目", code="organisation_not_verified", detail={})
    own = organisation_get_by_id(organisation_id=by.organisation_id)
    if tenderer_uscc and by.has_role(Role.AGENCY) and tenderer_uscc.strip().upper() != own.uscc:
        # An agency registers for the tenderer that appointed it (委托招标).
        tenderer = organisation_get(uscc=tenderer_uscc)
        if tenderer.status != "verified":
            raise InvalidInput(
                "招标人单位尚未通过核验", code="tenderer_not_verified", detail={"field": "tenderer_uscc"}
            )
        if Role.TENDERER not in tenderer.market_roles:
            raise InvalidInput(
                "该单位未登记为招标人（采购人）", code="tenderer_role_missing", detail={"field": "tenderer_uscc"}
            )
        return tenderer.pk, tenderer.uscc, tenderer.name, own.pk, own.uscc, own.name
    if not by.has_role(Role.TENDERER):
        raise InvalidInput(
            "代理机构登记项目时须填写委托招标人的统一社会信用代码",
            code="tenderer_uscc_required",
            detail={"field": "tenderer_uscc"},
        )
    if tenderer_uscc and tenderer_uscc.strip().upper() != own.uscc:
        raise PermissionDenied(
            "招标人只能为本单位登记项目", code="project_register_denied", detail={"field": "tenderer_uscc"}
        )
    return own.pk, own.uscc, own.name, None, "", ""


def project_register(
    *,
    name: str,
    procedure: str,
    funding_source: str,
    budget_yuan: str | Decimal | int,
    region_code: str,
    industry_code: str,
    tenderer_uscc: str | None = None,
    by: Actor,
) -> Project:
    """Register a project (项目登记) and issue its code, which never changes afterwards.

    A tenderer registers for its own organisation; an agency registers for the tenderer that
    appointed it, named by ``tenderer_uscc``. Both organisations must be verified. The budget
    (or estimated price) is an exact amount in yuan, stored in fen.
    """
    owner_id, owner_uscc, owner_name, agency_id, agency_uscc, agency_name = _owner_for(
        tenderer_uscc=tenderer_uscc, by=by
    )
    name = text_required(name, field="name", label="项目名称", max_length=NAME_MAX)
    procedure, trade_type = _procedure_checked(procedure)
    funding_source = text_required(funding_source, field="funding_source", label="资金来源", max_length=NAME_MAX)
    budget_fen = yuan_to_fen(budget_yuan, field="budget", label="预算（估算价）", positive=True)
    region_code = _field(codes.region_code_validate, (region_code or "").strip(), field="region_code")
    industry_code = _field(codes.industry_code_validate, (industry_code or "").strip().upper(), field="industry_code")
    ruleset_current(procedure)  # refuses a procedure without rules in force today
    now = clock_now()
    year = china_date(now).year
    with transaction.atomic():
        serial = _serial_next(f"project:{region_code}:{year}:{trade_type}")
        code = codes.project_code_make(region_code=region_code, year=year, trade_type=trade_type, serial=serial)
        project = Project.objects.create(
            code=code,
            name=name,
            owner_org_id=owner_id,
            owner_uscc=owner_uscc,
            owner_name=owner_name,
            agency_org_id=agency_id,
            agency_uscc=agency_uscc,
            agency_name=agency_name,
            funding_source=funding_source,
            budget_fen=budget_fen,
            region_code=region_code,
            industry_code=industry_code,
            trade_type=trade_type,
            procedure=procedure,
            created_by_user_id=by.user_id,
            created_by_username=by.username,
            created_at=now,
        )
        audit_append(
            actor=by,
            action="tendering.project.register",
            object_type="tendering.project",
            object_id=project.code,
            after={
                "code": project.code,
                "name": project.name,
                "procedure": procedure,
                "owner": owner_uscc,
                "agency": agency_uscc,
                "budget_fen": budget_fen,
                "region_code": region_code,
                "industry_code": industry_code,
            },
        )
    return project


def _security_fen(
    *, estimate_fen: int, amount_yuan: str | Decimal | int | None, ratio: str | Decimal | Fraction | None
) -> int:
    """The bid security (deposit) in fen: an amount in yuan, or a ratio of the estimate (one of them)."""
    given = amount_yuan is not None and str(amount_yuan).strip() != ""
    by_ratio = ratio is not None and str(ratio).strip() != ""
    if given and by_ratio:
        raise InvalidInput(
            "投标（竞买）保证金请填写金额或比例，二者只能选一",
            code="bid_security_amount_and_ratio",
            detail={"field": "bid_security_ratio"},
        )
    if by_ratio:
        assert ratio is not None
        try:
            parsed = rules.security_ratio_parse(ratio)
        except InvalidInput as exc:
            exc.detail = {**exc.detail, "field": "bid_security_ratio"}
            raise
        return rules.security_from_ratio(estimate_fen=estimate_fen, ratio=parsed)
    if not given:
        return 0
    assert amount_yuan is not None
    return yuan_to_fen(amount_yuan, field="bid_security", label="投标保证金")


def _section_create(
    *,
    project: Project,
    name: str,
    estimate_fen: int,
    security_fen: int,
    price_fen: int,
    now: dt.datetime,
    retender_of: Section | None = None,
) -> Section:
    """A new draft section of ``project`` (locked by the caller): the next index and new codes.

    The one place where a section's code and 统一交易标识码 are issued (``section_add`` and
    ``section_retender``); the caller appends the audit entry.
    """
    index = (project.sections.aggregate(m=Max("index"))["m"] or 0) + 1
    if index > SECTIONS_MAX:
        raise Conflict(f"一个项目最多{SECTIONS_MAX}个标段", code="sections_too_many", detail={"max": SECTIONS_MAX})
    return Section.objects.create(
        project=project,
        index=index,
        code=codes.section_code_make(project_code=project.code, index=index),
        deal_code=_deal_code_issue(project=project, now=now),
        name=name,
        estimate_fen=estimate_fen,
        bid_security_fen=security_fen,
        document_price_fen=price_fen,
        status=rules.SectionStatus.DRAFT.value,
        status_changed_at=now,
        retender_of=retender_of,
        attempt=retender_of.attempt + 1 if retender_of is not None else 1,
        created_at=now,
    )


def section_add(
    *,
    project: Project,
    name: str,
    estimate_yuan: str | Decimal | int,
    bid_security_yuan: str | Decimal | int | None = None,
    document_price_yuan: str | Decimal | int = "0",
    bid_security_ratio: str | Decimal | Fraction | None = None,
    by: Actor,
) -> Section:
    """Add a section (标段/包) to a project; its code is issued now and never changes.

    The bid security (竞买保证金 for land and property) is an amount in yuan or a ratio of the
    estimate ("2%", "0.02", ``Decimal("0.02")``), never both; a ratio gives the estimate × ratio
    rounded down to the fen. Either way it is checked against the procedure's cap (≤2% of the
    estimate for tenders, 招标投标法实施条例 第二十六条 / 政府采购法实施条例 第三十三条).
    The document price is what a bidder pays to obtain the documents (0: free).
    """
    require_manager(project, by, what="添加标段")
    name = text_required(name, field="name", label="标段（包）名称", max_length=NAME_MAX)
    estimate_fen = yuan_to_fen(estimate_yuan, field="estimate", label="估算价（预算）", positive=True)
    security_fen = _security_fen(estimate_fen=estimate_fen, amount_yuan=bid_security_yuan, ratio=bid_security_ratio)
    price_fen = yuan_to_fen(document_price_yuan, field="document_price", label="文件售价")
    ruleset = ruleset_current(project.procedure)
    violation = rules.bid_security_check(ruleset=ruleset, estimate_fen=estimate_fen, security_fen=security_fen)
    if violation is not None:
        raise violation_error(violation)
    now = clock_now()
    with transaction.atomic():
        locked = Project.objects.select_for_update().filter(pk=project.pk).first()
        if locked is None:
            raise NotFound("项目不存在", code="project_not_found")
        if locked.sections.exclude(status__in=("draft", "published", "accepting_bids")).exists():
            raise Conflict(
                "项目已有标段进入开标或后续阶段，不能再添加标段；请登记新项目",
                code="project_sections_closed",
                detail={"project": locked.code},
            )
        section = _section_create(
            project=locked,
            name=name,
            estimate_fen=estimate_fen,
            security_fen=security_fen,
            price_fen=price_fen,
            now=now,
        )
        audit_append(
            actor=by,
            action="tendering.section.add",
            object_type="tendering.section",
            object_id=section.code,
            after={
                **section_summary(section),
                "project": locked.code,
                "name": name,
                "estimate_fen": estimate_fen,
                "bid_security_fen": security_fen,
                "bid_security_ratio": str(bid_security_ratio) if bid_security_ratio is not None else None,
                "document_price_fen": price_fen,
            },
        )
    return section
