"""Terminating a tender (终止招标): a termination notice, and the sections ended."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import REASON_TERMINATED, section_summary, status_apply, violation_error
from zhengwu.contexts.tendering.models import Notice, Project, Section
from zhengwu.contexts.tendering.services.common import (
    notice_event,
    opening_notice_of,
    require_manager,
    sections_checked,
    text_required,
)
from zhengwu.contexts.tendering.services.refunds import refunds_due_on_termination
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict
from zhengwu.platform.audit.services import audit_append
from zhengwu.platform.exchange.services import outbox_publish

REASON_MAX = 2_000


def tender_terminate(*, project: Project, reason: str, sections: Sequence[Section] | None = None, by: Actor) -> Notice:
    """Terminate the tender of ``sections`` (default: every section that can still be terminated).

    Publishes a termination notice (终止公告, 招标投标法实施条例 第三十一条) that references the notice
    which opened the tender, and moves each section to ``terminated``.

    In the same transaction it makes every refund the termination owes due (招标投标法实施条例
    第三十一条: the fees of the pre-qualification and tender documents, and the securities with the
    bank's interest for the same period): one ``Refund`` per paid tender document fee, paid
    pre-qualification document fee and received registration deposit not refunded yet
    (``services.refunds.refunds_due_on_termination``). Bid securities (投标保证金) arrive with the
    bidding context in a later issue, which adds their refunds. The audit entry does not count the
    refunds: their number would tell how many obtained the documents.
    """
    require_manager(project, by, what="终止招标")
    reason = text_required(reason, field="reason", label="终止原因", max_length=REASON_MAX)
    if sections is not None:
        sections_checked(project, sections)
    now = clock_now()
    with transaction.atomic():
        rows = (
            Section.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(project=project)
            .order_by("index")
        )
        if sections is not None:
            rows = rows.filter(pk__in=[s.pk for s in sections])
        candidates = list(rows)
        targets: list[Section] = []
        for section in candidates:
            violation = rules.transition_check(
                current=rules.SectionStatus(section.status), target=rules.SectionStatus.TERMINATED
            )
            if violation is None:
                targets.append(section)
            elif sections is not None:
                raise violation_error(violation, conflict=True)
        if not targets:
            raise Conflict("没有可以终止的标段", code="nothing_to_terminate", detail={"project": project.code})
        references = next((n for n in (opening_notice_of(s) for s in targets) if n is not None), None)
        names = "、".join(f"{s.name}（{s.code}）" for s in targets)
        notice = Notice.objects.create(
            project=project,
            kind=Notice.Kind.TERMINATION,
            title=f"{project.name}终止公告",
            body=f"{project.name}（项目编号{project.code}）下列标段终止招标：{names}。\n终止原因：{reason}",
            status=Notice.Status.PUBLISHED,
            references=references,
            published_at=now,
            published_by_username=by.username,
            created_by_user_id=by.user_id,
            created_by_username=by.username,
            created_at=now,
        )
        notice.sections.set(targets)
        before = [section_summary(s) for s in targets]
        outbox_publish(event=notice_event(notice=notice, sections=targets))
        for section in targets:
            status_apply(section=section, target=rules.SectionStatus.TERMINATED, reason=REASON_TERMINATED, now=now)
        refunds_due_on_termination(sections=targets, now=now)
        audit_append(
            actor=by,
            action="tendering.tender.terminate",
            object_type="tendering.project",
            object_id=project.code,
            before={"sections": before},
            after={"sections": [section_summary(s) for s in targets], "notice": str(notice.uuid), "reason": reason},
        )
    return notice
