"""Setup of the deadline-surge benchmark: a trading deployable's database, N bidders, N sealed bids.

Everything is made through the services, the way ``tests/bidding/submit_driver.py`` does for one
bidder: the tests' world (``world_build``) and a published sealed-bid tender (``tender_publish``,
opening keys with the default "bidder's own key required") at the tests' clock; then, because the
served deployable runs on the real clock, the section's bid deadline is moved to a day from now.
Each bidder is its own verified organisation with one user, registered bidder keys and a personal
API token. Each bid is sealed by its own bidder (own signing key, own data key) from its own
random plaintext, so no two sealed files share a byte the server could deduplicate.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class SurgeBidder:
    uscc: str
    token: str
    sealed: Path
    info: Any  # sealing.SealedInfo of the sealed file, as the bid tool checks it before submitting


@dataclass(frozen=True)
class Surge:
    database_url: str
    database_name: str
    var_dir: Path
    section_code: str
    bidders: list[SurgeBidder]
    env: dict[str, str]  # the served deployable's environment


_shown: dict[str, float] = {}


def progress_line(label: str, done: int, total: int, started: float) -> None:
    """A progress line on stderr, rewritten in place at most twice a second."""
    now = time.perf_counter()
    if done < total and now - _shown.get(label, 0.0) < 0.5:
        return
    _shown[label] = now
    end = "\n" if done >= total else ""
    print(f"\r{label}: {done}/{total} ({now - started:.0f} s)", end=end, file=sys.stderr, flush=True)


def database_create(admin_dsn: str) -> tuple[str, str]:
    """A fresh PostgreSQL database; returns its name and URL."""
    name = f"zw_bench_surge_{secrets.token_hex(4)}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgres://")
    return name, f"{base}/{name}"


def database_drop(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def django_start(*, database_url: str, var_dir: Path) -> dict[str, str]:
    """Configure this process as the trading deployable (migrated); return the environment to serve it with."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    env.update(
        DJANGO_SETTINGS_MODULE="zhengwu.deploy.trading.settings",
        ZHENGWU_DATABASE_URL=database_url,
        ZHENGWU_VAR_DIR=str(var_dir),
        ZHENGWU_SECRET_KEY="bench-" + secrets.token_hex(16),
        # Nothing on the upload path enqueues a task; queued ones would go to a file nobody reads.
        ZHENGWU_TASKS_IMMEDIATE="0",
        ZHENGWU_LOG_LEVEL="WARNING",
    )
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("setup", "--no-demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return env


def bidders_make(*, count: int, work: Path, size_mb: int) -> tuple[str, list[SurgeBidder]]:
    """The published section and ``count`` bidders, each with a sealed bid of ``size_mb`` MiB in ``work``."""
    from django.conf import settings

    from zhengwu.contexts.bidding.models import OpeningKey
    from zhengwu.contexts.bidding.sealing import SealInput, bid_seal, sealed_verify
    from zhengwu.contexts.bidding.services import (
        bidder_key_register,
        custodian_key_register,
        platform_custodian_key_register,
    )
    from zhengwu.contexts.identity.selectors import actor_for
    from zhengwu.contexts.identity.services import api_token_create, organisation_create, user_create
    from zhengwu.contexts.tendering.models import Section
    from zhengwu.contexts.tendering.tests.factories import NOW, SYSTEM, tender_publish, uscc_make, world_build
    from zhengwu.kernel.clock import clock_now, clock_reset, clock_set
    from zhengwu.kernel.crypto import AgreementKey, SigningKey

    # These accounts never sign in with a password (tokens only): spare 200 Argon2 hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clock_set(NOW)
    world = world_build()
    platform_custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=SYSTEM)
    custodian_key_register(public=base64.b64encode(AgreementKey.generate().public_raw).decode(), by=world["agency"])
    _, sections, _ = tender_publish(world)
    section = sections[0]
    opening = OpeningKey.objects.get(section_uuid=section.uuid)
    clock_reset()
    Section.objects.filter(pk=section.pk).update(bid_deadline=clock_now() + dt.timedelta(days=1))

    accounts: list[tuple[str, str, SigningKey, AgreementKey]] = []
    started = time.perf_counter()
    for i in range(count):
        uscc = uscc_make()
        organisation = organisation_create(
            uscc=uscc, name=f"基准测试投标企业{i + 1:04d}有限公司", market_roles=["bidder"], by=SYSTEM
        )
        user = user_create(
            username=f"surge{i + 1:04d}",
            password=secrets.token_urlsafe(16),
            display_name=f"投标人{i + 1}",
            roles=["bidder"],
            organisation=organisation,
            by=SYSTEM,
        )
        actor = actor_for(user=user)
        signing, agreement = SigningKey.generate(), AgreementKey.generate()
        bidder_key_register(
            signing_public=signing.public.to_b64(),
            agreement_public=base64.b64encode(agreement.public_raw).decode("ascii"),
            by=actor,
        )
        _, token = api_token_create(name="投标工具", lifetime_days=30, second_factor_passed=False, by=actor)
        accounts.append((uscc, token, signing, agreement))
        progress_line("bidders", i + 1, count, started)

    opening_public = base64.b64decode(opening.public)
    plain = work / "bid.pdf"
    bidders: list[SurgeBidder] = []
    started = time.perf_counter()
    for i, (uscc, token, signing, agreement) in enumerate(accounts):
        plain.write_bytes(os.urandom(size_mb << 20))
        sealed = work / f"bid-{i + 1:04d}.sealed"
        with open(sealed, "wb") as out:
            bid_seal(
                files=[SealInput("投标文件.pdf", str(plain))],
                readout={"price_fen": 4_800_000_00 + i},
                section=section.code,
                envelope="single",
                bidder=uscc,
                signing_key=signing,
                opening_public=opening_public,
                bidder_public=agreement.public_raw if opening.bidder_key_required else None,
                out=out,
            )
        with open(sealed, "rb") as stream:
            info = sealed_verify(stream=stream, verify_key=signing.public)
        bidders.append(SurgeBidder(uscc=uscc, token=token, sealed=sealed, info=info))
        progress_line("sealing", i + 1, count, started)
    plain.unlink()
    return section.code, bidders


def surge_prepare(
    *, work: Path, bidders: int, size_mb: int, admin_dsn: str, on_database: Callable[[str], None]
) -> Surge:
    """Create the database (``on_database`` gets its name at once, for clean-up), the world and the bids."""
    name, url = database_create(admin_dsn)
    on_database(name)
    var_dir = work / "var"
    env = django_start(database_url=url, var_dir=var_dir)
    section_code, made = bidders_make(count=bidders, work=work, size_mb=size_mb)
    return Surge(
        database_url=url, database_name=name, var_dir=var_dir, section_code=section_code, bidders=made, env=env
    )
