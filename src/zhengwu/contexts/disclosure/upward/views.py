"""The upward push's page on the public platform: the sync report of both sides, for the centre's staff."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from zhengwu.contexts.disclosure.upward.selectors import upward_receiver_report, upward_sender_report
from zhengwu.platform.web.access import roles_required


@roles_required("centre_staff")
def upward_report(request: HttpRequest) -> HttpResponse:
    """Per dataset: what this platform pushed upward and what became of it; what lower levels pushed here."""
    sender = upward_sender_report()
    return render(
        request,
        "disclosure/upward.html",
        {"sender": sender, "sender_totals": sender.totals, "receiver": upward_receiver_report()},
    )
