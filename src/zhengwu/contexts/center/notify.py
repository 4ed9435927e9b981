"""How the centre reaches a person: for now, a message kept in the audit log and the process log.

SMS gateways sit outside the machine; until one is wired in, a "sent" message is an audit entry
(``center.notice.send``), so staff and the demo can read what would have gone out. The centre
does not borrow the appraisal context's channels: contexts stay apart.
"""

from __future__ import annotations

import logging

from zhengwu.kernel.actor import Actor
from zhengwu.platform.audit.services import audit_append

logger = logging.getLogger(__name__)


def notice_send(*, recipient: str, body: str, subject_type: str, subject_id: str, by: Actor) -> None:
    """Record ``body`` as sent to ``recipient`` (a phone number or an account), about one object.

    Call it inside the caller's transaction: the notice is kept only if the change that caused it is.
    """
    audit_append(
        actor=by,
        action="center.notice.send",
        object_type=subject_type,
        object_id=subject_id,
        after={"recipient": recipient, "body": body},
    )
    logger.info("notice to %s: %s", recipient, body)
