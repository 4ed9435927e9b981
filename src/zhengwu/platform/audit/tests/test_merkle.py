"""RFC 6962 Merkle trees: roots and inclusion proofs against published and hand-built vectors.

Pure: no database. The vectors are those of the Certificate Transparency reference
implementation (eight leaves of increasing length), cross-checked by hand below with hashlib.
"""

from __future__ import annotations

import hashlib

import pytest

from zhengwu.kernel.crypto import suite_get
from zhengwu.platform.audit.merkle import (
    MerkleAccumulator,
    merkle_inclusion_proof,
    merkle_inclusion_verify,
    merkle_leaf_hash,
    merkle_node_hash,
    merkle_root,
)

SHA = suite_get("intl")
SM3 = suite_get("gm")

LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]

ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

PROOFS = [
    (0, 1, []),
    (0, 8, [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]),
    (5, 8, [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]),
]  # fmt: skip


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


@pytest.mark.parametrize("size", range(9))
def test_root_matches_the_certificate_transparency_vectors(size: int) -> None:
    assert merkle_root(LEAVES[:size], suite=SHA).hex() == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_accumulator_gives_the_same_roots_one_leaf_at_a_time(size: int) -> None:
    accumulator = MerkleAccumulator(suite=SHA)
    for leaf in LEAVES[:size]:
        accumulator.add(leaf)
    assert accumulator.size == size
    assert accumulator.root().hex() == ROOTS[size]


def test_three_leaves_split_at_two_by_hand() -> None:
    # RFC 6962: n = 3 splits at k = 2, so the root is node(node(l0, l1), l2).
    l0, l1, l2 = (sha(b"\x00" + d) for d in (b"a", b"b", b"c"))
    expected = sha(b"\x01" + sha(b"\x01" + l0 + l1) + l2)
    assert merkle_root([b"a", b"b", b"c"], suite=SHA) == expected


def test_five_leaves_split_at_four_by_hand() -> None:
    leaf = [sha(b"\x00" + bytes([i])) for i in range(5)]
    left = sha(b"\x01" + sha(b"\x01" + leaf[0] + leaf[1]) + sha(b"\x01" + leaf[2] + leaf[3]))
    expected = sha(b"\x01" + left + leaf[4])
    assert merkle_root([bytes([i]) for i in range(5)], suite=SHA) == expected


def test_leaf_and_node_hashes_are_domain_separated() -> None:
    assert merkle_leaf_hash(b"xy", suite=SHA) == sha(b"\x00xy")
    assert merkle_node_hash(b"x", b"y", suite=SHA) == sha(b"\x01xy")
    # A one-leaf tree whose data is the concatenation of two leaf hashes is not the two-leaf tree.
    two = merkle_root([b"a", b"b"], suite=SHA)
    forged = merkle_root([sha(b"\x00a") + sha(b"\x00b")], suite=SHA)
    assert two != forged


def test_sm3_suite_builds_the_tree_with_sm3() -> None:
    l0, l1 = SM3.digest(b"\x00a"), SM3.digest(b"\x00b")
    assert merkle_root([b"a", b"b"], suite=SM3) == SM3.digest(b"\x01" + l0 + l1)
    assert merkle_root([b"a", b"b"], suite=SM3) != merkle_root([b"a", b"b"], suite=SHA)
    assert merkle_root([], suite=SM3) == SM3.digest(b"")


@pytest.mark.parametrize(("index", "size", "path"), PROOFS)
def test_inclusion_proofs_match_the_vectors_and_verify(index: int, size: int, path: list[str]) -> None:
    proof = merkle_inclusion_proof(LEAVES[:size], index, suite=SHA)
    assert [p.hex() for p in proof] == path
    root = bytes.fromhex(ROOTS[size])
    assert merkle_inclusion_verify(leaf=LEAVES[index], index=index, tree_size=size, proof=proof, root=root, suite=SHA)


@pytest.mark.parametrize("size", range(1, 34))
def test_every_leaf_of_every_small_tree_proves_its_inclusion(size: int) -> None:
    leaves = [i.to_bytes(2, "big") for i in range(size)]
    root = merkle_root(leaves, suite=SHA)
    for index in range(size):
        proof = merkle_inclusion_proof(leaves, index, suite=SHA)
        assert merkle_inclusion_verify(
            leaf=leaves[index], index=index, tree_size=size, proof=proof, root=root, suite=SHA
        )


def test_inclusion_verify_rejects_anything_changed() -> None:
    leaves = LEAVES[:8]
    root = bytes.fromhex(ROOTS[8])
    proof = merkle_inclusion_proof(leaves, 5, suite=SHA)
    ok = {"leaf": leaves[5], "index": 5, "tree_size": 8, "proof": proof, "root": root, "suite": SHA}
    assert merkle_inclusion_verify(**ok)
    assert not merkle_inclusion_verify(**{**ok, "leaf": leaves[4]})
    assert not merkle_inclusion_verify(**{**ok, "index": 4})
    assert not merkle_inclusion_verify(**{**ok, "index": 8})
    assert not merkle_inclusion_verify(**{**ok, "index": -1})
    assert not merkle_inclusion_verify(**{**ok, "tree_size": 6})
    assert not merkle_inclusion_verify(**{**ok, "tree_size": 16})
    assert not merkle_inclusion_verify(**{**ok, "proof": proof[:-1]})
    assert not merkle_inclusion_verify(**{**ok, "proof": [*proof, proof[0]]})
    assert not merkle_inclusion_verify(**{**ok, "proof": [proof[1], proof[0], proof[2]]})
    assert not merkle_inclusion_verify(**{**ok, "root": bytes.fromhex(ROOTS[7])})


def test_inclusion_proof_of_a_leaf_outside_the_tree_is_refused() -> None:
    with pytest.raises(IndexError, match="leaf index 3 is outside a tree of 3 leaves"):
        merkle_inclusion_proof(LEAVES[:3], 3, suite=SHA)
    with pytest.raises(IndexError):
        merkle_inclusion_proof([], 0, suite=SHA)
