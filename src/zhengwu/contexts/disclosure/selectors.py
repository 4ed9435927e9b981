"""Reads of the public platform's read models."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhengwu.contexts.disclosure.models import MarketSubject, Notice
from zhengwu.contexts.identity.roles import SELF_REGISTRATION_ROLES
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.paging import Page, page_take

MARKET_ROLES: tuple[str, ...] = tuple(sorted(str(r) for r in SELF_REGISTRATION_ROLES))
MAX_QUERY_LENGTH = 100
MAX_PAGE_SIZE = 100
# Far beyond any real list, and small enough that the database's OFFSET never overflows.
MAX_PAGE = 100_000


SubjectPage = Page[MarketSubject]


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
    return page_take(queryset, page=page, size=size)


def market_subject_get(*, uscc: str) -> MarketSubject | None:
    """The listed subject with this code, or None if it is not (or no longer) listed."""
    return MarketSubject.objects.filter(uscc=uscc.strip().upper()).first()


# Notices ------------------------------------------------------------------------------------

# The values tendering's NoticePublished carries (see tendering/events.py). The read model
# stores whatever arrives; these are the values a visitor may filter by.
TRADE_TYPES: tuple[str, ...] = ("construction", "procurement", "land", "property")
NOTICE_KINDS: tuple[str, ...] = ("tender", "invitation", "prequalification", "amendment", "termination", "result")
_REGION_RE = re.compile(r"^[0-9]{6}$")
# An amendment of an amendment of …: a chain this long is a loop or an error, not a tender.
MAX_CHAIN = 50


NoticePage = Page[Notice]


@dataclass(frozen=True)
class ChainLink:
    """A notice in an amendment chain; ``notice`` is None if this platform never received it."""

    notice_id: str
    notice: Notice | None


def region_prefix(region: str) -> str:
    """The prefix shared by a region and every region inside it: 530000 → 53, 530100 → 5301.

    Administrative division codes (GB/T 2260) nest by pairs of digits, zero-padded.
    """
    prefix = region
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def _day_start(day: dt.date) -> dt.datetime:
    # Dates on the website are Beijing dates: a notice published at 07:00 Beijing time on the
    # 2nd (23:00 UTC on the 1st) belongs to the 2nd.
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA_TZ)


def notice_search(
    *,
    q: str = "",
    trade_type: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Notice]:
    """Published notices, newest first, filtered.

    ``q`` matches the title, project name or project code (case-insensitive, anywhere);
    ``region`` is a six-digit division code and includes the regions inside it;
    ``date_from``/``date_to`` bound the Beijing date of publication, both inclusive.
    ``InvalidInput`` names the first bad filter.
    """
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"搜索词不能超过{MAX_QUERY_LENGTH}个字符",
            code="disclosure_query_too_long",
            detail={"max": MAX_QUERY_LENGTH},
        )
    if trade_type and trade_type not in TRADE_TYPES:
        raise InvalidInput(
            "交易类型不存在",
            code="disclosure_trade_type_unknown",
            detail={"trade_type": trade_type, "allowed": TRADE_TYPES},
        )
    if kind and kind not in NOTICE_KINDS:
        raise InvalidInput(
            "公告类型不存在", code="disclosure_kind_unknown", detail={"kind": kind, "allowed": NOTICE_KINDS}
        )
    if region and not _REGION_RE.match(region):
        raise InvalidInput("行政区划代码应为6位数字", code="disclosure_region_invalid", detail={"region": region})
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "开始日期不能晚于结束日期",
            code="disclosure_date_range_invalid",
            detail={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )
    queryset = Notice.objects.all()
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(project_name__icontains=q) | Q(project_code__icontains=q))
    if trade_type:
        queryset = queryset.filter(trade_type=trade_type)
    if kind:
        queryset = queryset.filter(kind=kind)
    if region:
        queryset = queryset.filter(region_code__startswith=region_prefix(region))
    if date_from:
        queryset = queryset.filter(published_at__gte=_day_start(date_from))
    if date_to:
        queryset = queryset.filter(published_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return queryset.order_by("-published_at", "-notice_id")


def notice_page(
    *,
    q: str = "",
    trade_type: str | None = None,
    kind: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    size: int = 20,
) -> NoticePage:
    """One page (1-based) of ``notice_search``; a page past the end is empty."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="disclosure_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="disclosure_size_invalid", detail={"size": size})
    queryset = notice_search(q=q, trade_type=trade_type, kind=kind, region=region, date_from=date_from, date_to=date_to)
    return page_take(queryset, page=page, size=size)


def notice_latest(*, limit: int = 5) -> list[Notice]:
    """The ``limit`` most recently published notices (for the home page)."""
    return list(Notice.objects.order_by("-published_at", "-notice_id")[: max(0, min(limit, MAX_PAGE_SIZE))])


def notice_get(*, notice_id: str) -> Notice:
    """The published notice with this identifier; ``NotFound`` for an unknown or malformed one."""
    try:
        key = uuid.UUID(str(notice_id).strip())
    except ValueError:
        key = None
    notice = Notice.objects.filter(notice_id=key).first() if key is not None else None
    if notice is None:
        raise NotFound("公告不存在", code="disclosure_notice_not_found", detail={"notice_id": str(notice_id)[:100]})
    return notice


def notice_chain(*, notice: Notice) -> list[ChainLink]:
    """The notices ``notice`` amends, oldest first, ending with ``notice`` itself.

    An original notice is a chain of one. A referenced notice this platform never received is
    a link without a notice; the walk stops there, since nothing is known of what it amends.
    """
    links = [ChainLink(notice_id=str(notice.notice_id), notice=notice)]
    seen = {notice.notice_id}
    reference = notice.references_notice_id
    while reference is not None and reference not in seen and len(links) < MAX_CHAIN:
        seen.add(reference)
        previous = Notice.objects.filter(notice_id=reference).first()
        links.append(ChainLink(notice_id=str(reference), notice=previous))
        reference = previous.references_notice_id if previous is not None else None
    links.reverse()
    return links


def notice_amended_by(*, notice: Notice) -> list[Notice]:
    """Every later notice that amends ``notice``, directly or through another amendment, in
    order of publication."""
    found: list[Notice] = []
    seen = {notice.notice_id}
    frontier = [notice.notice_id]
    while frontier and len(found) < MAX_CHAIN:
        children = [n for n in Notice.objects.filter(references_notice_id__in=frontier) if n.notice_id not in seen]
        seen.update(n.notice_id for n in children)
        found.extend(children)
        frontier = [n.notice_id for n in children]
    return sorted(found, key=lambda n: (n.published_at, str(n.notice_id)))
