"""A reference checked before it becomes a path or a key (domain/evidence.py: the exact form)."""

from __future__ import annotations

from fairdebt.domain.evidence import PREFIX, is_ref, matches, ref_of
from fairdebt.errors import FairdebtError

__all__ = ["digest_of", "matches", "ref_of"]


def digest_of(ref: object) -> str:
    """The 64 hex digits of a valid reference, or a FairdebtError (never a path outside)."""
    if not is_ref(ref):
        raise FairdebtError(
            f"not an evidence reference: {repr(ref)[:80]}",
            hint="a reference is 'sha256:' and 64 lowercase hexadecimal digits",
        )
    assert isinstance(ref, str)
    return ref[len(PREFIX) :]
