"""Pages of transparency: the published audit tree heads and freeze roots, and the proof check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from zhengwu.contexts.disclosure.selectors import ProofCheck
from zhengwu.contexts.disclosure.transparency import (
    AuditProofCheck,
    freeze_roots_page,
    proof_check,
    tree_head_signature_ok,
    tree_heads_latest,
)
from zhengwu.contexts.disclosure.views import PAGE_SIZE
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.platform.audit.selectors import audit_latest_tree_head

PROBLEM_LABELS = {
    "not_included": _("The audit path does not lead from this receipt to the published root."),
    "tree_size_differs": _("The proof is for a different number of bids than the published freeze."),
    "root_differs": _("The proof names a different root than the one published here."),
}


AUDIT_PROBLEM_LABELS = {
    "not_included": _("The audit path does not lead from this entry to the published root."),
    "root_differs": _("The proof names a different root than the one published here for this size."),
    "signature_differs": _("The proof's tree head carries a different signature than the one published here."),
}


@require_http_methods(["GET", "POST"])
def inclusion_proof(request: HttpRequest) -> HttpResponse:
    """Check an inclusion proof (pasted JSON) against what this platform published: a bid
    receipt's against its section's freeze, an audit entry's against its platform's tree head."""
    text = request.POST.get("proof", "") if request.method == "POST" else ""
    result: ProofCheck | AuditProofCheck | None = None
    error = ""
    status = 200
    if request.method == "POST":
        try:
            result = proof_check(proof=text)
        except (InvalidInput, NotFound) as exc:
            error, status = exc.message, exc.http_status
    labels = AUDIT_PROBLEM_LABELS if isinstance(result, AuditProofCheck) else PROBLEM_LABELS
    context = {
        "proof": text,
        "result": result,
        "audit": isinstance(result, AuditProofCheck),
        "problems": [labels.get(p, p) for p in result.problems] if result else [],
        "error": error,
    }
    return render(request, "disclosure/inclusion_proof.html", context, status=status)


def platform_title(name: str) -> str:
    """A platform's name for people; the standalone deployment is all of them in one."""
    meta = settings.ZHENGWU_PLATFORM_META
    if name in meta:
        return gettext(meta[name]["title"])
    return gettext("All platforms (one deployment)") if name == "standalone" else name


def transparency(request: HttpRequest) -> HttpResponse:
    """Every platform's latest signed audit tree head and every section's bid-freeze root."""
    page_text = request.GET.get("page", "1").strip()
    page_number = int(page_text) if page_text.isdigit() and 0 < len(page_text) <= 5 else 1
    freezes = freeze_roots_page(page=page_number, size=PAGE_SIZE)
    context = {
        "heads": [(h, platform_title(h.platform), tree_head_signature_ok(h)) for h in tree_heads_latest()],
        "local_head": audit_latest_tree_head(),
        "freezes": freezes,
        "previous_url": f"?page={freezes.page - 1}" if freezes.has_previous else "",
        "next_url": f"?page={freezes.page + 1}" if freezes.has_next else "",
    }
    return render(request, "disclosure/transparency.html", context)
