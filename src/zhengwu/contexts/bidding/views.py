"""Pages of the bidding context for bidders: their keys, a sealed bid on a section, their bids and receipts.

The pages decide nothing: every act is a service call (``bidder_key_register``, ``bid_withdraw``),
every read a selector's, and the sealed file itself goes from the browser to the JSON API
(``static/bidding/bid_upload.js``), the same path as ``zhengwu bid submit``. A refusal (a
``ZhengwuError``) is shown as a page with its message and a 400/403/404/409 status, nothing changed.

Secrecy (architecture §5): only bidders open these pages (403 for every other role), and a bidder
sees its own organisation's keys, bids and receipts and nothing of anyone else's — another
organisation's bid or receipt is a 404, as if it did not exist. What every bidder sees alike on a
section's bid page (its opening keys, its deadline) is public with the notice.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.contexts.bidding import selectors
from zhengwu.contexts.bidding.models import Bid, OpeningKey, Receipt
from zhengwu.contexts.bidding.services import bid_withdraw, bidder_key_register
from zhengwu.contexts.bidding.tool import KEY_FORMAT, RECEIPT_FORMAT
from zhengwu.contexts.identity import selectors as identity_selectors
from zhengwu.contexts.identity.roles import Role
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import VerifyKey, key_fingerprint
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.signing import signing_key_get
from zhengwu.platform.web.access import refusal_status, roles_required

PAGE_SIZE = 20
# What the browser sends per request; the API accepts up to CHUNK_UPLOAD_MAX (8 MiB), the bid
# tool sends 4 MiB. A module constant so a test can make a small file take several chunks.
UPLOAD_CHUNK_SIZE = 4 << 20
# A public key file is a few hundred bytes; anything much larger is not one.
PUBLIC_FILE_MAX = 16 << 10


# --- helpers -------------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "trading"
    return reverse(f"{platform}:bidding:{name}", args=args)


def _status(error: ZhengwuError) -> int:
    """The page status of a refusal: as every page (``refusal_status``), but 409 for a state conflict."""
    return 409 if isinstance(error, Conflict) else refusal_status(error)


def _refused(request: HttpRequest, error: ZhengwuError) -> HttpResponse:
    return render(request, "bidding/refused.html", {"error": error}, status=_status(error))


def _local(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _remaining_text(seconds: int) -> str:
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return gettext("%(days)s days %(time)s left") % {"days": days, "time": f"{hours:02d}:{minutes:02d}:{secs:02d}"}


def _section_for(section_code: str) -> Any:
    """The section of a bid page; NotFound for an unknown one and for a draft (nobody bids on a draft)."""
    section = tendering_selectors.section_get_by_code(code=section_code)
    if section.status == "draft":
        raise NotFound("标段不存在", code="section_not_found", detail={"code": section_code[:64]})
    return section


# --- 1. my bidding keys --------------------------------------------------------------------------


class BidderKeyForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Contents of the public key file"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "data-testid": "key-text"}),
    )
    file = forms.FileField(label=gettext_lazy("Or choose the public key file (bidder.pub.json)"), required=False)


def _public_file_read(*, text: str, upload: Any | None) -> tuple[str, str]:
    """The two public keys of a file written by ``zhengwu bid keygen`` (pasted or uploaded).

    Refuses anything else with a clear message — above all the private key file, which must never
    leave the bidder's machine (it is not kept, not logged, not echoed back).
    """
    if upload is not None:
        if upload.size > PUBLIC_FILE_MAX:
            raise InvalidInput(
                gettext("This is not a public key file: it is too large."), code="public_key_file_invalid"
            )
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(
                gettext("This is not a public key file: it is not text."), code="public_key_file_invalid"
            ) from None
    text = (text or "").strip()
    if not text:
        raise InvalidInput(
            gettext("Paste the contents of the public key file or choose the file."), code="public_key_missing"
        )
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(
            gettext("This is not the public key file written by “zhengwu bid keygen” (bidder.pub.json)."),
            code="public_key_file_invalid",
        )
    if "signing" in data or "agreement" in data:
        raise InvalidInput(
            gettext(
                "This is your PRIVATE key file (bidder.key). Never upload it: keep it on your own machine. "
                "Register the public key file (bidder.pub.json) instead."
            ),
            code="private_key_refused",
        )
    if data.get("format", KEY_FORMAT) != KEY_FORMAT:
        raise InvalidInput(
            gettext("The public key file is of an unknown format."),
            code="public_key_file_invalid",
            detail={"format": str(data.get("format"))[:40]},
        )
    signing, agreement = data.get("signing_public"), data.get("agreement_public")
    if not isinstance(signing, str) or not isinstance(agreement, str):
        raise InvalidInput(
            gettext("The public key file lacks “signing_public” or “agreement_public”."),
            code="public_key_file_invalid",
        )
    # The file states the key id and fingerprint of its keys; a file whose statements do not match
    # its keys was edited by hand, and registering it would register something else than intended.
    try:
        key_id = VerifyKey.from_b64(signing).key_id
        fingerprint = key_fingerprint(base64.b64decode(agreement, validate=True))
    except ValueError:
        return signing, agreement  # not keys at all: the service refuses them with its own message
    stated = {"signing_key_id": key_id, "agreement_fingerprint": fingerprint}
    if any(field in data and data[field] != value for field, value in stated.items()):
        raise InvalidInput(
            gettext("The public key file contradicts itself (its key id or fingerprint does not match its keys)."),
            code="public_key_file_mismatch",
        )
    return signing, agreement


def _keys_page(
    request: HttpRequest, actor: Actor, form: BidderKeyForm, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "bidding/keys.html",
        {
            "key": selectors.bidder_key_own(by=actor),
            "organisation_verified": actor.organisation_verified,
            "form": form,
            "error": error,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(Role.BIDDER)
def keys_view(request: HttpRequest) -> HttpResponse:
    """我的投标密钥: the organisation's registered key, and registering (or replacing) it."""
    actor = _actor(request)
    if request.method != "POST":
        return _keys_page(request, actor, BidderKeyForm())
    form = BidderKeyForm(request.POST, request.FILES)
    form.is_valid()  # both fields are optional: this only fills cleaned_data
    try:
        signing, agreement = _public_file_read(
            text=form.cleaned_data.get("text") or "", upload=form.cleaned_data.get("file")
        )
        key = bidder_key_register(signing_public=signing, agreement_public=agreement, by=actor)
    except ZhengwuError as exc:
        # A private key pasted by mistake is not sent back to the browser in the form.
        shown = BidderKeyForm() if exc.code == "private_key_refused" else form
        return _keys_page(request, actor, shown, error=exc, status=_status(exc))
    messages.success(request, gettext("Your bidding key %(key_id)s is registered.") % {"key_id": key.signing_key_id})
    return HttpResponseRedirect(_url(request, "keys"))


# --- 2. a sealed bid on a section ----------------------------------------------------------------


def _receipt_row(receipt: Receipt, frozen: set[str]) -> dict[str, Any]:
    body = json.loads(receipt.body)
    return {
        "receipt": receipt,
        "kind_label": receipt.get_kind_display(),
        "server_time": body.get("server_time", ""),
        "digest": body.get("digest", ""),
        "size": body.get("size"),
        "frozen": str(receipt.uuid) in frozen,
    }


def _bid_rows(views: list[selectors.BidView], frozen: set[str], *, open_for_bids: bool) -> list[dict[str, Any]]:
    return [
        {
            "bid": v.bid,
            "status_label": v.bid.get_status_display(),
            "receipts": [_receipt_row(r, frozen) for r in v.receipts],
            "withdrawable": open_for_bids and v.bid.status == Bid.Status.ACCEPTED,
        }
        for v in views
    ]


def _closed_reason(section: Any, now: dt.datetime) -> str:
    """Why the section takes no bids now ("" when it does), as the services would refuse."""
    if section.bid_deadline is None or now >= section.bid_deadline:
        return gettext("Submission is closed: the bid deadline has passed.")
    if section.status != "accepting_bids":
        return gettext("The section is not accepting bids at present.")
    if section.suspended_at is not None:
        return gettext("Tender activity is suspended while an objection awaits its answer; submit after the reply.")
    return ""


def _seal_commands(keys: list[OpeningKey], *, section_code: str, uscc: str) -> list[dict[str, str]]:
    commands = []
    for key in keys:
        parts = [
            "zhengwu bid seal 技术标.pdf 商务标.pdf",
            "--key bidder.key",
            f"--section {section_code}",
            f"--envelope {key.envelope}",
            f"--bidder {uscc or '<USCC>'}",
            f"--opening-key {key.public}",
            f"--fingerprint {key.fingerprint}",
            "--price 1234567.89",
        ]
        if key.suite != "intl":
            parts.append(f"--suite {key.suite}")
        if key.bidder_key_required:
            parts.append("--own-key")
        parts.append(f"--out {section_code}-{key.envelope}.sealed")
        commands.append({"envelope": key.envelope, "text": " \\\n    ".join(parts)})
    return commands


def _upload_text() -> dict[str, str]:
    """What the uploader script says, translated here (the script carries no strings of its own)."""
    return {
        "countdown": gettext("%(days)s days %(time)s left"),
        "closed": gettext("Submission is closed: the bid deadline has passed."),
        "no_file": gettext("Choose the sealed file first."),
        "reading": gettext("Checking the sealed file…"),
        "hashing": gettext("Computing the file's digest (SHA-256)…"),
        "digest_unchecked": gettext(
            "The browser cannot compute this file's digest here; the platform checks it when you submit."
        ),
        "not_sealed": gettext("This is not a sealed bid file made by “zhengwu bid seal”."),
        "damaged": gettext("The sealed file is damaged or incomplete: its contents do not match its sealed digest."),
        "wrong_section": gettext("This file was sealed for section %(section)s, not for this section."),
        "wrong_envelope": gettext("This section has no envelope “%(envelope)s”."),
        "starting": gettext("Starting the upload…"),
        "resuming": gettext("Resuming the earlier upload of this file…"),
        "uploading": gettext("Uploaded %(done)s of %(total)s bytes"),
        "retrying": gettext("The connection failed; trying again in %(seconds)s s…"),
        "committing": gettext("Verifying the file and submitting the bid…"),
        "interrupted": gettext(
            "The upload was interrupted. Press “Resume” to continue from where the platform stopped receiving."
        ),
        "refused": gettext("The platform refused: %(message)s (%(code)s)"),
        "accepted": gettext("Your bid was accepted. Keep the receipt: it is the platform's signed proof."),
        "withdrawn": gettext("Withdrawal receipt"),
        "download": gettext("Download the receipt (JSON)"),
        "reload": gettext("Show my bids"),
        # The receipt's facts, as the page shows them once the bid is accepted.
        "field_id": gettext("Receipt"),
        "field_section": gettext("Section"),
        "field_envelope": gettext("Envelope"),
        "field_digest": gettext("Sealed digest"),
        "field_size": gettext("Size (bytes)"),
        "field_server_time": gettext("Server time"),
        "field_key_id": gettext("Platform key"),
    }


def _bid_context(request: HttpRequest, actor: Actor, section: Any, **extra: Any) -> dict[str, Any]:
    now = clock_now()
    keys = selectors.opening_keys_public(section=section)
    closed_reason = _closed_reason(section, now)
    freeze = selectors.freeze_public(section=section)
    frozen = {str(u) for u in freeze.receipts} if freeze is not None else set()
    uscc = ""
    if actor.organisation_id is not None:
        uscc = str(identity_selectors.organisation_get_by_id(organisation_id=actor.organisation_id).uscc)
    remaining = int((section.bid_deadline - now).total_seconds()) if section.bid_deadline else 0
    return {
        "section": section,
        "project": section.project,
        "status_label": tendering_selectors.section_status_label(status=section.status),
        "opening_keys": keys,
        "bidder_key_required": any(k.bidder_key_required for k in keys),
        "envelopes": ",".join(k.envelope for k in keys),
        "deadline": _local(section.bid_deadline),
        "deadline_iso": section.bid_deadline.astimezone(CHINA_TZ).isoformat() if section.bid_deadline else "",
        "now_iso": now.astimezone(CHINA_TZ).isoformat(),
        "remaining_text": _remaining_text(remaining) if remaining > 0 else "",
        "open_for_bids": not closed_reason,
        "closed_reason": closed_reason,
        "freeze": freeze,
        "bids": _bid_rows(selectors.bids_mine(by=actor, section=section), frozen, open_for_bids=not closed_reason),
        "key": selectors.bidder_key_own(by=actor),
        "organisation_verified": actor.organisation_verified,
        "uscc": uscc,
        "seal_commands": _seal_commands(keys, section_code=section.code, uscc=uscc),
        "server": request.build_absolute_uri("/").rstrip("/"),
        "chunk_size": UPLOAD_CHUNK_SIZE,
        "upload_text": _upload_text(),
        **extra,
    }


def _bid_page(
    request: HttpRequest, actor: Actor, section: Any, *, error: ZhengwuError | None = None, status: int = 200
) -> HttpResponse:
    return render(request, "bidding/bid.html", _bid_context(request, actor, section, error=error), status=status)


@require_GET
@roles_required(Role.BIDDER)
def bid_view(request: HttpRequest, section_code: str) -> HttpResponse:
    """递交投标文件: a section's opening keys, deadline, the bidder's own bids, and the upload."""
    actor = _actor(request)
    try:
        section = _section_for(section_code)
        if not selectors.opening_keys_public(section=section):
            raise NotFound(
                gettext("This section does not take sealed bids (or its tender notice is not published yet)."),
                code="section_not_sealed",
            )
    except ZhengwuError as exc:
        return _refused(request, exc)
    return _bid_page(request, actor, section)


@require_POST
@roles_required(Role.BIDDER)
def bid_withdraw_view(request: HttpRequest, bid_id: str) -> HttpResponse:
    """Withdraw one of the organisation's accepted bids before the deadline (撤回); a receipt is signed."""
    actor = _actor(request)
    try:
        bid = selectors.bid_own(uuid=bid_id, by=actor)
        section = tendering_selectors.section_get(uuid=bid.section_uuid)
    except ZhengwuError as exc:
        return _refused(request, exc)
    if request.POST.get("confirm") != "yes":
        error = InvalidInput(gettext("Tick the box to confirm the withdrawal."), code="confirm_required")
        return _bid_page(request, actor, section, error=error, status=400)
    try:
        bid_withdraw(bid=bid, by=actor)
    except ZhengwuError as exc:
        return _bid_page(request, actor, section, error=exc, status=_status(exc))
    messages.success(request, gettext("Your bid was withdrawn; the withdrawal receipt is below."))
    return HttpResponseRedirect(_url(request, "bid", section.code))


# --- 3. my bids, receipts and proofs ---------------------------------------------------------------


@require_GET
@roles_required(Role.BIDDER)
def bids_mine_view(request: HttpRequest) -> HttpResponse:
    """我的投标: the organisation's bids over every section, newest first, with their receipts."""
    actor = _actor(request)
    views = list(reversed(selectors.bids_mine(by=actor)))
    page = Paginator(views, PAGE_SIZE).get_page(request.GET.get("page"))
    sections: dict[Any, Any] = {}
    frozen: set[str] = set()
    for item in page:
        if item.bid.section_uuid not in sections:
            section = tendering_selectors.section_get(uuid=item.bid.section_uuid)
            sections[item.bid.section_uuid] = section
            freeze = selectors.freeze_public(section=section)
            frozen |= {str(u) for u in freeze.receipts} if freeze is not None else set()
    rows = _bid_rows(list(page), frozen, open_for_bids=False)
    for row in rows:
        row["section"] = sections[row["bid"].section_uuid]
    platform = signing_key_get().public
    return render(
        request,
        "bidding/bids.html",
        {"page": page, "rows": rows, "platform_key": platform.to_b64(), "platform_key_id": platform.key_id},
    )


def _receipt_record(receipt: Receipt) -> dict[str, Any]:
    """A receipt as ``zhengwu bid submit`` keeps it next to the sealed file (``zhengwu bid verify --receipt``)."""
    bid = receipt.bid
    record: dict[str, Any] = {
        "format": RECEIPT_FORMAT,
        "id": str(receipt.uuid),
        "kind": receipt.kind,
        "bid": str(bid.uuid),
        "section": bid.section_code,
        "body": receipt.body,
        "signature": receipt.signature,
        "key_id": receipt.key_id,
        "issued_at": receipt.issued_at.astimezone(CHINA_TZ).isoformat(),
    }
    public = signing_key_get().public
    # The platform's key as the tool records it; left out if the receipt was signed by an earlier key.
    if public.key_id == receipt.key_id:
        record["platform_key"] = public.to_b64()
    return record


def _json_download(data: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@roles_required(Role.BIDDER)
def receipt_download_view(request: HttpRequest, receipt_id: str) -> HttpResponse:
    """One of the organisation's signed receipts as a JSON file; 404 for anyone else's."""
    actor = _actor(request)
    try:
        receipt = selectors.receipt_own(uuid=receipt_id, by=actor)
    except ZhengwuError as exc:
        return _refused(request, exc)
    return _json_download(
        _receipt_record(receipt), f"{receipt.bid.section_code}-{receipt.kind}-{str(receipt.uuid)[:8]}.receipt.json"
    )


@require_GET
@roles_required(Role.BIDDER)
def proof_download_view(request: HttpRequest, receipt_id: str) -> HttpResponse:
    """After the freeze: the proof that the organisation's receipt is a leaf of the published root."""
    actor = _actor(request)
    try:
        proof = selectors.receipt_inclusion_proof(uuid=receipt_id, by=actor)
    except ZhengwuError as exc:
        return _refused(request, exc)
    freeze = proof.freeze
    data = {
        "receipt": _receipt_record(proof.receipt),
        "index": proof.index,
        "tree_size": proof.tree_size,
        "path": proof.path,
        "root": proof.root,
        "freeze": {
            "section": freeze.section_code,
            "deadline": freeze.deadline.astimezone(CHINA_TZ).isoformat(),
            "frozen_at": freeze.frozen_at.astimezone(CHINA_TZ).isoformat(),
            "leaf_count": freeze.leaf_count,
            "root": freeze.root,
            "body": freeze.body,
            "signature": freeze.signature,
            "key_id": freeze.key_id,
        },
    }
    return _json_download(data, f"{freeze.section_code}-{str(proof.receipt.uuid)[:8]}.proof.json")
