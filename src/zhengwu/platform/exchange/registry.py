"""Which code applies a received event: the handlers of the destination platform's contexts.

A context consumes events of others in its ``handlers.py``, which declares
``HANDLERS: dict[str, Callable[[dict, Envelope], None]]`` keyed by event type. The exchange
finds them through Django's app registry by the context names the platform lists
(``settings.ZHENGWU_PLATFORM_META[platform]["contexts"]``), so the platform layer never imports
a context by name and a deployable only runs the handlers of the contexts it installed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings

from zhengwu.platform.exchange.envelope import Envelope

Handler = Callable[[dict[str, Any], Envelope], None]


@lru_cache(maxsize=256)
def handlers_for(*, destination: str, event_type: str) -> tuple[Handler, ...]:
    """The handlers that apply ``event_type`` for the platform ``destination``, in context order."""
    meta = settings.ZHENGWU_PLATFORM_META.get(destination)
    if meta is None:
        return ()
    found: list[Handler] = []
    for context in meta["contexts"]:
        if not apps.is_installed(f"zhengwu.contexts.{context}"):
            continue
        module_name = f"{apps.get_app_config(context).name}.handlers"
        if find_spec(module_name) is None:
            continue
        table: dict[str, Handler] = getattr(import_module(module_name), "HANDLERS", {})
        handler = table.get(event_type)
        if handler is not None:
            found.append(handler)
    return tuple(found)
