"""Prepare, in the trading deployable's own database, a section accepting bids and a bidder with an API token.

Used by ``test_submit_cli.py``: ``python -m tests.bidding.submit_driver --out DIR`` with the
trading deployable's environment (``DJANGO_SETTINGS_MODULE=zhengwu.deploy.trading.settings``).
Everything is made through the services, at the tests' "now"; then, because the served
deployable runs on the real clock, the section's bid deadline is moved to a day from now (as an
amendment would). The bidder's key files are written the way ``zhengwu bid keygen`` writes
them. Prints JSON: the section code, the opening key, the bidder's code and token.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
from pathlib import Path

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    django.setup()

    from zhengwu.contexts.bidding.models import OpeningKey
    from zhengwu.contexts.bidding.services import (
        bidder_key_register,
        custodian_key_register,
        platform_custodian_key_register,
    )
    from zhengwu.contexts.bidding.tool import keys_generate
    from zhengwu.contexts.identity.services import api_token_create
    from zhengwu.contexts.tendering.models import Section
    from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, tender_publish, world_build
    from zhengwu.kernel.clock import clock_now, clock_reset, clock_set
    from zhengwu.kernel.crypto import AgreementKey

    clock_set(NOW)
    world = world_build()
    platform_custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=SYSTEM)
    custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=world["agency"])
    _, sections, _ = tender_publish(world, bidder_key_required=False)
    section = sections[0]
    opening = OpeningKey.objects.get(section_uuid=section.uuid)
    clock_reset()
    Section.objects.filter(pk=section.pk).update(bid_deadline=clock_now() + dt.timedelta(days=1))
    _, public_path = keys_generate(out_dir=Path(args.out), name="bidder1")
    public = json.loads(public_path.read_text(encoding="utf-8"))
    bidder_key_register(
        signing_public=public["signing_public"], agreement_public=public["agreement_public"], by=world["bidder1"]
    )
    _, token = api_token_create(name="投标工具", lifetime_days=30, second_factor_passed=False, by=world["bidder1"])
    print(
        json.dumps(
            {
                "section": section.code,
                "opening_public": opening.public,
                "opening_fingerprint": opening.fingerprint,
                "bidder_uscc": world.uscc["bidder1"],
                "token": token,
            }
        )
    )


if __name__ == "__main__":
    main()
