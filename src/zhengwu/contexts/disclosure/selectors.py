"""Reads of the public platform's read models."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhengwu.contexts.disclosure.models import MarketSubject
from zhengwu.contexts.identity.roles import SELF_REGISTRATION_ROLES
from zhengwu.kernel.errors import InvalidInput

MARKET_ROLES: tuple[str, ...] = tuple(sorted(str(r) for r in SELF_REGISTRATION_ROLES))
MAX_QUERY_LENGTH = 100
MAX_PAGE_SIZE = 100
# Far beyond any real list, and small enough that the database's OFFSET never overflows.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class SubjectPage:
    """One page of the public list of market subjects."""

    items: list[MarketSubject]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def market_subject_search(*, q: str = "", role: str | None = None) -> QuerySet[MarketSubject]:
    """Verified subjects whose name contains ``q`` or whose code starts with it, optionally of one role."""
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"搜索词不能超过{MAX_QUERY_LENGTH}个字符",
            code="disclosure_query_too_long",
            detail={"max": MAX_QUERY_LENGTH},
        )
    if role and role not in MARKET_ROLES:
        raise InvalidInput(
            "市场角色不存在", code="disclosure_role_unknown", detail={"role": role, "allowed": MARKET_ROLES}
        )
    queryset = MarketSubject.objects.all()
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(uscc__istartswith=q))
    if role:
        queryset = queryset.filter(roles_index__contains=f"|{role}|")
    return queryset.order_by("name", "uscc")


def market_subject_page(*, q: str = "", role: str | None = None, page: int = 1, size: int = 20) -> SubjectPage:
    """One page (1-based) of ``market_subject_search``; a page past the end is empty."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="disclosure_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="disclosure_size_invalid", detail={"size": size})
    queryset = market_subject_search(q=q, role=role)
    total = queryset.count()
    offset = (page - 1) * size
    return SubjectPage(items=list(queryset[offset : offset + size]), total=total, page=page, size=size)


def market_subject_get(*, uscc: str) -> MarketSubject | None:
    """The listed subject with this code, or None if it is not (or no longer) listed."""
    return MarketSubject.objects.filter(uscc=uscc.strip().upper()).first()
