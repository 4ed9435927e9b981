"""Merkle trees as RFC 6962 (Certificate Transparency) defines them, as pure functions.

A leaf's hash is ``H(0x00 || data)`` and an inner node's is ``H(0x01 || left || right)``; a
tree of ``n > 1`` leaves splits at ``k``, the largest power of two smaller than ``n``. The two
prefixes keep a leaf from ever being passed off as an inner node (second-preimage attacks).
The hash function comes from a crypto suite, so the 国密 suite gives SM3 trees.

The audit log's leaves are the raw bytes of each entry's hash, in chain order.
"""

from __future__ import annotations

from collections.abc import Sequence

from zhengwu.kernel.crypto import CryptoSuite

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def merkle_leaf_hash(data: bytes, *, suite: CryptoSuite) -> bytes:
    """Return the hash of the leaf holding ``data``."""
    return suite.digest(LEAF_PREFIX + data)


def merkle_node_hash(left: bytes, right: bytes, *, suite: CryptoSuite) -> bytes:
    """Return the hash of the inner node whose children hash to ``left`` and ``right``."""
    return suite.digest(NODE_PREFIX + left + right)


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _root_of_leaf_hashes(hashes: Sequence[bytes], suite: CryptoSuite) -> bytes:
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return merkle_node_hash(
        _root_of_leaf_hashes(hashes[:k], suite), _root_of_leaf_hashes(hashes[k:], suite), suite=suite
    )


def merkle_root(leaves: Sequence[bytes], *, suite: CryptoSuite) -> bytes:
    """Return the root of the tree over ``leaves`` (leaf data, not leaf hashes).

    The root of the empty tree is the hash of the empty string (RFC 6962 §2.1).
    """
    if not leaves:
        return suite.digest(b"")
    return _root_of_leaf_hashes([merkle_leaf_hash(leaf, suite=suite) for leaf in leaves], suite)


def _path(index: int, hashes: Sequence[bytes], suite: CryptoSuite) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = _split(len(hashes))
    if index < k:
        return [*_path(index, hashes[:k], suite), _root_of_leaf_hashes(hashes[k:], suite)]
    return [*_path(index - k, hashes[k:], suite), _root_of_leaf_hashes(hashes[:k], suite)]


def merkle_inclusion_proof(leaves: Sequence[bytes], index: int, *, suite: CryptoSuite) -> list[bytes]:
    """Return the audit path (RFC 6962 §2.1.1) proving that leaf ``index`` is in the tree.

    The path runs from the leaf's sibling up to the child of the root.
    """
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf index {index} is outside a tree of {len(leaves)} leaves")
    return _path(index, [merkle_leaf_hash(leaf, suite=suite) for leaf in leaves], suite)


def merkle_inclusion_verify(
    *,
    leaf: bytes,
    index: int,
    tree_size: int,
    proof: Sequence[bytes],
    root: bytes,
    suite: CryptoSuite,
) -> bool:
    """Return True if ``proof`` shows that ``leaf`` (data) is leaf ``index`` of the tree ``root``.

    This is the verification algorithm of RFC 9162 §2.1.3.2, which needs nothing but the
    proof: a client can check it without trusting the log.
    """
    if index < 0 or index >= tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = merkle_leaf_hash(leaf, suite=suite)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = merkle_node_hash(p, r, suite=suite)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = merkle_node_hash(r, p, suite=suite)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


class MerkleAccumulator:
    """Computes the root of a growing tree in one pass, keeping O(log n) hashes.

    It holds the roots of the perfect subtrees the leaves so far decompose into (largest
    first). Folding them from the right gives the RFC 6962 root, because the split at the
    largest power of two makes the leftmost perfect subtree the left child of the root, and
    so on down the right spine. This lets the verifier and the sealer stream millions of
    entries without holding them in memory.
    """

    def __init__(self, *, suite: CryptoSuite) -> None:
        self.suite = suite
        self.size = 0
        # (height, hash) of each perfect subtree, heights strictly decreasing.
        self._frontier: list[tuple[int, bytes]] = []

    def add(self, leaf: bytes) -> None:
        """Append the leaf holding ``leaf`` (data)."""
        height, node = 0, merkle_leaf_hash(leaf, suite=self.suite)
        while self._frontier and self._frontier[-1][0] == height:
            _, left = self._frontier.pop()
            node = merkle_node_hash(left, node, suite=self.suite)
            height += 1
        self._frontier.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        """The root of the tree over every leaf added so far."""
        if not self._frontier:
            return self.suite.digest(b"")
        node = self._frontier[-1][1]
        for _, left in reversed(self._frontier[:-1]):
            node = merkle_node_hash(left, node, suite=self.suite)
        return node
