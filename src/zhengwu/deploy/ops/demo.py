"""Demo data for the embedded default: every installed context contributes through its own
``demo.py`` (``demo_load(*, platforms) -> list[dict]``), which goes through its services."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings

from zhengwu.deploy.platforms import PLATFORM_META


def demo_modules() -> list[Any]:
    contexts = ["identity"]
    for name in settings.ZHENGWU_PLATFORMS:
        for context in PLATFORM_META[name]["contexts"]:
            if context not in contexts:
                contexts.append(context)
    modules = []
    for context in contexts:
        module_name = f"zhengwu.contexts.{context}.demo"
        if find_spec(module_name) is not None:
            modules.append(import_module(module_name))
    return modules


def demo_load_all() -> list[dict[str, Any]]:
    """Load every context's demo data; return the accounts to show to the person running it."""
    accounts: list[dict[str, Any]] = []
    for module in demo_modules():
        for account in module.demo_load(platforms=list(settings.ZHENGWU_PLATFORMS)) or []:
            # An account two demos name (a demo expert drawn for the concluded tender's panel) is listed once.
            if all(shown["username"] != account["username"] for shown in accounts):
                accounts.append(account)
    return accounts
