"""``bid_submit`` against a stub of the bidding API: retries, lost answers, and receipts it must refuse.

The stub keeps the server's side of the protocol (append at ``offset``, a retried chunk is
harmless, ``chunk_offset_mismatch`` with ``expected``) and can fail on purpose, which a real
server cannot be made to do on cue. The real server is exercised in tests/bidding.
"""

from __future__ import annotations

import base64
import io
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from zhengwu.contexts.bidding import tool
from zhengwu.contexts.bidding.sealing import SealInput, bid_seal, sealed_verify
from zhengwu.contexts.bidding.tool import ApiClient, ToolError, bid_submit, receipt_check
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import AgreementKey, SigningKey

SECTION = "Z530100-2026-0001-01"
BIDDER = "91530100MA6K0000X1"


class Stub:
    """The server's state and the failures it is told to produce."""

    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.data = bytearray()
        self.size = 0
        self.digest = ""
        self.puts = 0
        # PUT number → "lost" (store, then answer 503) or "fail" (answer 503 without storing).
        self.failures: dict[int, str] = {}
        self.receipt_override: dict[str, Any] = {}
        # The first commit goes through but its answer is lost (503); a retry finds the upload closed.
        self.commit_lost = False
        self.receipt: dict[str, Any] | None = None


class Handler(BaseHTTPRequestHandler):
    stub: Stub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        stub = self.stub
        if self.path.endswith("/platform-key"):
            self._send(200, {"key_id": stub.key.public.key_id, "public": stub.key.public.to_b64()})
        elif "/bids/mine" in self.path:
            mine = [{"digest": stub.digest, "size": stub.size, "receipts": [stub.receipt]}] if stub.receipt else []
            self._send(200, mine)
        else:
            self._send(200, self._upload())

    def _upload(self) -> dict[str, Any]:
        stub = self.stub
        return {"id": "u1", "size": stub.size, "digest": stub.digest, "received": len(stub.data), "status": "open"}

    def do_POST(self) -> None:
        stub = self.stub
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.endswith("/uploads"):
            assert self.headers["Authorization"] == "Bearer zwt_test"
            stub.size, stub.digest = body["size"], body["digest"]
            self._send(201, self._upload())
            return
        assert len(stub.data) == stub.size
        if stub.receipt is not None:
            self._send(409, {"code": "upload_closed", "message": "x", "detail": {"status": "committed"}})
            return
        signed = {
            "type": "zhengwu.bid.receipt.accepted",
            "bid": "b1",
            "section": SECTION,
            "envelope": "single",
            "bidder": BIDDER,
            "digest": stub.digest,
            "digest_scheme": "zhengwu-sealed/2:sha256-chunk-root",
            "size": stub.size,
            **stub.receipt_override,
        }
        text = canonical_dumps(signed).decode()
        stub.receipt = {
            "id": "r1",
            "kind": "accepted",
            "bid": "b1",
            "section": SECTION,
            "body": text,
            "signature": base64.b64encode(stub.key.sign(text.encode())).decode(),
            "key_id": stub.key.public.key_id,
            "issued_at": "2026-03-20T15:00:00+08:00",
        }
        if stub.commit_lost:
            self._send(503, {"code": "unavailable", "message": "x", "detail": {}})
            return
        self._send(201, stub.receipt)

    def do_PUT(self) -> None:
        stub = self.stub
        stub.puts += 1
        offset = int(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["offset"][0])
        data = self.rfile.read(int(self.headers["Content-Length"]))
        failure = stub.failures.get(stub.puts)
        if failure == "fail":
            self._send(503, {"code": "unavailable", "message": "x", "detail": {}})
            return
        if offset + len(data) > len(stub.data):
            if offset != len(stub.data):
                self._send(
                    409, {"code": "chunk_offset_mismatch", "message": "x", "detail": {"expected": len(stub.data)}}
                )
                return
            stub.data += data
        if failure == "lost":
            self._send(503, {"code": "unavailable", "message": "x", "detail": {}})
            return
        self._send(200, {"received": len(stub.data)})


@pytest.fixture
def stub() -> Iterator[tuple[Stub, str]]:
    state = Stub()
    handler = type("BoundHandler", (Handler,), {"stub": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tool.time, "sleep", lambda seconds: None)


@pytest.fixture
def sealed(tmp_path: Path) -> Path:
    document = tmp_path / "技术标.pdf"
    document.write_bytes(b"%PDF " * 20_000)
    out = io.BytesIO()
    bid_seal(
        files=[SealInput("技术标.pdf", str(document))],
        readout={"price_fen": 1_000_00},
        section=SECTION,
        envelope="single",
        bidder=BIDDER,
        signing_key=SigningKey.generate(),
        opening_public=AgreementKey.generate().public_raw,
        out=out,
        chunk_size=4096,
    )
    path = tmp_path / "bid.sealed"
    path.write_bytes(out.getvalue())
    return path


def test_a_failed_chunk_and_a_lost_answer_are_retried_and_the_file_arrives_whole(
    stub: tuple[Stub, str], sealed: Path
) -> None:
    state, url = stub
    state.failures = {2: "lost", 4: "fail", 5: "fail"}
    body, path = bid_submit(
        sealed=sealed, client=ApiClient(url, "zwt_test"), platform_key=state.key.public, chunk_size=16_384
    )
    assert bytes(state.data) == sealed.read_bytes()
    assert body["size"] == sealed.stat().st_size
    assert path == sealed.with_name("bid.sealed.receipt.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["platform_key"] == state.key.public.to_b64()

    # A second receipt for the same file never overwrites the first (it is proof of an earlier act).
    state.data = bytearray()
    state.receipt = None
    _, again = bid_submit(sealed=sealed, client=ApiClient(url, "zwt_test"), platform_key=None, chunk_size=16_384)
    assert again == sealed.with_name("bid.sealed.receipt.2.json")
    assert path.exists()


def test_a_chunk_that_keeps_failing_stops_the_tool_with_a_clear_message(stub: tuple[Stub, str], sealed: Path) -> None:
    state, url = stub
    state.failures = dict.fromkeys(range(2, 10), "fail")
    with pytest.raises(ToolError) as stopped:
        bid_submit(
            sealed=sealed,
            client=ApiClient(url, "zwt_test"),
            platform_key=state.key.public,
            retries=2,
            chunk_size=16_384,
        )
    assert "已重试2次" in str(stopped.value)
    assert not sealed.with_name("bid.sealed.receipt.json").exists()


@pytest.mark.parametrize(
    ("override", "wrong_key", "message"),
    [
        ({}, True, "签名无效"),
        ({"size": 1}, False, "size"),
        ({"digest": "0" * 64}, False, "digest"),
        ({"digest_scheme": "sha256"}, False, "digest_scheme"),  # the plain hash of the file is not the commitment
        ({"section": "OTHER"}, False, "section"),
    ],
)
def test_a_receipt_that_does_not_match_the_file_or_the_key_is_refused(
    stub: tuple[Stub, str], sealed: Path, override: dict[str, Any], wrong_key: bool, message: str
) -> None:
    state, url = stub
    state.receipt_override = override
    key = SigningKey.generate().public if wrong_key else state.key.public
    with pytest.raises(ToolError) as refused:
        bid_submit(sealed=sealed, client=ApiClient(url, "zwt_test"), platform_key=key)
    assert message in str(refused.value)
    assert not sealed.with_name("bid.sealed.receipt.json").exists()


def test_resume_continues_from_what_the_server_has(stub: tuple[Stub, str], sealed: Path) -> None:
    state, url = stub
    content = sealed.read_bytes()
    info = sealed_verify(stream=io.BytesIO(content))
    state.size, state.digest = len(content), info.commitment.digest
    state.data = bytearray(content[:10_000])
    bid_submit(
        sealed=sealed, client=ApiClient(url, "zwt_test"), platform_key=state.key.public, resume="u1", chunk_size=4096
    )
    assert bytes(state.data) == content
    # Only the missing bytes were sent.
    assert state.puts == -(-(len(content) - 10_000) // 4096)


def test_the_client_refuses_other_schemes_and_a_missing_token() -> None:
    with pytest.raises(ToolError):
        ApiClient("file:///etc/passwd", "zwt_x")
    with pytest.raises(ToolError):
        ApiClient("https://ggzy.example.cn", "")


def test_receipt_check_reads_only_well_formed_receipts(sealed: Path) -> None:
    with open(sealed, "rb") as stream:
        info = sealed_verify(stream=stream)
    with pytest.raises(ToolError):
        receipt_check(receipt={"body": "x"}, platform_key=SigningKey.generate().public, info=info)


def test_a_commit_whose_answer_was_lost_recovers_the_receipt(stub: tuple[Stub, str], sealed: Path) -> None:
    state, url = stub
    state.commit_lost = True
    body, path = bid_submit(sealed=sealed, client=ApiClient(url, "zwt_test"), platform_key=state.key.public)
    assert body["digest"] == state.digest
    assert json.loads(path.read_text(encoding="utf-8"))["id"] == "r1"
