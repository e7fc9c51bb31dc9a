"""The Merkle tree of the audit checkpoints: RFC 6962's known vectors, and every leaf's proof of
trees of 1..33 leaves verifies (and fails for another leaf, index, root or a longer path).

The tree size is not bound by a proof alone (leaf 0 of 3 and of 4 share a path): it is bound by
the signed checkpoint that names it."""

from __future__ import annotations

import hashlib

import pytest

from fairdebt.domain.merkle import (
    EMPTY_ROOT,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    root_of_hashes,
    verify_inclusion,
)

# The eight leaves of the RFC 6962 reference tests (certificate-transparency merkle_tree_test),
# and the tree head after each of them.
LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _mth(items: list[bytes]) -> bytes:
    """RFC 6962 §2.1 read literally (recursive split at the largest power of two below n)."""
    if not items:
        return hashlib.sha256(b"").digest()
    if len(items) == 1:
        return leaf_hash(items[0])
    k = 1
    while k * 2 < len(items):
        k *= 2
    return node_hash(_mth(items[:k]), _mth(items[k:]))


def _path(m: int, items: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 §2.1.1, read literally."""
    if len(items) == 1:
        return []
    k = 1
    while k * 2 < len(items):
        k *= 2
    if m < k:
        return [*_path(m, items[:k]), _mth(items[k:])]
    return [*_path(m - k, items[k:]), _mth(items[:k])]


@pytest.mark.parametrize("n", range(1, 9))
def test_the_rfc_6962_reference_roots(n: int) -> None:
    assert root(LEAVES[:n]).hex() == ROOTS[n - 1]


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert root([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


def test_the_rfc_6962_reference_path_of_leaf_0_of_8() -> None:
    hashes = [leaf_hash(x) for x in LEAVES]

    assert [p.hex() for p in inclusion_proof(0, hashes)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


@pytest.mark.parametrize("n", range(1, 34))
def test_every_leaf_of_every_tree_up_to_33_proves_and_nothing_else_does(n: int) -> None:
    items = [f"case-{i}".encode() for i in range(n)]
    hashes = [leaf_hash(x) for x in items]
    head = root_of_hashes(hashes)
    assert head == _mth(items)
    for m in range(n):
        proof = inclusion_proof(m, hashes)
        assert proof == _path(m, items)
        assert verify_inclusion(m, n, hashes[m], proof, head)
        other = hashes[(m + 1) % n]
        if other != hashes[m]:
            assert not verify_inclusion(m, n, other, proof, head)
        assert not verify_inclusion(m, n, hashes[m], proof, leaf_hash(b"x"))
        assert not verify_inclusion(m, n, hashes[m], [*proof, head], head)
        if n > 1:
            assert not verify_inclusion((m + 1) % n, n, hashes[m], proof, head)


def test_a_leaf_cannot_pose_as_a_node() -> None:
    a, b = leaf_hash(b"a"), leaf_hash(b"b")

    assert root([a + b]) != root([b"a", b"b"])
    assert not verify_inclusion(0, 1, a + b, [], root([b"a", b"b"]))


def test_out_of_range_indices() -> None:
    hashes = [leaf_hash(b"x")]

    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_proof(1, hashes)
    assert not verify_inclusion(-1, 1, hashes[0], [], root([b"x"]))
    assert not verify_inclusion(0, 0, hashes[0], [], root([b"x"]))


@pytest.mark.parametrize("case", ["C-1", "C-张伟", 'C-"q"\\', "C-\x00\n", "C-\u2028😀"])
def test_a_head_leaf_is_the_canonical_json_of_the_head(case: str) -> None:
    from fairdebt.domain.anchor import Head
    from fairdebt.domain.events import canonical_json

    head = Head(case, 10**12, "ab" * 32)

    assert head.leaf() == canonical_json({"case": case, "hash": "ab" * 32, "seq": 10**12}).encode()
