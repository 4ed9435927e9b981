"""Reads of the bidding context: the only readers of bids, uploads and receipts for people.

Secrecy before the bid deadline (招标投标法 第二十二条: the tenderer must not disclose the names
or number of potential bidders; architecture §5). Who has bid is the most sensitive fact of a
tender until the deadline, and it is kept here for every page and API alike:

- a bidder reads its own uploads, bids and receipts (``bids_mine``, ``upload_own``,
  ``bid_own``, ``receipt_inclusion_proof``) and nothing about anyone else: another
  organisation's upload, bid or receipt is NotFound, as if it did not exist;
- ``bidders_for`` is the one gatekeeper of the list of bidders of a section: PermissionDenied
  for every caller before the deadline (nothing revealed, not even a count), after it the
  project's tenderer and agency, centre staff and regulators; every call is audited, admitted
  or refused (``bidding.bidders.view`` / ``bidding.bidders.view_denied``);
- what is public: a section's opening keys (published with the notice) and, once it exists,
  its freeze (the signed Merkle root of the receipts accepted at the deadline, with the count
  of leaves — by then the number of bids is no longer secret).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid as uuid_lib
from typing import Any

from zhengwu.contexts.bidding.custody import opening_rounds
from zhengwu.contexts.bidding.models import (
    Bid,
    BidderKey,
    BidUpload,
    CommercialExclusion,
    CustodianKey,
    CustodyShare,
    Freeze,
    Opening,
    OpeningEntry,
    OpeningKey,
    OpeningObjection,
    Receipt,
)
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import Conflict, NotFound, PermissionDenied
from zhengwu.platform.audit.merkle import merkle_inclusion_proof, merkle_inclusion_verify
from zhengwu.platform.audit.services import audit_append

# Who oversees every tender (as tendering's gatekeepers): the centre's staff and the regulators.
OVERSIGHT_ROLES = (Role.CENTRE_STAFF, Role.REGULATOR)


def _uuid(value: Any) -> uuid_lib.UUID | None:
    if isinstance(value, uuid_lib.UUID):
        return value
    try:
        return uuid_lib.UUID(str(value))
    except ValueError:
        return None


def _own_organisation(by: Actor) -> int | None:
    # Only a person of a bidding organisation has "own" bids; the system and people without an
    # organisation have none.
    if by.is_system or by.organisation_id is None:
        return None
    return by.organisation_id


# --- the bidder's own ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BidView:
    """One of the caller's own bids with its receipts (oldest first)."""

    bid: Bid
    receipts: list[Receipt]


def bids_mine(*, by: Actor, section: Any | None = None) -> list[BidView]:
    """The caller's organisation's bids (every status), with their receipts; nothing about others."""
    organisation_id = _own_organisation(by)
    if organisation_id is None:
        return []
    bids = Bid.objects.filter(organisation_id=organisation_id).prefetch_related("receipts")
    if section is not None:
        bids = bids.filter(section_uuid=section.uuid)
    return [
        BidView(bid=bid, receipts=sorted(bid.receipts.all(), key=lambda r: (r.issued_at, r.pk)))
        for bid in bids.order_by("accepted_at", "id")
    ]


def upload_own(*, uuid: Any, by: Actor) -> BidUpload:
    """One of the caller's organisation's uploads (to resume or commit it); NotFound otherwise."""
    organisation_id = _own_organisation(by)
    key = _uuid(uuid)
    found = BidUpload.objects.filter(uuid=key).first() if key is not None else None
    if found is None or organisation_id is None or found.organisation_id != organisation_id:
        raise NotFound("上传不存在", code="upload_not_found")
    return found


def bid_own(*, uuid: Any, by: Actor) -> Bid:
    """One of the caller's organisation's bids (to withdraw it); NotFound otherwise."""
    organisation_id = _own_organisation(by)
    key = _uuid(uuid)
    found = Bid.objects.filter(uuid=key).first() if key is not None else None
    if found is None or organisation_id is None or found.organisation_id != organisation_id:
        raise NotFound("投标文件不存在", code="bid_not_found")
    return found


# --- public --------------------------------------------------------------------------------------


def opening_keys_public(*, section: Any) -> list[OpeningKey]:
    """The section's opening public keys, one per envelope (published with the notice)."""
    return list(OpeningKey.objects.filter(section_uuid=section.uuid).order_by("envelope"))


def freeze_public(*, section: Any) -> Freeze | None:
    """The section's freeze (signed Merkle root of the receipts accepted at the deadline), once made."""
    return Freeze.objects.filter(section_uuid=section.uuid).first()


# --- the bidder's inclusion proof ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class InclusionProof:
    """That a receipt is leaf ``index`` of a section's freeze (RFC 6962 audit path, hex hashes)."""

    receipt: Receipt
    freeze: Freeze
    index: int
    tree_size: int
    path: list[str]
    root: str

    def verifies(self) -> bool:
        return merkle_inclusion_verify(
            leaf=self.receipt.body.encode("utf-8"),
            index=self.index,
            tree_size=self.tree_size,
            proof=[bytes.fromhex(p) for p in self.path],
            root=bytes.fromhex(self.root),
            suite=suite_get("intl"),
        )


def receipt_inclusion_proof(*, uuid: Any, by: Actor) -> InclusionProof:
    """The proof that the caller's receipt is in its section's freeze.

    Only the receipt's own bidder gets it (anyone else: NotFound), and only once the freeze
    exists (``freeze_not_published``); a receipt that is not among the frozen leaves — a
    replaced or withdrawn bid, a withdrawal receipt — is ``receipt_not_frozen``.
    """
    organisation_id = _own_organisation(by)
    key = _uuid(uuid)
    receipt = Receipt.objects.select_related("bid").filter(uuid=key).first() if key is not None else None
    if receipt is None or organisation_id is None or receipt.bid.organisation_id != organisation_id:
        raise NotFound("回执不存在", code="receipt_not_found")
    freeze = Freeze.objects.filter(section_uuid=receipt.section_uuid).first()
    if freeze is None:
        raise Conflict("投标截止后封存的默克尔根尚未公布", code="freeze_not_published")
    leaves_uuids = [str(u) for u in freeze.receipts]
    if str(receipt.uuid) not in leaves_uuids:
        raise Conflict("该回执不在封存的投标文件之中（已被替换或撤回）", code="receipt_not_frozen")
    index = leaves_uuids.index(str(receipt.uuid))
    bodies = dict(Receipt.objects.filter(uuid__in=leaves_uuids).values_list("uuid", "body"))
    leaves = [bodies[uuid_lib.UUID(u)].encode("utf-8") for u in leaves_uuids]
    path = merkle_inclusion_proof(leaves, index, suite=suite_get("intl"))
    return InclusionProof(
        receipt=receipt,
        freeze=freeze,
        index=index,
        tree_size=len(leaves),
        path=[p.hex() for p in path],
        root=freeze.root,
    )


# --- the gatekeeper of who bid -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BidderRow:
    """One accepted bid as the list of bidders shows it after the deadline."""

    organisation_name: str
    organisation_uscc: str
    envelope: str
    accepted_at: dt.datetime
    digest: str
    size: int
    security_status: str


def _bidders_admit(*, section: Any, by: Actor) -> bool:
    if not tendering_selectors.section_deadline_passed(section=section):
        return False
    if by.is_system:
        return False
    return tendering_selectors.can_manage(project=section.project, by=by) or by.has_role(*OVERSIGHT_ROLES)


def bidders_visible(*, section: Any, by: Actor) -> bool:
    """Whether ``bidders_for`` would admit ``by`` now (no audit entry; for showing a link)."""
    return _bidders_admit(section=section, by=by)


def bidders_for(*, section: Any, by: Actor) -> list[BidderRow]:
    """Who bid in the section — the gatekeeper of the secret list.

    Before the bid deadline (server time, read from the database): ``PermissionDenied`` for
    every caller, whatever the role, with nothing revealed. After it: the project's tenderer and
    agency, centre staff and regulators; nobody else. Every call is audited.
    """
    if not _bidders_admit(section=section, by=by):
        passed = tendering_selectors.section_deadline_passed(section=section)
        audit_append(
            actor=by,
            action="bidding.bidders.view_denied",
            object_type="bidding.section",
            object_id=section.code,
            after={"deadline_passed": passed},
        )
        if passed:
            raise PermissionDenied("无权查看投标人名单", code="bidders_denied")
        raise PermissionDenied("投标截止时间前，投标人的名称和数量不得公开", code="bidders_secret")
    rows = [
        BidderRow(
            organisation_name=b.organisation_name,
            organisation_uscc=b.organisation_uscc,
            envelope=b.envelope,
            accepted_at=b.accepted_at,
            digest=b.digest,
            size=b.size,
            security_status=b.security_status,
        )
        for b in Bid.objects.filter(section_uuid=section.uuid, status=Bid.Status.ACCEPTED).order_by("accepted_at", "id")
    ]
    audit_append(
        actor=by,
        action="bidding.bidders.view",
        object_type="bidding.section",
        object_id=section.code,
        after={"count": len(rows)},
    )
    return rows


def custodian_key_current(*, holder: str) -> CustodianKey | None:
    """The active custody key of ``holder`` (``org:<id>`` or ``platform:supervision``), if any."""
    return CustodianKey.objects.filter(holder=holder, revoked_at__isnull=True).first()


def custody_shares_own(*, section_code: str, by: Actor) -> list[CustodyShare]:
    """The sealed shares of a section's opening keys that the caller's organisation holds as custodian.

    Empty for anyone else. The shares are sealed to the organisation's custody key, so the
    custodian decrypts them on its own machine (``zhengwu bid custody-open``) and hands them in
    at the opening.
    """
    if not (by.has_role(Role.TENDERER, Role.AGENCY) and by.organisation_verified and by.organisation_id):
        return []
    return list(
        CustodyShare.objects.select_related("opening_key")
        .filter(opening_key__section_code=section_code, holder=f"org:{by.organisation_id}")
        .order_by("opening_key__envelope")
    )


# --- the opening ---------------------------------------------------------------------------------
#
# The opening is public to those who take part (招标投标法 第三十五条: all bidders are invited):
# the host (the tenderer or its agency), centre staff, regulators and the bidders of the section.
# Who bid is no longer secret once the deadline has passed; what each bid says is shown only from
# the read-out (唱标) on — before it, an entry shows whether the bid is decrypted, not its content.


@dataclasses.dataclass(frozen=True)
class OpeningEntryView:
    position: int
    bidder: str
    bidder_uscc: str
    envelope: str
    outcome: str
    failure_cause: str
    readout: dict[str, Any] | None
    own: bool
    # When this bidder handed in its key half: shown to the bidder itself only.
    share_handed_in_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class OpeningView:
    opening: Opening
    entries: list[OpeningEntryView]
    objections: list[OpeningObjection]
    shares_released: dict[str, int]  # envelope → shares handed in
    shares_needed: dict[str, int]


def opening_get(*, section: Any) -> Opening:
    # The current round: the only one, or the latest of a two-envelope tender's.
    opening = Opening.objects.filter(section_uuid=section.uuid).order_by("-round").first()
    if opening is None:
        raise NotFound("该标段尚未开标", code="opening_not_started")
    return opening


def opening_view(*, section: Any, by: Actor) -> OpeningView:
    """The opening as ``by`` may see it; PermissionDenied for anyone who does not take part."""
    opening = opening_get(section=section)
    entries = list(OpeningEntry.objects.filter(opening=opening).select_related("bid").order_by("position"))
    bidder_orgs = {e.bid.organisation_id for e in entries}
    host = tendering_selectors.can_manage(project=section.project, by=by)
    if not (
        host
        or by.has_role(*OVERSIGHT_ROLES)
        or (by.has_role(Role.BIDDER) and by.organisation_id is not None and by.organisation_id in bidder_orgs)
    ):
        raise PermissionDenied("只有开标参与人可以查看开标", code="opening_denied")
    read_out = opening.stage != Opening.Stage.DECRYPTING
    keys = list(OpeningKey.objects.filter(section_uuid=opening.section_uuid, envelope__in=opening.envelopes))
    return OpeningView(
        opening=opening,
        entries=[
            OpeningEntryView(
                position=e.position,
                bidder=e.bid.organisation_name,
                bidder_uscc=e.bid.organisation_uscc,
                envelope=e.bid.envelope,
                outcome=e.outcome,
                failure_cause=e.failure_cause,
                readout=e.readout if read_out else None,
                own=(own := by.organisation_id is not None and e.bid.organisation_id == by.organisation_id),
                share_handed_in_at=e.bidder_share_at if own else None,
            )
            for e in entries
        ],
        objections=list(opening.objections.order_by("filed_at", "id")),
        shares_released={
            k.envelope: CustodyShare.objects.filter(opening_key=k, released_at__isnull=False).count() for k in keys
        },
        shares_needed={k.envelope: k.threshold for k in keys},
    )


def opening_objection_get(*, section: Any, uuid: str) -> OpeningObjection:
    """An objection raised at this section's opening; NotFound otherwise."""
    try:
        key = uuid_lib.UUID(str(uuid))
    except ValueError:
        raise NotFound("异议不存在", code="objection_not_found") from None
    found = OpeningObjection.objects.filter(uuid=key, opening__section_uuid=section.uuid).first()
    if found is None:
        raise NotFound("异议不存在", code="objection_not_found")
    return found


def opening_attends(*, section: Any, by: Actor) -> bool:
    """Whether ``by`` may watch the section's opening page, started or not.

    The host (tenderer or agency), centre staff and regulators always; a bidder only once the
    bids are frozen and only if one of its receipts is in the freeze — before that, the page
    would tell a bidder who else is bidding, or tell anyone that this bidder bid.
    """
    if tendering_selectors.can_manage(project=section.project, by=by) or by.has_role(*OVERSIGHT_ROLES):
        return True
    organisation_id = _own_organisation(by)
    if organisation_id is None or not by.has_role(Role.BIDDER):
        return False
    freeze = Freeze.objects.filter(section_uuid=section.uuid).first()
    if freeze is None:
        return False
    receipts = [r for r in (_uuid(x) for x in freeze.receipts) if r is not None]
    return Receipt.objects.filter(uuid__in=receipts, bid__organisation_id=organisation_id).exists()


# --- for the bidder's pages (bidding/views.py) ----------------------------------------------------


def bidder_key_own(*, by: Actor) -> BidderKey | None:
    """The active key the caller's organisation registered (``zhengwu bid keygen``), if any."""
    organisation_id = _own_organisation(by)
    if organisation_id is None:
        return None
    return BidderKey.objects.filter(organisation_id=organisation_id, revoked_at__isnull=True).first()


def receipt_own(*, uuid: Any, by: Actor) -> Receipt:
    """One of the caller's organisation's receipts (its bid loaded, to download it); NotFound otherwise."""
    organisation_id = _own_organisation(by)
    key = _uuid(uuid)
    found = Receipt.objects.select_related("bid").filter(uuid=key).first() if key is not None else None
    if found is None or organisation_id is None or found.bid.organisation_id != organisation_id:
        raise NotFound("回执不存在", code="receipt_not_found")
    return found


# --- for the evaluation room (evaluation context) ------------------------------------------------
#
# Code, not people: these return the opened bids of a section as plain data for the evaluation
# context, which decides who may see them (its own gatekeeper: the section's panel only).


@dataclasses.dataclass(frozen=True)
class OpenedFile:
    index: int
    name: str
    size: int
    digest: str


@dataclasses.dataclass(frozen=True)
class OpenedBid:
    """One bidder's bid as evaluation sees it: every envelope of it opened so far, taken together.

    ``bid_id`` is the first envelope's bid (the only one, or the technical one) and names the bid
    throughout the evaluation. ``readout`` merges the envelopes' read-out forms (the price comes
    with the commercial envelope); ``files`` lists every opened envelope's files in round order.
    ``commercial_pending``: a two-envelope bid whose commercial envelope is still to be opened
    (its bidder was not excluded by the technical evaluation and the commercial round is not
    recorded yet).
    """

    bid_id: str  # the bid's public uuid
    position: int
    bidder: str
    bidder_uscc: str
    envelope: str
    readout: dict[str, Any]
    files: tuple[OpenedFile, ...]
    commercial_pending: bool = False
    security_status: str = ""


def _opened_entries(section_code: str) -> list[OpeningEntry]:
    return list(
        OpeningEntry.objects.filter(
            opening__section_code=section_code,
            opening__stage=Opening.Stage.RECORDED,
            outcome=OpeningEntry.Outcome.OPENED,
        )
        .select_related("bid", "opening")
        .order_by("opening__round", "position")
    )


def _bidder_entries(section_code: str) -> tuple[list[list[OpeningEntry]], bool]:
    """The opened entries grouped per bidder (first round's order), and whether a later round is due."""
    entries = _opened_entries(section_code)
    first = [e for e in entries if e.opening.round == 1]
    later: dict[int, list[OpeningEntry]] = {}
    for entry in entries:
        if entry.opening.round > 1:
            later.setdefault(entry.bid.organisation_id, []).append(entry)
    groups = [[e, *later.get(e.bid.organisation_id, [])] for e in first]
    if not first:
        return groups, False
    envelopes = OpeningKey.objects.filter(section_uuid=first[0].opening.section_uuid).values_list("envelope", flat=True)
    rounds = len(opening_rounds(envelopes=list(envelopes)))
    recorded = Opening.objects.filter(section_code=section_code, stage=Opening.Stage.RECORDED).count()
    return groups, recorded < rounds


def opened_bids_for_evaluation(*, section_code: str) -> list[OpenedBid]:
    """The bids opened and recorded at the section's opening (read-out and file list), in opening order.

    Only entries of a published opening record, only those decrypted: a bid deemed revoked or
    withdrawn at the opening is not evaluated. In a two-envelope tender, one bid per bidder with
    both envelopes' read-outs and files. No permission check: the caller gates.
    """
    groups, later_due = _bidder_entries(section_code)
    excluded = set(
        CommercialExclusion.objects.filter(section_code=section_code).values_list("organisation_id", flat=True)
    )
    bids = []
    for group in groups:
        head = group[0]
        readout: dict[str, Any] = {}
        files: list[OpenedFile] = []
        for entry in group:
            readout.update(entry.readout or {})
            files += [
                OpenedFile(index=len(files) + i, name=f["name"], size=int(f["size"]), digest=f["digest"])
                for i, f in enumerate(entry.files or [])
            ]
        bids.append(
            OpenedBid(
                bid_id=str(head.bid.uuid),
                position=head.position,
                bidder=head.bid.organisation_name,
                bidder_uscc=head.bid.organisation_uscc,
                envelope=head.bid.envelope,
                readout=readout,
                files=tuple(files),
                commercial_pending=later_due and head.bid.organisation_id not in excluded,
                security_status=head.bid.security_status,
            )
        )
    return bids


def opened_bid_file_open(*, section_code: str, bid_id: str, index: int) -> tuple[OpenedFile, Any]:
    """One stored file of an opened bid of the section (any of its opened envelopes), opened for
    reading; NotFound otherwise.

    No permission check: the evaluation room's download view gates and audits.
    """
    key = _uuid(bid_id)
    groups, _ = _bidder_entries(section_code)
    group = next((g for g in groups if key is not None and g[0].bid.uuid == key), None)
    files = [f for entry in group for f in (entry.files or [])] if group is not None else []
    if group is None or not 0 <= index < len(files):
        raise NotFound("文件不存在", code="bid_file_not_found")
    item = files[index]
    from django.core.files.storage import default_storage

    return (
        OpenedFile(index=index, name=item["name"], size=int(item["size"]), digest=item["digest"]),
        default_storage.open(item["storage_name"], "rb"),
    )
