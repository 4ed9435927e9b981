"""URL composition shared by the deployables.

Each platform is mounted at the same prefix in every deployment: its contexts' pages, the
accounts pages and a JSON API under ``<prefix>api/``. A context takes part by having a
``urls.py`` (pages) and optionally an ``api.py`` with ``router_build(platform=...)``.
"""

from __future__ import annotations

import os
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.urls import URLPattern, URLResolver, include, path

from zhengwu.deploy.platforms import PLATFORM_META
from zhengwu.platform.api.base import api_build
from zhengwu.platform.web import bench_sink
from zhengwu.platform.web import urls as web_urls

URLList = list[URLPattern | URLResolver]

PLATFORM_API_APPS = ["audit", "exchange"]


def _module(name: str) -> Any | None:
    return import_module(name) if find_spec(name) is not None else None


def platform_patterns(name: str) -> URLList:
    """The URL patterns of one platform, mounted at its prefix."""
    meta = PLATFORM_META[name]
    contexts = ["identity", *meta["contexts"]]
    routers = []
    # Platform apps with an API of their own (the audit log's tree heads, the exchange's state).
    for app in PLATFORM_API_APPS:
        api_module = _module(f"zhengwu.platform.{app}.api")
        if api_module is not None:
            router = api_module.router_build(platform=name)
            if router is not None:
                routers.append((f"/{app}/", router))
    # Only for bench/deadline_surge.py: a body sink behind the same stack, never in a real deployment.
    if os.environ.get(bench_sink.ENV_FLAG) == "1":
        routers.append(("/bench/", bench_sink.router_build()))
    for context in contexts:
        api_module = _module(f"zhengwu.contexts.{context}.api")
        if api_module is not None:
            router = api_module.router_build(platform=name)
            if router is not None:
                routers.append((f"/{context}/", router))
    api = api_build(
        platform=name,
        title=f"Zhengwu {meta['title']} API",
        description=f"JSON API of the {meta['title']}. Every error is {{code, message, detail}}.",
        routers=routers,
    )
    inner: URLList = [path("accounts/", include("zhengwu.contexts.identity.urls"))]
    for context in meta["contexts"]:
        if _module(f"zhengwu.contexts.{context}.urls") is not None:
            inner.append(path("", include(f"zhengwu.contexts.{context}.urls")))
    # The API keeps its own top-level namespace ("<platform>-api"): django-ninja reverses it.
    return [
        path(meta["prefix"] + "api/", api.urls),
        path(meta["prefix"], include((inner, name), namespace=name)),
    ]


def deployable_patterns(platforms: list[str]) -> URLList:
    """Root patterns (health check, language switch) plus every platform of the deployable."""
    patterns: URLList = list(web_urls.urlpatterns)
    # The exchange's receiving endpoint belongs to the deployable, not to one platform.
    if _module("zhengwu.platform.exchange.urls") is not None:
        patterns.append(path("exchange/", include("zhengwu.platform.exchange.urls")))
    # Longer prefixes first so that "" (public) does not shadow "trading/" and the others.
    for name in sorted(platforms, key=lambda p: -len(PLATFORM_META[p]["prefix"])):
        patterns += platform_patterns(name)
    return patterns
