"""Re-tendering a failed section (重新招标): a new draft section of the same project that replaces it.

A failed section keeps its status and its history (``rules.TRANSITIONS``: ``failed`` → ``archived``
only). Tendering again is a new section with codes of its own, issued exactly as ``section_add``
issues them, that names the section it replaces (``Section.retender_of``) and counts the attempt.

What a failed section leads to depends on the procedure (``rules.bids_insufficient_outcome``):

- ``retender`` — tenders and procurement: the tenderer tenders again (招标投标法 第二十八条,
  招标投标法实施条例 第四十四条第二款; 政府采购法 第三十六条第二款: 废标后应当重新组织招标);
- ``relist`` — land and property listings: listed (disclosed) again (国土资源部令第39号 第二十条;
  国资委·财政部令第32号 第十八条);
- ``terminate`` — a land auction with too few bidders is ended by the auctioneer (国土资源部令第39号
  第十五条), but the land itself may be offered again: a new auction is a new section.

Every one of them is therefore a new section here; only the words on the page differ.
"""

from __future__ import annotations

from django.db import transaction

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import section_summary, violation_error
from zhengwu.contexts.tendering.models import Project, Section
from zhengwu.contexts.tendering.services.common import require_manager, ruleset_current
from zhengwu.contexts.tendering.services.projects import _section_create
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.services import audit_append


def _retendered(section: Section) -> Conflict | None:
    if section.status != rules.SectionStatus.FAILED:
        return Conflict(
            "只有流标（失败）的标段可以重新招标",
            code="retender_not_failed",
            detail={"section": section.code, "status": section.status},
        )
    existing = section.retenders.order_by("index").first()
    if existing is not None:
        return Conflict(
            f"该标段已重新招标（{existing.code}），不能再次重新招标；如新标段也流标，请对新标段重新招标",
            code="retender_exists",
            detail={"section": section.code, "retender": existing.code},
        )
    return None


def section_retender(*, section: Section, by: Actor) -> Section:
    """Tender a failed section again: a new draft section of the same project (the project's managers).

    Only a ``failed`` section that was not re-tendered yet. The new section gets the next index, a
    new section code and 统一交易标识码, the failed section's name, estimate, security and document
    price, ``retender_of`` = the failed section and ``attempt`` = its attempt + 1. The security is
    checked against today's cap, as ``section_add`` does. The project may have other sections at
    any stage (``section_add``'s ``project_sections_closed`` does not apply: this is the same
    subject matter, tendered again). The new section is a draft: a new notice publishes it.
    """
    require_manager(section.project, by, what="重新招标")
    existing = _retendered(section)
    if existing is not None:
        raise existing
    now = clock_now()
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=section.project_id)
        failed = Section.objects.select_for_update(of=("self",)).select_related("project").get(pk=section.pk)
        refused = _retendered(failed)
        if refused is not None:
            raise refused
        violation = rules.bid_security_check(
            ruleset=ruleset_current(project.procedure),
            estimate_fen=failed.estimate_fen,
            security_fen=failed.bid_security_fen,
        )
        if violation is not None:
            raise violation_error(violation, conflict=True)
        new = _section_create(
            project=project,
            name=failed.name,
            estimate_fen=failed.estimate_fen,
            security_fen=failed.bid_security_fen,
            price_fen=failed.document_price_fen,
            now=now,
            retender_of=failed,
        )
        audit_append(
            actor=by,
            action="tendering.section.retender",
            object_type="tendering.section",
            object_id=new.code,
            after={
                **section_summary(new),
                "project": project.code,
                "retender_of": failed.code,
                "attempt": new.attempt,
                "name": new.name,
                "estimate_fen": new.estimate_fen,
                "bid_security_fen": new.bid_security_fen,
                "document_price_fen": new.document_price_fen,
            },
        )
    return new
