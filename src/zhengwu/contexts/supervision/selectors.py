"""Reads of the supervision platform's records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from zhengwu.contexts.supervision.models import (
    AwardTrack,
    FrozenBids,
    HeldShare,
    OpeningRecord,
    RegisteredSubject,
    SectionStatusHistory,
    WatchedNotice,
    WatchedSection,
)
from zhengwu.kernel.clock import CHINA_TZ
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.paging import Page, page_take


def registered_subject_list(*, status: str | None = None) -> QuerySet[RegisteredSubject]:
    """Every registered market subject, optionally only those in ``status``."""
    queryset = RegisteredSubject.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("name", "uscc")


def registered_subject_get(*, uscc: str) -> RegisteredSubject:
    """The registered subject with this code; ``NotFound`` if none was ever received."""
    subject = RegisteredSubject.objects.filter(uscc=uscc.strip().upper()).first()
    if subject is None:
        raise NotFound("市场主体不存在", code="supervision_subject_not_found", detail={"uscc": uscc})
    return subject


# Trades -------------------------------------------------------------------------------------

# A section's lifecycle, in order (tendering's SectionStatusChanged); the ends come last.
SECTION_STATUSES: tuple[str, ...] = (
    "draft",
    "published",
    "accepting_bids",
    "opening",
    "evaluating",
    "candidates",
    "awarded",
    "contracted",
    "archived",
    "terminated",
    "failed",
)
MAX_QUERY_LENGTH = 100
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000


SectionPage = Page[WatchedSection]


def _lifecycle_order() -> Case:
    # Unknown statuses (a newer trading platform) sort after the known ones instead of vanishing.
    return Case(
        *(When(status=status, then=Value(i)) for i, status in enumerate(SECTION_STATUSES)),
        default=Value(len(SECTION_STATUSES)),
        output_field=IntegerField(),
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA_TZ)


def section_search(
    *,
    status: str | None = None,
    q: str = "",
    deadline_from: dt.date | None = None,
    deadline_to: dt.date | None = None,
) -> QuerySet[WatchedSection]:
    """Followed sections grouped by lifecycle status, then by bid deadline (soonest first).

    ``q`` matches the project code, section code or section name; ``deadline_from`` and
    ``deadline_to`` bound the Beijing date of the bid deadline, both inclusive (sections
    without a deadline then drop out). ``InvalidInput`` names the first bad filter.
    """
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"搜索词不能超过{MAX_QUERY_LENGTH}个字符",
            code="supervision_query_too_long",
            detail={"max": MAX_QUERY_LENGTH},
        )
    if status and status not in SECTION_STATUSES:
        raise InvalidInput(
            "标段状态不存在",
            code="supervision_section_status_unknown",
            detail={"status": status, "allowed": SECTION_STATUSES},
        )
    if deadline_from and deadline_to and deadline_from > deadline_to:
        raise InvalidInput(
            "开始日期不能晚于结束日期",
            code="supervision_date_range_invalid",
            detail={"deadline_from": deadline_from.isoformat(), "deadline_to": deadline_to.isoformat()},
        )
    queryset = WatchedSection.objects.all()
    if status:
        queryset = queryset.filter(status=status)
    if q:
        queryset = queryset.filter(
            Q(project_code__icontains=q) | Q(section_code__icontains=q) | Q(section_name__icontains=q)
        )
    if deadline_from:
        queryset = queryset.filter(bid_deadline__gte=_day_start(deadline_from))
    if deadline_to:
        queryset = queryset.filter(bid_deadline__lt=_day_start(deadline_to + dt.timedelta(days=1)))
    return queryset.annotate(lifecycle=_lifecycle_order()).order_by(
        "lifecycle", F("bid_deadline").asc(nulls_last=True), "project_code", "section_code"
    )


def section_page(
    *,
    status: str | None = None,
    q: str = "",
    deadline_from: dt.date | None = None,
    deadline_to: dt.date | None = None,
    page: int = 1,
    size: int = 50,
) -> SectionPage:
    """One page (1-based) of ``section_search``; a page past the end is empty."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="supervision_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="supervision_size_invalid", detail={"size": size}
        )
    queryset = section_search(status=status, q=q, deadline_from=deadline_from, deadline_to=deadline_to)
    return page_take(queryset, page=page, size=size)


def section_status_counts() -> dict[str, int]:
    """How many followed sections are in each status (every known status present, zeros included)."""
    counts = dict.fromkeys(SECTION_STATUSES, 0)
    for row in WatchedSection.objects.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def section_get(*, project_code: str, section_code: str) -> WatchedSection:
    """The followed section; ``NotFound`` if no status change of it was ever received."""
    section = WatchedSection.objects.filter(project_code=project_code, section_code=section_code).first()
    if section is None:
        raise NotFound(
            "标段不存在",
            code="supervision_section_not_found",
            detail={"project_code": project_code[:100], "section_code": section_code[:100]},
        )
    return section


def section_history(*, section: WatchedSection) -> QuerySet[SectionStatusHistory]:
    """Every status change received for ``section``, oldest first."""
    return SectionStatusHistory.objects.filter(section=section).order_by("changed_at", "id")


def watched_notice_list(*, project_code: str | None = None) -> QuerySet[WatchedNotice]:
    """Every notice received, in order of publication, optionally of one project only."""
    queryset = WatchedNotice.objects.all()
    if project_code is not None:
        queryset = queryset.filter(project_code=project_code)
    return queryset.order_by("published_at", "notice_id")


def notices_for_sections(*, sections: Iterable[WatchedSection]) -> dict[int, list[WatchedNotice]]:
    """The notices of each section (by section id), in order of publication.

    A notice concerns the sections it names; one that names none concerns its whole project.
    """
    sections = list(sections)
    out: dict[int, list[WatchedNotice]] = {s.pk: [] for s in sections}
    by_project: dict[str, list[WatchedSection]] = {}
    for section in sections:
        by_project.setdefault(section.project_code, []).append(section)
    if not by_project:
        return out
    notices = WatchedNotice.objects.filter(project_code__in=list(by_project)).order_by("published_at", "notice_id")
    for notice in notices:
        for section in by_project[notice.project_code]:
            if not notice.section_codes or section.section_code in notice.section_codes:
                out[section.pk].append(notice)
    return out


def held_shares() -> list[tuple[HeldShare, FrozenBids | None]]:
    """The supervision platform's shares of opening keys, each with its section's freeze if received."""
    shares = list(HeldShare.objects.order_by("-received_at", "-id"))
    frozen = {f.section_code: f for f in FrozenBids.objects.filter(section_code__in=[s.section_code for s in shares])}
    return [(share, frozen.get(share.section_code)) for share in shares]


def held_share_get(*, pk: int) -> HeldShare:
    share = HeldShare.objects.filter(pk=pk).first()
    if share is None:
        raise NotFound("密钥分片不存在", code="held_share_not_found")
    return share


# Freezes and opening records ------------------------------------------------------------------


@dataclass(frozen=True)
class OpeningSection:
    """A section's freeze and opening record as received (either may be missing), with the
    followed section they belong to when its status changes have arrived too."""

    section_code: str
    freeze: FrozenBids | None
    record: OpeningRecord | None
    section: WatchedSection | None


def _opening_sections(codes: list[str]) -> list[OpeningSection]:
    freezes = {f.section_code: f for f in FrozenBids.objects.filter(section_code__in=codes)}
    # The latest round of each section (ordered so that it wins in the dict).
    records = {r.section_code: r for r in OpeningRecord.objects.filter(section_code__in=codes).order_by("round")}
    sections = {s.section_code: s for s in WatchedSection.objects.filter(section_code__in=codes)}
    return [OpeningSection(c, freezes.get(c), records.get(c), sections.get(c)) for c in codes]


def opening_section_page(*, page: int = 1, size: int = 50) -> Page[OpeningSection]:
    """Sections whose bids were frozen, latest freeze first, each with its opening record once received.

    The freeze comes first in each section's stream of events, so a record always finds its
    section here; one that does not is listed by ``opening_records_unfrozen``.
    """
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="supervision_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="supervision_size_invalid", detail={"size": size}
        )
    codes: Page[str] = page_take(
        FrozenBids.objects.order_by("-frozen_at", "-id").values_list("section_code", flat=True), page=page, size=size
    )
    return Page(items=_opening_sections(list(codes.items)), total=codes.total, page=codes.page, size=codes.size)


def opening_records_unfrozen() -> list[OpeningRecord]:
    """Opening records of sections whose freeze never arrived: an anomaly worth a regulator's look."""
    frozen = FrozenBids.objects.values("section_code")
    return list(OpeningRecord.objects.exclude(section_code__in=frozen).order_by("-recorded_at", "-id"))


def opening_section_get(*, section_code: str) -> OpeningSection:
    """One section's freeze and opening record; ``NotFound`` if neither has been received."""
    found = _opening_sections([section_code[:100]])[0]
    if found.freeze is None and found.record is None:
        raise NotFound(
            "该标段没有封存或开标记录",
            code="supervision_opening_not_found",
            detail={"section_code": section_code[:100]},
        )
    return found


def opening_record_rounds(*, section_code: str) -> list[int]:
    """The rounds whose opening record arrived (two for a two-envelope tender)."""
    return list(
        OpeningRecord.objects.filter(section_code=section_code[:100]).order_by("round").values_list("round", flat=True)
    )


def opening_record_of_round(*, section_code: str, round: int) -> OpeningRecord | None:
    """The section's opening record of one round, or None."""
    return OpeningRecord.objects.filter(section_code=section_code[:100], round=round).first()


# After the evaluation: awards, written reports, contracts ---------------------------------------


def award_track_page(*, page: int = 1, size: int = 50) -> Page[AwardTrack]:
    """Sections followed after their evaluation, the latest change first."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="supervision_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="supervision_size_invalid", detail={"size": size}
        )
    return page_take(AwardTrack.objects.order_by("-updated_at", "-id"), page=page, size=size)


def award_track_get(*, section_code: str) -> AwardTrack:
    """One section's award, written report and contract; ``NotFound`` if nothing of them was received."""
    found = AwardTrack.objects.filter(section_code=section_code[:100]).first()
    if found is None:
        raise NotFound(
            "该标段没有定标或合同信息", code="supervision_award_not_found", detail={"section_code": section_code[:100]}
        )
    return found
