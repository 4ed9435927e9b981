from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from zhengwu.platform.signing import signing_key_get


class Command(BaseCommand):
    help = "Print this deployable's public signing key, for the ZHENGWU_PEERS of the others."

    def handle(self, *args: Any, **options: Any) -> None:
        public = signing_key_get().public
        self.stdout.write(f"deployable: {settings.ZHENGWU_PLATFORM}")
        self.stdout.write(f"key id:     {public.key_id}")
        self.stdout.write(f"public key: {public.to_b64()}")
        self.stdout.write(f"peer entry: {settings.ZHENGWU_PLATFORM}=<base url>|{public.to_b64()}")
