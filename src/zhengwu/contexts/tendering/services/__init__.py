"""Writes of the tendering context: projects, sections, notices, documents, enquiries, registration,
lifecycle.

Every service takes keyword arguments and ``by: Actor``, checks permission first, then changes
the data in one transaction, publishes its events to the outbox and appends one audit entry as
its last write. A refused call changes nothing. Deadlines are checked against the server clock
on every call, whether or not the scheduler has run yet.

Other contexts import from here (``zhengwu.contexts.tendering.services``), never from the
modules behind it.
"""

from zhengwu.contexts.tendering.services.documents import document_obtain, document_upload
from zhengwu.contexts.tendering.services.enquiries import answer_publish, objection_file, objection_reply, question_ask
from zhengwu.contexts.tendering.services.notices import (
    notice_approve,
    notice_draft,
    notice_publish,
    notice_revise,
)
from zhengwu.contexts.tendering.services.outcome import (
    SecurityOwed,
    bid_securities_owed,
    publicity_ends_at,
    publicity_plan,
    publicity_required,
    section_award_record,
    section_candidates_publish,
    section_contract_record,
    section_evaluation_failed,
)
from zhengwu.contexts.tendering.services.prequalification import (
    prequal_apply,
    prequal_conclude,
    prequal_documents_obtain,
    prequal_review,
    prequal_withdraw,
)
from zhengwu.contexts.tendering.services.projects import project_register, section_add
from zhengwu.contexts.tendering.services.refunds import refund_record_paid
from zhengwu.contexts.tendering.services.registration import (
    deposit_record,
    registration_apply,
    registration_confirm,
    registration_refuse,
)
from zhengwu.contexts.tendering.services.retender import section_retender
from zhengwu.contexts.tendering.services.termination import tender_terminate
from zhengwu.contexts.tendering.services.transitions import section_close_bidding, section_transition
from zhengwu.contexts.tendering.services.withdrawal import registration_withdraw

__all__ = [
    "SecurityOwed",
    "answer_publish",
    "bid_securities_owed",
    "deposit_record",
    "document_obtain",
    "document_upload",
    "notice_approve",
    "notice_draft",
    "notice_publish",
    "notice_revise",
    "objection_file",
    "objection_reply",
    "prequal_apply",
    "prequal_conclude",
    "prequal_documents_obtain",
    "prequal_review",
    "prequal_withdraw",
    "project_register",
    "publicity_ends_at",
    "publicity_plan",
    "publicity_required",
    "question_ask",
    "refund_record_paid",
    "registration_apply",
    "registration_confirm",
    "registration_refuse",
    "registration_withdraw",
    "section_add",
    "section_award_record",
    "section_candidates_publish",
    "section_close_bidding",
    "section_contract_record",
    "section_evaluation_failed",
    "section_retender",
    "section_transition",
    "tender_terminate",
]
