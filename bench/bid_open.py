"""Opening: decrypt and verify sealed bids, against raw AES-256-GCM decryption of the same bytes.

Each bid is a separately sealed file (its own data key) of one ``--size-mb`` file. Measured: for
every bid, what the opening does (``bid_open``) — check the commitment and the bidder's signature
over the whole file, unwrap the data key with the opening key, decrypt every chunk, check the
signed manifest (``check_files=False``: the files' own digests are not re-hashed, the commitment
already fixes them). Baseline: AES-256-GCM decryption of the same ciphertext chunks with the same
chunk size, nothing else. The ratio (goal ≥ 0.6) is the price of the checks.

Threads: the baseline reads and decrypts on one thread. The measured side is the opening code as
it runs: one thread reads, a pool of ``sealing.WORKERS`` threads hashes and decrypts each chunk
(the commitment digest is a root over per-chunk hashes, so chunks hash in parallel). Bids are
opened one after the other on both sides. ``--repeat N`` times each side N times, best of N.

    .venv/bin/python bench/bid_open.py [--bids 200] [--size-mb 20] [--dir /tmp] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zhengwu.contexts.bidding.sealing import (
    CHUNK_SIZE,
    ROLE_OPENING,
    WORKERS,
    SealInput,
    bid_open,
    bid_seal,
    sealed_header_read,
    share_unwrap,
)
from zhengwu.kernel.crypto import TAG_SIZE, AgreementKey, SigningKey

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--bids", type=int, default=200)
parser.add_argument("--size-mb", type=int, default=20)
parser.add_argument("--dir", default=None, help="where the sealed files go (needs bids × size of space)")
parser.add_argument("--repeat", type=int, default=1, help="time each side this many times, keep the best")
args = parser.parse_args()

work = Path(tempfile.mkdtemp(prefix="zw-bench-open-", dir=args.dir))
try:
    opening = AgreementKey.generate()
    signer = SigningKey.generate()
    plain = work / "bid.pdf"
    plain.write_bytes(os.urandom(args.size_mb << 20))
    print(f"sealing {args.bids} bids of {args.size_mb} MiB …", flush=True)
    paths = []
    for i in range(args.bids):
        path = work / f"bid-{i}.sealed"
        with open(path, "wb") as out:
            bid_seal(
                files=[SealInput("bid.pdf", str(plain))],
                readout={"price_fen": 100_000_00 + i},
                section="BENCH-1",
                envelope="single",
                bidder=f"B{i}",
                signing_key=signer,
                opening_public=opening.public_raw,
                out=out,
            )
        paths.append(path)
    total = sum(p.stat().st_size for p in paths)

    # Baseline: the same chunks through bare AES-256-GCM (header skipped, same sizes).
    key = AESGCM(os.urandom(32))
    nonce = bytes(12)
    chunk = key.encrypt(nonce, os.urandom(CHUNK_SIZE), b"")

    def run_baseline() -> float:
        start = time.perf_counter()
        for path in paths:
            with open(path, "rb") as stream:
                while block := stream.read(CHUNK_SIZE + TAG_SIZE):
                    # Decrypt a valid chunk of the same length as the block read (the read is part of both).
                    key.decrypt(nonce, chunk[: len(block)] if len(block) == len(chunk) else chunk, b"")
        return time.perf_counter() - start

    def run_measured() -> float:
        start = time.perf_counter()
        prices = []
        for path in paths:
            with open(path, "rb") as stream:
                header = sealed_header_read(stream=stream)
                share = share_unwrap(header=header, role=ROLE_OPENING, private=opening.raw())
                stream.seek(0)
                opened = bid_open(
                    stream=stream, shares={ROLE_OPENING: share}, verify_key=signer.public, check_files=False
                )
                prices.append(opened.readout["price_fen"])
        elapsed = time.perf_counter() - start
        assert prices == [100_000_00 + i for i in range(args.bids)]
        return elapsed

    baseline = min(run_baseline() for _ in range(args.repeat))
    measured = min(run_measured() for _ in range(args.repeat))

    mib = total / (1 << 20)
    print(f"bytes: {mib:,.0f} MiB in {args.bids} sealed bids (best of {args.repeat}, {os.cpu_count()} CPUs)")
    print(f"baseline  raw AES-256-GCM decrypt, 1 thread: {mib / baseline:,.0f} MiB/s ({baseline:.2f} s)")
    print(
        f"measured  verify + decrypt + check, 1 reader + pool of {WORKERS} threads: "
        f"{mib / measured:,.0f} MiB/s ({measured:.2f} s)"
    )
    print(f"ratio measured/baseline: {baseline / measured:.2f} (goal ≥ 0.6)")
finally:
    shutil.rmtree(work, ignore_errors=True)
