"""Errors that cross every layer, each with a stable code.

The API turns them into ``{"code": ..., "message": ..., "detail": {...}}`` and the pages show
the message. The code is the contract with clients and must never change once published; the
message is for people and is written in Chinese (the web layer may translate it).
"""

from __future__ import annotations

from typing import Any


class ZhengwuError(Exception):
    """Base of every error a user may see. Never carries a stack trace to the user."""

    code = "error"
    http_status = 400
    default_message = "请求无法处理"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.detail: dict[str, Any] = detail or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class InvalidInput(ZhengwuError):
    code = "invalid_input"
    http_status = 400
    default_message = "输入有误"


class NotAuthenticated(ZhengwuError):
    code = "not_authenticated"
    http_status = 401
    default_message = "请先登录"


class PermissionDenied(ZhengwuError):
    code = "permission_denied"
    http_status = 403
    default_message = "无权执行此操作"


class NotFound(ZhengwuError):
    code = "not_found"
    http_status = 404
    default_message = "对象不存在"


class Conflict(ZhengwuError):
    code = "conflict"
    http_status = 409
    default_message = "操作与当前状态冲突"


class RateLimited(ZhengwuError):
    code = "rate_limited"
    http_status = 429
    default_message = "尝试次数过多，请稍后再试"


class IntegrityViolation(ZhengwuError):
    """Stored data failed an integrity check (a broken hash chain, a bad signature)."""

    code = "integrity_violation"
    http_status = 500
    default_message = "数据完整性校验失败"
