"""Keep the API's one error shape even for errors raised outside the API's own handlers.

Django and django-ninja answer some failures themselves (405 for a wrong method, a CSRF
failure, a 413 for an oversized body) with plain text or HTML. Clients of the API must only
ever see ``{"code", "message", "detail"}``, so such responses are rewritten here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from zhengwu.platform.api.base import STATUS_CODES, error_body


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or "/api/" not in request.path_info:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message = STATUS_CODES.get(response.status_code, ("error", "请求无法处理"))
        shaped = JsonResponse(
            error_body(code, message), status=response.status_code, json_dumps_params={"ensure_ascii": False}
        )
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped
