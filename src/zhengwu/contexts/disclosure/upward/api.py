"""API of the upward push on the public platform.

``POST /api/disclosure/upward/upload``: where a lower-level platform pushes one record's XML
envelope (authenticated by its Ed25519 signature, see ``upward.receiving``); the answer is the
standard's ``{"STATUS":"1"}`` or ``{"STATUS":"-1","MSG":…}``. ``GET /api/disclosure/upward/report``:
the sync report of both sides, for the centre's staff.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from ninja import Router, Schema

from zhengwu.contexts.disclosure.upward.envelope import MAX_BODY_BYTES
from zhengwu.contexts.disclosure.upward.receiving import upward_upload_receive
from zhengwu.contexts.disclosure.upward.selectors import upward_receiver_report, upward_sender_report
from zhengwu.kernel.errors import NotAuthenticated, PermissionDenied
from zhengwu.platform.exchange.envelope import HEADER_SIGNATURE, HEADER_SOURCE

REPORT_ROLES = frozenset({"centre_staff"})


class SenderRowOut(Schema):
    data_no: int
    data_en: str
    data_cn: str
    queued: int
    sent: int
    acknowledged: int
    rejected: int
    pending: int
    retrying: int


class RejectionOut(Schema):
    data_no: int
    data_key: str
    message: str
    at: dt.datetime | None


class SenderOut(Schema):
    configured: bool
    endpoint: str
    platform_code: str
    oldest_pending_at: dt.datetime | None
    last_error: str
    rows: list[SenderRowOut]
    rejections: list[RejectionOut]


class ReceiverRowOut(Schema):
    source: str
    data_no: int
    data_en: str
    data_cn: str
    received: int
    accepted: int
    rejected: int
    stored: int


class ReceiverOut(Schema):
    sources: list[str]
    rows: list[ReceiverRowOut]
    rejections: list[RejectionOut]


class ReportOut(Schema):
    generated_at: dt.datetime
    sender: SenderOut
    receiver: ReceiverOut


def _json(status: int, body: dict[str, str]) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def upward_routes_add(router: Router) -> None:
    """Add the upload endpoint and the sync report to the disclosure router."""

    @router.post("/upward/upload", auth=None, summary="Receive one record pushed by a lower-level platform")
    def upload(request: HttpRequest) -> JsonResponse:
        """One record of a national dataset in the standard's XML envelope, signed by a registered
        lower-level platform (headers ``X-Zhengwu-Source``, ``X-Zhengwu-Signature``)."""
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return _json(413, {"STATUS": "-1", "MSG": f"数据超过{MAX_BODY_BYTES}字节"})
        try:
            body = request.body
        except RequestDataTooBig:
            return _json(413, {"STATUS": "-1", "MSG": f"数据超过{MAX_BODY_BYTES}字节"})
        answer = upward_upload_receive(
            body=body,
            source=request.headers.get(HEADER_SOURCE, "").strip(),
            signature=request.headers.get(HEADER_SIGNATURE, "").strip(),
            remote_addr=str(request.META.get("REMOTE_ADDR") or ""),
        )
        return _json(answer.http_status, answer.body)

    @router.get("/upward/report", response=ReportOut, summary="Sync report of the upward push (centre staff)")
    def report(request: HttpRequest) -> ReportOut:
        """Per dataset: what this platform queued, sent, had acknowledged or rejected and still has
        pending; and what lower-level platforms pushed here, accepted and rejected."""
        user = request.user
        if not user.is_authenticated or not getattr(user, "is_fully_authenticated", lambda r: True)(request):
            raise NotAuthenticated()
        if not REPORT_ROLES.intersection(getattr(user, "role_codes", frozenset())):
            raise PermissionDenied("仅交易中心工作人员可查看数据上报情况", code="upward_report_denied")
        sender, receiver = upward_sender_report(), upward_receiver_report()
        return ReportOut.model_validate(
            {"generated_at": sender.generated_at, "sender": sender, "receiver": receiver}, from_attributes=True
        )
