"""Checkpoints: anchor every case's chain under a signed Merkle root, and check the log against
them (domain/anchor.py has the byte forms; docs/audit.md the why and the how).

`make_checkpoint` records each case's head and signs the tree head; `Anchoring` is what
`fairdebt audit verify` runs beside the chain check: each checkpoint's signature and link to the
one before, the recorded heads against the latest signed root, and every case's chain against
every head recorded for it. What a hash chain alone cannot see becomes visible:

- truncation: a chain shorter than a head recorded for it;
- a whole chain deleted: a recorded case with no events;
- an edit with every later hash recomputed: a recorded head hash no longer in the chain;
- a forged, edited or removed checkpoint: signature, `prev` link or numbering.

The signing key can be rotated (`fairdebt audit key --rotate`, docs/audit.md#rotating-the-key):
each checkpoint names the id of the key that signed it, and a `KeySet` holds every key with
the period it signed in, so older checkpoints stay verifiable and a retired key's signature on
a checkpoint made after its retirement is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from fairdebt.domain.anchor import Checkpoint, Head, fold, root_hex
from fairdebt.domain.events import GENESIS, CaseEvent, format_instant
from fairdebt.errors import FairdebtError
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.checkpoints import Signer, Verifier

VERIFY_HINT = "run `fairdebt audit verify` to see what changed since the last checkpoint"


class CheckpointRefused(FairdebtError):
    """A checkpoint would anchor a log that lost anchored history: none is made."""


@dataclass(frozen=True, slots=True)
class KeyPeriod:
    """A public key and when it signed: from `since` to `until` (ISO instants as checkpoints
    have them; "" = from the start, None = still the active key)."""

    key: Verifier
    since: str = ""
    until: str | None = None

    def covers(self, at: str) -> bool:
        return self.since <= at and (self.until is None or at <= self.until)


class KeySet:
    """Every key checkpoints may be signed with, by key id."""

    def __init__(self, periods: Iterable[KeyPeriod]) -> None:
        self.by_id = {p.key.key_id: p for p in periods}

    @classmethod
    def of(cls, keys: Verifier | KeySet) -> KeySet:
        return keys if isinstance(keys, KeySet) else cls([KeyPeriod(keys)])

    def period(self, key_id: str) -> KeyPeriod | None:
        return self.by_id.get(key_id)

    def ids(self) -> str:
        return ", ".join(sorted(self.by_id))

    def problem(self, checkpoint: Checkpoint) -> tuple[str, str] | None:
        """(kind, detail) of what is wrong with `checkpoint`'s signature, or None."""
        period = self.period(checkpoint.key)
        if period is None:
            return "wrong-key", (
                f"signed by key {checkpoint.key[:16]!r}, not by a key given ({self.ids()})"
            )
        if not signed_by(checkpoint, period.key):
            return "forged", "its signature does not verify: the checkpoint was edited or forged"
        if not period.covers(checkpoint.at):
            return "wrong-key", (
                f"signed by key {checkpoint.key} at {checkpoint.at}, outside the period the key "
                f"signed in ({period.since or 'the start'} to {period.until or 'now'})"
            )
        return None


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that changed since a checkpoint (`kind` names it; `where` is a case or a
    checkpoint)."""

    kind: str  # truncated | deleted | rewritten | forged | wrong-key | removed | unlinked
    # | heads-altered | unpublished
    where: str
    detail: str


@dataclass(frozen=True, slots=True)
class AnchorReport:
    checkpoints: int
    latest: Checkpoint | None
    findings: tuple[Finding, ...]
    unanchored_events: int  # appended after the last checkpoint: not an error
    unanchored_cases: int

    @property
    def ok(self) -> bool:
        return not self.findings


def signed_by(checkpoint: Checkpoint, key: Verifier) -> bool:
    """Whether `checkpoint` carries a valid signature of `key` over its body."""
    if checkpoint.key != key.key_id:
        return False
    try:
        signature = bytes.fromhex(checkpoint.signature)
    except ValueError:
        return False
    return key.verify(checkpoint.message(), signature)


def make_checkpoint(
    uow: UnitOfWork, signer: Signer, now: datetime, keys: KeySet | None = None
) -> Checkpoint:
    """Record every case's current head and sign the tree over them. Refused when the last
    checkpoint does not verify with `signer` (or, after a rotation, with its key in `keys`),
    or when a case lost anchored events (a checkpoint must never bless a truncated or
    rewritten log)."""
    with uow:
        log = uow.checkpoints
        last = log.latest()
        if last is not None and not _last_verifies(last, signer, keys):
            raise CheckpointRefused(
                f"checkpoint {last.number} does not verify with the signing key {signer.key_id}"
                + (f" nor with a retired key ({keys.ids()})" if keys else ""),
                hint=f"{VERIFY_HINT}; a new key needs the old one's checkpoints kept verifiable "
                "(`fairdebt audit key --rotate`)",
            )
        anchored = fold(log.recorded_heads())
        current = {h.case: h for h in log.current_heads()}
        lost = regressions(anchored, current)
        if lost:
            raise CheckpointRefused(
                f"{len(lost)} case(s) lost anchored events since the last checkpoint "
                f"(first: {lost[0]})",
                hint=VERIFY_HINT,
            )
        changed = [h for case, h in sorted(current.items()) if anchored.get(case) != h]
        heads = {**anchored, **current}
        made = Checkpoint(
            number=last.number + 1 if last else 1,
            at=format_instant(now),
            size=len(heads),
            root=root_hex(heads),
            prev=last.hash if last else GENESIS,
            key=signer.key_id,
        )
        made = replace(made, signature=signer.sign(made.message()).hex())
        log.add(made, changed)
        uow.commit()
    return made


def _last_verifies(last: Checkpoint, signer: Signer, keys: KeySet | None) -> bool:
    if signed_by(last, signer):
        return True
    return keys is not None and keys.problem(last) is None


def regressions(anchored: dict[str, Head], current: dict[str, Head]) -> list[str]:
    """Cases whose chain is now shorter than anchored, gone, or ends at the anchored seq with
    another hash (what can be seen from the heads alone; `audit verify` sees the rest)."""
    lost = []
    for case, head in sorted(anchored.items()):
        now = current.get(case)
        if now is None:
            lost.append(f"case {case} has no events")
        elif now.seq < head.seq:
            lost.append(f"case {case} ends at event {now.seq}, anchored at {head.seq}")
        elif now.seq == head.seq and now.hash != head.hash:
            lost.append(f"case {case} event {now.seq} was rewritten")
    return lost


@dataclass
class Anchoring:
    """The anchoring check, fed one case at a time while `audit verify` streams the log."""

    checkpoints: Sequence[Checkpoint]
    key: KeySet | None
    findings: list[Finding] = field(default_factory=list)
    recorded: dict[str, list[tuple[int, Head]]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    unanchored_events: int = 0
    unanchored_cases: int = 0

    @classmethod
    def load(cls, uow: UnitOfWork, key: Verifier | KeySet | None) -> Anchoring:
        """`key`: the one key, or every key with its period (KeySet); None: no signature
        is checked (only when there are no checkpoints)."""
        with uow:
            made = cls(uow.checkpoints.all(), KeySet.of(key) if key is not None else None)
            made._take(uow.checkpoints.recorded_heads())
        made._check_checkpoints()
        made._check_latest_root()
        return made

    def _take(self, recorded: Iterable[tuple[int, Head]]) -> None:
        numbers = {c.number for c in self.checkpoints}
        orphans: set[int] = set()
        for number, head in recorded:
            if number not in numbers:
                orphans.add(number)
            self.recorded.setdefault(head.case, []).append((number, head))
        for number in sorted(orphans):
            self._add(
                "removed",
                f"checkpoint {number}",
                "case heads are recorded under it, but the checkpoint is not in the log",
            )

    def _add(self, kind: str, where: str, detail: str) -> None:
        self.findings.append(Finding(kind, where, detail))

    def _check_checkpoints(self) -> None:
        before: Checkpoint | None = None
        for cp in self.checkpoints:
            expected = before.number + 1 if before else 1
            if cp.number != expected:
                missing = _span(expected, cp.number - 1)
                self._add("removed", f"checkpoint {missing}", "missing from the checkpoint log")
            elif cp.prev != (before.hash if before else GENESIS):
                self._add(
                    "unlinked",
                    f"checkpoint {cp.number}",
                    "its prev is not the hash of the checkpoint before (that one was edited)",
                )
            self._check_signature(cp)
            before = cp

    def _check_signature(self, cp: Checkpoint) -> None:
        if self.key is None:
            return
        problem = self.key.problem(cp)
        if problem is not None:
            self._add(problem[0], f"checkpoint {cp.number}", problem[1])

    def _check_latest_root(self) -> None:
        if not self.checkpoints:
            return
        latest = self.checkpoints[-1]
        rows = (r for rows in self.recorded.values() for r in rows)
        heads = fold(rows, upto=latest.number)
        if len(heads) != latest.size or root_hex(heads) != latest.root:
            self._add(
                "heads-altered",
                f"checkpoint {latest.number}",
                f"the recorded case heads ({len(heads)}) do not give its signed root "
                f"(size {latest.size}): the head records were altered",
            )

    def check_case(self, case: str, events: Sequence[CaseEvent]) -> None:
        """Compare a case's chain as stored with every head recorded for it."""
        self.seen.add(case)
        hashes = {e.seq: e.hash for e in events}
        last = max(hashes, default=0)
        recorded = self.recorded.get(case, [])
        matched = 0
        for number, head in recorded:
            if head.seq > last:
                self._add(
                    "truncated",
                    f"case {case}",
                    f"{_events(last + 1, head.seq)} deleted since checkpoint {number} "
                    f"(it anchored event {head.seq}; the chain now ends at event {last})",
                )
                break
            if hashes.get(head.seq) != head.hash:
                self._add(
                    "rewritten",
                    f"case {case}",
                    f"event {head.seq} is not the one checkpoint {number} signed: "
                    f"{_events(matched + 1, head.seq)} changed since checkpoint {number} "
                    "(and the hashes after recomputed)",
                )
                break
            matched = head.seq
        anchored = recorded[-1][1].seq if recorded else 0
        if last > anchored:
            self.unanchored_events += last - anchored
            self.unanchored_cases += 1

    def report(self) -> AnchorReport:
        """After the last case: the recorded cases never seen have lost their whole chain."""
        for case in sorted(set(self.recorded) - self.seen):
            first, last = self.recorded[case][0][0], self.recorded[case][-1]
            self._add(
                "deleted",
                f"case {case}",
                f"its whole chain (events 1-{last[1].seq}, anchored at checkpoint {last[0]}) "
                f"is gone; anchored since checkpoint {first}",
            )
        self.seen = set(self.recorded)
        latest = self.checkpoints[-1] if self.checkpoints else None
        return AnchorReport(
            len(self.checkpoints),
            latest,
            tuple(self.findings),
            self.unanchored_events,
            self.unanchored_cases,
        )

    def check_published(self, published: Iterable[Checkpoint]) -> None:
        """Each checkpoint published outside (docs/audit.md) must be in the log, unchanged: this
        is what shows the removal of the latest checkpoints, which nothing inside can."""
        by_number = {c.number: c for c in self.checkpoints}
        for copy in published:
            if self.key is not None and self.key.problem(copy) is not None:
                self._add(
                    "unpublished",
                    f"checkpoint {copy.number}",
                    "the published copy given does not verify with the keys given",
                )
                continue
            stored = by_number.get(copy.number)
            if stored is None:
                self._add(
                    "removed",
                    f"checkpoint {copy.number}",
                    "it was published, but is not in the checkpoint log",
                )
            elif stored != copy:
                self._add(
                    "forged",
                    f"checkpoint {copy.number}",
                    "the stored checkpoint differs from the published copy",
                )


def _events(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first}-{last}"


def _span(first: int, last: int) -> str:
    return f"{first}" if first == last else f"{first}-{last}"
