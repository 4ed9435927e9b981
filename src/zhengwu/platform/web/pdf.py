"""Documents that leave the platform as PDF: a Django template rendered to HTML, then by WeasyPrint.

Chinese needs real CJK fonts, and they come from the system (Debian's fonts-noto-cjk, installed
by scripts/bootstrap.sh next to Pango): nothing is downloaded when a document is rendered. The
renderer fetches no URL from the network either — a template that names an ``http:`` image
would otherwise make the server call out, and whatever it fetched would end up in a legal
document. Only ``data:`` URLs and files under the apps' static folders can be read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.apps import apps
from django.conf import settings
from django.template.loader import render_to_string

# WeasyPrint logs each of its seven steps at INFO: noise in the server log for every document,
# and at import already (it parses its own stylesheets then), so the level is set before it.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

import weasyprint  # noqa: E402

# Song (serif) for the text of formal documents, as Chinese official papers are set; Hei (sans) as the
# fall-back. Templates may choose other families but should end their stacks with these.
PDF_FONT_STACK = '"Noto Serif CJK SC", "Noto Sans CJK SC", serif'
PDF_BASE_CSS = f"""
@page {{ size: A4; margin: 25mm 22mm 25mm 22mm; }}
html {{ font-family: {PDF_FONT_STACK}; font-size: 12pt; line-height: 1.75; color: #000; }}
"""


def pdf_render(*, template: str, context: Mapping[str, Any], base_url: str | None = None) -> bytes:
    """Render ``template`` with ``context`` and return the PDF; ``context["title"]`` becomes its title."""
    html = render_to_string(template, dict(context))
    document = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=_LocalFetcher(allowed_protocols={"data", "file"})
    ).render(stylesheets=[weasyprint.CSS(string=PDF_BASE_CSS)])
    title = context.get("title")
    if title:
        document.metadata.title = str(title)
    pdf: bytes = document.write_pdf()
    return pdf


def _static_roots() -> list[Path]:
    """The folders a document may read files from: each app's ``static`` folder and STATICFILES_DIRS."""
    roots = [Path(config.path) / "static" for config in apps.get_app_configs()]
    roots += [
        Path(entry[1] if isinstance(entry, tuple) else entry) for entry in getattr(settings, "STATICFILES_DIRS", [])
    ]
    return [root.resolve() for root in roots if root.is_dir()]


class _LocalFetcher(weasyprint.urls.URLFetcher):
    """Fetches ``data:`` URLs and static files only; anything else is refused (and left out of the PDF)."""

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in _static_roots()):
                return super().fetch(url, headers)
        # WeasyPrint catches this, logs a warning and renders the document without the resource.
        raise ValueError(f"PDF 渲染不读取此地址：{url}")
