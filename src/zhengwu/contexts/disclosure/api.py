"""Public read API of the public platform: ``GET /api/disclosure/subjects`` and ``…/notices``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from zhengwu.contexts.disclosure.models import Notice
from zhengwu.contexts.disclosure.selectors import (
    market_subject_page,
    notice_amended_by,
    notice_get,
    notice_page,
)


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


class NoticeOut(Schema):
    notice_id: uuid.UUID
    kind: str
    trade_type: str
    procedure: str
    project_code: str
    project_name: str
    section_codes: list[str]
    title: str
    body: str
    tenderer_name: str
    agency_name: str
    region_code: str
    budget_fen: int | None
    published_at: dt.datetime
    bid_deadline: dt.datetime | None
    opening_at: dt.datetime | None
    references_notice_id: uuid.UUID | None
    attachments: list[dict[str, Any]]
    opening_keys: list[dict[str, str]]
    received_at: dt.datetime


class NoticeDetailOut(NoticeOut):
    amended_by: list[uuid.UUID]


class NoticePageOut(Schema):
    items: list[NoticeOut]
    total: int
    page: int
    size: int
    pages: int


def _notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut.model_validate(notice, from_attributes=True)


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

    @router.get("/notices", response=NoticePageOut, auth=None, summary="Published notices")
    def notices(
        request: HttpRequest,
        q: str = "",
        trade_type: str | None = None,
        kind: str | None = None,
        region: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        page: int = 1,
        size: int = 20,
    ) -> NoticePageOut:
        """Published notices, newest first: text in title, project name or code (``q``), trade
        type, kind, region (six digits, includes the regions inside it) and Beijing dates of
        publication (``date_from``/``date_to``, inclusive), paged."""
        result = notice_page(
            q=q,
            trade_type=trade_type or None,
            kind=kind or None,
            region=region or None,
            date_from=date_from,
            date_to=date_to,
            page=page,
            size=size,
        )
        return NoticePageOut(
            items=[_notice_out(n) for n in result.items],
            total=result.total,
            page=result.page,
            size=result.size,
            pages=result.pages,
        )

    @router.get("/notices/{notice_id}", response=NoticeDetailOut, auth=None, summary="One published notice")
    def notice(request: HttpRequest, notice_id: str) -> NoticeDetailOut:
        """One notice, with the notices that amend it (directly or through another amendment)."""
        found = notice_get(notice_id=notice_id)
        return NoticeDetailOut(
            **_notice_out(found).model_dump(),
            amended_by=[n.notice_id for n in notice_amended_by(notice=found)],
        )

    return router
