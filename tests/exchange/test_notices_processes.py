"""Published notices reach the public and the supervision platforms through the exchange.

Three deployables as separate processes, each on its own PostgreSQL database with its own
Ed25519 key: ``trading`` (the sender, driven by ``notice_driver.py``, which publishes tendering's
events and runs the relay), ``public`` and ``supervision`` (receivers, served by gunicorn).
Every notice lands on both receivers with every field; section status changes land on the
supervision platform only; sending everything again duplicates nothing.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.notice_driver import notice_id, plan, project_code
from tests.support import base_env, free_port, http_get, pg_database, pg_query, served, zhengwu
from zhengwu.contexts.tendering.events import NoticePublished, SectionStatusChanged
from zhengwu.kernel.crypto import SigningKey

pytestmark = pytest.mark.processes

REPO = Path(__file__).resolve().parents[2]
FIRST, PROJECTS = 1, 6
EVENTS = plan(first=FIRST, projects=PROJECTS)
NOTICES = [e for e in EVENTS if isinstance(e, NoticePublished)]
CHANGES = [e for e in EVENTS if isinstance(e, SectionStatusChanged)]


@dataclass
class Net:
    var: Path
    envs: dict[str, dict[str, str]]
    dbs: dict[str, str]
    urls: dict[str, str]

    def db(self, platform: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return pg_query(self.dbs[platform], sql, params)

    def drive(self) -> dict[str, Any]:
        env = dict(self.envs["trading"], DJANGO_SETTINGS_MODULE="zhengwu.deploy.trading.settings")
        result = subprocess.run(
            [sys.executable, "-m", "tests.exchange.notice_driver", "--first", str(FIRST), "--projects", str(PROJECTS)],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return dict(json.loads(result.stdout))

    def relay_once(self) -> subprocess.CompletedProcess[str]:
        return zhengwu("trading", "exchange", "relay", "--once", "--limit", "1000", env=self.envs["trading"])

    def snapshot(self) -> dict[str, Any]:
        """Everything the receivers hold of the plan's trades, to compare before and after a replay."""
        status, body = http_get(self.urls["public"] + "/api/disclosure/notices?size=100")
        assert status == 200, body
        return {
            "public_api": json.loads(body),
            "public_inbox": self.db("public", "SELECT event_type, count(*) FROM exchange_inboxmessage GROUP BY 1"),
            "public_notices": self.db(
                "public", "SELECT notice_id::text, received_at FROM disclosure_notice ORDER BY 1"
            ),
            "supervision_inbox": self.db(
                "supervision", "SELECT event_type, count(*) FROM exchange_inboxmessage GROUP BY 1 ORDER BY 1"
            ),
            "supervision_notices": self.db(
                "supervision", "SELECT notice_id::text, received_at FROM supervision_watchednotice ORDER BY 1"
            ),
            "sections": self.db(
                "supervision",
                "SELECT project_code, section_code, status, change_count, changed_at FROM supervision_watchedsection"
                " ORDER BY 1, 2",
            ),
            "history": self.db(
                "supervision", "SELECT message_id::text, status FROM supervision_sectionstatushistory ORDER BY 1"
            ),
        }


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Net]:
    var = tmp_path_factory.mktemp("notices-processes")
    keys = {name: SigningKey.generate() for name in ("trading", "public", "supervision")}
    ports = {name: free_port() for name in ("public", "supervision")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    with ExitStack() as stack:
        dbs = {name: stack.enter_context(pg_database(f"zw_n_{name}")) for name in keys}
        trading_peers = ",".join(f"{n}={urls[n]}/|{keys[n].public.to_b64()}" for n in ("public", "supervision"))
        # Receivers only need to know the sender; nothing is sent back to the trading platform.
        receiver_peers = f"trading=http://127.0.0.1:9/|{keys['trading'].public.to_b64()}"
        envs = {
            name: base_env(
                database_url=dbs[name],
                var_dir=var / name,
                ZHENGWU_SIGNING_KEY=keys[name].to_b64(),
                ZHENGWU_PEERS=trading_peers if name == "trading" else receiver_peers,
                # The driver runs the relay itself; nothing is sent behind its back.
                ZHENGWU_TASKS_IMMEDIATE="0",
            )
            for name in keys
        }
        for name in keys:
            (var / name).mkdir()
        migrations = {
            name: subprocess.Popen(
                [sys.executable, "-m", "zhengwu.cli", "--platform", name, "migrate", "--no-input"],
                env=envs[name],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for name in keys
        }
        for name, proc in migrations.items():
            output, _ = proc.communicate(timeout=180)
            assert proc.returncode == 0, f"{name}: {output.decode()}"
        # The demo gives the supervision platform its city leader (no second factor needed).
        demo = zhengwu("supervision", "demo", env=envs["supervision"])
        assert demo.returncode == 0, demo.stderr
        for name in ("public", "supervision"):
            stack.enter_context(served(name, env=envs[name], port=ports[name]))
        yield Net(var=var, envs=envs, dbs=dbs, urls=urls)


def _utc(text: str | None) -> str | None:
    if text is None:
        return None
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _expected_api_item(event: NoticePublished) -> dict[str, Any]:
    item = event.payload()
    # The facts the notice carries for the upward push's datasets are not part of the notice API.
    for name in ("tenderer_uscc", "agency_uscc", "industry_code", "project_created_at", "doc_issue_start",
                 "doc_issue_end", "sections"):  # fmt: skip
        item.pop(name)
    for name in ("published_at", "bid_deadline", "opening_at"):
        item[name] = _utc(item[name])
    return item


def _page(url: str, *, username: str, password: str, path: str) -> tuple[int, str]:
    """Sign in on the supervision platform's login page (CSRF and all) and GET ``path``."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = url + "/supervision/accounts/login/"
    opener.open(login, timeout=10).read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": path}
    ).encode()
    request = urllib.request.Request(login, data=form, headers={"Referer": login})  # noqa: S310
    opener.open(request, timeout=10).read()
    with opener.open(url + path, timeout=10) as response:
        return response.status, response.read().decode()


def test_every_notice_reaches_both_platforms_and_section_changes_only_supervision(net: Net) -> None:
    report = net.drive()

    assert report["published"] == len(EVENTS) == 52
    # One delivery per notice for each receiver, one per section change for supervision.
    assert report["relay"][0] == {
        "attempted": 2 * len(NOTICES) + len(CHANGES),
        "delivered": 2 * len(NOTICES) + len(CHANGES),
        "duplicates": 0,
        "failed": 0,
        "dead": 0,
        "limit_reached": False,
        "refused": 0,
        "held": 0,
    }
    assert report["relay"][1]["attempted"] == 0

    # Public: the API returns every notice, newest first, with every field as it was sent.
    status, body = http_get(net.urls["public"] + "/api/disclosure/notices?size=100")
    assert status == 200, body
    listing = json.loads(body)
    assert listing["total"] == len(NOTICES) == 14
    received = {item["notice_id"]: item for item in listing["items"]}
    assert set(received) == {n.notice_id for n in NOTICES}
    for event in NOTICES:
        item = dict(received[event.notice_id])
        assert dt.datetime.fromisoformat(item.pop("received_at")).tzinfo is not None
        assert item == _expected_api_item(event)
    published = [dt.datetime.fromisoformat(i["published_at"]) for i in listing["items"]]
    assert published == sorted(published, reverse=True)
    # An original notice knows both amendments of it; an unknown notice is a 404 in the error shape.
    status, body = http_get(f"{net.urls['public']}/api/disclosure/notices/{notice_id(2, 1)}")
    assert (status, json.loads(body)["amended_by"]) == (200, [notice_id(2, 2), notice_id(2, 3)])
    status, body = http_get(f"{net.urls['public']}/api/disclosure/notices/{notice_id(99, 1)}")
    assert (status, json.loads(body)["code"]) == (404, "disclosure_notice_not_found")
    # The notice page escapes the body.
    status, body = http_get(f"{net.urls['public']}/notices/{notice_id(1, 1)}/")
    assert status == 200
    assert "Second line &lt;script&gt;x&lt;/script&gt;" in body
    assert "<script>" not in body
    # And the search finds them on the receiving deployable: Chinese through the pair index,
    # words in titles, every word required.
    for q, expected in (
        ("滇池项目", {n.notice_id for n in NOTICES}),
        ("amendment", {n.notice_id for n in NOTICES if n.kind == "amendment"}),
        ("滇池项目 terminated", {n.notice_id for n in NOTICES if n.kind == "termination"}),
        ("洱海", set()),
    ):
        status, body = http_get(net.urls["public"] + "/api/disclosure/notices?size=100&q=" + urllib.parse.quote(q))
        assert status == 200, body
        assert {item["notice_id"] for item in json.loads(body)["items"]} == expected, q
    assert len({n.notice_id for n in NOTICES if n.kind == "amendment"}) == 6

    # Section changes never went to the public platform.
    assert net.db("public", "SELECT event_type, count(*) FROM exchange_inboxmessage GROUP BY 1") == [
        (NoticePublished.event_type, len(NOTICES))
    ]
    assert net.db(
        "trading",
        "SELECT d.destination, m.event_type, count(*) FROM exchange_delivery d"
        " JOIN exchange_outboxmessage m ON m.id = d.message_id GROUP BY 1, 2 ORDER BY 1, 2",
    ) == [
        ("public", NoticePublished.event_type, len(NOTICES)),
        ("supervision", NoticePublished.event_type, len(NOTICES)),
        ("supervision", SectionStatusChanged.event_type, len(CHANGES)),
    ]

    # Supervision: every notice, every section in its last status with its whole history.
    notices = net.db(
        "supervision",
        "SELECT notice_id::text, kind, project_code, title, section_codes, published_at, bid_deadline,"
        " references_notice_id::text FROM supervision_watchednotice ORDER BY notice_id",
    )
    assert notices == sorted(
        (
            n.notice_id, n.kind, n.project_code, n.title, n.section_codes,
            dt.datetime.fromisoformat(n.published_at),
            dt.datetime.fromisoformat(n.bid_deadline) if n.bid_deadline else None,
            n.references_notice_id,
        )
        for n in NOTICES
    )  # fmt: skip
    last: dict[tuple[str, str], SectionStatusChanged] = {}
    counts: dict[tuple[str, str], int] = {}
    for change in CHANGES:
        key = (change.project_code, change.section_code)
        last[key] = change
        counts[key] = counts.get(key, 0) + 1
    sections = net.db(
        "supervision",
        "SELECT project_code, section_code, status, previous_status, reason, changed_at, change_count"
        " FROM supervision_watchedsection ORDER BY 1, 2",
    )
    assert sections == [
        (p, s, c.status, c.previous_status, c.reason, dt.datetime.fromisoformat(c.changed_at), counts[(p, s)])
        for (p, s), c in sorted(last.items())
    ]
    assert [row[:3] for row in sections if row[2] == "terminated"] == [
        (project_code(3), f"{project_code(3)}-02", "terminated"),
        (project_code(6), f"{project_code(6)}-02", "terminated"),
    ]
    assert net.db("supervision", "SELECT count(*) FROM supervision_sectionstatushistory") == [(len(CHANGES),)]

    # The regulators' page on the supervision deployable shows them (a city leader signs in).
    status, html = _page(net.urls["supervision"], username="leader", password="Zhengwu@2026",
                         path="/supervision/trades/?status=terminated")  # fmt: skip
    assert status == 200
    assert [part.split('"')[0] for part in html.split('<tr data-section="')[1:]] == [
        f"{project_code(3)}/{project_code(3)}-02",
        f"{project_code(6)}/{project_code(6)}-02",
    ]
    assert "Project 3 section 2 terminated" in html


def test_running_the_relay_again_or_resending_everything_duplicates_nothing(net: Net) -> None:
    before = net.snapshot()
    assert before["public_api"]["total"] == len(NOTICES)

    again = net.relay_once()
    assert again.returncode == 0, again.stdout + again.stderr
    assert net.snapshot() == before

    # As if a relay had sent everything but died before recording it: every delivery goes again.
    net.db("trading", "UPDATE exchange_delivery SET status = 'pending', next_attempt_at = now(), delivered_at = NULL")
    resent = net.relay_once()

    assert resent.returncode == 0, resent.stdout + resent.stderr
    total = 2 * len(NOTICES) + len(CHANGES)
    assert f"delivered {total} (already applied {total})" in resent.stdout + resent.stderr
    assert net.snapshot() == before
    assert net.db("trading", "SELECT status, count(*) FROM exchange_delivery GROUP BY 1") == [("delivered", total)]
