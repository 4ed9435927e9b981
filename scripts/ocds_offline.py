"""Make the open-contracting Python libraries work with NO network access (development, CI and QA only).

ocdsextensionregistry (used by ProfileBuilder, libcoveocds and ocdskit) downloads everything through
one shared ``requests`` session, ``ocdsextensionregistry.util.session``; jsonref (used by libcoveocds
for record packages) calls ``requests.get`` through its module-global ``jsonref.requests``. A transport
adapter mounted on both answers from the vendored ZIPs in
``src/zhengwu/contexts/disclosure/ocds/profile/vendor/`` and returns 404 for anything else: no outbound
traffic at all, and no server-side request forgery through URLs that arrive in ``package["extensions"]``.

Never imported by the running platform (ocdsextensionregistry and libcoveocds are dev/QA dependencies).
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse

VENDOR = Path(__file__).resolve().parent.parent / "src/zhengwu/contexts/disclosure/ocds/profile/vendor"
STANDARD_ZIP = VENDOR / "standard-1__1__5.zip"
SCHEMA_BASE = "https://standard.open-contracting.org/schema/1__1__5/"
_EXTENSIONS = "https://github.com/open-contracting-extensions/"
URL_MAP = {
    # What ProfileBuilder and libcoveocds download by default.
    "https://codeload.github.com/open-contracting/standard/zip/1__1__5": STANDARD_ZIP,
    # The archive URLs ocdsextensionregistry derives from each extension.json URL.
    _EXTENSIONS + "ocds_bid_extension/archive/v1.1.5.zip": VENDOR / "ocds_bid_extension-v1.1.5.zip",
    _EXTENSIONS + "ocds_location_extension/archive/v1.1.5.zip": VENDOR / "ocds_location_extension-v1.1.5.zip",
    # The extension has no tagged release: the vendored ZIP pins master to commit 47c5765.
    _EXTENSIONS + "ocds_bidOpening_extension/archive/master.zip": VENDOR / "ocds_bidOpening_extension-47c5765.zip",
}


def _read(url: str) -> bytes | None:
    """The vendored bytes for ``url``, or None when nothing vendored stands in for it."""
    if url in URL_MAP and URL_MAP[url].exists():
        return URL_MAP[url].read_bytes()
    for base in (SCHEMA_BASE, SCHEMA_BASE.replace("https:", "http:")):
        if url.startswith(base):
            # e.g. versioned-release-validation-schema.json, served from the standard ZIP
            with zipfile.ZipFile(STANDARD_ZIP) as archive:
                name = archive.namelist()[0] + "schema/" + url[len(base) :]
                if name in archive.namelist():
                    return archive.read(name)
    return None


class VendoredSchemaAdapter(BaseAdapter):
    """A requests transport that serves the vendored schema files and refuses everything else with 404."""

    def send(self, request: Any, **kwargs: Any) -> requests.Response:
        """Answer ``request`` from the vendored files."""
        body = _read(request.url)
        raw = HTTPResponse(
            body=BytesIO(body or b""),
            status=200 if body is not None else 404,
            reason="OK" if body is not None else "Not Found (not vendored)",
            headers={"Content-Length": str(len(body or b""))},
            preload_content=False,
            request_url=request.url,
        )
        # requests-cache needs a urllib3 response; build_response fills status, headers, url, encoding.
        return HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        """Nothing to release."""


def install() -> VendoredSchemaAdapter:
    """Mount the adapter on the session ocdsextensionregistry uses and on jsonref's requests; return it."""
    import jsonref
    from ocdsextensionregistry import util

    adapter = VendoredSchemaAdapter()
    util.session.mount("https://", adapter)
    util.session.mount("http://", adapter)
    # The requests-cache memory backend may hold earlier (failed) answers.
    util.session.cache.clear()
    offline = requests.Session()
    offline.mount("https://", adapter)
    offline.mount("http://", adapter)
    jsonref.requests = offline  # jsonref.jsonloader() calls requests.get(uri)
    return adapter
