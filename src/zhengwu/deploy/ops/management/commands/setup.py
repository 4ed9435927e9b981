from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from zhengwu.deploy.ops.demo import demo_load_all
from zhengwu.kernel.actor import Actor

# The demo accounts' shared password, published in the README: demo data only.
DEMO_PASSWORD_HINT = "Zhengwu@2026"  # noqa: S105


def accounts_print(out: Any, accounts: list[dict[str, Any]]) -> None:
    if not accounts:
        return
    host = "http://127.0.0.1:8000"
    out.write("")
    out.write(f"Demo accounts (password for all: {DEMO_PASSWORD_HINT})")
    out.write("-" * 78)
    for acc in accounts:
        totp = f"  + one-time code: zhengwu totp {acc['username']}" if acc.get("needs_totp") else ""
        out.write(f"  {acc['username']:<12} {acc.get('role_label', acc['role']):<14} {host}{acc['login_url']}{totp}")
    out.write("-" * 78)


class Command(BaseCommand):
    help = "Prepare this deployable: migrate its database, load the demo data, deliver pending events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"database ready ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
        if apps.is_installed("zhengwu.contexts.bidding"):
            from zhengwu.contexts.bidding.services import supervision_custody_key_sync

            if supervision_custody_key_sync(by=Actor.system("setup")) is None:
                self.stdout.write("note: no supervision custody key yet (ZHENGWU_SUPERVISION_CUSTODY_KEY)")
        if options["no_demo"]:
            return
        accounts = demo_load_all()
        if find_spec("zhengwu.platform.exchange.services") is not None:
            # Deliver the demo's events now so every platform looks alive on first start.
            call_command("exchange", "relay", "--once", verbosity=0, stdout=self.stdout)
        if apps.is_installed("zhengwu.contexts.disclosure"):
            from zhengwu.contexts.disclosure.ocds.bulk import bulk_write

            # The open data's bulk files of the demo's releases (the worker refreshes them hourly).
            self.stdout.write(f"open data: {len(bulk_write())} monthly bulk file(s)")
        accounts_print(self.stdout, accounts)
