"""The upward push between two installations: a city pushes a real tender's datasets to its province.

The city is a standalone installation set up with the demo data, whose concluded tender goes the
whole way (notice, opening, candidates, award, contract) through the services. Its public
platform queues the national datasets' records for the province: another installation of this
same code (the public deployable, on its own database, with its own key), which knows the city's
public key (``ZHENGWU_UPWARD_SOURCES``).

The province is down first: the records wait, pending, and are retried. Then it is up: everything
arrives, acknowledged, and the two installations' sync reports agree on every dataset. Pushing
again changes nothing on either side.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.driver import uscc_make
from tests.support import base_env, free_port, pg_database, pg_query, served, zhengwu
from zhengwu.kernel.crypto import SigningKey

pytestmark = pytest.mark.processes

CITY = uscc_make(5301)
DATASETS = {501, 502, 503, 506, 507, 510, 511, 512, 513}


@dataclass
class Pair:
    var: Path
    city_env: dict[str, str]
    province_env: dict[str, str]
    city_db: str
    province_db: str
    province_port: int

    def city(self, *args: str) -> Any:
        return zhengwu("standalone", *args, env=self.city_env, timeout=600)

    def province(self, *args: str) -> Any:
        return zhengwu("public", *args, env=self.province_env)

    def report(self, side: str) -> dict[str, Any]:
        result = (
            self.city("upward", "report", "--json") if side == "city" else self.province("upward", "report", "--json")
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return dict(json.loads(result.stdout))


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    var = tmp_path_factory.mktemp("upward-processes")
    city_key, province_key = SigningKey.generate(), SigningKey.generate()
    port = free_port()
    with ExitStack() as stack:
        city_db = stack.enter_context(pg_database("zw_up_city"))
        province_db = stack.enter_context(pg_database("zw_up_province"))
        city_env = base_env(
            database_url=city_db,
            var_dir=var / "city",
            ZHENGWU_SIGNING_KEY=city_key.to_b64(),
            ZHENGWU_OPERATOR_USCC=CITY,
            ZHENGWU_PUBLIC_URL="https://ggzy.km.example.cn",
            ZHENGWU_UPWARD_URL=f"http://127.0.0.1:{port}/api/disclosure/upward/upload",
            ZHENGWU_UPWARD_SYSTEM_NO="0871",
            ZHENGWU_UPWARD_TRADE_PLAT="E5301000001",
            ZHENGWU_UPWARD_PUB_SERVICE_PLAT="P5301000001",
            ZHENGWU_UPWARD_TRADE_SYSTEM_NO="E53010000001",
        )
        province_env = base_env(
            database_url=province_db,
            var_dir=var / "province",
            ZHENGWU_SIGNING_KEY=province_key.to_b64(),
            ZHENGWU_UPWARD_SOURCES=f"{CITY}={city_key.public.to_b64()}",
        )
        for side in ("city", "province"):
            (var / side).mkdir()
        yield Pair(var, city_env, province_env, city_db, province_db, port)


def _rows(report: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {row["data_no"]: row for row in report["sender"]["rows"]}


def test_a_tender_pushed_while_the_province_is_down_arrives_complete_once_it_is_up(pair: Pair) -> None:
    # The city runs its tenders (the demo's concluded one included) while the province is down.
    setup = pair.city("setup")
    # Its closing relay round fails only if a retry to the province happened to be due by then.
    assert setup.returncode == 0 or "some deliveries failed" in setup.stderr, setup.stdout + setup.stderr
    assert "concluded tender" in setup.stderr
    # Only the upward push is behind: every event between the city's own platforms was delivered.
    deliveries = pg_query(
        pair.city_db, "SELECT destination, status, count(*) FROM exchange_delivery GROUP BY 1, 2 ORDER BY 1, 2"
    )
    assert {(destination, status) for destination, status, _ in deliveries} >= {("public", "delivered")}
    assert [status for destination, status, _ in deliveries if destination == "upward"] == ["pending"]
    assert all(status == "delivered" for destination, status, _ in deliveries if destination != "upward")

    down = _rows(pair.report("city"))
    assert set(down) >= DATASETS
    assert all(row["sent"] == 0 and row["pending"] == row["queued"] > 0 for row in down.values())
    assert sum(row["retrying"] for row in down.values()) > 0
    assert pair.report("city")["sender"]["last_error"].startswith("ConnectionRefusedError")
    # The concluded tender's bidders, candidates, result and contract are among them.
    assert (down[507]["queued"], down[510]["queued"], down[513]["queued"], down[512]["queued"]) >= (5, 3, 1, 1)

    # Pushing while it is still down: retried, still pending, nothing lost.
    still_down = pair.city("upward", "push")
    assert still_down.returncode == 1
    assert "failed" in still_down.stdout
    assert {n: r["pending"] for n, r in _rows(pair.report("city")).items()} == {n: r["queued"] for n, r in down.items()}

    # The province comes up.
    migrated = pair.province("migrate")
    assert migrated.returncode == 0, migrated.stderr
    with served("public", env=pair.province_env, port=pair.province_port):
        pushed = pair.city("upward", "push")
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr
        assert "refused 0, failed 0, dead letters 0" in pushed.stdout

        city, province = pair.report("city"), pair.report("province")
        sent = _rows(city)
        assert set(sent) == set(down)
        assert all(r["acknowledged"] == r["queued"] and r["pending"] == r["rejected"] == 0 for r in sent.values())
        received = {r["data_no"]: r for r in province["receiver"]["rows"] if r["source"] == CITY}
        assert province["receiver"]["sources"] == [CITY]
        # The two reports agree on every dataset.
        assert {n: (r["sent"], r["acknowledged"], r["rejected"]) for n, r in sent.items()} == {
            n: (r["received"], r["accepted"], r["rejected"]) for n, r in received.items()
        }

        # Every record the city holds is at the province, under the same DATA_KEY, as last sent.
        city_records = dict(pg_query(pair.city_db, "SELECT data_key, data_timestamp FROM disclosure_upwardrecord"))
        province_records = dict(
            pg_query(
                pair.province_db,
                "SELECT data_key, data_timestamp FROM disclosure_upwardreceived WHERE source = %s AND NOT deleted",
                (CITY,),
            )
        )
        assert province_records == city_records
        assert all(key.startswith("0871") and len(key) == 22 for key in city_records)
        (winner,) = pg_query(pair.city_db, "SELECT fields FROM disclosure_upwardrecord WHERE data_no = 513")
        (stored,) = pg_query(pair.province_db, "SELECT fields FROM disclosure_upwardreceived WHERE data_no = 513")
        assert stored[0]["WIN_BIDDER_CODE"] == dict(winner[0])["WIN_BIDDER_CODE"]
        assert (stored[0]["PUB_SERVICE_PLAT_CODE"], stored[0]["TRADE_PLAT"]) == (CITY, "E5301000001")

        # Pushing again sends nothing more and counts nothing twice.
        again = pair.city("upward", "push")
        assert again.returncode == 0, again.stdout + again.stderr
        assert "acknowledged 0" in again.stdout
        assert pair.report("province")["receiver"]["rows"] == province["receiver"]["rows"]
