"""Read-only API of the exchange's state: ``GET <prefix>api/exchange/status`` for staff."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from zhengwu.kernel.errors import NotAuthenticated, PermissionDenied
from zhengwu.platform.exchange.selectors import exchange_status

STATUS_ROLES = frozenset({"centre_staff", "regulator"})


class DeadLetterOut(Schema):
    id: int
    message_id: str
    event_type: str
    aggregate_type: str
    aggregate_id: str
    sequence: int
    attempts: int
    last_attempt_at: dt.datetime | None
    last_error: str


class DestinationOut(Schema):
    destination: str
    pending: int
    waiting: int
    retrying: int
    delivered: int
    dead: int
    oldest_pending_at: dt.datetime | None
    oldest_pending_age_seconds: int | None
    dead_letters: list[DeadLetterOut]


class InboxOut(Schema):
    source: str
    destination: str
    applied: int


class RejectedOut(Schema):
    id: int
    received_at: dt.datetime
    reason: str
    claimed_source: str
    message_id: str
    remote_addr: str


class StatusOut(Schema):
    deployable: str
    generated_at: dt.datetime
    destinations: list[DestinationOut]
    inbox: list[InboxOut]
    rejected_total: int
    rejected_recent: list[RejectedOut]


def _require_staff(request: HttpRequest) -> None:
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_fully_authenticated", lambda r: True)(request):
        raise NotAuthenticated()
    if not STATUS_ROLES.intersection(getattr(user, "role_codes", frozenset())):
        raise PermissionDenied("仅交易中心工作人员和行政监督人员可查看数据交换状态", code="exchange_status_denied")


def router_build(*, platform: str) -> Router | None:
    """The exchange router of one platform (every platform shows the deployable's exchange)."""
    router = Router(tags=["exchange"])

    @router.get("/status", response=StatusOut, summary="Outbox and inbox state of this deployable")
    def status(request: HttpRequest) -> StatusOut:
        _require_staff(request)
        return StatusOut.model_validate(exchange_status(), from_attributes=True)

    return router
