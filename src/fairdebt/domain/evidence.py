"""Evidence references, `sha256:<64 lowercase hex digits>`: the name of an object's bytes.

Case events name the exact bytes of what they record (a message sent) by such a reference;
the bytes are kept in an evidence store (services/ports/evidence.py). Only the exact form is a
reference: no upper case, no other length, no separators, no NUL, no trailing newline — so a
reference turned into a file path or an object key can never point outside the store.
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "sha256:"
_REF = re.compile(r"sha256:[0-9a-f]{64}")


def ref_of(data: bytes) -> str:
    """The reference naming `data`."""
    return PREFIX + hashlib.sha256(data).hexdigest()


def is_ref(ref: object) -> bool:
    """Whether `ref` has the exact form of a reference."""
    return isinstance(ref, str) and _REF.fullmatch(ref) is not None


def matches(ref: str, data: bytes) -> bool:
    """Whether `data` still hashes to the name `ref`."""
    return ref_of(data) == ref
