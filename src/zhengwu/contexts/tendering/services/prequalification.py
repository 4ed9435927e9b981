"""Pre-qualification (资格预审): applicants obtain the documents, apply, are reviewed, and the review concludes.

The pre-qualification notice (``notice_publish``) moves its sections to ``prequalification`` and
fixes the documents' issue period and the application deadline. Then:

- a bidder obtains the pre-qualification documents during their issue period
  (``prequal_documents_obtain``), which creates its ``PrequalApplication``; the documents are free
  of charge on this platform (a platform policy: 招标投标法实施条例 第十六条第二款 allows no more
  than the cost of printing and posting, and the platform issues them electronically);
- it uploads its application (``prequal_apply``; again to replace it) or withdraws it
  (``prequal_withdraw``) before the application deadline, by server time, never while an
  objection suspends the tender;
- after the deadline the project's tenderer or agency, or the centre's staff, pass or fail each
  submitted application (``prequal_review``; failing needs a reason) and conclude
  (``prequal_conclude``): fewer passed than the rule set's minimum (招标投标法实施条例 第十九条第二款:
  fewer than 3 ⇒ 重新招标) fails the section; otherwise the invitation may follow.

Who applied is secret (招标投标法 第二十二条): no event carries an application, the audit entries
name the application (not the section), and people read the list only through
``selectors.prequal_applications_for``.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import organisation_get_by_id
from zhengwu.contexts.tendering import rules
from zhengwu.contexts.tendering.lifecycle import REASON_INSUFFICIENT_QUALIFIED, iso, section_summary, status_apply
from zhengwu.contexts.tendering.models import PrequalApplication, Section
from zhengwu.contexts.tendering.services.common import (
    is_staff,
    project_manages,
    ruleset_of,
    section_locked,
    suspension_check,
    text_required,
)
from zhengwu.contexts.tendering.services.documents import _digest, _name_checked, _open_for_upload
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import clock_now
from zhengwu.kernel.errors import Conflict, InvalidInput, PermissionDenied
from zhengwu.kernel.ids import id_new
from zhengwu.platform.audit.services import audit_append

REASON_MAX = 500

_S = PrequalApplication.Status


def _summary(application: PrequalApplication) -> dict[str, Any]:
    return {
        "status": application.status,
        "submitted_at": iso(application.submitted_at),
        "file_name": application.file_name,
        "file_size": application.file_size,
        "file_sha256": application.file_sha256,
        "withdrawn_at": iso(application.withdrawn_at),
        "reason": application.reason,
        "version": application.version,
    }


def _require_applicant(section: Section, by: Actor, *, what: str) -> None:
    if not by.has_role(Role.BIDDER) or by.organisation_id is None or by.is_system:
        raise PermissionDenied(f"只有潜在投标人可以{what}", code="bidder_required", detail={"action": what})
    if not by.organisation_verified:
        raise PermissionDenied(f"单位尚未通过核验，不能{what}", code="organisation_not_verified")
    project = section.project
    if by.organisation_id in (project.owner_org_id, project.agency_org_id):
        raise PermissionDenied("招标人及其代理机构不能参加本项目资格预审", code="prequal_own_project")


def _require_reviewer(section: Section, by: Actor, *, what: str) -> None:
    """The project's tenderer or agency (招标人 organises the review: 招标投标法实施条例 第十八条), or centre staff."""
    if by.is_system or not (project_manages(section.project, by) or is_staff(by)):
        raise PermissionDenied(
            f"只有本项目的招标人、其委托的代理机构或交易中心工作人员可以{what}",
            code="prequal_reviewer_required",
            detail={"action": what},
        )


def _applicable(section: Section) -> rules.RuleSet:
    ruleset = ruleset_of(section)
    if ruleset.prequalification == "none":
        raise InvalidInput(
            f"{ruleset.title}不进行资格预审",
            code="prequalification_not_applicable",
            detail={"section": section.code, "procedure": ruleset.procedure},
        )
    return ruleset


def _in_prequalification(section: Section) -> dt.datetime:
    """Refuse a section that is not in pre-qualification; return its application deadline."""
    if section.status != rules.SectionStatus.PREQUALIFICATION or section.prequal_deadline is None:
        raise Conflict(
            "该标段不在资格预审阶段",
            code="section_not_in_prequalification",
            detail={"section": section.code, "status": section.status},
        )
    return section.prequal_deadline


def _before_deadline(section: Section, now: dt.datetime) -> None:
    deadline = _in_prequalification(section)
    # Before the deadline check: a deadline passed while suspended is the objection's doing.
    suspension_check(section)
    if now >= deadline:
        raise Conflict(
            "资格预审申请文件递交截止时间已过",
            code="prequal_deadline_passed",
            detail={"section": section.code, "prequal_deadline": iso(deadline)},
        )


def _after_deadline(section: Section, now: dt.datetime) -> None:
    deadline = _in_prequalification(section)
    if now < deadline:
        raise Conflict(
            "资格预审申请文件递交截止时间未到，不能审查",
            code="prequal_deadline_not_passed",
            detail={"section": section.code, "prequal_deadline": iso(deadline)},
        )
    if section.prequal_concluded_at is not None:
        raise Conflict(
            "资格预审已结束",
            code="prequalification_concluded",
            detail={"section": section.code, "concluded_at": iso(section.prequal_concluded_at)},
        )
    suspension_check(section)


def _own_locked(section: Section, by: Actor) -> PrequalApplication:
    if by.organisation_id is None:
        raise PermissionDenied("只有潜在投标人可以递交资格预审申请文件", code="bidder_required")
    application = (
        PrequalApplication.objects.select_for_update(of=("self",))
        .filter(section=section, organisation_id=by.organisation_id)
        .first()
    )
    if application is None:
        raise Conflict("请先获取资格预审文件", code="prequal_documents_not_obtained", detail={"section": section.code})
    return application


def prequal_documents_obtain(*, section: Section, by: Actor) -> PrequalApplication:
    """Obtain the section's pre-qualification documents for the caller's organisation (idempotent).

    Only a verified bidder organisation that is neither the tenderer nor its agency, only during
    the pre-qualification documents' issue period and before the application deadline, by server
    time. Free of charge (platform policy, see the module docstring). Creates the organisation's
    ``PrequalApplication`` (status ``obtained``); obtaining again returns it.
    """
    _require_applicant(section, by, what="获取资格预审文件")
    _applicable(section)
    assert by.organisation_id is not None  # _require_applicant refused anyone without one
    existing = PrequalApplication.objects.filter(section=section, organisation_id=by.organisation_id).first()
    if existing is not None:
        return existing
    organisation = organisation_get_by_id(organisation_id=by.organisation_id)
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        _before_deadline(locked, now)
        if locked.prequal_doc_issue_start is not None and now < locked.prequal_doc_issue_start:
            raise Conflict(
                "资格预审文件发售尚未开始",
                code="prequal_document_issue_not_started",
                detail={"section": locked.code, "prequal_doc_issue_start": iso(locked.prequal_doc_issue_start)},
            )
        if locked.prequal_doc_issue_end is not None and now >= locked.prequal_doc_issue_end:
            raise Conflict(
                "资格预审文件发售期已结束",
                code="prequal_document_issue_closed",
                detail={"section": locked.code, "prequal_doc_issue_end": iso(locked.prequal_doc_issue_end)},
            )
        try:
            with transaction.atomic():
                application = PrequalApplication.objects.create(
                    section=locked,
                    organisation_id=by.organisation_id,
                    organisation_name=by.organisation_name,
                    organisation_uscc=organisation.uscc,
                    user_id=by.user_id,
                    username=by.username,
                    obtained_at=now,
                    paid=False,
                    amount_fen=0,
                )
        except IntegrityError:
            # A second request of the same organisation won the race: same result, no second record.
            return PrequalApplication.objects.get(section=locked, organisation_id=by.organisation_id)
        # The entry names the application, not the section: the section's history lists no applicants.
        audit_append(
            actor=by,
            action="tendering.prequal.obtain",
            object_type="tendering.prequal_application",
            object_id=str(application.uuid),
            after=_summary(application),
        )
    return application


def prequal_apply(
    *, section: Section, name: str, content: IO[bytes] | bytes, content_type: str = "", by: Actor
) -> PrequalApplication:
    """Submit (or replace) the organisation's pre-qualification application file before the deadline.

    The file's size and SHA-256 are computed while it is read in chunks, like a document's. A new
    submission replaces the one before (the audit entry keeps both digests); a withdrawn
    application may be submitted again while the deadline has not passed.
    """
    _require_applicant(section, by, what="递交资格预审申请文件")
    _applicable(section)
    name = _name_checked(name)
    file = _open_for_upload(content)
    size, sha256 = _digest(file)
    file.seek(0)
    now = clock_now()
    stored = ""
    try:
        with transaction.atomic():
            locked = section_locked(section)
            _before_deadline(locked, now)
            application = _own_locked(locked, by)
            before = _summary(application)
            stored = default_storage.save(f"tendering/{locked.project.uuid}/prequal/{id_new()}", file)
            replaced = application.status == _S.SUBMITTED
            application.status = _S.SUBMITTED
            application.submitted_at = now
            application.file_name = name
            application.file_size = size
            application.file_sha256 = sha256
            application.storage_name = stored
            application.withdrawn_at = None
            application.user_id, application.username = by.user_id, by.username
            application.version += 1
            application.save()
            audit_append(
                actor=by,
                action="tendering.prequal.replace" if replaced else "tendering.prequal.apply",
                object_type="tendering.prequal_application",
                object_id=str(application.uuid),
                before=before,
                after=_summary(application),
            )
    except BaseException:
        # The database said no: do not leave an orphan file behind.
        if stored:
            default_storage.delete(stored)
        raise
    return application


def prequal_withdraw(*, section: Section, by: Actor) -> PrequalApplication:
    """Withdraw the organisation's submitted application before the deadline (it may submit again)."""
    _require_applicant(section, by, what="撤回资格预审申请文件")
    _applicable(section)
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        _before_deadline(locked, now)
        application = _own_locked(locked, by)
        if application.status != _S.SUBMITTED:
            raise Conflict(
                "尚未递交资格预审申请文件，无可撤回",
                code="prequal_application_not_submitted",
                detail={"status": application.status},
            )
        before = _summary(application)
        application.status = _S.WITHDRAWN
        application.withdrawn_at = now
        application.version += 1
        application.save(update_fields=["status", "withdrawn_at", "version"])
        audit_append(
            actor=by,
            action="tendering.prequal.withdraw",
            object_type="tendering.prequal_application",
            object_id=str(application.uuid),
            before=before,
            after=_summary(application),
        )
    return application


def prequal_review(*, application: PrequalApplication, passed: bool, reason: str = "", by: Actor) -> PrequalApplication:
    """Pass or fail one submitted application, after the application deadline and before conclusion.

    Failing needs a reason (it goes to the applicant in its result). A decision may be changed
    until the review is concluded; deciding the same again changes nothing.
    """
    section = application.section
    _require_reviewer(section, by, what="审查资格预审申请")
    if passed:
        reason = (reason or "").strip()
        if len(reason) > REASON_MAX:
            raise InvalidInput(
                f"审查意见不能超过{REASON_MAX}个字符",
                code="reason_too_long",
                detail={"field": "reason", "max": REASON_MAX},
            )
    else:
        reason = text_required(reason, field="reason", label="不合格理由", max_length=REASON_MAX)
    target = _S.PASSED if passed else _S.FAILED
    now = clock_now()
    with transaction.atomic():
        locked_section = section_locked(section)
        _after_deadline(locked_section, now)
        locked = PrequalApplication.objects.select_for_update(of=("self",)).get(pk=application.pk)
        if locked.status not in (_S.SUBMITTED, _S.PASSED, _S.FAILED):
            raise Conflict(
                "该申请人未递交资格预审申请文件（或已撤回），无需审查",
                code="prequal_application_not_submitted",
                detail={"status": locked.status},
            )
        if locked.status == target and locked.reason == reason:
            return locked
        before = _summary(locked)
        locked.status = target
        locked.reason = reason
        locked.reviewed_by_username = by.username
        locked.reviewed_at = now
        locked.version += 1
        locked.save(update_fields=["status", "reason", "reviewed_by_username", "reviewed_at", "version"])
        audit_append(
            actor=by,
            action="tendering.prequal.review",
            object_type="tendering.prequal_application",
            object_id=str(locked.uuid),
            before=before,
            after=_summary(locked),
        )
    return locked


def prequal_conclude(*, section: Section, by: Actor) -> Section:
    """Conclude the review once every submitted application is decided.

    Fewer passed than the rule set's minimum (招标投标法实施条例 第十九条第二款: 通过资格预审的申请人
    少于3个的，应当重新招标) moves the section to ``failed`` (``insufficient_qualified``); otherwise
    the invitation to those who passed may be published. Either way the review is over
    (``prequal_concluded_at``) and each applicant may read its own result (资格预审结果通知书).
    """
    _require_reviewer(section, by, what="结束资格预审")
    now = clock_now()
    with transaction.atomic():
        locked = section_locked(section)
        ruleset = _applicable(locked)
        _after_deadline(locked, now)
        applications = PrequalApplication.objects.filter(section=locked)
        pending = applications.filter(status=_S.SUBMITTED).count()
        if pending:
            raise Conflict(
                f"尚有{pending}份资格预审申请未审查，不能结束资格预审",
                code="prequal_reviews_pending",
                detail={"section": locked.code, "pending": pending},
            )
        passed = applications.filter(status=_S.PASSED).count()
        before = section_summary(locked)
        locked.prequal_concluded_at = now
        locked.version += 1
        locked.save(update_fields=["prequal_concluded_at", "version"])
        sufficient = rules.prequal_passed_sufficient(ruleset=ruleset, count=passed)
        if not sufficient:
            status_apply(
                section=locked, target=rules.SectionStatus.FAILED, reason=REASON_INSUFFICIENT_QUALIFIED, now=now
            )
        # No counts here: how many applied or passed stays among the reviewers (招标投标法 第二十二条).
        audit_append(
            actor=by,
            action="tendering.prequal.conclude",
            object_type="tendering.section",
            object_id=locked.code,
            before=before,
            after={
                **section_summary(locked),
                "prequal_concluded_at": iso(locked.prequal_concluded_at),
                "sufficient": sufficient,
            },
        )
    return locked
