"""``zhengwu bid submit`` against a real trading deployable (gunicorn, PostgreSQL), resume included.

The bidder seals offline with ``zhengwu bid seal``, starts ``zhengwu bid submit`` and is cut
off mid-upload (the process is killed); ``--resume`` asks the server what it has and finishes.
The receipt is checked against the platform key published by ``zhengwu keys`` and kept next to
the file; ``zhengwu bid verify --receipt`` checks it offline, and refuses a forged one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support import base_env, pg_database, pg_query, served, zhengwu

pytestmark = pytest.mark.processes

BID_SIZE = 6 << 20
CHUNK = 16 << 10


def _seal(env: dict[str, str], setup: dict[str, str], tmp: Path, name: str, price: str) -> Path:
    document = tmp / f"{name}.pdf"
    document.write_bytes(os.urandom(BID_SIZE))
    out = tmp / f"{name}.sealed"
    result = zhengwu(
        "trading",
        "bid",
        "seal",
        str(document),
        "--key",
        str(tmp / "bidder1.key"),
        "--section",
        setup["section"],
        "--bidder",
        setup["bidder_uscc"],
        "--opening-key",
        setup["opening_public"],
        "--fingerprint",
        setup["opening_fingerprint"],
        "--price",
        price,
        "--out",
        str(out),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return out


def _commitment(path: Path) -> dict[str, object]:
    data = path.read_bytes()
    return dict(json.loads(data[data.rindex(b'{"commitment"') :])["commitment"])


def test_bid_submit_uploads_resumes_after_an_interruption_and_keeps_a_verified_receipt(tmp_path: Path) -> None:
    with pg_database("zw_bid_submit") as database_url:
        env = base_env(database_url=database_url, var_dir=tmp_path / "var")
        result = zhengwu("trading", "setup", "--no-demo", env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        driver = subprocess.run(
            [sys.executable, "-m", "tests.bidding.submit_driver", "--out", str(tmp_path)],
            env={**env, "DJANGO_SETTINGS_MODULE": "zhengwu.deploy.trading.settings"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert driver.returncode == 0, driver.stderr
        setup = json.loads(driver.stdout.strip().splitlines()[-1])
        keys = zhengwu("trading", "keys", env=env)
        assert keys.returncode == 0, keys.stderr
        key_file = tmp_path / "platform-key.txt"
        key_file.write_text(keys.stdout, encoding="utf-8")

        first = _seal(env, setup, tmp_path, "first", "4876543.21")
        second = _seal(env, setup, tmp_path, "second", "4800000.00")
        with served("trading", env=env) as base:
            submit = [sys.executable, "-m", "zhengwu.cli", "bid", "submit", "--server", base]
            auth = ["--token", setup["token"], "--chunk-size", str(CHUNK)]

            # Start, then cut the bidder off once the server holds part of the file.
            proc = subprocess.Popen(
                [*submit, str(first), *auth, "--platform-key", str(key_file)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            lines: list[str] = []
            reader = threading.Thread(target=lambda: lines.extend(iter(proc.stderr.readline, "")), daemon=True)  # type: ignore[union-attr]
            reader.start()
            upload_id = ""
            received = 0
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                found = re.search(r"上传编号：([0-9a-f-]{36})", "".join(lines))
                if found:
                    upload_id = found.group(1)
                    rows = pg_query(
                        database_url, "SELECT received_size FROM bidding_bidupload WHERE uuid = %s", (upload_id,)
                    )
                    received = int(rows[0][0]) if rows else 0
                    if received >= 4 * CHUNK:
                        proc.kill()
                        break
                time.sleep(0.02)
            proc.wait(timeout=10)
            assert upload_id, "".join(lines)
            assert proc.returncode != 0, "the upload finished before it could be interrupted"
            size = first.stat().st_size
            state = pg_query(
                database_url, "SELECT status, received_size FROM bidding_bidupload WHERE uuid = %s", (upload_id,)
            )
            assert state[0][0] == "open"
            assert 0 < state[0][1] < size
            assert pg_query(database_url, "SELECT count(*) FROM bidding_bid")[0][0] == 0

            resumed = subprocess.run(
                [*submit, str(first), *auth, "--resume", upload_id, "--platform-key", str(key_file)],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert resumed.returncode == 0, resumed.stderr
            out = json.loads(resumed.stdout)
            commitment = _commitment(first)
            assert (out["ok"], out["digest"], out["size"]) == (True, commitment["digest"], size)
            receipt_path = Path(out["receipt"])
            assert receipt_path == first.with_name("first.sealed.receipt.json")
            receipt = json.loads(receipt_path.read_text(encoding="utf-8"))
            assert json.loads(receipt["body"])["bid"] == receipt["bid"]
            bids = pg_query(database_url, "SELECT status, digest, size FROM bidding_bid")
            assert bids == [("accepted", commitment["digest"], size)]
            # Only the one upload: the resume continued it rather than starting again.
            assert pg_query(database_url, "SELECT count(*) FROM bidding_bidupload")[0][0] == 1

            # A replacement, with the platform key fetched from the server this time.
            replaced = subprocess.run(
                [*submit, str(second), "--token", setup["token"]], env=env, capture_output=True, text=True, timeout=300
            )
            assert replaced.returncode == 0, replaced.stderr
            assert json.loads(replaced.stdout)["replaces"] == [receipt["bid"]]

            # A revoked or wrong token gets a clear refusal.
            refused = subprocess.run(
                [*submit, str(second), "--token", "zwt_wrong"], env=env, capture_output=True, text=True, timeout=60
            )
            assert refused.returncode == 1
            assert "token_invalid" in refused.stderr

        # Offline: the file against its receipt, with the published platform key.
        verify = ["bid", "verify", str(first), "--receipt", str(receipt_path), "--platform-key", str(key_file)]
        checked = zhengwu("trading", *verify, env=env)
        assert checked.returncode == 0, checked.stderr
        assert json.loads(checked.stdout)["receipt"]["bid"] == receipt["bid"]
        # The other file does not match this receipt.
        other = zhengwu(
            "trading",
            "bid",
            "verify",
            str(second),
            "--receipt",
            str(receipt_path),
            "--platform-key",
            str(key_file),
            env=env,
        )
        assert other.returncode == 1
        assert "回执与投标文件不符" in other.stderr
        # A receipt whose body was edited no longer verifies.
        forged = dict(receipt)
        forged["body"] = receipt["body"].replace('"size":', '"size":1')
        forged_path = tmp_path / "forged.receipt.json"
        forged_path.write_text(json.dumps(forged), encoding="utf-8")
        tampered = zhengwu(
            "trading",
            "bid",
            "verify",
            str(first),
            "--receipt",
            str(forged_path),
            "--platform-key",
            str(key_file),
            env=env,
        )
        assert tampered.returncode == 1
        assert "签名无效" in tampered.stderr
