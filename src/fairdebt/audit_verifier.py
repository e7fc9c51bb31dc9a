"""Check a fairdebt evidence bundle without fairdebt: Python 3.10+ and `cryptography` only.

    python audit_verifier.py BUNDLE.json --key institution.pub
    python -m fairdebt.audit_verifier BUNDLE.json --key institution.pub   (where fairdebt is)

This one file is meant to be copied and read by whoever must trust a case record without
trusting the institution's software: a borrower, a lawyer, a court, an auditor. It imports
nothing from fairdebt and re-implements, independently, every rule the bundle follows
(docs/audit.md, "Evidence bundles"):

1. each event's hash is the SHA-256 of its canonical JSON without the hash, each event's `prev`
   is the hash of the one before (64 zeros for the first), seqs run 1, 2, 3, ...;
2. the anchored head (case, seq, hash) is one of those events;
3. the Merkle inclusion proof (RFC 6962/9162: leaf = SHA-256(0x00 || data), node =
   SHA-256(0x01 || left || right)) leads from that head to the checkpoint's root;
4. the checkpoint is signed with the institution's Ed25519 key (the key you were given
   separately: from the institution's published key, a regulator, a notary; never from the
   bundle itself). An institution that rotated its key has published several: pass each with
   `--key`; the one whose key id the checkpoint names is used;
5. each evidence object hashes to the reference the events name;
6. the file is byte for byte the canonical JSON of its content (nothing was added or changed
   anywhere, not even a space).

Exit status: 0 the bundle is valid, 1 it is not (each failure is printed), 2 usage error (a
file cannot be read, the key is not an Ed25519 public key).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "fairdebt-bundle/1"
SIGNED_PREFIX = b"fairdebt checkpoint v1\n"
ZERO = "0" * 64
HEX64 = re.compile(r"[0-9a-f]{64}")
HEX128 = re.compile(r"[0-9a-f]{128}")
REF = re.compile(r"sha256:[0-9a-f]{64}")


class Invalid(Exception):
    """The bundle's structure is wrong: nothing further can be checked."""


def canonical(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the one byte form that is hashed and signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# --- Merkle inclusion (RFC 9162 section 2.1.3.2) -----------------------------------------------


def merkle_included(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> bool:
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = sha256(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r == root


# --- reading the bundle -------------------------------------------------------------------------


def fields(value: Any, names: str, what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or sorted(value) != sorted(names.split()):
        raise Invalid(f"{what} does not have exactly the fields: {names}")
    return value


def number(value: Any, what: str) -> int:
    if type(value) is not int or value < 0:
        raise Invalid(f"{what} is not a whole number")
    return value


def hexfield(value: Any, what: str, pattern: re.Pattern[str] = HEX64) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise Invalid(f"{what} is not lowercase hexadecimal of the right length")
    return value


def text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise Invalid(f"{what} is not text")
    return value


class Result:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.passed: list[str] = []


def check_events(events: Any, case: str, result: Result) -> dict[int, str]:
    """Rule 1; returns seq -> hash of the events."""
    if not isinstance(events, list) or not events:
        raise Invalid("the bundle holds no events")
    prev, seen = ZERO, {}
    broken = False
    for n, raw in enumerate(events, start=1):
        e = fields(raw, "actor at case data hash prev seq type", f"event {n}")
        for name in ("actor", "at", "case", "hash", "prev", "type"):
            text(e[name], f"event {n}'s {name}")
        if not isinstance(e["data"], dict):
            raise Invalid(f"event {n}'s data is not an object")
        if e["case"] != case:
            raise Invalid(f"event {n} belongs to another case ({e['case']!r})")
        seq = number(e["seq"], f"event {n}'s seq")
        body = {k: v for k, v in e.items() if k != "hash"}
        if not broken and seq != n:
            result.problems.append(f"event chain: event {n} is missing (found seq {seq})")
            broken = True
        elif not broken and e["prev"] != prev:
            result.problems.append(f"event chain: event {seq}'s prev is not the hash before it")
            broken = True
        elif not broken and hashlib.sha256(canonical(body)).hexdigest() != e["hash"]:
            result.problems.append(f"event chain: event {seq}'s content does not match its hash")
            broken = True
        prev = e["hash"]
        seen[seq] = e["hash"]
    if not broken:
        result.passed.append(f"event chain: events 1-{len(events)} intact")
    return seen


def key_id_of(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def check_checkpoint(
    value: Any, keys: Ed25519PublicKey | list[Ed25519PublicKey], result: Result
) -> dict[str, Any]:
    """Rule 4 (with the given key whose id the checkpoint names); returns its fields."""
    c = fields(value, "at key number prev root signature size v", "the checkpoint")
    if c["v"] != 1:
        raise Invalid("the checkpoint is not of version 1")
    text(c["at"], "the checkpoint time")
    text(c["key"], "the checkpoint key id")
    number(c["number"], "the checkpoint number")
    number(c["size"], "the checkpoint size")
    hexfield(c["root"], "the checkpoint root")
    hexfield(c["prev"], "the checkpoint prev")
    signature = bytes.fromhex(hexfield(c["signature"], "the signature", HEX128))
    body = {k: v for k, v in c.items() if k != "signature"}
    by_id = {key_id_of(k): k for k in (keys if isinstance(keys, list) else [keys])}
    if c["key"] not in by_id:
        given = ", ".join(sorted(by_id))
        result.problems.append(
            f"checkpoint {c['number']} is signed by key {c['key']}, not by the key given ({given})"
        )
        return c
    key_id, key = c["key"], by_id[c["key"]]
    try:
        key.verify(signature, SIGNED_PREFIX + canonical(body))
    except InvalidSignature:
        result.problems.append(f"checkpoint {c['number']}'s signature does not verify")
        return c
    result.passed.append(
        f"checkpoint {c['number']} of {c['at']} is signed by key {key_id} "
        f"(tree of {c['size']} cases, root {c['root']})"
    )
    return c


def check_anchor(
    value: Any, case: str, hashes: dict[int, str], cp: dict[str, Any], result: Result
) -> int:
    """Rules 2 and 3; returns the anchored seq."""
    a = fields(value, "hash index proof seq", "the anchor")
    seq, index = number(a["seq"], "the anchored seq"), number(a["index"], "the leaf index")
    head = hexfield(a["hash"], "the anchored hash")
    if not isinstance(a["proof"], list):
        raise Invalid("the inclusion proof is not a list")
    proof = [bytes.fromhex(hexfield(p, "a proof hash")) for p in a["proof"]]
    if hashes.get(seq) != head:
        result.problems.append(f"the anchored head (event {seq}) is not among the events")
    leaf = sha256(b"\x00" + canonical({"case": case, "hash": head, "seq": seq}))
    if merkle_included(index, cp["size"], leaf, proof, bytes.fromhex(cp["root"])):
        result.passed.append(
            f"anchored: event {seq} is leaf {index} of checkpoint {cp['number']}'s tree"
        )
    else:
        result.problems.append(
            f"the inclusion proof does not lead from event {seq} to checkpoint "
            f"{cp['number']}'s root"
        )
    later = max(hashes, default=0) - seq
    if later > 0:
        result.notes.append(
            f"{later} event(s) after event {seq} came after checkpoint {cp['number']}: "
            "not yet anchored (chained, but not under a signature)"
        )
    return seq


def named_refs(events: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for e in events:
        named = e["data"].get("evidence")
        if named is not None:
            found |= {str(v) for v in (named if isinstance(named, list) else [named])}
    return found


def check_evidence(value: Any, events: list[dict[str, Any]], result: Result) -> None:
    """Rule 5."""
    if not isinstance(value, dict):
        raise Invalid("the evidence is not a map of references to bytes")
    named, good = named_refs(events), 0
    for ref, encoded in value.items():
        if not REF.fullmatch(ref) or ref not in named:
            result.problems.append(f"evidence {ref[:80]!r} is not named by any event")
            continue
        try:
            data = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
        except binascii.Error:
            data = None
        if data is None or base64.b64encode(data).decode("ascii") != encoded:
            result.problems.append(f"evidence {ref} is not canonical base64")
        elif "sha256:" + hashlib.sha256(data).hexdigest() != ref:
            result.problems.append(f"evidence {ref} does not match its reference (altered)")
        else:
            good += 1
    if good:
        result.passed.append(f"evidence: {good} object(s) match their references")
    absent = len(named - set(value))
    if absent:
        result.notes.append(f"{absent} evidence object(s) named by events are not included")


def verify(raw: bytes, key: Ed25519PublicKey | list[Ed25519PublicKey]) -> Result:
    result = Result()
    try:
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise Invalid(f"not a bundle: not UTF-8 JSON ({exc})") from None
        d = fields(document, "anchor case checkpoint events evidence format", "the bundle")
        if d["format"] != FORMAT:
            raise Invalid(f"not a bundle of format {FORMAT}")
        case = text(d["case"], "the case id")
        hashes = check_events(d["events"], case, result)
        cp = check_checkpoint(d["checkpoint"], key, result)
        check_anchor(d["anchor"], case, hashes, cp, result)
        check_evidence(d["evidence"], d["events"], result)
    except Invalid as exc:
        result.problems.append(str(exc))
        return result
    if canonical(document) + b"\n" != raw:
        result.problems.append("the file is not byte for byte the form it was made in")
    else:
        result.passed.append(f"case {case}: the file is exactly as it was made")
    return result


def load_key(given: str) -> Ed25519PublicKey:
    """A PEM public key file, a file holding the key's 64 hex digits, or the hex itself."""
    path = Path(given)
    data = path.read_bytes().strip() if path.is_file() else given.strip().encode()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the PEM key is not an Ed25519 key")
        return key
    raw = bytes.fromhex(data.decode("ascii"))
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes (64 hex digits)")
    return Ed25519PublicKey.from_public_bytes(raw)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check a fairdebt evidence bundle (exit 0 valid, 1 invalid, 2 usage)."
    )
    parser.add_argument("bundle", help="the bundle file (JSON)")
    parser.add_argument(
        "--key",
        required=True,
        action="append",
        help="the institution's public key: PEM file, or 64 hex digits (repeat for each key "
        "it published after rotating)",
    )
    args = parser.parse_args(argv)
    keys = []
    for given in args.key:
        try:
            keys.append(load_key(given))
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"error: cannot use the key {given!r}: {exc}" + "\n")
            return 2
    try:
        raw = Path(args.bundle).read_bytes()
    except OSError as exc:
        sys.stderr.write(f"error: cannot read {args.bundle}: {exc.strerror}" + "\n")
        return 2
    result = verify(raw, keys)
    for line in result.passed:
        say(f"OK       {line}")
    for line in result.notes:
        say(f"NOTE     {line}")
    for line in result.problems:
        say(f"FAIL     {line}")
    if result.problems:
        say(f"INVALID: {len(result.problems)} problem(s); do not rely on this record")
        return 1
    say("VALID: every event, the anchor, the signature and the evidence check out")
    return 0


if __name__ == "__main__":
    sys.exit(main())
