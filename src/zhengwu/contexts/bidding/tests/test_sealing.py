"""The sealed bid format: what seals opens only with the right keys, and every tampering is caught."""

from __future__ import annotations

import base64
import io
import json
import struct
from pathlib import Path

import pytest

from zhengwu.contexts.bidding.sealing import (
    MAGIC,
    ROLE_BIDDER,
    ROLE_OPENING,
    SealInput,
    bid_open,
    bid_seal,
    sealed_verify,
    share_unwrap,
)
from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import TAG_SIZE, AgreementKey, SigningKey, key_fingerprint, suite_get
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
        "digest": suite_get(header["suite"]).hexdigest(body),
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
