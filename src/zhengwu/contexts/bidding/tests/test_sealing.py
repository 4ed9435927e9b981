"""The sealed bid format: what seals opens only with the right keys, and every tampering is caught."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from zhengwu.contexts.bidding import sealing
from zhengwu.contexts.bidding.sealing import (
    MAGIC,
    ROLE_BIDDER,
    ROLE_OPENING,
    SealInput,
    bid_open,
    bid_seal,
    digest_scheme,
    sealed_verify,
    share_unwrap,
)
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import TAG_SIZE, AgreementKey, SigningKey, key_fingerprint
from zhengwu.kernel.errors import InvalidInput

READOUT = {"price_fen": 123_456_789_00, "duration_days": 365, "quality": "合格", "key_personnel": ["张三（项目经理）"]}
CHUNK = 4096


@pytest.fixture
def bid_files(tmp_path: Path) -> list[SealInput]:
    technical = tmp_path / "technical.pdf"
    technical.write_bytes(bytes(range(256)) * 70)  # several chunks
    price = tmp_path / "price.xlsx"
    price.write_bytes("报价：壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元".encode())
    return [SealInput("technical.pdf", str(technical)), SealInput("price.xlsx", str(price))]


def _seal(
    files: list[SealInput],
    *,
    signer: SigningKey,
    opening: AgreementKey,
    bidder_key: AgreementKey | None = None,
    section: str = "S-1",
    suite: str = "intl",
) -> bytes:
    out = io.BytesIO()
    bid_seal(
        files=files,
        readout=READOUT,
        section=section,
        envelope="single",
        bidder="91530100MA6K0000X1",
        signing_key=signer,
        opening_public=opening.public_raw,
        bidder_public=bidder_key.public_raw if bidder_key else None,
        out=out,
        suite=suite,
        chunk_size=CHUNK,
    )
    return out.getvalue()


def _code(excinfo: pytest.ExceptionInfo[InvalidInput]) -> str:
    return excinfo.value.code


@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_a_sealed_bid_opens_with_the_opening_key_and_returns_what_was_sealed(
    bid_files: list[SealInput], suite: str
) -> None:
    signer, opening = SigningKey.generate(), AgreementKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=opening, suite=suite)

    info = sealed_verify(stream=io.BytesIO(sealed), verify_key=signer.public)
    assert info.total_size == len(sealed)
    assert info.commitment.section == "S-1"
    assert info.header.wrap_for(ROLE_OPENING).fingerprint == key_fingerprint(opening.public_raw)
    share = share_unwrap(header=info.header, role=ROLE_OPENING, private=opening.raw())
    opened = bid_open(stream=io.BytesIO(sealed), shares={ROLE_OPENING: share}, verify_key=signer.public)
    assert opened.readout == READOUT
    assert opened.files == {f.name: Path(f.path).read_bytes() for f in bid_files}


def test_the_platform_holds_no_plaintext(bid_files: list[SealInput]) -> None:
    sealed = _seal(bid_files, signer=SigningKey.generate(), opening=AgreementKey.generate())
    assert "报价".encode() not in sealed
    assert "张三".encode() not in sealed
    assert b"12345678900" not in sealed
    assert bytes(range(64)) not in sealed


def test_when_the_bidders_key_is_required_neither_key_alone_opens(bid_files: list[SealInput]) -> None:
    signer, opening, own = SigningKey.generate(), AgreementKey.generate(), AgreementKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=opening, bidder_key=own)
    header = sealed_verify(stream=io.BytesIO(sealed)).header
    assert header.bidder_key_required
    opening_share = share_unwrap(header=header, role=ROLE_OPENING, private=opening.raw())
    bidder_share = share_unwrap(header=header, role=ROLE_BIDDER, private=own.raw())

    with pytest.raises(InvalidInput) as missing:
        bid_open(stream=io.BytesIO(sealed), shares={ROLE_OPENING: opening_share}, verify_key=signer.public)
    assert _code(missing) == "sealed_share_missing"
    # Each share alone is useless: the wrong half in its place fails authentication.
    with pytest.raises(InvalidInput) as wrong:
        bid_open(
            stream=io.BytesIO(sealed),
            shares={ROLE_OPENING: opening_share, ROLE_BIDDER: opening_share},
            verify_key=signer.public,
        )
    assert _code(wrong) == "sealed_decryption_failed"
    opened = bid_open(
        stream=io.BytesIO(sealed),
        shares={ROLE_OPENING: opening_share, ROLE_BIDDER: bidder_share},
        verify_key=signer.public,
    )
    assert opened.readout["price_fen"] == READOUT["price_fen"]


def test_another_key_cannot_unwrap(bid_files: list[SealInput]) -> None:
    sealed = _seal(bid_files, signer=SigningKey.generate(), opening=AgreementKey.generate())
    header = sealed_verify(stream=io.BytesIO(sealed)).header
    with pytest.raises(InvalidInput) as excinfo:
        share_unwrap(header=header, role=ROLE_OPENING, private=AgreementKey.generate().raw())
    assert _code(excinfo) == "sealed_key_invalid"


def _header_end(sealed: bytes) -> int:
    (length,) = struct.unpack(">I", sealed[len(MAGIC) : len(MAGIC) + 4])
    return len(MAGIC) + 4 + length


def test_a_flipped_bit_anywhere_before_the_trailer_breaks_the_commitment(bid_files: list[SealInput]) -> None:
    signer = SigningKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=AgreementKey.generate())
    for position in (len(MAGIC) + 10, _header_end(sealed) + 5, _header_end(sealed) + CHUNK + TAG_SIZE + 1):
        tampered = bytearray(sealed)
        tampered[position] ^= 0x01
        with pytest.raises(InvalidInput) as excinfo:
            sealed_verify(stream=io.BytesIO(bytes(tampered)), verify_key=signer.public)
        assert _code(excinfo) in {"sealed_digest_mismatch", "sealed_format_invalid"}


def test_a_tampered_chunk_with_a_recomputed_commitment_still_fails_to_decrypt(bid_files: list[SealInput]) -> None:
    # The bidder (who can re-sign) cannot be framed, and a forger who re-signs cannot get past the tags.
    signer, opening = SigningKey.generate(), AgreementKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=opening)
    body_start = _header_end(sealed)
    chunk_len = CHUNK + TAG_SIZE
    # Swap the first two chunks and re-commit as a forger holding the signing key would.
    first, second = (
        sealed[body_start : body_start + chunk_len],
        sealed[body_start + chunk_len : body_start + 2 * chunk_len],
    )
    swapped = sealed[:body_start] + second + first + sealed[body_start + 2 * chunk_len :]
    resealed = _recommit(swapped, signer)
    info = sealed_verify(stream=io.BytesIO(resealed), verify_key=signer.public)
    share = share_unwrap(header=info.header, role=ROLE_OPENING, private=opening.raw())
    with pytest.raises(InvalidInput) as excinfo:
        bid_open(stream=io.BytesIO(resealed), shares={ROLE_OPENING: share}, verify_key=signer.public)
    assert _code(excinfo) == "sealed_decryption_failed"


HASHES = {"intl": "sha256", "gm": "sm3"}


def _chunk_root(body: bytes) -> str:
    """The commitment digest worked out here with hashlib, apart from the sealing code: the suite's
    hash over magic, header length, header and the hash of each stored chunk (ciphertext ‖ tag)."""
    header_end = _header_end(body)
    header = json.loads(body[len(MAGIC) + 4 : header_end])
    name = HASHES[header["suite"]]
    stored = header["chunk_size"] + TAG_SIZE
    leaves = [hashlib.new(name, body[at : at + stored]).digest() for at in range(header_end, len(body), stored)]
    return hashlib.new(name, body[:header_end] + b"".join(leaves)).hexdigest()


def _recommit(sealed: bytes, signer: SigningKey) -> bytes:
    """Replace the trailer with a fresh, validly signed commitment over the (altered) body."""
    header_end = _header_end(sealed)
    header = json.loads(sealed[len(MAGIC) + 4 : header_end])
    chunk_count = -(-header["payload_size"] // header["chunk_size"])
    body_end = header_end + header["payload_size"] + chunk_count * TAG_SIZE
    body = sealed[:body_end]
    commitment = {
        "format": header["format"],
        "section": header["section"],
        "envelope": header["envelope"],
        "bidder": header["bidder"],
        "suite": header["suite"],
        "digest": _chunk_root(body),
        "size": len(body),
        "signer": signer.public.key_id,
    }
    signature = base64.b64encode(signer.sign(canonical_dumps(commitment))).decode()
    trailer = canonical_dumps({"commitment": commitment, "signature": signature})
    return body + struct.pack(">I", len(trailer)) + trailer


def test_a_truncated_file_is_refused(bid_files: list[SealInput]) -> None:
    signer = SigningKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=AgreementKey.generate())
    for cut in (3, len(MAGIC) + 2, _header_end(sealed) + 100, len(sealed) - 1):
        with pytest.raises(InvalidInput) as excinfo:
            sealed_verify(stream=io.BytesIO(sealed[:cut]), verify_key=signer.public)
        assert _code(excinfo) == "sealed_truncated"
    with pytest.raises(InvalidInput) as extra:
        sealed_verify(stream=io.BytesIO(sealed + b"x"), verify_key=signer.public)
    assert _code(extra) == "sealed_trailing_data"


def test_a_signature_by_someone_else_is_refused(bid_files: list[SealInput]) -> None:
    sealed = _seal(bid_files, signer=SigningKey.generate(), opening=AgreementKey.generate())
    with pytest.raises(InvalidInput) as excinfo:
        sealed_verify(stream=io.BytesIO(sealed), verify_key=SigningKey.generate().public)
    assert _code(excinfo) == "sealed_signature_invalid"


def test_a_bid_sealed_for_one_section_cannot_be_relabelled_for_another(bid_files: list[SealInput]) -> None:
    signer, opening = SigningKey.generate(), AgreementKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=opening, section="S-1")
    relabelled = sealed.replace(b'"section":"S-1"', b'"section":"S-2"')
    assert relabelled != sealed
    with pytest.raises(InvalidInput) as excinfo:
        sealed_verify(stream=io.BytesIO(relabelled), verify_key=signer.public)
    assert _code(excinfo) in {"sealed_digest_mismatch", "sealed_commitment_mismatch"}
    # Even re-committed by the bidder, the wrapped key is bound to S-1 and does not unwrap.
    recommitted = _recommit(relabelled, signer)
    header = sealed_verify(stream=io.BytesIO(recommitted), verify_key=signer.public).header
    assert header.section == "S-2"
    with pytest.raises(InvalidInput) as unwrap:
        share_unwrap(header=header, role=ROLE_OPENING, private=opening.raw())
    assert _code(unwrap) == "sealed_key_invalid"


def test_bad_inputs_are_refused_before_anything_is_written(bid_files: list[SealInput]) -> None:
    out = io.BytesIO()
    for files in ([], [bid_files[0], bid_files[0]], [SealInput("../x.pdf", bid_files[0].path)]):
        with pytest.raises(InvalidInput) as excinfo:
            bid_seal(
                files=files,
                readout=READOUT,
                section="S-1",
                envelope="single",
                bidder="B",
                signing_key=SigningKey.generate(),
                opening_public=AgreementKey.generate().public_raw,
                out=out,
            )
        assert _code(excinfo) == "sealed_files_invalid"
    assert out.getvalue() == b""


def test_progress_reports_every_payload_byte(bid_files: list[SealInput]) -> None:
    seen: list[int] = []
    out = io.BytesIO()
    bid_seal(
        files=bid_files,
        readout=READOUT,
        section="S-1",
        envelope="single",
        bidder="B",
        signing_key=SigningKey.generate(),
        opening_public=AgreementKey.generate().public_raw,
        out=out,
        chunk_size=CHUNK,
        progress=seen.append,
    )
    info = sealed_verify(stream=io.BytesIO(out.getvalue()))
    assert seen == sorted(seen)
    assert seen[-1] == info.header.payload_size
    assert len(seen) == info.header.chunk_count


# --- the commitment digest: a root over the header and each chunk's hash ---------------------------


@pytest.mark.parametrize("suite", ["intl", "gm"])
def test_the_commitment_digest_is_the_root_over_the_header_and_each_chunks_hash(
    bid_files: list[SealInput], suite: str
) -> None:
    sealed = _seal(bid_files, signer=SigningKey.generate(), opening=AgreementKey.generate(), suite=suite)
    info = sealed_verify(stream=io.BytesIO(sealed))
    body = sealed[: info.commitment.size]
    assert sealed.startswith(b"ZWSEAL02")
    assert info.header.chunk_count > 2
    assert info.commitment.digest == _chunk_root(body)
    # Not the plain hash of the file: receipts say which digest they state.
    assert info.commitment.digest != hashlib.new(HASHES[suite], body).hexdigest()
    assert digest_scheme(suite) == f"zhengwu-sealed/2:{HASHES[suite]}-chunk-root"


def _chunk_span(sealed: bytes, index: int) -> tuple[int, int]:
    """Where stored chunk ``index`` (ciphertext ‖ tag) lies in the file."""
    header_end = _header_end(sealed)
    header = json.loads(sealed[len(MAGIC) + 4 : header_end])
    stored = header["chunk_size"] + TAG_SIZE
    chunks_end = header_end + header["payload_size"] + (-(-header["payload_size"] // header["chunk_size"])) * TAG_SIZE
    start = header_end + index * stored
    return start, min(start + stored, chunks_end)


def _tamperings(sealed: bytes, chunk_count: int) -> list[tuple[str, bytes, str]]:
    """(what, altered file, the code it must be refused with) for each way of altering a stored bid."""
    cases: list[tuple[str, bytes, str]] = []
    for index in range(chunk_count):
        start, end = _chunk_span(sealed, index)
        # A bit in the ciphertext of even chunks, in the tag of odd ones.
        position = (start + end) // 2 if index % 2 == 0 else end - 1
        flipped = bytearray(sealed)
        flipped[position] ^= 0x10
        cases.append((f"bit flipped in chunk {index}", bytes(flipped), "sealed_digest_mismatch"))
    for first in (0, chunk_count - 3):  # two full chunks, at the start and further on
        (a, b), (_, c) = _chunk_span(sealed, first), _chunk_span(sealed, first + 1)
        swapped = sealed[:a] + sealed[b:c] + sealed[a:b] + sealed[c:]
        cases.append((f"chunks {first} and {first + 1} swapped", swapped, "sealed_digest_mismatch"))
    for cut in (_chunk_span(sealed, 1)[0], _chunk_span(sealed, 2)[0] + 7, _chunk_span(sealed, chunk_count - 1)[1]):
        cases.append((f"truncated at {cut}", sealed[:cut], "sealed_truncated"))
    # A changed header that still parses and still unwraps: only the commitment digest catches it.
    at = sealed.index(b'"fingerprint":"', len(MAGIC)) + len(b'"fingerprint":"')
    changed = bytearray(sealed)
    changed[at] = ord("0") if sealed[at] != ord("0") else ord("1")
    cases.append(("header changed", bytes(changed), "sealed_digest_mismatch"))
    return cases


@pytest.mark.parametrize("suite", ["intl", "gm"])
@pytest.mark.parametrize("batch_chunks", [2, 0])
def test_every_alteration_is_refused_with_its_code_when_verifying_and_when_opening(
    bid_files: list[SealInput], suite: str, batch_chunks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if batch_chunks:  # batches of two chunks: the file is read and hashed in several batches
        monkeypatch.setattr(sealing, "_BATCH_BYTES", batch_chunks * (CHUNK + TAG_SIZE))
    signer, opening = SigningKey.generate(), AgreementKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=opening, suite=suite)
    info = sealed_verify(stream=io.BytesIO(sealed), verify_key=signer.public)
    share = share_unwrap(header=info.header, role=ROLE_OPENING, private=opening.raw())
    opened = bid_open(stream=io.BytesIO(sealed), shares={ROLE_OPENING: share}, verify_key=signer.public)
    assert opened.files == {f.name: Path(f.path).read_bytes() for f in bid_files}

    cases = _tamperings(sealed, info.header.chunk_count)
    assert len(cases) == info.header.chunk_count + 6
    for what, altered, code in cases:
        assert altered != sealed
        with pytest.raises(InvalidInput) as verifying:
            sealed_verify(stream=io.BytesIO(altered), verify_key=signer.public)
        assert _code(verifying) == code, what
        with pytest.raises(InvalidInput) as opening_it:
            bid_open(
                stream=io.BytesIO(altered),
                shares={ROLE_OPENING: share},
                verify_key=signer.public,
                expected_digest=info.commitment.digest,
            )
        assert _code(opening_it) == code, what


class _Trickle(io.RawIOBase):
    """A stream that hands out at most 1000 bytes per read, like a socket or a slow storage backend."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(min(1000, len(buffer)))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_short_reads_are_read_on_until_the_chunk_is_complete(bid_files: list[SealInput]) -> None:
    signer, opening = SigningKey.generate(), AgreementKey.generate()
    sealed = _seal(bid_files, signer=signer, opening=opening)
    info = sealed_verify(stream=_Trickle(sealed), verify_key=signer.public)
    assert info.total_size == len(sealed)
    share = share_unwrap(header=info.header, role=ROLE_OPENING, private=opening.raw())
    opened = bid_open(stream=_Trickle(sealed), shares={ROLE_OPENING: share}, verify_key=signer.public)
    assert opened.readout == READOUT
    with pytest.raises(InvalidInput) as cut:
        sealed_verify(stream=_Trickle(sealed[:-100]), verify_key=signer.public)
    assert _code(cut) == "sealed_truncated"


def test_readers_on_several_threads_share_the_pool_and_each_gets_its_own_bid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sealing, "_BATCH_BYTES", 2 * (CHUNK + TAG_SIZE))  # many small tasks, interleaved
    signer, opening = SigningKey.generate(), AgreementKey.generate()
    bids: list[tuple[bytes, bytes]] = []
    for number in range(6):
        path = tmp_path / f"bid-{number}.pdf"
        content = bytes([number]) * (CHUNK * 5 + number)
        path.write_bytes(content)
        bids.append((content, _seal([SealInput("bid.pdf", str(path))], signer=signer, opening=opening)))

    def open_one(sealed: bytes) -> bytes:
        header = sealed_verify(stream=io.BytesIO(sealed), verify_key=signer.public).header
        share = share_unwrap(header=header, role=ROLE_OPENING, private=opening.raw())
        return bid_open(stream=io.BytesIO(sealed), shares={ROLE_OPENING: share}, verify_key=signer.public).file_read(
            "bid.pdf"
        )

    with ThreadPoolExecutor(max_workers=6) as callers:
        opened = list(callers.map(open_one, [sealed for _, sealed in bids] * 3))
    assert opened == [content for content, _ in bids] * 3
