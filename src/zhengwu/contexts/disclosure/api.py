"""Public read API of the public platform: ``GET /api/disclosure/subjects``."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from zhengwu.contexts.disclosure.selectors import market_subject_page


class SubjectOut(Schema):
    uscc: str
    name: str
    status: str
    market_roles: list[str]
    region_code: str
    version: int
    updated_at: dt.datetime


class SubjectPageOut(Schema):
    items: list[SubjectOut]
    total: int
    page: int
    size: int
    pages: int


def router_build(*, platform: str) -> Router | None:
    """The disclosure router; only the public platform publishes it."""
    if platform != "public":
        return None
    router = Router(tags=["disclosure"])

    @router.get("/subjects", response=SubjectPageOut, auth=None, summary="Verified market subjects")
    def subjects(
        request: HttpRequest, q: str = "", role: str | None = None, page: int = 1, size: int = 20
    ) -> SubjectPageOut:
        """Verified market subjects, by name or code (``q``) and market role (``role``), paged."""
        result = market_subject_page(q=q, role=role, page=page, size=size)
        return SubjectPageOut(
            items=[SubjectOut.model_validate(s, from_attributes=True) for s in result.items],
            total=result.total,
            page=result.page,
            size=result.size,
            pages=result.pages,
        )

    return router
