"""The API base of every deployable: one error shape, stable codes, Chinese messages.

Every error leaves the API as ``{"code": "...", "message": "...", "detail": {...}}``. Codes
are part of the contract and never change; messages are for people.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from zhengwu.kernel.errors import ZhengwuError

logger = logging.getLogger(__name__)

STATUS_CODES = {
    400: ("bad_request", "请求无法处理"),
    401: ("not_authenticated", "请先登录"),
    403: ("permission_denied", "无权执行此操作"),
    404: ("not_found", "对象不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作与当前状态冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    429: ("rate_limited", "尝试次数过多，请稍后再试"),
    500: ("internal_error", "服务器内部错误，已记录，请稍后再试"),
    503: ("unavailable", "服务暂不可用，请稍后再试"),
}


def error_body(code: str, message: str, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "detail": detail or {}}


def _validation_detail(errors: Iterable[Any]) -> dict[str, Any]:
    fields = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path", "payload")]
        fields.append({"field": ".".join(loc), "type": err.get("type", ""), "message": err.get("msg", "")})
    return {"errors": fields}


class ReadableJSONRenderer(JSONRenderer):
    # Chinese text as UTF-8, not \u escapes: people read API responses in logs and browsers.
    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012 - django-ninja's own attribute


def api_build(*, platform: str, title: str, description: str, routers: list[tuple[str, Router]]) -> NinjaAPI:
    """Build the NinjaAPI of one platform with the shared error handlers and its routers."""
    api = NinjaAPI(
        title=title,
        version="1.0.0",
        description=description,
        urls_namespace=f"{platform}-api",
        openapi_url="/openapi.json",
        docs_url="/docs",
        renderer=ReadableJSONRenderer(),
    )

    @api.exception_handler(ZhengwuError)
    def on_domain_error(request: HttpRequest, exc: ZhengwuError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.http_status)

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        body = error_body("invalid_input", "请求参数有误", _validation_detail(exc.errors))
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, error_body("not_authenticated", "请先登录"), status=401)

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code, message = STATUS_CODES.get(exc.status_code, ("error", "请求无法处理"))
        return api.create_response(request, error_body(code, message), status=exc.status_code)

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", "对象不存在"), status=404)

    @api.exception_handler(DjangoPermissionDenied)
    def on_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return api.create_response(request, error_body("permission_denied", "无权执行此操作"), status=403)

    @api.exception_handler(Exception)
    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("unhandled API error on %s", request.path)
        body = error_body("internal_error", "服务器内部错误，已记录，请稍后再试")
        return api.create_response(request, body, status=500)

    for prefix, router in routers:
        api.add_router(prefix, router)
    return api
