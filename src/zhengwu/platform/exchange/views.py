"""The exchange's HTTP endpoint: other deployables POST signed envelopes to ``/exchange/inbox``."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from zhengwu.platform.exchange.envelope import HEADER_SIGNATURE, HEADER_SOURCE, MAX_BODY_BYTES
from zhengwu.platform.exchange.inbox import inbox_receive


def _json(status: int, body: dict[str, object]) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


# Machine-to-machine: the Ed25519 signature authenticates the request, there is no session.
@csrf_exempt
def inbox(request: HttpRequest) -> JsonResponse:
    """Receive one message; the answer tells the sender whether to consider it delivered."""
    if request.method != "POST":
        response = _json(405, {"code": "method_not_allowed", "message": "不支持该请求方法", "detail": {}})
        response["Allow"] = "POST"
        return response
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return _json(413, {"code": "exchange_too_large", "message": "消息过大", "detail": {"limit": MAX_BODY_BYTES}})
    try:
        body = request.body
    except RequestDataTooBig:
        return _json(413, {"code": "exchange_too_large", "message": "消息过大", "detail": {"limit": MAX_BODY_BYTES}})
    outcome = inbox_receive(
        body=body,
        source=request.headers.get(HEADER_SOURCE, "").strip(),
        signature=request.headers.get(HEADER_SIGNATURE, "").strip(),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return _json(outcome.status, outcome.body)
