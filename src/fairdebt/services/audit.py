"""Audit: recompute every case's hash chain and name the first broken link; check every chain
against the signed checkpoints (services/anchor.py: truncation, deleted chains, rewritten
history); check that every evidence object a case event names is still in the evidence store,
byte for byte.

Evidence convention: an event whose data holds `"evidence": "sha256:<hex>"` (or a list of such
references) names the exact bytes of what it records — the message a `contact_attempted` or
`contact_recorded` event sent. The hash chain proves the reference was not changed; the store's
re-hash proves the bytes were not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Literal

from fairdebt.domain.anchor import Checkpoint
from fairdebt.domain.events import BrokenLink, CaseEvent, verify_chain
from fairdebt.domain.evidence import is_ref
from fairdebt.services.anchor import Anchoring, AnchorReport, KeySet
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.checkpoints import Verifier
from fairdebt.services.ports.evidence import EvidenceStore

EVIDENCE_FIELD = "evidence"
Status = Literal["ok", "missing", "mismatch", "invalid"]


@dataclass(frozen=True, slots=True)
class AuditReport:
    cases: int
    events: int
    broken: tuple[BrokenLink, ...]

    @property
    def ok(self) -> bool:
        return not self.broken


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """A reference to an evidence object, and the event that names it."""

    case: str
    seq: int
    ref: str


@dataclass(frozen=True, slots=True)
class EvidenceProblem:
    case: str
    seq: int
    ref: str
    status: Status  # never "ok"


@dataclass(frozen=True, slots=True)
class EvidenceReport:
    refs: int  # references named by events
    objects: int  # distinct objects checked
    problems: tuple[EvidenceProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_all(
    uow: UnitOfWork,
    on_case: Callable[[int], None] | None = None,
    refs: list[EvidenceRef] | None = None,
) -> AuditReport:
    """Verify every chain of the event log, streamed case by case; writes nothing. With `refs`,
    the evidence references of the events read are appended to it (for `check_evidence`), so
    the log is read once."""
    with uow:
        events = uow.events.all_events()
        if refs is not None:
            events = _collecting(events, refs)
        return verify_events(events, on_case)


def verify_events(
    events: Iterable[CaseEvent], on_case: Callable[[int], None] | None = None
) -> AuditReport:
    """`events` must come ordered by case, then seq (as EventLog.all_events yields them)."""
    cases = total = 0
    broken: list[BrokenLink] = []
    for case_id, group in groupby(events, key=lambda e: e.case):
        counted = _counting(group)
        link = verify_chain(case_id, counted)
        if link is not None:
            broken.append(link)
            for _ in counted:  # count the rest of this case's events too
                pass
        total += counted.n
        cases += 1
        if on_case:
            on_case(cases)
    return AuditReport(cases, total, tuple(broken))


def verify_log(
    uow: UnitOfWork,
    key: Verifier | KeySet | None,
    on_case: Callable[[int], None] | None = None,
    refs: list[EvidenceRef] | None = None,
    published: Sequence[Checkpoint] = (),
) -> tuple[AuditReport, AnchorReport]:
    """`verify_all` and the anchoring check in one pass over the log: each case's chain is
    recomputed and compared with every head the checkpoints recorded for it. `key` checks the
    checkpoints' signatures (None: only when there are none); `published` are copies of
    checkpoints kept outside (their removal from the log shows only against them)."""
    anchoring = Anchoring.load(uow, key)
    anchoring.check_published(published)
    with uow:
        events: Iterable[CaseEvent] = uow.events.all_events()
        if refs is not None:
            events = _collecting(events, refs)
        cases = total = 0
        broken: list[BrokenLink] = []
        for case_id, group in groupby(events, key=lambda e: e.case):
            chain = list(group)
            link = verify_chain(case_id, chain)
            if link is not None:
                broken.append(link)
            anchoring.check_case(case_id, chain)
            total += len(chain)
            cases += 1
            if on_case:
                on_case(cases)
    return AuditReport(cases, total, tuple(broken)), anchoring.report()


def evidence_refs(event: CaseEvent) -> tuple[EvidenceRef, ...]:
    """The evidence references an event names (module docstring: the `evidence` field)."""
    named = event.data.get(EVIDENCE_FIELD)
    if named is None:
        return ()
    values = named if isinstance(named, list | tuple) else [named]
    return tuple(EvidenceRef(event.case, event.seq, str(v)) for v in values)


def check_evidence(
    store: EvidenceStore,
    refs: Sequence[EvidenceRef],
    on_ref: Callable[[int], None] | None = None,
) -> EvidenceReport:
    """Check each referenced object once (re-hashed by the store); report every event whose
    object is missing, altered, or whose reference is malformed. Writes nothing."""
    seen: dict[str, Status] = {}
    problems: list[EvidenceProblem] = []
    for done, named in enumerate(refs, start=1):
        if named.ref not in seen:
            seen[named.ref] = _check_one(store, named.ref)
        status = seen[named.ref]
        if status != "ok":
            problems.append(EvidenceProblem(named.case, named.seq, named.ref, status))
        if on_ref:
            on_ref(done)
    return EvidenceReport(len(refs), len(seen), tuple(problems))


def _check_one(store: EvidenceStore, ref: str) -> Status:
    """`invalid` for a malformed reference (never handed to the store), else the store's answer.
    A store that cannot be read (S3 unreachable) raises FairdebtError: no verdict is made up."""
    return store.check(ref) if is_ref(ref) else "invalid"


def _collecting(events: Iterable[CaseEvent], refs: list[EvidenceRef]) -> Iterator[CaseEvent]:
    for event in events:
        refs.extend(evidence_refs(event))
        yield event


class _counting(Iterator[CaseEvent]):
    def __init__(self, inner: Iterable[CaseEvent]) -> None:
        self.inner = iter(inner)
        self.n = 0

    def __next__(self) -> CaseEvent:
        item = next(self.inner)
        self.n += 1
        return item
