from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhengwu.deploy.ops.demo import demo_load_all
from zhengwu.deploy.ops.management.commands.setup import accounts_print


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and list the demo accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts_print(self.stdout, demo_load_all())
