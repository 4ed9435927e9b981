"""A sink for the deadline-surge benchmark (``bench/deadline_surge.py``): it reads a raw body and drops it;
and a trivial JSON endpoint, the baseline of the public-feed benchmark (``bench/public_feed.py``).

Mounted at ``<platform prefix>api/bench/sink`` only when the environment says
``ZHENGWU_BENCH_SINK=1`` (see ``deploy.routes``); never in a real deployment. It sits behind
the same stack as the bidding API's upload — gunicorn, every middleware, the API-token lookup,
django-ninja's ``django_auth`` — and reads the body the same way (``request.read`` of
``Content-Length`` bytes into memory), so the benchmark's baseline pays for everything except
what the upload itself does with the bytes.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from zhengwu.kernel.errors import InvalidInput

ENV_FLAG = "ZHENGWU_BENCH_SINK"
# The bidding API's own limit on one chunk (bidding.api.CHUNK_UPLOAD_MAX); the platform layer
# does not import a context, so the number is repeated here.
BODY_MAX = 8 << 20


class SinkOut(Schema):
    received: int


class PingOut(Schema):
    ok: bool


def router_build() -> Router:
    """A new router with the sink (a router can be mounted on one API only, so one per platform)."""
    router = Router(tags=["bench"], auth=django_auth)

    @router.api_operation(["POST", "PUT"], "/sink", response=SinkOut, summary="Read the body and drop it")
    def sink(request: HttpRequest) -> SinkOut:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            raise InvalidInput("请求缺少 Content-Length", code="content_length_required") from None
        if not 0 <= length <= BODY_MAX:
            raise InvalidInput("分块过大", code="chunk_too_large", detail={"max": BODY_MAX})
        data = request.read(length) if length else b""
        return SinkOut(received=len(data))

    @router.get("/ping", response=PingOut, auth=None, summary="A trivial JSON answer")
    def ping(request: HttpRequest) -> PingOut:
        """The baseline of ``bench/public_feed.py``: the whole stack, no database, a tiny JSON body."""
        return PingOut(ok=True)

    return router
