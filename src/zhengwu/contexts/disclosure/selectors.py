"""Reads of the public platform's read models."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from zhengwu.contexts.disclosure.models import (
    AwardResult,
    BidFreeze,
    CandidatePublicity,
    ContractRecord,
    ExpertDrawCommitment,
    MarketSubject,
    Notice,
    OpeningRecord,
    SectionFailure,
)
from zhengwu.contexts.disclosure.search import NOTICE_TEXT_FIELDS, search_query, search_words
from zhengwu.contexts.identity.roles import SELF_REGISTRATION_ROLES
from zhengwu.contexts.tendering.events import NOTICE_PROCEDURES
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.paging import Page, page_take, page_take_capped
from zhengwu.platform.audit.merkle import merkle_inclusion_verify

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
PROCEDURES = NOTICE_PROCEDURES
# Where the trade a notice belongs to stands now, as the public platform has heard (by project):
# open (bids accepted), closed (deadline passed, no result yet), publicity (candidates published),
# awarded, failed (流标), terminated.
NOTICE_STATUSES: tuple[str, ...] = ("open", "closed", "publicity", "awarded", "failed", "terminated")
# Counting every match of a query over a million notices costs as much as reading them; past
# this many the list says "more than" and the pages still go on.
COUNT_CAP = 1_000
# A common search looks through this many of the newest notices per row it needs (a first, then
# a wider look) before it falls back to sorting the index's candidates (``notice_page``).
WALK_PER_ROW: tuple[int, ...] = (50, 500)
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


def _project_has(model: type[Any], **extra: Any) -> Exists:
    return Exists(model.objects.filter(project_code=OuterRef("project_code"), **extra))


def _terminated() -> Exists:
    return _project_has(Notice, kind="termination")


def notice_status_filter(queryset: QuerySet[Notice], *, status: str) -> QuerySet[Notice]:
    """The notices whose trade is at ``status`` (one of ``NOTICE_STATUSES``)."""
    now = clock_now()
    decided = Q(_project_has(AwardResult)) | Q(_project_has(SectionFailure)) | Q(_project_has(CandidatePublicity))
    if status == "open":
        return queryset.filter(bid_deadline__gt=now).exclude(_terminated())
    if status == "closed":
        return queryset.filter(bid_deadline__lte=now).exclude(decided).exclude(_terminated())
    if status == "publicity":
        return queryset.filter(_project_has(CandidatePublicity)).exclude(_project_has(AwardResult))
    if status == "awarded":
        return queryset.filter(_project_has(AwardResult))
    if status == "failed":
        return queryset.filter(_project_has(SectionFailure))
    return queryset.filter(_terminated())


def notice_status(*, notice: Notice) -> str:
    """Where the trade of ``notice`` stands now (one of ``NOTICE_STATUSES``), or "" for a notice
    without a bid deadline that belongs to no known stage.

    The rules are ``notice_status_filter``'s; a trade matching several (terminated after an
    award, say) is shown at the one that came last.
    """
    this = Notice.objects.filter(pk=notice.pk)
    for status in ("terminated", "awarded", "publicity", "failed", "open", "closed"):
        if notice_status_filter(this, status=status).exists():
            return status
    return ""


def _text_filter(queryset: QuerySet[Notice], *, q: str, use_index: bool = True) -> QuerySet[Notice]:
    words = search_words(q)
    if not words:
        return queryset
    if use_index and connection.vendor == "postgresql":
        tsquery = search_query(words)
        if tsquery is not None:
            # The same expression as the GIN index of migration 0008, or the index is not used.
            queryset = queryset.extra(where=["search_terms::tsvector @@ %s::tsquery"], params=[tsquery])
    for word in words:
        # A word with no letters that have a case (Chinese, digits) is matched as it is: folding
        # the case of a whole notice text, row after row, is most of what the check costs.
        lookup = "icontains" if word.upper() != word.lower() else "contains"
        anywhere = Q()
        for field in NOTICE_TEXT_FIELDS:
            anywhere |= Q(**{f"{field}__{lookup}": word})
        queryset = queryset.filter(anywhere)
    return queryset


def notice_search(
    *,
    q: str = "",
    trade_type: str | None = None,
    procedure: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    use_index: bool = True,
) -> QuerySet[Notice]:
    """Published notices, newest first, filtered.

    ``q`` is full-text: every word of it (split at spaces) must appear in the title, project
    name or code, tenderer, agency or text (case-insensitive; Chinese found through the bigram
    index of ``search.py``, codes from their start); ``region`` is a six-digit division code
    and includes the regions inside it; ``status`` is where the trade stands now
    (``NOTICE_STATUSES``); ``date_from``/``date_to`` bound the Beijing date of publication,
    both inclusive. ``InvalidInput`` names the first bad filter. ``use_index=False`` finds the
    same notices without the text index (``notice_page`` chooses).
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
    if procedure and procedure not in PROCEDURES:
        raise InvalidInput(
            "交易方式不存在",
            code="disclosure_procedure_unknown",
            detail={"procedure": procedure[:80], "allowed": PROCEDURES},
        )
    if kind and kind not in NOTICE_KINDS:
        raise InvalidInput(
            "公告类型不存在", code="disclosure_kind_unknown", detail={"kind": kind, "allowed": NOTICE_KINDS}
        )
    if status and status not in NOTICE_STATUSES:
        raise InvalidInput(
            "交易状态不存在",
            code="disclosure_status_unknown",
            detail={"status": status[:40], "allowed": NOTICE_STATUSES},
        )
    if region and not _REGION_RE.match(region):
        raise InvalidInput("行政区划代码应为6位数字", code="disclosure_region_invalid", detail={"region": region})
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(
            "开始日期不能晚于结束日期",
            code="disclosure_date_range_invalid",
            detail={"date_from": date_from.isoformat(), "date_to": date_to.isoformat()},
        )
    queryset = _text_filter(Notice.objects.all(), q=q, use_index=use_index)
    if trade_type:
        queryset = queryset.filter(trade_type=trade_type)
    if procedure:
        queryset = queryset.filter(procedure=procedure)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = notice_status_filter(queryset, status=status)
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
    procedure: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    region: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    size: int = 20,
    brief: bool = False,
) -> NoticePage:
    """One page (1-based) of ``notice_search``; a page past the end is empty.

    The total is exact up to ``COUNT_CAP`` and then a lower bound (``page.capped``), so a page
    costs the same with ten thousand notices as with a million. ``brief`` leaves the text, the
    attachments and the opening keys unread (a list shows none of them).
    """
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(
            f"页码应在1到{MAX_PAGE}之间", code="disclosure_page_invalid", detail={"page": page, "max": MAX_PAGE}
        )
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"每页条数应在1到{MAX_PAGE_SIZE}之间", code="disclosure_size_invalid", detail={"size": size})
    filters: dict[str, Any] = {
        "q": q,
        "trade_type": trade_type,
        "procedure": procedure,
        "kind": kind,
        "status": status,
        "region": region,
        "date_from": date_from,
        "date_to": date_to,
    }
    # The search terms are for the index only; nobody reads them back.
    unread = ("search_terms", *(("body", "attachments", "opening_keys") if brief else ()))
    queryset = notice_search(**filters).defer(*unread)
    # Unordered: the count stops at the cap without sorting what it counts.
    counted = queryset.order_by()[: COUNT_CAP + 1].count()
    if q.strip() and counted > COUNT_CAP:
        # The words are common: sorting the tens of thousands of candidates the index gives would
        # cost far more than looking through the newest notices for a page of them (the planner,
        # multiplying the pairs' frequencies as if independent, cannot tell). The newest ones
        # that hold the words are the same whichever way they are found.
        wanted = page * size + 1
        latest = Notice.objects.order_by("-published_at", "-notice_id").values_list("id", flat=True)
        for per_row in WALK_PER_ROW:
            # The newest rows' keys first, as a list: looked up by primary key, never a table scan.
            walked = notice_search(**filters, use_index=False).defer(*unread)
            rows = list(walked.filter(id__in=list(latest[: per_row * wanted]))[:wanted])
            if len(rows) == wanted:
                offset = (page - 1) * size
                return Page(
                    items=rows[offset : offset + size], total=COUNT_CAP, page=page, size=size, capped=True, more=True
                )
    return page_take_capped(queryset, page=page, size=size, cap=COUNT_CAP, counted=counted)


def notice_latest(*, limit: int = 5, trade_type: str | None = None) -> list[Notice]:
    """The ``limit`` most recently published notices, of one trade type if given (home page)."""
    queryset = Notice.objects.all() if trade_type is None else Notice.objects.filter(trade_type=trade_type)
    return list(queryset.order_by("-published_at", "-notice_id")[: max(0, min(limit, MAX_PAGE_SIZE))])


def project_notices(*, project_code: str) -> list[Notice]:
    """Every notice of a project, oldest first (the project page)."""
    code = project_code.strip()[:100]
    return list(Notice.objects.filter(project_code=code).order_by("published_at", "notice_id"))


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


# Sections: the freeze of their bids and their opening record -----------------------------------

MAX_SECTION_CODE = 100


@dataclass(frozen=True)
class SectionDisclosure:
    """What the public platform has received about one section's bids; either may be None."""

    section_code: str
    freeze: BidFreeze | None
    record: OpeningRecord | None


def bid_freeze_get(*, section_code: str) -> BidFreeze | None:
    """The published freeze of the section's bids, or None before it has arrived."""
    return BidFreeze.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).first()


def opening_record_get(*, section_code: str, round: int | None = None) -> OpeningRecord | None:
    """The section's published opening record (of ``round``, else the latest), or None before it has arrived."""
    found = OpeningRecord.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE])
    if round is not None:
        found = found.filter(round=round)
    return found.order_by("-round").first()


def opening_records_get(*, section_code: str) -> list[OpeningRecord]:
    """Every published opening record of the section, by round (two for a two-envelope tender)."""
    return list(OpeningRecord.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).order_by("round"))


def section_disclosures(*, section_codes: list[str]) -> list[SectionDisclosure]:
    """Freeze and opening record of each section, in the order given (two queries)."""
    codes = [str(code) for code in section_codes]
    freezes = {f.section_code: f for f in BidFreeze.objects.filter(section_code__in=codes)}
    # The latest round of each section (ordered so that it wins in the dict).
    records = {r.section_code: r for r in OpeningRecord.objects.filter(section_code__in=codes).order_by("round")}
    return [SectionDisclosure(code, freezes.get(code), records.get(code)) for code in codes]


def section_notices(*, section_code: str) -> list[Notice]:
    """The published notices that name the section, in order of publication."""
    code = section_code.strip()[:MAX_SECTION_CODE]
    # A text match on the stored JSON narrows the rows on every database (JSON containment is
    # PostgreSQL-only); the exact membership test below decides.
    candidates = Notice.objects.filter(section_codes__icontains=code)
    return sorted((n for n in candidates if code in n.section_codes), key=lambda n: (n.published_at, str(n.notice_id)))


@dataclass(frozen=True)
class TimelineEntry:
    """One public step of a section's trade: when, what (a stable kind) and where it is shown."""

    at: dt.datetime
    kind: str  # notice.<kind> | freeze | opening | draw | publicity | award | contract | failure
    anchor: str  # the fragment of the section page (or a notice's URL name) that shows it
    detail: str = ""
    notice: Notice | None = None


def section_timeline(*, section_code: str) -> list[TimelineEntry]:
    """Everything the public platform has heard about a section, in the order it happened:
    notices and amendments, the bid freeze, each opening round, the expert-draw commitment,
    the candidates' publicity, the award, the contract — or the failure."""
    entries = [
        TimelineEntry(at=n.published_at, kind=f"notice.{n.kind}", anchor="", detail=n.title, notice=n)
        for n in section_notices(section_code=section_code)
    ]
    freeze = bid_freeze_get(section_code=section_code)
    if freeze is not None:
        entries.append(TimelineEntry(at=freeze.frozen_at, kind="freeze", anchor="freeze", detail=freeze.root))
    for record in opening_records_get(section_code=section_code):
        entries.append(
            TimelineEntry(at=record.recorded_at, kind="opening", anchor="opening-record", detail=str(record.round))
        )
    draw = expert_draw_commitment_get(section_code=section_code)
    if draw is not None:
        entries.append(TimelineEntry(at=draw.committed_at, kind="draw", anchor="expert-draw"))
    publicity = candidate_publicity_get(section_code=section_code)
    if publicity is not None:
        entries.append(TimelineEntry(at=publicity.starts_at, kind="publicity", anchor="candidates"))
    award = award_result_get(section_code=section_code)
    if award is not None:
        entries.append(TimelineEntry(at=award.decided_at, kind="award", anchor="award", detail=award.bidder))
    contract = contract_record_get(section_code=section_code)
    if contract is not None:
        entries.append(TimelineEntry(at=contract.registered_at, kind="contract", anchor="contract"))
    failure = SectionFailure.objects.filter(section_code=section_code).first()
    if failure is not None:
        entries.append(TimelineEntry(at=failure.failed_at, kind="failure", anchor="failure", detail=failure.reason))
    return sorted(entries, key=lambda e: e.at)


# Inclusion proofs ------------------------------------------------------------------------------

MAX_PROOF_CHARS = 100_000
MAX_RECEIPT_CHARS = 20_000
# A path longer than this would prove a leaf of a tree with more than 2**64 leaves.
MAX_PATH = 64
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class ProofCheck:
    """The result of checking a bidder's inclusion proof against the published freeze.

    ``included``: the audit path leads from the receipt to the published root for a tree of the
    published size. ``problems`` lists what does not match (stable codes): ``not_included``,
    ``tree_size_differs`` (the proof is for a tree of another size than the one published),
    ``root_differs`` (the proof names another root than the one published).
    """

    section_code: str
    freeze: BidFreeze
    receipt_body: str
    index: int
    tree_size: int
    claimed_root: str
    included: bool
    problems: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.problems


def _proof_invalid(message: str, field: str) -> InvalidInput:
    return InvalidInput(message, code="disclosure_proof_invalid", detail={"field": field})


def _proof_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _proof_invalid(f"证明中的 {field} 应为非负整数", field)
    return value


def _proof_section(receipt: dict[str, Any], proof: dict[str, Any], body: str) -> str:
    # The section signed into the receipt decides; the unsigned fields beside it are a fallback
    # for a receipt body that is not JSON (whose proof then fails anyway).
    try:
        signed = json.loads(body)
    except json.JSONDecodeError:
        signed = None
    candidates = [
        signed.get("section") if isinstance(signed, dict) else None,
        receipt.get("section"),
        proof.get("freeze", {}).get("section") if isinstance(proof.get("freeze"), dict) else None,
    ]
    for candidate in candidates:
        if isinstance(candidate, str) and 0 < len(candidate) <= MAX_SECTION_CODE:
            return candidate
    raise _proof_invalid("证明中没有标段编号", "receipt.section")


def inclusion_proof_check(*, proof: str | dict[str, Any]) -> ProofCheck:
    """Check an inclusion proof (what ``GET /trading/api/bidding/receipts/{id}/proof`` returns)
    against the freeze published on this platform.

    Only the receipt's body, its leaf index and the audit path are taken from the proof; the
    root and the tree size are the published ones. ``InvalidInput`` for a proof that is not of
    that shape; ``NotFound`` when no freeze of its section has been published here.
    """
    if isinstance(proof, str):
        if len(proof) > MAX_PROOF_CHARS:
            raise _proof_invalid(f"证明不能超过{MAX_PROOF_CHARS}个字符", "proof")
        try:
            parsed = json.loads(proof)
        except json.JSONDecodeError:
            raise _proof_invalid("证明不是有效的 JSON", "proof") from None
    else:
        parsed = proof
    if not isinstance(parsed, dict):
        raise _proof_invalid("证明应为 JSON 对象", "proof")
    receipt = parsed.get("receipt")
    if not isinstance(receipt, dict) or not isinstance(receipt.get("body"), str) or not receipt["body"]:
        raise _proof_invalid("证明中缺少回执内容", "receipt.body")
    body: str = receipt["body"]
    if len(body) > MAX_RECEIPT_CHARS:
        raise _proof_invalid("回执内容过长", "receipt.body")
    index = _proof_int(parsed.get("index"), "index")
    tree_size = _proof_int(parsed.get("tree_size"), "tree_size")
    path = parsed.get("path")
    if not isinstance(path, list) or len(path) > MAX_PATH:
        raise _proof_invalid("证明中的路径应为哈希列表", "path")
    if not all(isinstance(p, str) and _HEX64.match(p.lower()) for p in path):
        raise _proof_invalid("路径中的每个哈希应为64位十六进制", "path")
    claimed_root = parsed.get("root")
    claimed_root = claimed_root.lower() if isinstance(claimed_root, str) else ""
    section_code = _proof_section(receipt, parsed, body)
    freeze = bid_freeze_get(section_code=section_code)
    if freeze is None:
        raise NotFound(
            "本平台尚未公布该标段封存的默克尔根",
            code="disclosure_freeze_not_found",
            detail={"section": section_code},
        )
    included = merkle_inclusion_verify(
        leaf=body.encode("utf-8"),
        index=index,
        tree_size=freeze.leaf_count,
        proof=[bytes.fromhex(p) for p in path],
        root=bytes.fromhex(freeze.root),
        # The trading platform builds freezes with the international suite (bidding.services.bids_freeze).
        suite=suite_get("intl"),
    )
    problems = [
        *([] if included else ["not_included"]),
        *([] if tree_size == freeze.leaf_count else ["tree_size_differs"]),
        *([] if claimed_root in ("", freeze.root) else ["root_differs"]),
    ]
    return ProofCheck(
        section_code=section_code,
        freeze=freeze,
        receipt_body=body,
        index=index,
        tree_size=tree_size,
        claimed_root=claimed_root,
        included=included,
        problems=tuple(problems),
    )


# Expert draws ----------------------------------------------------------------------------------


def expert_draw_commitment_get(*, section_code: str) -> ExpertDrawCommitment | None:
    """The published commitment of the section's expert draw, or None before it has arrived."""
    return ExpertDrawCommitment.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).first()


# After the evaluation: the candidates, the award, the contract ---------------------------------


def candidate_publicity_get(*, section_code: str) -> CandidatePublicity | None:
    """The section's published winning candidates (中标候选人公示), or None before they have arrived."""
    return CandidatePublicity.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).first()


def award_result_get(*, section_code: str) -> AwardResult | None:
    """The section's published result (中标结果公告), or None before it has arrived."""
    return AwardResult.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).first()


def contract_record_get(*, section_code: str) -> ContractRecord | None:
    """The section's published contract (合同信息), or None before it has arrived."""
    return ContractRecord.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).first()


# Why a section failed, as the public reads it (the reasons tendering and evaluation give).
FAILURE_REASON_LABELS: dict[str, str] = {
    "insufficient_bids": "提交投标文件的投标人少于3个，不得开标，应当重新招标（《招标投标法》第二十八条）",
    "insufficient_qualified": "通过资格预审的申请人少于3个，应当重新招标（《招标投标法实施条例》第十九条）",
    "all_bids_rejected": "评标委员会否决全部投标，应当重新招标（《招标投标法》第四十二条）",
}


def section_failure_get(*, section_code: str) -> tuple[SectionFailure, str] | None:
    """The section's 流标 announcement with its reason in words, or None."""
    found = SectionFailure.objects.filter(section_code=section_code.strip()[:MAX_SECTION_CODE]).first()
    if found is None:
        return None
    return found, FAILURE_REASON_LABELS.get(found.reason, found.reason)
