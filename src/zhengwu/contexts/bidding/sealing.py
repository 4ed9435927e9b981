"""The sealed bid file (密封投标文件): what ``zhengwu bid seal`` writes and the opening reads.

A bid is sealed on the bidder's machine, so the platform only ever holds ciphertext. Layout:

    MAGIC (8 bytes, ``ZWSEAL02``)
    header length (4 bytes, big-endian) ‖ header (canonical JSON, in clear)
    chunks: each ``chunk_size`` bytes of the payload → ciphertext ‖ 16-byte tag (the last shorter)
    trailer length (4 bytes) ‖ trailer (canonical JSON: the commitment and the bidder's signature)

The header names the section, envelope and bidder and carries the wrapped data key; it states
the payload size, so a reader knows where the chunks end without trusting anything else. Every
chunk is encrypted with the suite's AEAD (AES-256-GCM, or SM4-GCM for the 国密 suite) under a
random data key; its nonce is a random per-bid prefix, the chunk counter and a last-chunk flag,
and its associated data is the digest of the header — so flipped bits, dropped or reordered
chunks, a truncated tail and a chunk spliced in from another bid all fail authentication, and a
file sealed for one section cannot pass as a bid for another.

The payload is the bidder's signed manifest (file names, sizes, digests and the read-out form
— price, duration, quality, key personnel) followed by the files. The trailer's commitment
states the digest and size of everything before it, signed by the bidder: the platform checks
it when it accepts the upload, before any opening, its receipt repeats it, and the opening
checks it again against the stored file.

The commitment digest (format ``zhengwu-sealed/2``; receipts state it as ``digest_scheme``,
e.g. ``zhengwu-sealed/2:sha256-chunk-root``) is a two-level hash with the suite's standard hash
H (SHA-256, or SM3 for the 国密 suite)::

    digest = H(MAGIC ‖ header length ‖ header ‖ H(chunk 0) ‖ H(chunk 1) ‖ … ‖ H(chunk n−1))

where each chunk is hashed exactly as stored (ciphertext ‖ tag). It is as collision-resistant as
H: the header states its own length and fixes the number and sizes of the chunks, so the bytes
under the outer hash can be read one way only, and two files with the same digest would need a
collision of H in the outer hash or in one chunk's hash. It is *not* the plain SHA-256 of the
file (``sha256sum`` does not give it; ``zhengwu bid verify`` does). The chunks' hashes are
independent, so readers hash them on several threads — each chunk hashed and decrypted from the
same buffer — instead of one thread hashing the whole file in sequence.

The data key is wrapped (``CryptoSuite.key_wrap``) to the section's opening key and, where the
tender requires the bidder's own key too, split in two (XOR) with one half wrapped to each:
then neither the opening key's custodians nor the bidder can open the bid alone.

Only the bidding context's opening code decrypts (architecture §3.3); the bid tool seals and
verifies.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import IO, Any

from zhengwu.kernel.canonical import canonical_dumps
from zhengwu.kernel.crypto import (
    TAG_SIZE,
    Aead,
    CryptoSuite,
    DecryptionFailed,
    SigningKey,
    VerifyKey,
    key_fingerprint,
    suite_get,
)
from zhengwu.kernel.errors import InvalidInput

FORMAT = "zhengwu-sealed/2"
MAGIC = b"ZWSEAL02"
CHUNK_SIZE = 1 << 20  # 1 MiB: small enough to stream, large enough that tags cost nothing
CHUNK_SIZE_MAX = 16 << 20
HEADER_MAX = 64 << 10
TRAILER_MAX = 16 << 10
MANIFEST_MAX = 1 << 20
NONCE_PREFIX_SIZE = 7
ROLE_OPENING = "opening"
ROLE_BIDDER = "bidder"
_LENGTH = struct.Struct(">I")
# Readers hash (and the opening decrypts) on a small pool of threads: OpenSSL releases the GIL,
# so the hash — slower than AES-GCM — no longer runs on one core for the whole file.
WORKERS = max(2, min(4, os.cpu_count() or 2))
# Chunks are handed to the pool in batches of about this many bytes (or one chunk, if larger), so
# that small chunks do not cost a task each; WORKERS + 1 batch buffers are reused for the whole file.
_BATCH_BYTES = 1 << 20
# ... and kept for the next file, up to this many bytes: fresh memory costs page faults (buffers
# made anew for each 20 MiB bid cost 5-10 % of its opening, measured). They only hold ciphertext.
_SPARE_BYTES = 8 << 20
_spare: list[bytearray] = []  # all of one size
_spare_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _pool_get() -> ThreadPoolExecutor:
    """The readers' pool of ``WORKERS`` threads, made on first use and then shared by every reader
    of the process: starting threads for each bid cost about 10 % of opening a 20 MiB bid (measured).
    Its tasks never wait for one another, so readers sharing it only take turns."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="sealed-scan")
        return _pool


def _after_fork_in_child() -> None:
    # Threads do not survive a fork (a server's worker processes): the child makes its own pool.
    global _pool, _pool_lock, _spare_lock
    _pool, _pool_lock, _spare_lock = None, threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _buffers_take(size: int, count: int) -> list[bytearray]:
    with _spare_lock:
        kept = [_spare.pop() for _ in range(min(count, len(_spare)))] if _spare and len(_spare[0]) == size else []
    return kept + [bytearray(size) for _ in range(count - len(kept))]


def _buffers_give_back(buffers: list[bytearray]) -> None:
    with _spare_lock:
        if _spare and len(_spare[0]) != len(buffers[0]):
            _spare.clear()
        _spare.extend(buffers[: max(0, _SPARE_BYTES // len(buffers[0]) - len(_spare))])


def _error(code: str, message: str, **detail: Any) -> InvalidInput:
    return InvalidInput(message, code=code, detail=detail)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, *, field: str) -> bytes:
    if not isinstance(text, str):
        raise _error("sealed_format_invalid", "密封文件格式错误", field=field)
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise _error("sealed_format_invalid", "密封文件格式错误", field=field) from None


# --- the parts of a sealed file ------------------------------------------------------------------


@dataclass(frozen=True)
class SealInput:
    """One file to seal: its name in the bid and where to read it from."""

    name: str
    path: str


@dataclass(frozen=True)
class Wrap:
    """The data key (or its half) wrapped to one key holder."""

    role: str
    fingerprint: str
    blob: bytes

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "fingerprint": self.fingerprint, "blob": _b64(self.blob)}


@dataclass(frozen=True)
class SealedHeader:
    """The clear header of a sealed file; ``raw`` is its exact bytes (the chunks' associated data)."""

    suite: str
    section: str
    envelope: str
    bidder: str
    nonce_prefix: bytes
    chunk_size: int
    payload_size: int
    wraps: tuple[Wrap, ...]
    raw: bytes

    @property
    def chunk_count(self) -> int:
        return max(1, -(-self.payload_size // self.chunk_size))

    @property
    def ciphertext_size(self) -> int:
        return self.payload_size + self.chunk_count * TAG_SIZE

    def stored_chunk_size(self, index: int) -> int:
        """Bytes of chunk ``index`` in the file: its ciphertext and tag."""
        if index < self.chunk_count - 1:
            return self.chunk_size + TAG_SIZE
        return self.payload_size - (self.chunk_count - 1) * self.chunk_size + TAG_SIZE

    @property
    def bidder_key_required(self) -> bool:
        return any(w.role == ROLE_BIDDER for w in self.wraps)

    def wrap_for(self, role: str) -> Wrap:
        for wrap in self.wraps:
            if wrap.role == role:
                return wrap
        raise _error("sealed_wrap_missing", f"密封文件中没有“{role}”的密钥封装", role=role)


@dataclass(frozen=True)
class Commitment:
    """What the bidder commits to before the deadline: the sealed bytes' digest and size."""

    section: str
    envelope: str
    bidder: str
    suite: str
    digest: str  # hex: the suite's hash over magic, header and each chunk's hash (module docstring)
    size: int  # bytes of magic, header and chunks (the trailer excluded)
    signer: str  # key id of the bidder's signing key

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "section": self.section,
            "envelope": self.envelope,
            "bidder": self.bidder,
            "suite": self.suite,
            "digest": self.digest,
            "size": self.size,
            "signer": self.signer,
        }

    def signed_bytes(self) -> bytes:
        return canonical_dumps(self.as_dict())


@dataclass(frozen=True)
class SealedInfo:
    """A sealed file's header and signed commitment, checked against its bytes (not decrypted)."""

    header: SealedHeader
    commitment: Commitment
    signature: bytes
    total_size: int


class _Payload:
    """The decrypted chunks, read by offset without first copying them into one buffer."""

    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.size = sum(len(p) for p in parts)

    def pieces(self, offset: int, length: int) -> Iterator[memoryview]:
        for part in self.parts:
            if length <= 0:
                return
            if offset >= len(part):
                offset -= len(part)
                continue
            piece = memoryview(part)[offset : offset + length]
            yield piece
            length -= len(piece)
            offset = 0

    def read(self, offset: int, length: int) -> bytes:
        return b"".join(self.pieces(offset, length))


@dataclass(frozen=True)
class OpenedBid:
    """A decrypted bid: the verified manifest, its read-out form and, on demand, the files' contents."""

    manifest: dict[str, Any]
    readout: dict[str, Any]
    _payload: _Payload
    _offsets: dict[str, tuple[int, int]]

    def file_read(self, name: str) -> bytes:
        offset, size = self._offsets[name]
        return self._payload.read(offset, size)

    @property
    def files(self) -> dict[str, bytes]:
        return {name: self.file_read(name) for name in self._offsets}


def _wrap_context(*, suite: str, section: str, envelope: str, bidder: str, nonce_prefix: bytes, role: str) -> bytes:
    # Binds each wrapped key to its bid and role: a wrap copied into another bid does not open.
    return canonical_dumps(
        {
            "format": FORMAT,
            "suite": suite,
            "section": section,
            "envelope": envelope,
            "bidder": bidder,
            "nonce_prefix": _b64(nonce_prefix),
            "role": role,
        }
    )


def digest_scheme(suite: str) -> str:
    """How the commitment digest of a bid sealed with ``suite`` is computed, as receipts state it."""
    return f"{FORMAT}:{suite_get(suite).hash_name}-chunk-root"


def _digest_prefix(header_raw: bytes) -> bytes:
    """The file's bytes before its chunks: the start of what the commitment digest hashes."""
    return MAGIC + _LENGTH.pack(len(header_raw)) + header_raw


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


# --- sealing (the bidder's side) ---------------------------------------------------------------


def _file_digest(suite: CryptoSuite, path: str) -> tuple[int, str]:
    hasher = suite.hasher()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK_SIZE):
            hasher.update(block)
            size += len(block)
    return size, hasher.finalize().hex()


def _payload_blocks(manifest_block: bytes, files: Sequence[SealInput]) -> Iterator[bytes]:
    yield manifest_block
    for item in files:
        with open(item.path, "rb") as handle:
            while block := handle.read(CHUNK_SIZE):
                yield block


def _rechunk(blocks: Iterator[bytes], size: int) -> Iterator[bytes]:
    buffer = bytearray()
    for block in blocks:
        buffer += block
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


def bid_seal(
    *,
    files: Sequence[SealInput],
    readout: Mapping[str, Any],
    section: str,
    envelope: str,
    bidder: str,
    signing_key: SigningKey,
    opening_public: bytes,
    bidder_public: bytes | None = None,
    out: IO[bytes],
    suite: str = "intl",
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> Commitment:
    """Seal ``files`` and the read-out form into ``out`` for one section's envelope; return the commitment.

    The manifest (names, sizes and digests of the files, and ``readout``) is signed with the
    bidder's ``signing_key`` and encrypted with the files; the data key is wrapped to the
    section's ``opening_public`` key and, when ``bidder_public`` is given, split so that the
    bidder's own key is needed too. ``progress`` is called with the number of payload bytes
    encrypted so far. Files are read twice (digest, then encryption), never held in memory.
    """
    chosen = suite_get(suite)
    if not 1024 <= chunk_size <= CHUNK_SIZE_MAX:
        raise _error("sealed_chunk_size_invalid", "分块大小超出范围", chunk_size=chunk_size)
    names = [f.name for f in files]
    if not files or len(set(names)) != len(names) or any(not n or "/" in n or "\\" in n for n in names):
        raise _error("sealed_files_invalid", "请提供至少一个文件，文件名不得重复或包含路径", files=names)
    entries: list[dict[str, Any]] = []
    for item in files:
        size, digest = _file_digest(chosen, item.path)
        entries.append({"name": item.name, "size": size, "digest": digest})
    manifest = {
        "format": FORMAT,
        "section": section,
        "envelope": envelope,
        "bidder": bidder,
        "suite": suite,
        "signer": signing_key.public.key_id,
        "files": entries,
        "readout": dict(readout),
    }
    manifest_bytes = canonical_dumps(manifest)
    if len(manifest_bytes) > MANIFEST_MAX:
        raise _error("sealed_manifest_too_large", "投标文件清单过大", size=len(manifest_bytes))
    manifest_block = _LENGTH.pack(len(manifest_bytes)) + manifest_bytes + signing_key.sign(manifest_bytes)
    payload_size = len(manifest_block) + sum(int(e["size"]) for e in entries)

    data_key = os.urandom(chosen.cipher_key_size)
    nonce_prefix = os.urandom(NONCE_PREFIX_SIZE)
    shares = {ROLE_OPENING: data_key}
    if bidder_public is not None:
        opening_half = os.urandom(chosen.cipher_key_size)
        shares = {ROLE_OPENING: opening_half, ROLE_BIDDER: _xor(data_key, opening_half)}
    recipients = {ROLE_OPENING: opening_public, ROLE_BIDDER: bidder_public}
    wraps: list[Wrap] = []
    for role, share in shares.items():
        recipient = recipients[role]
        assert recipient is not None
        context = _wrap_context(
            suite=suite, section=section, envelope=envelope, bidder=bidder, nonce_prefix=nonce_prefix, role=role
        )
        blob = chosen.key_wrap(recipient=recipient, secret=share, context=context)
        wraps.append(Wrap(role=role, fingerprint=key_fingerprint(recipient), blob=blob))
    header_raw = canonical_dumps(
        {
            "format": FORMAT,
            "suite": suite,
            "section": section,
            "envelope": envelope,
            "bidder": bidder,
            "nonce_prefix": _b64(nonce_prefix),
            "chunk_size": chunk_size,
            "payload_size": payload_size,
            "wraps": [w.as_dict() for w in wraps],
        }
    )
    prefix = _digest_prefix(header_raw)
    out.write(prefix)
    root = chosen.hasher()
    root.update(prefix)
    written = len(prefix)
    aad = chosen.digest(header_raw)
    aead = chosen.aead(data_key)
    chunk_count = max(1, -(-payload_size // chunk_size))
    done = 0
    for index, chunk in enumerate(_rechunk(_payload_blocks(manifest_block, files), chunk_size)):
        sealed = aead.encrypt(_nonce(nonce_prefix, index, index == chunk_count - 1), chunk, aad)
        out.write(sealed)
        root.update(chosen.digest(sealed))
        written += len(sealed)
        done += len(chunk)
        if progress is not None:
            progress(done)
    if done != payload_size:
        # A file changed between its digest and its encryption: the manifest would lie.
        raise _error("sealed_file_changed", "封装过程中文件被修改，请重新封装", expected=payload_size, read=done)
    commitment = Commitment(
        section=section,
        envelope=envelope,
        bidder=bidder,
        suite=suite,
        digest=root.finalize().hex(),
        size=written,
        signer=signing_key.public.key_id,
    )
    signed = commitment.signed_bytes()
    trailer = canonical_dumps({"commitment": commitment.as_dict(), "signature": _b64(signing_key.sign(signed))})
    out.write(_LENGTH.pack(len(trailer)) + trailer)
    return commitment


# --- reading and verifying (the platform, the bid tool) ----------------------------------------


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) != size:
        raise _error("sealed_truncated", "密封文件不完整（已截断）", expected=size, got=len(data or b""))
    return data


def sealed_header_parse(raw: bytes) -> SealedHeader:
    """Parse and check a header's bytes; raises ``sealed_format_invalid`` for anything amiss."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _error("sealed_format_invalid", "密封文件格式错误", field="header") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or canonical_dumps(data) != raw:
        raise _error("sealed_format_invalid", "密封文件格式错误或版本不受支持", field="format")
    try:
        suite = str(data["suite"])
        suite_get(suite)
        chunk_size, payload_size = int(data["chunk_size"]), int(data["payload_size"])
        wraps = tuple(
            Wrap(role=str(w["role"]), fingerprint=str(w["fingerprint"]), blob=_unb64(w["blob"], field="wraps"))
            for w in data["wraps"]
        )
        header = SealedHeader(
            suite=suite,
            section=str(data["section"]),
            envelope=str(data["envelope"]),
            bidder=str(data["bidder"]),
            nonce_prefix=_unb64(data["nonce_prefix"], field="nonce_prefix"),
            chunk_size=chunk_size,
            payload_size=payload_size,
            wraps=wraps,
            raw=raw,
        )
    except (KeyError, TypeError, ValueError):
        raise _error("sealed_format_invalid", "密封文件格式错误", field="header") from None
    roles = [w.role for w in wraps]
    if (
        len(header.nonce_prefix) != NONCE_PREFIX_SIZE
        or not 1024 <= chunk_size <= CHUNK_SIZE_MAX
        or payload_size < 4
        or sorted(roles) not in ([ROLE_OPENING], sorted([ROLE_OPENING, ROLE_BIDDER]))
    ):
        raise _error("sealed_format_invalid", "密封文件格式错误", field="header")
    return header


def _trailer_parse(raw: bytes) -> tuple[Commitment, bytes]:
    try:
        data = json.loads(raw)
        c = data["commitment"]
        commitment = Commitment(
            section=str(c["section"]),
            envelope=str(c["envelope"]),
            bidder=str(c["bidder"]),
            suite=str(c["suite"]),
            digest=str(c["digest"]),
            size=int(c["size"]),
            signer=str(c["signer"]),
        )
        signature = _unb64(data["signature"], field="signature")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise _error("sealed_format_invalid", "密封文件格式错误", field="trailer") from None
    if c.get("format") != FORMAT or commitment.as_dict() != c:
        raise _error("sealed_format_invalid", "密封文件格式错误", field="trailer")
    return commitment, signature


def _read_into(stream: IO[bytes], view: memoryview) -> None:
    """Fill ``view`` from ``stream`` (into a reused buffer: no new allocation per chunk)."""
    readinto = getattr(stream, "readinto", None)
    got = 0
    while got < len(view):
        if readinto is not None:
            count = readinto(view[got:]) or 0
        else:
            data = stream.read(len(view) - got) or b""
            count = len(data)
            view[got : got + count] = data
        if not count:
            raise _error("sealed_truncated", "密封文件不完整（已截断）", expected=len(view), got=got)
        got += count


def _header_read(stream: IO[bytes]) -> SealedHeader:
    magic = _read_exact(stream, len(MAGIC))
    if magic != MAGIC:
        raise _error("sealed_format_invalid", "不是密封投标文件", field="magic")
    (header_len,) = _LENGTH.unpack(_read_exact(stream, _LENGTH.size))
    if header_len > HEADER_MAX:
        raise _error("sealed_format_invalid", "密封文件格式错误", field="header")
    return sealed_header_parse(_read_exact(stream, header_len))


def sealed_header_read(*, stream: IO[bytes]) -> SealedHeader:
    """Only the clear header of a sealed file (to unwrap its key); nothing else is checked."""
    return _header_read(stream)


def sealed_verify(*, stream: IO[bytes], verify_key: VerifyKey | None = None) -> SealedInfo:
    """Check a sealed file without decrypting it: structure, digest, size and (given the key) signature.

    Raises ``InvalidInput`` with a stable code: ``sealed_format_invalid``, ``sealed_truncated``,
    ``sealed_trailing_data``, ``sealed_digest_mismatch``, ``sealed_commitment_mismatch`` or
    ``sealed_signature_invalid``. Reads the stream once; the chunks are hashed on ``WORKERS`` threads.
    """
    return _scan(stream, verify_key=verify_key, decrypt=None).info


@dataclass(frozen=True)
class _Decrypt:
    """What the opening decrypts the chunks with."""

    aead: Aead
    aad: bytes


@dataclass(frozen=True)
class _Scanned:
    info: SealedInfo
    parts: list[bytes]  # the decrypted chunks, in order (empty when not decrypting)
    failed: int | None  # the first chunk that failed authentication


def _scan(stream: IO[bytes], *, verify_key: VerifyKey | None, decrypt: _Decrypt | None) -> _Scanned:
    """Read a sealed file once: hash every chunk (and decrypt it), then check the commitment.

    The main thread reads batches of chunks into a few reused buffers; a pool of ``WORKERS``
    threads hashes each chunk and, when opening, decrypts it from the same buffer while it is
    still in the CPU cache (OpenSSL releases the GIL for both). The chunk digests are put
    together in order into the commitment digest. After a chunk fails authentication the later
    ones are no longer decrypted, but the whole file is still hashed and checked: a tampered file
    must be reported as tampered, not as a wrong key.
    """
    header = _header_read(stream)
    suite = suite_get(header.suite)
    prefix = _digest_prefix(header.raw)
    root = suite.hasher()
    root.update(prefix)
    size = len(prefix)
    per_batch = max(1, _BATCH_BYTES // (header.chunk_size + TAG_SIZE))
    # One buffer per worker and one being filled: memory stays bounded whatever the file's size.
    buffers = _buffers_take(per_batch * (header.chunk_size + TAG_SIZE), WORKERS + 1)
    free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
    for buffer in buffers:
        free.put(buffer)
    failed: list[int] = []
    parts: list[bytes] = []

    def work(first: int, count: int, buffer: bytearray) -> tuple[list[bytes], list[bytes]]:
        digests: list[bytes] = []
        plain: list[bytes] = []
        try:
            offset = 0
            for index in range(first, first + count):
                length = header.stored_chunk_size(index)
                chunk = memoryview(buffer)[offset : offset + length]
                offset += length
                digests.append(suite.digest(chunk))
                if decrypt is None or (failed and index > min(failed)):
                    continue
                nonce = _nonce(header.nonce_prefix, index, index == header.chunk_count - 1)
                try:
                    plain.append(decrypt.aead.decrypt(nonce, chunk, decrypt.aad))
                except DecryptionFailed:
                    failed.append(index)
        finally:
            free.put(buffer)  # back to the reader: every chunk in it has been hashed and decrypted
        return digests, plain

    def collect(done: Future[tuple[list[bytes], list[bytes]]]) -> None:
        digests, plain = done.result()
        root.update(b"".join(digests))
        parts.extend(plain)

    pool = _pool_get()
    pending: deque[Future[tuple[list[bytes], list[bytes]]]] = deque()
    try:
        for first in range(0, header.chunk_count, per_batch):
            count = min(per_batch, header.chunk_count - first)
            length = sum(header.stored_chunk_size(i) for i in range(first, first + count))
            buffer = free.get()
            _read_into(stream, memoryview(buffer)[:length])
            pending.append(pool.submit(work, first, count, buffer))
            size += length
            while pending and pending[0].done():
                collect(pending.popleft())
        while pending:
            collect(pending.popleft())
    finally:
        wait(pending)  # after an error too: no task may still be using a buffer given back
        _buffers_give_back(buffers)
    (trailer_len,) = _LENGTH.unpack(_read_exact(stream, _LENGTH.size))
    if trailer_len > TRAILER_MAX:
        raise _error("sealed_format_invalid", "密封文件格式错误", field="trailer")
    commitment, signature = _trailer_parse(_read_exact(stream, trailer_len))
    if stream.read(1):
        raise _error("sealed_trailing_data", "密封文件末尾有多余数据")
    digest = root.finalize().hex()
    if commitment.digest != digest or commitment.size != size:
        raise _error("sealed_digest_mismatch", "密封文件内容与其承诺的摘要不符（文件已被篡改）")
    if (commitment.section, commitment.envelope, commitment.bidder, commitment.suite) != (
        header.section,
        header.envelope,
        header.bidder,
        header.suite,
    ):
        raise _error("sealed_commitment_mismatch", "密封文件的承诺与文件头不一致")
    if verify_key is not None and (
        verify_key.key_id != commitment.signer or not verify_key.verify(commitment.signed_bytes(), signature)
    ):
        raise _error("sealed_signature_invalid", "投标人签名无效")
    info = SealedInfo(header=header, commitment=commitment, signature=signature, total_size=size + 4 + trailer_len)
    return _Scanned(info=info, parts=parts, failed=min(failed) if failed else None)


# --- opening (the bidding context's opening code only) ----------------------------------------


def share_unwrap(*, header: SealedHeader, role: str, private: bytes) -> bytes:
    """Unwrap the data-key share of ``role`` with that holder's private X25519 key.

    Raises ``sealed_key_invalid`` when the key is not the one the bid was sealed to.
    """
    wrap = header.wrap_for(role)
    context = _wrap_context(
        suite=header.suite,
        section=header.section,
        envelope=header.envelope,
        bidder=header.bidder,
        nonce_prefix=header.nonce_prefix,
        role=role,
    )
    try:
        return suite_get(header.suite).key_unwrap(private=private, blob=wrap.blob, context=context)
    except DecryptionFailed:
        raise _error("sealed_key_invalid", "密钥与该投标文件不匹配，无法解密", role=role) from None


def bid_open(
    *,
    stream: IO[bytes],
    shares: Mapping[str, bytes],
    verify_key: VerifyKey,
    expected_digest: str | None = None,
    check_files: bool = True,
) -> OpenedBid:
    """Decrypt and verify a sealed bid with the unwrapped data-key ``shares`` (by role), in one pass.

    Checks the commitment (digest, size, the bidder's signature — and ``expected_digest``, the
    digest on the bid's receipt, so a stored file swapped for another of the same bidder is
    refused), decrypts every chunk (each chunk hashed and decrypted on a pool of ``WORKERS``
    threads) and checks the manifest's signature. The bidder's signature over the ciphertext
    digest already fixes the plaintext (decryption is deterministic), so ``check_files=False``
    skips re-hashing every file against the manifest when only the opening's read-out is needed.
    Raises ``sealed_decryption_failed`` for a wrong key or an altered chunk,
    ``sealed_manifest_invalid`` for a manifest that does not match.
    """
    start = stream.tell()
    header = _header_read(stream)
    stream.seek(start)
    suite = suite_get(header.suite)
    try:
        data_key = shares[ROLE_OPENING]
        if header.bidder_key_required:
            data_key = _xor(data_key, shares[ROLE_BIDDER])
    except KeyError as missing:
        raise _error("sealed_share_missing", "缺少解密所需的密钥份额", role=str(missing.args[0])) from None
    if len(data_key) != suite.cipher_key_size:
        raise _error("sealed_key_invalid", "密钥长度错误")
    scanned = _scan(stream, verify_key=verify_key, decrypt=_Decrypt(suite.aead(data_key), suite.digest(header.raw)))
    if expected_digest is not None and scanned.info.commitment.digest != expected_digest:
        raise _error("sealed_receipt_mismatch", "投标文件与回执记载的摘要不符（文件已被替换）")
    if scanned.failed is not None:
        raise _error("sealed_decryption_failed", "投标文件解密失败（密钥错误或内容被篡改）", chunk=scanned.failed)
    return _payload_read(
        _Payload(scanned.parts), header=header, verify_key=verify_key, suite=suite, check_files=check_files
    )


def _payload_read(
    payload: _Payload, *, header: SealedHeader, verify_key: VerifyKey, suite: CryptoSuite, check_files: bool
) -> OpenedBid:
    if payload.size < _LENGTH.size:
        raise _error("sealed_manifest_invalid", "投标文件清单缺失")
    (manifest_len,) = _LENGTH.unpack(payload.read(0, _LENGTH.size))
    manifest_end = _LENGTH.size + manifest_len
    manifest_bytes = payload.read(_LENGTH.size, manifest_len)
    signature = payload.read(manifest_end, 64)
    if manifest_len > MANIFEST_MAX or not verify_key.verify(manifest_bytes, signature):
        raise _error("sealed_manifest_invalid", "投标文件清单的签名无效")
    manifest = json.loads(manifest_bytes)
    if (manifest.get("section"), manifest.get("envelope"), manifest.get("bidder")) != (
        header.section,
        header.envelope,
        header.bidder,
    ):
        raise _error("sealed_manifest_invalid", "投标文件清单与文件头不一致")
    offsets: dict[str, tuple[int, int]] = {}
    offset = manifest_end + 64
    for entry in manifest["files"]:
        size = int(entry["size"])
        if check_files:
            hasher = suite.hasher()
            for piece in payload.pieces(offset, size):
                hasher.update(piece)
            if hasher.finalize().hex() != entry["digest"]:
                raise _error("sealed_manifest_invalid", "投标文件与清单不符", file=entry["name"])
        offsets[str(entry["name"])] = (offset, size)
        offset += size
    if offset != payload.size:
        raise _error("sealed_manifest_invalid", "投标文件与清单不符")
    return OpenedBid(manifest=manifest, readout=dict(manifest["readout"]), _payload=payload, _offsets=offsets)
