"""The bid tool, run as a bidder runs it: ``zhengwu bid keygen|seal|verify`` in a fresh process."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from zhengwu.contexts.bidding.sealing import ROLE_BIDDER, ROLE_OPENING, bid_open, sealed_verify, share_unwrap
from zhengwu.kernel.crypto import AgreementKey, VerifyKey, key_fingerprint


def _bid(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # No Django settings in the environment: the tool must not need them.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHENGWU_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "zhengwu.cli", "bid", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


@pytest.fixture
def opening() -> AgreementKey:
    return AgreementKey.generate()


def test_keygen_seal_verify_and_the_platform_can_open_with_both_keys(tmp_path: Path, opening: AgreementKey) -> None:
    keys = _bid("keygen", "--out", str(tmp_path), cwd=tmp_path)
    assert keys.returncode == 0, keys.stderr
    assert stat.S_IMODE((tmp_path / "bidder.key").stat().st_mode) == 0o600
    public = json.loads((tmp_path / "bidder.pub.json").read_text())
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF technical" * 1000)
    (tmp_path / "商务标.pdf").write_bytes(b"%PDF commercial")

    sealed = _bid(
        "seal", "技术标.pdf", "商务标.pdf",
        "--key", "bidder.key", "--section", "S-1", "--bidder", "91530100MA6K0000X1",
        "--opening-key", base64.b64encode(opening.public_raw).decode(),
        "--fingerprint", key_fingerprint(opening.public_raw),
        "--price", "12,345,678.90", "--duration", "365", "--quality", "合格", "--personnel", "张三",
        "--own-key", "--out", "bid.sealed",
        cwd=tmp_path,
    )  # fmt: skip
    assert sealed.returncode == 0, sealed.stderr
    commitment = json.loads(sealed.stdout)
    assert commitment["section"] == "S-1"
    assert commitment["signer"] == public["signing_key_id"]

    verified = _bid("verify", "bid.sealed", "--public", "bidder.pub.json", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["digest"] == commitment["digest"]

    private = json.loads((tmp_path / "bidder.key").read_text())
    own = AgreementKey.from_raw(base64.b64decode(private["agreement"]))
    verify_key = VerifyKey.from_b64(public["signing_public"])
    with open(tmp_path / "bid.sealed", "rb") as stream:
        header = sealed_verify(stream=stream).header
        shares = {
            ROLE_OPENING: share_unwrap(header=header, role=ROLE_OPENING, private=opening.raw()),
            ROLE_BIDDER: share_unwrap(header=header, role=ROLE_BIDDER, private=own.raw()),
        }
        stream.seek(0)
        opened = bid_open(stream=stream, shares=shares, verify_key=verify_key)
    assert opened.readout == {
        "price_fen": 1_234_567_890,
        "duration_days": 365,
        "quality": "合格",
        "key_personnel": ["张三"],
    }
    assert opened.files["商务标.pdf"] == b"%PDF commercial"


def test_seal_refuses_an_opening_key_that_does_not_match_the_published_fingerprint(
    tmp_path: Path, opening: AgreementKey
) -> None:
    assert _bid("keygen", "--out", str(tmp_path), cwd=tmp_path).returncode == 0
    (tmp_path / "bid.pdf").write_bytes(b"x")
    impostor = AgreementKey.generate()
    result = _bid(
        "seal", "bid.pdf", "--key", "bidder.key", "--section", "S-1", "--bidder", "B",
        "--opening-key", base64.b64encode(impostor.public_raw).decode(),
        "--fingerprint", key_fingerprint(opening.public_raw),
        "--price", "100", "--out", "bid.sealed",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "指纹不符" in result.stderr
    assert not (tmp_path / "bid.sealed").exists()


def test_seal_refuses_a_price_with_fractions_of_a_fen(tmp_path: Path, opening: AgreementKey) -> None:
    assert _bid("keygen", "--out", str(tmp_path), cwd=tmp_path).returncode == 0
    (tmp_path / "bid.pdf").write_bytes(b"x")
    result = _bid(
        "seal", "bid.pdf", "--key", "bidder.key", "--section", "S-1", "--bidder", "B",
        "--opening-key", base64.b64encode(opening.public_raw).decode(),
        "--fingerprint", key_fingerprint(opening.public_raw),
        "--price", "100.001", "--out", "bid.sealed",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 1
    assert "money_precision" in result.stderr
    assert not (tmp_path / "bid.sealed").exists()


def test_verify_reports_a_tampered_file(tmp_path: Path, opening: AgreementKey) -> None:
    assert _bid("keygen", "--out", str(tmp_path), cwd=tmp_path).returncode == 0
    (tmp_path / "bid.pdf").write_bytes(b"x" * 5000)
    sealed = _bid(
        "seal", "bid.pdf", "--key", "bidder.key", "--section", "S-1", "--bidder", "B",
        "--opening-key", base64.b64encode(opening.public_raw).decode(),
        "--fingerprint", key_fingerprint(opening.public_raw),
        "--price", "100", "--out", "bid.sealed",
        cwd=tmp_path,
    )  # fmt: skip
    assert sealed.returncode == 0, sealed.stderr
    data = bytearray((tmp_path / "bid.sealed").read_bytes())
    data[300] ^= 0x01
    (tmp_path / "bid.sealed").write_bytes(bytes(data))
    result = _bid("verify", "bid.sealed", cwd=tmp_path)
    assert result.returncode == 1
    assert "sealed_" in result.stderr


def test_keygen_never_overwrites_an_existing_key(tmp_path: Path) -> None:
    assert _bid("keygen", "--out", str(tmp_path), cwd=tmp_path).returncode == 0
    before = (tmp_path / "bidder.key").read_bytes()
    again = _bid("keygen", "--out", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 1
    assert (tmp_path / "bidder.key").read_bytes() == before
