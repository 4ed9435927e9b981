from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from zhengwu.platform.signing import agreement_key_get, signing_key_get


class Command(BaseCommand):
    help = "Print this deployable's public signing key (for the others' ZHENGWU_PEERS) and custody key."

    def handle(self, *args: Any, **options: Any) -> None:
        public = signing_key_get().public
        self.stdout.write(f"deployable: {settings.ZHENGWU_PLATFORM}")
        self.stdout.write(f"key id:     {public.key_id}")
        self.stdout.write(f"public key: {public.to_b64()}")
        self.stdout.write(f"peer entry: {settings.ZHENGWU_PLATFORM}=<base url>|{public.to_b64()}")
        # The custody key: the supervision deployable's goes into trading's ZHENGWU_SUPERVISION_CUSTODY_KEY.
        custody = base64.b64encode(agreement_key_get().public_raw).decode("ascii")
        self.stdout.write(f"custody key: {custody}")
