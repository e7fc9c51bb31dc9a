"""A Merkle tree over byte strings, hashed as RFC 6962 §2.1 (and RFC 9162 §2.1) defines.

Leaves and inner nodes are hashed with different one-byte prefixes (0x00 for a leaf, 0x01 for a
node), so a leaf can never be passed off as a node and the other way round (the second-preimage
attack on plain Merkle trees). The tree over n leaves splits at the largest power of two below n;
built bottom-up, that is "pair neighbours, promote a lone last node unchanged", which is how
`root` and `inclusion_proof` compute it. `verify_inclusion` is RFC 9162 §2.1.3.2 word for word.

Used by the audit checkpoints (services/anchor.py): one leaf per case head, sorted by case id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _up(level: Sequence[bytes]) -> list[bytes]:
    """The next level: neighbours paired, a lone last node promoted unchanged."""
    paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])
    return paired


def root_of_hashes(leaves: Sequence[bytes]) -> bytes:
    """The tree head over leaf hashes (`leaf_hash` already applied)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        level = _up(level)
    return level[0]


def root(items: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 §2.1 over the leaf data `items`."""
    return root_of_hashes([leaf_hash(i) for i in items])


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1 for leaf `index`, over leaf hashes: the siblings from
    the bottom up (a level where the node is promoted alone contributes none)."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf {index} is not in a tree of {len(leaves)}")
    proof: list[bytes] = []
    level, at = list(leaves), index
    while len(level) > 1:
        sibling = at ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        level, at = _up(level), at // 2
    return proof


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether `proof` shows the leaf hash `leaf` at `index` of a tree of `size` leaves whose
    head is `expected_root` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root
