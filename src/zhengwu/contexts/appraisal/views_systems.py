"""Pages of the indicator systems: the versions, one version's tree, the XLSForm download and upload.

The evaluator's alone (管评分离: the system is the third party's method); the services check the
role again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from zhengwu.contexts.appraisal import systems
from zhengwu.contexts.appraisal.access import APPRAISER
from zhengwu.contexts.appraisal.models import IndicatorSystem
from zhengwu.contexts.appraisal.system import SCORED_KINDS, SystemDef
from zhengwu.contexts.appraisal.xlsform import MAX_BYTES, system_to_xlsform
from zhengwu.contexts.identity.selectors import actor_for
from zhengwu.kernel.errors import NotFound, ZhengwuError
from zhengwu.platform.web.access import refusal_status, roles_required
from zhengwu.platform.web.exports import XLSX_CONTENT_TYPE

APPLIES_TO_LABELS = {
    "all": gettext_lazy("all units"),
    "centre": gettext_lazy("service centres"),
    "department": gettext_lazy("approval departments"),
}
KIND_LABELS = {
    "rating5": gettext_lazy("5-level rating"),
    "yes_no": gettext_lazy("yes / no"),
    "select_one": gettext_lazy("single choice"),
    "text": gettext_lazy("free text"),
    "problem": gettext_lazy("problem (free text)"),
    "note": gettext_lazy("note"),
}


class SystemUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("XLSForm workbook (.xlsx)"))


def _url(request: HttpRequest, name: str, *args: Any) -> str:
    platform = getattr(request, "zw_platform", None) or "appraisal"
    return reverse(f"{platform}:appraisal:{name}", args=args)


def _list_page(request: HttpRequest, *, form: SystemUploadForm | None = None, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    rows = [
        {
            "system": s,
            "categories": len(s.definition.get("categories", ())),
            "indicators": len(s.definition.get("indicators", ())),
            "items": len(s.definition.get("items", ())),
        }
        for s in systems.system_list()
    ]
    return render(
        request,
        "appraisal/systems/list.html",
        {"rows": rows, "form": form or SystemUploadForm(), "max_mb": MAX_BYTES // (1024 * 1024), **context},
        status=status,
    )


@require_GET
@roles_required(APPRAISER)
def system_list_view(request: HttpRequest) -> HttpResponse:
    """The versions of every indicator system, with the upload form."""
    return _list_page(request)


@require_POST
@roles_required(APPRAISER)
def system_import_view(request: HttpRequest) -> HttpResponse:
    """Import an XLSForm workbook as a new version; a bad file re-shows the list with the reason."""
    form = SystemUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        error = ZhengwuError(gettext("Choose an .xlsx file to upload."), code="xlsform_file_required")
        return _list_page(request, form=form, error=error, status=400)
    upload = form.cleaned_data["file"]
    # One byte over the limit is enough for the service to refuse it; never read a huge upload whole.
    data = upload.read(MAX_BYTES + 1)
    try:
        system = systems.system_import(data=data, by=actor_for(user=request.user, request=request))
    except ZhengwuError as exc:
        return _list_page(request, form=form, error=exc, status=refusal_status(exc))
    messages.success(
        request,
        gettext("Imported as version %(version)s of %(code)s.") % {"version": system.version, "code": system.code},
    )
    return HttpResponseRedirect(_url(request, "system_detail", system.pk))


@require_POST
@roles_required(APPRAISER)
def system_default_view(request: HttpRequest) -> HttpResponse:
    """Install the default system (18 categories, 151 indicators)."""
    try:
        system = systems.system_default_install(by=actor_for(user=request.user, request=request))
    except ZhengwuError as exc:
        return _list_page(request, error=exc, status=refusal_status(exc))
    messages.success(request, gettext("The default indicator system is installed."))
    return HttpResponseRedirect(_url(request, "system_detail", system.pk))


def _system(pk: int) -> tuple[IndicatorSystem, SystemDef]:
    try:
        system = systems.system_get(pk=pk)
    except NotFound:
        raise Http404 from None
    return system, systems.system_def(system=system)


def _tree(definition: SystemDef) -> dict[str, Any]:
    """Categories → indicators → items, plus the questions that feed no indicator."""
    items_of: dict[str, list[Any]] = {}
    for item in definition.items:
        if item.kind in SCORED_KINDS:
            items_of.setdefault(item.indicator, []).append(item)
    categories = [
        {
            "category": category,
            "applies_to": APPLIES_TO_LABELS.get(category.applies_to, category.applies_to),
            "indicators": [
                {
                    "indicator": indicator,
                    "applies_to": APPLIES_TO_LABELS.get(indicator.applies_to, indicator.applies_to),
                    "items": [
                        {"item": item, "kind": KIND_LABELS.get(item.kind, item.kind)}
                        for item in items_of.get(indicator.code, [])
                    ],
                }
                for indicator in definition.indicators_of(category.code)
            ],
        }
        for category in definition.categories
    ]
    others = [
        {
            "item": item,
            "kind": KIND_LABELS.get(item.kind, item.kind),
            "applies_to": APPLIES_TO_LABELS.get(item.applies_to, item.applies_to),
        }
        for item in definition.items
        if item.kind not in SCORED_KINDS
    ]
    return {
        "categories": categories,
        "others": others,
        "objective_count": sum(1 for i in definition.indicators if i.source == "objective"),
        "lengths": {kind: len(definition.items_for(kind)) for kind in ("centre", "department")},
    }


@require_GET
@roles_required(APPRAISER)
def system_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One version's tree: categories, indicators, the questions feeding them, weights and skip logic."""
    try:
        system, definition = _system(pk)
    except ZhengwuError as exc:  # a stored definition that fails its digest check
        return _list_page(request, error=exc, status=refusal_status(exc))
    return render(
        request,
        "appraisal/systems/detail.html",
        {
            "system": system,
            "definition": definition,
            "rounds": systems.system_rounds(system=system),
            "scoring": sorted(definition.scoring.items(), reverse=True),
            **_tree(definition),
        },
    )


@require_GET
@roles_required(APPRAISER)
def system_xlsform_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The version as an XLSForm workbook (settings.version is the version number)."""
    try:
        system, definition = _system(pk)
    except ZhengwuError as exc:
        return _list_page(request, error=exc, status=refusal_status(exc))
    response = HttpResponse(
        system_to_xlsform(system=definition, version=str(system.version)), content_type=XLSX_CONTENT_TYPE
    )
    name = f"{system.code}-v{system.version}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"xlsform-v{system.version}.xlsx\"; filename*=UTF-8''{quote(name)}"
    )
    return response
