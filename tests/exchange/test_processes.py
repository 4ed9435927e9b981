"""The exchange between two deployables running as separate processes on separate databases.

A ``trading`` sender and a ``public`` receiver, each with its own PostgreSQL database and its
own Ed25519 key, trusting each other through ``ZHENGWU_PEERS``. Events are produced by a
driver process with the trading settings; the relay runs as ``zhengwu exchange relay`` or as
the huey worker. Processes are killed with SIGKILL at awkward moments, and at the end every
message has been applied exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.exchange.driver import plan, uscc_make
from tests.support import base_env, free_port, pg_database, pg_query, wait_http
from zhengwu.kernel.crypto import SigningKey
from zhengwu.platform.exchange.envelope import Envelope

pytestmark = pytest.mark.processes

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("ZHENGWU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise TimeoutError(f"not within {timeout}s: {what}")


class Deployments:
    """The two deployables, their databases and every process the tests start."""

    def __init__(self, *, var: Path, trading_db: str, public_db: str) -> None:
        self.var = var
        self.trading_db = trading_db
        self.public_db = public_db
        self.trading_key = SigningKey.generate()
        self.public_key = SigningKey.generate()
        self.public_port = free_port()
        self.public_url = f"http://127.0.0.1:{self.public_port}"
        # Supervision is routed to but not running: its deliveries wait, which must not hold up public.
        self.trading_env = base_env(
            database_url=trading_db,
            var_dir=var / "trading",
            ZHENGWU_SIGNING_KEY=self.trading_key.to_b64(),
            ZHENGWU_PEERS=f"public={self.public_url}/|{self.public_key.public.to_b64()}",
            ZHENGWU_TASKS_IMMEDIATE="0",
        )
        self.public_env = base_env(
            database_url=public_db,
            var_dir=var / "public",
            ZHENGWU_SIGNING_KEY=self.public_key.to_b64(),
            ZHENGWU_PEERS=f"trading=http://127.0.0.1:9/|{self.trading_key.public.to_b64()}",
            ZHENGWU_TASKS_IMMEDIATE="0",
        )
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        for side in ("trading", "public"):
            (var / side).mkdir(parents=True, exist_ok=True)

    # processes ------------------------------------------------------------------------------

    def spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        """Start a process in its own process group (so that SIGKILL reaches its children too)."""
        self.stop(name, sig=signal.SIGKILL)
        log = (self.var / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes[name] = proc
        return proc

    def stop(self, name: str, *, sig: signal.Signals = signal.SIGTERM, timeout: float = 15) -> None:
        proc = self.processes.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
        except ProcessLookupError:
            pass
        if sig != signal.SIGKILL:
            # Children (gunicorn workers) may outlive a terminated parent for a moment.
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name, sig=signal.SIGKILL)

    def cli(self, platform: str, *args: str) -> list[str]:
        return [sys.executable, "-m", "zhengwu.cli", "--platform", platform, *args]

    def receiver_start(self) -> None:
        self.spawn(
            "receiver",
            self.cli("public", "serve", "--port", str(self.public_port), "--workers", "2", "--no-worker"),
            self.public_env,
        )
        wait_http(self.public_url + "/healthz", timeout=30)

    def receiver_kill(self) -> None:
        self.stop("receiver", sig=signal.SIGKILL)

    def relay_loop_start(self, env: dict[str, str] | None = None) -> None:
        self.spawn(
            "relay",
            self.cli("trading", "exchange", "relay", "--loop", "--interval", "0.2", "--limit", "20"),
            env or self.trading_env,
        )

    def relay_once(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.cli("trading", "exchange", "relay", "--once", "--limit", "1000"),
            env=self.trading_env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def drive(
        self, *, first: int, count: int, versions: int, suspend_every: int = 0, env: dict[str, str] | None = None
    ) -> None:
        env = dict(env or self.trading_env, DJANGO_SETTINGS_MODULE="zhengwu.deploy.trading.settings")
        args = ["--first", str(first), "--count", str(count), "--versions", str(versions)]
        args += ["--suspend-every", str(suspend_every)]
        result = subprocess.run(
            [sys.executable, "-m", "tests.exchange.driver", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout) == {"published": count * versions}

    # databases ------------------------------------------------------------------------------

    def public(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return pg_query(self.public_db, sql, params)

    def trading(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return pg_query(self.trading_db, sql, params)

    def applied(self, usccs: list[str]) -> int:
        rows = self.public("SELECT count(*) FROM exchange_inboxmessage WHERE aggregate_id = ANY(%s)", (usccs,))
        return int(rows[0][0])

    def public_deliveries(self, usccs: list[str]) -> dict[str, int]:
        rows = self.trading(
            "SELECT status, count(*) FROM exchange_delivery WHERE destination = 'public' AND aggregate_id = ANY(%s)"
            " GROUP BY status",
            (usccs,),
        )
        return {status: int(n) for status, n in rows}

    def assert_exactly_once(self, *, first: int, count: int, versions: int, suspend_every: int = 0) -> None:
        """Every event of the plan applied once, in order: inbox, cursors and the read model agree."""
        usccs = [uscc_make(n) for n in range(first, first + count)]
        outbox = self.trading(
            "SELECT m.message_id::text FROM exchange_outboxmessage m WHERE m.aggregate_id = ANY(%s)", (usccs,)
        )
        inbox = self.public(
            "SELECT message_id::text FROM exchange_inboxmessage"
            " WHERE destination = 'public' AND aggregate_id = ANY(%s)",
            (usccs,),
        )
        assert len(outbox) == count * versions
        assert sorted(inbox) == sorted(outbox)  # the same messages, none twice, none missing
        cursors = self.public(
            "SELECT aggregate_id, last_sequence FROM exchange_inboxcursor WHERE source = 'trading'"
            " AND destination = 'public' AND aggregate_id = ANY(%s) ORDER BY aggregate_id",
            (usccs,),
        )
        assert cursors == [(u, versions) for u in sorted(usccs)]
        # Each subject is as its last event left it: listed with its last version, or gone.
        last = {e.uscc: e for e in plan(first=first, count=count, versions=versions, suspend_every=suspend_every)}
        expected = sorted((e.uscc, e.name, e.version) for e in last.values() if e.status == "verified")
        listed = self.public(
            "SELECT uscc, name, version FROM disclosure_marketsubject WHERE uscc = ANY(%s) ORDER BY uscc", (usccs,)
        )
        assert listed == expected
        assert self.public_deliveries(usccs) == {"delivered": count * versions}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployments]:
    var = tmp_path_factory.mktemp("exchange-processes")
    with ExitStack() as stack:
        trading_db = stack.enter_context(pg_database("zw_x_trading"))
        public_db = stack.enter_context(pg_database("zw_x_public"))
        deployments = Deployments(var=var, trading_db=trading_db, public_db=public_db)
        stack.callback(deployments.stop_all)
        migrations = [
            subprocess.Popen(
                deployments.cli(platform, "migrate", "--no-input"),
                env=env,
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for platform, env in (("trading", deployments.trading_env), ("public", deployments.public_env))
        ]
        for proc in migrations:
            output, _ = proc.communicate(timeout=180)
            assert proc.returncode == 0, output.decode()
        yield deployments


def test_a_receiver_that_is_down_gets_every_message_once_it_is_back(net: Deployments) -> None:
    net.receiver_kill()
    first, count, versions = 1000, 10, 5
    usccs = [uscc_make(n) for n in range(first, first + count)]
    net.drive(first=first, count=count, versions=versions, suspend_every=4)

    result = net.relay_once()

    assert result.returncode == 1, result.stdout + result.stderr
    assert net.public_deliveries(usccs) == {"pending": count * versions}
    heads = net.trading(
        "SELECT attempts, last_error FROM exchange_delivery WHERE destination = 'public' AND sequence = 1"
        " AND aggregate_id = ANY(%s)",
        (usccs,),
    )
    assert len(heads) == count
    assert all(attempts == 1 and "ConnectionRefusedError" in error for attempts, error in heads)
    later = net.trading(
        "SELECT count(*) FROM exchange_delivery WHERE destination = 'public' AND sequence > 1 AND attempts = 0"
        " AND aggregate_id = ANY(%s)",
        (usccs,),
    )
    assert later == [(count * (versions - 1),)]  # never sent ahead of their predecessors
    supervision = net.trading(
        "SELECT DISTINCT status, last_error FROM exchange_delivery WHERE destination = 'supervision'"
        " AND sequence = 1 AND aggregate_id = ANY(%s)",
        (usccs,),
    )
    assert supervision == [("pending", "no peer configured for platform 'supervision' (ZHENGWU_PEERS)")]

    net.receiver_start()
    net.relay_loop_start()
    wait_until(lambda: net.applied(usccs) == count * versions, timeout=60, what="all messages applied")
    net.stop("relay")

    net.assert_exactly_once(first=first, count=count, versions=versions, suspend_every=4)


def test_killing_the_relay_or_the_receiver_mid_batch_loses_nothing_and_applies_nothing_twice(
    net: Deployments,
) -> None:
    net.receiver_start()
    first, count, versions = 2000, 20, 25
    total = count * versions
    usccs = [uscc_make(n) for n in range(first, first + count)]
    net.drive(first=first, count=count, versions=versions, suspend_every=5)

    net.relay_loop_start()
    wait_until(lambda: net.applied(usccs) >= 20, timeout=60, what="the relay got going", interval=0.01)
    net.stop("relay", sig=signal.SIGKILL)
    killed_at = net.applied(usccs)
    assert 0 < killed_at < total

    net.relay_loop_start()
    wait_until(lambda: net.applied(usccs) >= killed_at + 40, timeout=60, what="relay resumed", interval=0.01)
    net.receiver_kill()
    receiver_killed_at = net.applied(usccs)
    assert receiver_killed_at < total
    time.sleep(1)  # the relay meets a dead receiver and backs off
    net.receiver_start()

    wait_until(lambda: net.applied(usccs) == total, timeout=90, what="every message applied")
    net.stop("relay")
    net.assert_exactly_once(first=first, count=count, versions=versions, suspend_every=5)


def _post(url: str, envelope_body: bytes, *, source: str, signature: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - local test server
        url + "/exchange/inbox",
        data=envelope_body,
        method="POST",
        headers={"Content-Type": "application/json", "X-Zhengwu-Source": source, "X-Zhengwu-Signature": signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_forged_or_altered_message_is_refused_and_logged(net: Deployments) -> None:
    net.receiver_start()
    uscc = uscc_make(3000)
    event = plan(first=3000, count=1, versions=2)[1]  # a verified subject
    genuine = Envelope(
        id="01950000-0000-7000-8000-000000003000",
        source="trading",
        destination="public",
        event_type=event.event_type,
        aggregate_type=event.aggregate_type,
        aggregate_id=uscc,
        sequence=1,
        occurred_at="2026-03-02T00:00:00+00:00",
        payload=event.payload(),
    )
    altered = json.loads(genuine.canonical())
    altered["payload"]["name"] = "Impostor Ltd"
    rejected_before = net.public("SELECT count(*) FROM exchange_rejectedmessage")[0][0]

    forged = _post(net.public_url, genuine.canonical(), source="trading", signature=genuine.sign(SigningKey.generate()))
    tampered = _post(
        net.public_url, json.dumps(altered).encode(), source="trading", signature=genuine.sign(net.trading_key)
    )
    stranger = _post(net.public_url, genuine.canonical(), source="center", signature=genuine.sign(net.trading_key))

    assert forged == (
        403,
        {
            "code": "exchange_signature_invalid",
            "message": "消息签名验证失败，可能被伪造或篡改",
            "detail": {"reason": "bad_signature"},
        },
    )
    assert (tampered[0], tampered[1]["code"]) == (403, "exchange_signature_invalid")
    assert (stranger[0], stranger[1]["code"]) == (401, "exchange_unknown_source")
    rows = net.public(
        "SELECT reason, claimed_source, message_id, remote_addr FROM exchange_rejectedmessage ORDER BY id OFFSET %s",
        (rejected_before,),
    )
    assert rows == [
        ("bad_signature", "trading", genuine.id, "127.0.0.1"),
        ("bad_signature", "trading", genuine.id, "127.0.0.1"),
        ("unknown_source", "center", "", "127.0.0.1"),
    ]
    assert net.public("SELECT count(*) FROM exchange_inboxmessage WHERE aggregate_id = %s", (uscc,)) == [(0,)]
    assert net.public("SELECT count(*) FROM disclosure_marketsubject WHERE uscc = %s", (uscc,)) == [(0,)]

    # The very same message, properly signed by the trading platform, is accepted.
    assert _post(net.public_url, genuine.canonical(), source="trading", signature=genuine.sign(net.trading_key)) == (
        200,
        {"status": "applied", "message_id": genuine.id},
    )
    assert net.public("SELECT name, version FROM disclosure_marketsubject WHERE uscc = %s", (uscc,)) == [
        ("Subject 3000 v2", 2)
    ]


def test_the_huey_worker_on_redis_runs_the_relay_after_commit(net: Deployments) -> None:
    net.receiver_start()
    net.stop("relay")
    redis_env = dict(net.trading_env, ZHENGWU_TASKS_URL=REDIS_URL)
    first, count, versions = 4000, 5, 3
    usccs = [uscc_make(n) for n in range(first, first + count)]
    net.spawn("worker", net.cli("trading", "worker"), redis_env)

    net.drive(first=first, count=count, versions=versions, env=redis_env)

    wait_until(lambda: net.applied(usccs) == count * versions, timeout=45, what="the worker delivered")
    net.stop("worker")
    net.assert_exactly_once(first=first, count=count, versions=versions)
