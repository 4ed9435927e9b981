"""The online opening's live page (网上开标大厅) on the trading platform.

One page per section, for everyone who takes part: the host (tenderer or agency) drives the
ceremony with its buttons, custodians hand in their shares, bidders hand in their halves and
raise objections, regulators and centre staff watch. The state below the forms is a fragment
the page's script fetches every few seconds, so everybody sees each step as it happens without
reloading; when the stage changes the page reloads itself to show the forms of the new stage.

The page decides nothing: each button posts to ``opening_act``, which calls the one service of
that step in ``bidding.opening``; a refusal is shown on the page with its Chinese message and a
400/403/404 status, and changes nothing. Who may watch is ``selectors.opening_attends`` before the
opening starts and ``selectors.opening_view`` after.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.bidding import opening, rules, selectors
from zhengwu.contexts.bidding.custody import opening_rounds
from zhengwu.contexts.bidding.models import Opening, OpeningEntry, OpeningKey
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.contexts.tendering import selectors as tendering_selectors
from zhengwu.kernel.actor import Actor
from zhengwu.kernel.clock import CHINA_TZ, clock_now
from zhengwu.kernel.crypto import suite_get
from zhengwu.kernel.errors import InvalidInput, NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required

# Seconds between two fetches of the live fragment.
POLL_SECONDS = 3

# The read-out form's fields as the page labels them (the record keeps rules.READOUT_LABELS).
READOUT_FIELDS: tuple[tuple[str, Any], ...] = (
    ("price_fen", gettext_lazy("Bid price (yuan)")),
    ("discount_rate", gettext_lazy("Discount rate")),
    ("duration_days", gettext_lazy("Duration (calendar days)")),
    ("delivery_days", gettext_lazy("Delivery (calendar days)")),
    ("quality", gettext_lazy("Quality")),
    ("key_personnel", gettext_lazy("Key personnel")),
)
STAGE_LABELS: dict[str, Any] = {
    Opening.Stage.DECRYPTING: gettext_lazy("Decrypting"),
    Opening.Stage.READING_OUT: gettext_lazy("Read-out and objections"),
    Opening.Stage.RECORDED: gettext_lazy("Opening record published"),
}
OUTCOME_LABELS: dict[str, Any] = {
    OpeningEntry.Outcome.PENDING: gettext_lazy("waiting for decryption"),
    OpeningEntry.Outcome.OPENED: gettext_lazy("decrypted and verified"),
    OpeningEntry.Outcome.REVOKED: gettext_lazy("deemed revoked (bidder's fault)"),
    OpeningEntry.Outcome.WITHDRAWN: gettext_lazy("deemed withdrawn (not the bidder's fault)"),
}
FAILURE_LABELS: dict[str, Any] = {
    rules.FailureCause.BIDDER_SHARE_MISSING: gettext_lazy("the bidder did not hand in its key in time"),
    rules.FailureCause.BIDDER_SHARE_INVALID: gettext_lazy("the key the bidder handed in does not open its bid"),
    rules.FailureCause.BID_CONTENT_INVALID: gettext_lazy("the file is not what the bidder signed"),
    rules.FailureCause.CUSTODY_INCOMPLETE: gettext_lazy("the opening key's custodians did not release enough shares"),
    rules.FailureCause.STORAGE_MISMATCH: gettext_lazy("the stored file is not the one on the receipt"),
}
ENVELOPE_LABELS: dict[str, Any] = {
    "single": gettext_lazy("bid"),
    "technical": gettext_lazy("technical envelope"),
    "commercial": gettext_lazy("commercial envelope"),
}
ACTIONS = ("start", "custody-share", "bidder-share", "decrypt", "readout", "objection", "reply", "record")


class ShareForm(forms.Form):
    envelope = forms.CharField(max_length=20, required=False)
    share = forms.CharField(max_length=4_000, widget=forms.Textarea(attrs={"rows": 3}))


class TextForm(forms.Form):
    text = forms.CharField(max_length=opening.TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


def _actor(request: HttpRequest) -> Actor:
    return actor_for(user=request.user, request=request)


def _page_url(request: HttpRequest, section_code: str) -> str:
    platform = getattr(request, "zw_platform", None) or "trading"
    return reverse(f"{platform}:bidding:opening", args=[section_code])


def _yuan(fen: Any) -> str:
    if isinstance(fen, bool) or not isinstance(fen, int):
        return str(fen)
    return f"{Decimal(fen) / 100:,.2f}"


def _shown(key: str, value: Any) -> str:
    if key == "price_fen":
        return _yuan(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _readout_columns(readouts: list[dict[str, Any] | None]) -> list[tuple[str, str]]:
    """The read-out table's columns: the known fields present in any bid, in the record's order, then the rest."""
    present = {key for r in readouts if r for key in r}
    known = [(key, str(label)) for key, label in READOUT_FIELDS if key in present]
    others = sorted(present - {key for key, _ in READOUT_FIELDS})
    return known + [(key, key) for key in others]


def _section_for(section_code: str, actor: Actor) -> Any:
    """The section, if ``actor`` attends its opening; 404 for everyone else (nothing revealed)."""
    try:
        section = tendering_selectors.section_get_by_code(code=section_code)
    except NotFound:
        raise Http404 from None
    if not selectors.opening_attends(section=section, by=actor):
        raise Http404
    return section


def _context(request: HttpRequest, actor: Actor, section: Any, **extra: Any) -> dict[str, Any]:
    """Everything the page and its live fragment show, as ``actor`` may see it."""
    found = Opening.objects.filter(section_uuid=section.uuid).order_by("-round").first()
    view = selectors.opening_view(section=section, by=actor) if found is not None else None
    host = tendering_selectors.can_manage(project=section.project, by=actor)
    freeze = selectors.freeze_public(section=section)
    keys = list(OpeningKey.objects.filter(section_uuid=section.uuid).order_by("envelope"))
    now = clock_now()
    stage = view.opening.stage if view is not None else "waiting"
    own_entry = None
    entries = []
    columns = _readout_columns([e.readout for e in view.entries]) if view is not None else []
    if view is not None:
        for e in view.entries:
            row = {
                "position": e.position + 1,
                "bidder": e.bidder,
                "bidder_uscc": e.bidder_uscc,
                "envelope": e.envelope,
                "outcome": e.outcome,
                "outcome_label": OUTCOME_LABELS.get(e.outcome, e.outcome),
                "failure_label": FAILURE_LABELS.get(e.failure_cause, e.failure_cause),
                "readout": [_shown(key, e.readout.get(key, "")) for key, _ in columns] if e.readout else None,
                "own": e.own,
                "share_handed_in_at": e.share_handed_in_at,
            }
            entries.append(row)
            if e.own:
                own_entry = row
    custody = [
        share
        for share in selectors.custody_shares_own(section_code=section.code, by=actor)
        if share.released_at is None and (found is None or share.opening_key.envelope in found.envelopes)
    ]
    opening_at = section.opening_at or section.bid_deadline
    rounds = opening_rounds(envelopes=[k.envelope for k in keys])
    rounds_left = len(rounds) - (view.opening.round if view is not None else 0)
    context: dict[str, Any] = {
        "section": section,
        "project": section.project,
        "opening": view.opening if view is not None else None,
        "view": view,
        "stage": stage,
        "stage_label": STAGE_LABELS.get(stage, gettext("Not started")),
        "entries": entries,
        "readout_columns": [label for _, label in columns],
        "own_entry": own_entry,
        "is_host": host,
        "is_bidder": own_entry is not None,
        "freeze": freeze,
        "keys": keys,
        "key_rows": [
            {"label": ENVELOPE_LABELS.get(k.envelope, k.envelope), "fingerprint": k.fingerprint} for k in keys
        ],
        "shares": [
            {
                "envelope": ENVELOPE_LABELS.get(k.envelope, k.envelope),
                "released": view.shares_released.get(k.envelope, 0),
                "needed": k.threshold,
            }
            for k in keys
            if k.envelope in view.opening.envelopes
        ]
        if view is not None
        else [],
        "custody_pending": custody,
        "opening_at": opening_at,
        "may_start": host
        and opening_at is not None
        and now >= opening_at
        and freeze is not None
        and (view is None or (stage == Opening.Stage.RECORDED and rounds_left > 0)),
        "round": view.opening.round if view is not None else 0,
        "round_envelope": ENVELOPE_LABELS.get(view.opening.envelopes[0], view.opening.envelopes[0])
        if view is not None and len(keys) > 1 and view.opening.envelopes
        else "",
        "server_now": now.astimezone(CHINA_TZ).isoformat(),
        "poll_seconds": POLL_SECONDS,
        "live_url": _page_url(request, section.code) + "live/",
        "act_url": _page_url(request, section.code),
        "share_form": ShareForm(),
        "text_form": TextForm(),
    }
    if view is not None:
        context["record_digest"] = _record_digest(view.opening)
    context.update(extra)
    return context


def _record_digest(found: Opening) -> str:
    # The digest the audit trail keeps of the signed record (opening_record_publish).
    return suite_get("intl").hexdigest(found.record_body.encode()) if found.record_body else ""


@require_GET
@roles_required()
def opening_page(request: HttpRequest, section_code: str) -> HttpResponse:
    """The live page of a section's opening."""
    actor = _actor(request)
    section = _section_for(section_code, actor)
    return render(request, "bidding/opening.html", _context(request, actor, section))


@require_GET
@roles_required()
def opening_live(request: HttpRequest, section_code: str) -> HttpResponse:
    """The page's live fragment: the state of the ceremony, fetched every few seconds."""
    actor = _actor(request)
    section = _section_for(section_code, actor)
    response = render(request, "bidding/_opening_live.html", _context(request, actor, section))
    response["Cache-Control"] = "no-store"
    return response


def _act(action: str, *, request: HttpRequest, section: Any, actor: Actor, extra: str) -> str:
    """Run one step of the ceremony; the message to show, or a ZhengwuError."""
    if action == "start":
        opening.opening_start(section=section, by=actor)
        return gettext("The opening has started; custodians may now hand in their shares.")
    found = selectors.opening_get(section=section)
    if action in ("custody-share", "bidder-share"):
        share_form = ShareForm(request.POST)
        if not share_form.is_valid():
            raise InvalidInput("请填写密钥分片", code="share_required", detail={"field": "share"})
        text = share_form.cleaned_data["share"].strip()
        if action == "custody-share":
            envelope = share_form.cleaned_data["envelope"] or "single"
            opening.custody_share_submit(opening=found, envelope=envelope, mnemonic=text, by=actor)
            return gettext("Your custody share was handed in.")
        opening.bidder_share_submit(opening=found, share=text, by=actor)
        return gettext("Your key was handed in; your bid will be decrypted with the others.")
    if action == "decrypt":
        entries = opening.opening_decrypt(opening=found, by=actor)
        opened = sum(1 for e in entries if e.outcome == OpeningEntry.Outcome.OPENED)
        return gettext("Decryption ran: %(opened)s of %(total)s bids are open.") % {
            "opened": opened,
            "total": len(entries),
        }
    if action == "readout":
        opening.opening_readout(opening=found, by=actor)
        return gettext("Decryption is closed and the bids are read out.")
    if action in ("objection", "reply"):
        text_form = TextForm(request.POST)
        if not text_form.is_valid():
            raise InvalidInput("请填写内容（不超过2000字）", code="text_invalid", detail={"field": "text"})
        if action == "objection":
            opening.opening_objection_file(opening=found, text=text_form.cleaned_data["text"], by=actor)
            return gettext("Your objection is on the record; the host answers it on the spot.")
        objection = selectors.opening_objection_get(section=section, uuid=extra)
        opening.opening_objection_reply(objection=objection, reply=text_form.cleaned_data["text"], by=actor)
        return gettext("Your reply is on the record.")
    opening.opening_record_publish(opening=found, by=actor)
    return gettext("The opening record is signed and published.")


@require_POST
@roles_required()
def opening_act(request: HttpRequest, section_code: str, action: str, extra: str = "") -> HttpResponse:
    """One button of the ceremony: a step, then back to the page (or the page with its refusal)."""
    actor = _actor(request)
    section = _section_for(section_code, actor)
    if action not in ACTIONS:
        raise Http404
    try:
        done = _act(action, request=request, section=section, actor=actor, extra=extra)
    except ZhengwuError as exc:
        context = _context(request, actor, section, error=exc, failed_action=action)
        return render(request, "bidding/opening.html", context, status=refusal_status(exc))
    messages.success(request, done)
    return HttpResponseRedirect(_page_url(request, section.code))
