"""Notices published by the trading platform's own services reach public and supervision.

Unlike test_notices_processes.py, which drives the exchange with hand-made events, here the
trading deployable publishes through ``notice_publish`` (via its demo: projects registered,
notices drafted, approved by staff and published against the working-day calendar). Three
deployables, three PostgreSQL databases, three keys; the receivers are served by gunicorn.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.support import base_env, free_port, http_get, pg_database, pg_query, served, zhengwu
from zhengwu.kernel.crypto import AgreementKey, SigningKey

pytestmark = pytest.mark.processes


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    var = tmp_path_factory.mktemp("tendering-processes")
    names = ("trading", "public", "supervision")
    keys = {name: SigningKey.generate() for name in names}
    # The supervision deployable holds its share of every opening key: trading seals it to this key.
    custody = AgreementKey.generate()
    ports = {name: free_port() for name in ("public", "supervision")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    with ExitStack() as stack:
        dbs = {name: stack.enter_context(pg_database(f"zw_t_{name}")) for name in names}
        trading_peers = ",".join(f"{n}={urls[n]}/|{keys[n].public.to_b64()}" for n in ("public", "supervision"))
        receiver_peers = f"trading=http://127.0.0.1:9/|{keys['trading'].public.to_b64()}"
        envs = {
            name: base_env(
                database_url=dbs[name],
                var_dir=var / name,
                ZHENGWU_SIGNING_KEY=keys[name].to_b64(),
                ZHENGWU_PEERS=trading_peers if name == "trading" else receiver_peers,
                ZHENGWU_TASKS_IMMEDIATE="0",
                **(
                    {"ZHENGWU_AGREEMENT_KEY": base64.b64encode(custody.raw()).decode()}
                    if name == "supervision"
                    else {"ZHENGWU_SUPERVISION_CUSTODY_KEY": base64.b64encode(custody.public_raw).decode()}
                    if name == "trading"
                    else {}
                ),
            )
            for name in names
        }
        for name in ("public", "supervision"):
            result = zhengwu(name, "setup", "--no-demo", env=envs[name])
            assert result.returncode == 0, result.stderr
            stack.enter_context(served(name, env=envs[name], port=ports[name]))
        # The trading platform's setup loads its demo through the services and runs the relay.
        result = zhengwu("trading", "setup", env=envs["trading"])
        assert result.returncode == 0, result.stdout + result.stderr
        yield {"dbs": dbs, "urls": urls, "envs": envs}


def test_every_notice_published_on_trading_reaches_public_and_supervision(net: dict[str, Any]) -> None:
    published = pg_query(
        net["dbs"]["trading"],
        "SELECT uuid::text, title FROM tendering_notice WHERE status = 'published' ORDER BY 1",
    )
    assert len(published) >= 2, "the demo publishes at least a construction and a procurement notice"

    status, body = http_get(net["urls"]["public"] + "/api/disclosure/notices?size=100")
    assert status == 200, body
    public = sorted((item["notice_id"], item["title"]) for item in json.loads(body)["items"])
    assert public == published

    watched = pg_query(
        net["dbs"]["supervision"], "SELECT notice_id::text, title FROM supervision_watchednotice ORDER BY 1"
    )
    assert watched == published


def test_supervision_follows_each_published_section_and_public_gets_no_status(net: dict[str, Any]) -> None:
    sections = pg_query(
        net["dbs"]["trading"],
        "SELECT code, status FROM tendering_section WHERE status <> 'draft' ORDER BY 1",
    )
    watched = pg_query(
        net["dbs"]["supervision"], "SELECT section_code, status FROM supervision_watchedsection ORDER BY 1"
    )
    assert watched == sections
    public_types = pg_query(net["dbs"]["public"], "SELECT DISTINCT event_type FROM exchange_inboxmessage ORDER BY 1")
    assert ("tendering.section.status_changed",) not in public_types


def test_relaying_again_delivers_nothing_twice(net: dict[str, Any]) -> None:
    before = pg_query(net["dbs"]["public"], "SELECT count(*) FROM exchange_inboxmessage")
    result = zhengwu("trading", "exchange", "relay", "--once", env=net["envs"]["trading"])
    assert result.returncode == 0, result.stderr
    assert pg_query(net["dbs"]["public"], "SELECT count(*) FROM exchange_inboxmessage") == before
    pending = pg_query(net["dbs"]["trading"], "SELECT count(*) FROM exchange_delivery WHERE status <> 'delivered'")
    assert pending == [(0,)]


def test_the_supervision_platform_holds_its_share_of_every_opening_key(net: dict[str, Any]) -> None:
    keys = pg_query(net["dbs"]["trading"], "SELECT section_code, fingerprint FROM bidding_openingkey ORDER BY 1")
    assert keys, "the demo publishes sealed-bid tenders"
    held = pg_query(
        net["dbs"]["supervision"],
        "SELECT section_code, opening_fingerprint FROM supervision_heldshare ORDER BY 1",
    )
    assert held == keys
    # Nothing is released before a freeze: the shares stay sealed on the supervision side.
    released = pg_query(
        net["dbs"]["supervision"], "SELECT count(*) FROM supervision_heldshare WHERE released_at IS NOT NULL"
    )
    assert released == [(0,)]
