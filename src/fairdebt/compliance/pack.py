"""Rule packs: versioned YAML, validated into msgspec Structs, compiled once, forked without code.

A pack file declares its id, version and rules; each rule names its family (a module of
`rules/`), its citation (the law or standard; docs/packs/<pack>-sources.md has the text behind
every id), severity, applicability, parameters and messages in zh-CN and en. A lender's file
that says `extends: cn` is a fork: it may override the parameters, severity, applicability and
wording of the base's rules, and add rules, but only to make them stricter — each family marks
which way each parameter tightens (`rules.base.stricter`), and a fork that relaxes anything is
refused with the list of what it relaxed.

Compiling a pack builds every rule once and indexes them by (channel, party, purpose), so a
decision runs only the rules that can apply to its attempt; a second index also knows whether
the request has a hold, content, a public place — a rule that `needs` one of these (a hold
rule, a content rule) cannot object without it, and is not even asked.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
from msgspec import Meta

from fairdebt.compliance.errors import PackError, UnknownPackError
from fairdebt.compliance.forks import describe, read_params, relaxations
from fairdebt.compliance.rules import FAMILIES
from fairdebt.compliance.rules.base import Rule, RuleSpec
from fairdebt.compliance.rules.family import Family
from fairdebt.compliance.types import Attempt, Borrower, Channel, Party, Purpose, Severity

LOCALES = ("zh-CN", "en")
_FAMILIES: Mapping[str, Family] = {f.name: f for f in FAMILIES}


class _Model(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A pack file's shape: unknown keys are errors, values are not changed after reading.
    msgspec rather than a validation library: `fairdebt gate` reads the packs at every start,
    and importing one cost more than the rest of the command."""


PackId = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9-]*$")]
Version = Annotated[str, Meta(pattern=r"^[0-9][0-9A-Za-z.]*$")]
Locale = Literal["zh-CN", "en"]


class RuleModel(_Model, kw_only=True, frozen=True):
    id: Annotated[str, Meta(pattern=r"^[A-Z][A-Za-z0-9./-]*$")]
    family: str
    citation: Annotated[str, Meta(min_length=3)]
    cites: tuple[str, ...] = ()
    severity: Severity
    channels: tuple[Channel, ...] = ()
    parties: tuple[Party, ...] = ()
    purposes: tuple[Purpose, ...] = ()
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    messages: dict[Locale, str]
    note: str = ""


class OverrideModel(_Model, kw_only=True, frozen=True):
    severity: Severity | None = None
    channels: tuple[Channel, ...] | None = None
    parties: tuple[Party, ...] | None = None
    purposes: tuple[Purpose, ...] | None = None
    params: dict[str, Any] = msgspec.field(default_factory=dict)
    messages: dict[Locale, str] = msgspec.field(default_factory=dict)
    note: str = ""


class PackModel(_Model, kw_only=True, frozen=True):
    id: PackId
    version: Version
    title: str
    jurisdiction: str
    description: str = ""
    rules: Annotated[tuple[RuleModel, ...], Meta(min_length=1)]


class ForkModel(_Model, kw_only=True, frozen=True):
    id: PackId
    version: Version
    extends: Annotated[str, Meta(pattern=r"^[a-z][a-z0-9-]*(@[0-9][0-9A-Za-z.]*)?$")]
    title: str
    description: str = ""
    overrides: dict[str, OverrideModel] = msgspec.field(default_factory=dict)
    add: tuple[RuleModel, ...] = ()


@dataclass(frozen=True, slots=True)
class Pack:
    """A compiled pack: its rules built once and indexed by what an attempt can be."""

    id: str
    version: str
    title: str
    jurisdiction: str
    description: str
    models: tuple[RuleModel, ...]
    rules: tuple[Rule, ...]
    extends: str | None = None
    index: Mapping[tuple[Channel, Party, Purpose], tuple[Rule, ...]] = field(default_factory=dict)
    active: Mapping[tuple[Any, ...], ActiveRules] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def rules_for(self, channel: Channel, party: Party, purpose: Purpose) -> tuple[Rule, ...]:
        return self.index[channel, party, purpose]

    def rules_for_request(self, attempt: Attempt, borrower: Borrower) -> tuple[Rule, ...]:
        """`rules_for` the attempt, less the rules whose `needs` the request lacks."""
        return self.active_for(attempt, borrower).rules

    def active_for(self, attempt: Attempt, borrower: Borrower) -> ActiveRules:
        """rules_for_request, and which of them can be waited out (see ActiveRules)."""
        key = (attempt.channel, attempt.party, attempt.purpose)
        facts = (bool(borrower.holds), bool(attempt.content), attempt.public_place)
        return self.active[(*key, *facts)]


class ActiveRules(NamedTuple):
    """The rules a request can meet, and among them the deny rules that are not `timeless`:
    the ones the engine asks again at later instants for `allowed_from` (found once, here)."""

    rules: tuple[Rule, ...]
    waitable: tuple[Rule, ...]


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """`2026.10` sorts after `2026.9`: numeric parts compare as numbers."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in version.split("."))


@dataclass(frozen=True, slots=True)
class Packs:
    """Every loaded pack version, by `id@version`; a bare id means its latest version."""

    by_ref: Mapping[str, Pack]
    # each bare id's latest version, found once: a request names its pack on every decision
    latest: Mapping[str, Pack] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        latest: dict[str, Pack] = {}
        for pack in self.by_ref.values():
            known = latest.get(pack.id)
            if known is None or version_key(pack.version) > version_key(known.version):
                latest[pack.id] = pack
        object.__setattr__(self, "latest", latest)  # frozen: set once, here

    def available(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_ref))

    def resolve(self, name: str) -> Pack:
        pack = self.by_ref.get(name) or self.latest.get(name)
        if pack is None:
            raise UnknownPackError(name, self.available())
        return pack

    def with_packs(self, packs: Iterable[Pack]) -> Packs:
        return Packs({**self.by_ref, **{p.ref: p for p in packs}})


# --- building ------------------------------------------------------------------------------


def compile_rule(model: RuleModel, check: bool = True) -> Rule:
    """Build one rule; `check` runs its family's costly checks too (Family.check: every
    pack file gets them; the built-in packs, proven by the tests, skip them at start-up)."""
    family = _FAMILIES.get(model.family)
    if family is None:
        raise PackError(
            f"rule {model.id}: unknown family {model.family!r}",
            hint=f"families: {', '.join(sorted(_FAMILIES))}",
        )
    _check_messages(model, family)
    try:
        params = read_params(family.params, model.params)
    except msgspec.ValidationError as exc:
        raise PackError(f"rule {model.id}: bad params: {describe(exc)}", hint=family.doc) from None
    if check and family.check is not None:
        try:
            family.check(params)
        except ValueError as exc:
            raise PackError(f"rule {model.id}: bad params: {exc}", hint=family.doc) from None
    spec = RuleSpec(
        id=model.id,
        family=model.family,
        citation=model.citation,
        severity=model.severity,
        messages={str(k): v for k, v in model.messages.items()},
        channels=frozenset(model.channels),
        parties=frozenset(model.parties),
        purposes=frozenset(model.purposes),
        cites=model.cites,
        params=msgspec.to_builtins(params),
    )
    return family.build(spec, params)


def _check_messages(model: RuleModel, family: Family) -> None:
    given = {str(k): v for k, v in model.messages.items()}
    missing = [loc for loc in LOCALES if not given.get(loc)]
    if missing:
        raise PackError(f"rule {model.id}: no message in {', '.join(missing)}", hint="give both")
    for locale, text in model.messages.items():
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        unknown = names - family.fields
        if unknown:
            raise PackError(
                f"rule {model.id} ({locale}): unknown message fields {sorted(unknown)}",
                hint=f"{family.name} messages may use {sorted(family.fields)}",
            )


def compile_pack(model: PackModel, extends: str | None = None, check: bool = True) -> Pack:
    ids = [r.id for r in model.rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise PackError(f"pack {model.id}: duplicate rule ids {duplicates}", hint="ids are unique")
    rules = tuple(compile_rule(r, check) for r in model.rules)
    index = _RuleIndex(rules)
    active = _ActiveIndex(index)
    return Pack(
        id=model.id,
        version=model.version,
        title=model.title,
        jurisdiction=model.jurisdiction,
        description=model.description,
        models=model.rules,
        rules=rules,
        extends=extends,
        index=index,
        active=active,
    )


def _active(rules: tuple[Rule, ...]) -> ActiveRules:
    waitable = tuple(
        r for r in rules if r.spec.severity is Severity.DENY and not getattr(r, "timeless", False)
    )
    return ActiveRules(rules, waitable)


_FACTS = ("holds", "content", "public_place")  # the order of the facts in `active`'s keys


class _RuleIndex(dict[tuple[Channel, Party, Purpose], tuple[Rule, ...]]):
    """`Pack.index`, filled as asked: the rules that apply to each (channel, party, purpose),
    found on first use (all 216 keys at once cost a one-request command ~5 ms)."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        super().__init__()
        self._rules = rules

    def __missing__(self, key: tuple[Channel, Party, Purpose]) -> tuple[Rule, ...]:
        found = self[key] = tuple(r for r in self._rules if r.spec.applies(*key))
        return found


class _ActiveIndex(dict[tuple[Any, ...], ActiveRules]):
    """`Pack.active`, filled as requests ask: each (channel, party, purpose, facts) key is
    found once, on first use. Found eagerly, the 2,016 keys of a pack cost a command that
    decides one request (`fairdebt gate`) more than its decision."""

    def __init__(self, index: Mapping[tuple[Channel, Party, Purpose], tuple[Rule, ...]]) -> None:
        super().__init__()
        self._index = index

    def __missing__(self, key: tuple[Any, ...]) -> ActiveRules:
        applicable, facts = self._index[key[:3]], key[3:]
        found = self[key] = _active(tuple(r for r in applicable if _has_needs(r, facts)))
        return found


def _has_needs(rule: Rule, facts: tuple[bool, ...]) -> bool:
    needs = getattr(rule, "needs", None)
    return needs is None or facts[_FACTS.index(needs)]


def fork_pack(fork: ForkModel, base: Pack, check: bool = True) -> Pack:
    """Apply a fork's overrides and additions to `base`; refuse any relaxation."""
    known = {r.id: r for r in base.models}
    unknown = sorted(set(fork.overrides) - set(known))
    if unknown:
        raise PackError(f"fork {fork.id}: no rules {unknown} in {base.ref}", hint="check the ids")
    models, problems = [], []
    for rule in base.models:
        override = fork.overrides.get(rule.id)
        if override is None:
            models.append(rule)
            continue
        merged = _merge(rule, override)
        problems += relaxations(rule, merged, _FAMILIES[rule.family].params)
        models.append(merged)
    if problems:
        raise PackError(
            f"fork {fork.id} relaxes {base.ref}: " + "; ".join(problems),
            hint="a fork may only make rules stricter; write a new pack to relax one",
        )
    pack = PackModel(
        id=fork.id,
        version=fork.version,
        title=fork.title,
        jurisdiction=base.jurisdiction,
        description=fork.description or base.description,
        rules=(*models, *fork.add),
    )
    return compile_pack(pack, extends=base.ref, check=check)


def _merge(rule: RuleModel, override: OverrideModel) -> RuleModel:
    changes: dict[str, Any] = {"params": {**rule.params, **override.params}}
    changes["messages"] = {**rule.messages, **override.messages}
    for name in ("severity", "channels", "parties", "purposes"):
        value = getattr(override, name)
        if value is not None:
            changes[name] = value
    if override.note:
        changes["note"] = override.note
    return msgspec.structs.replace(rule, **changes)


# --- loading -------------------------------------------------------------------------------

# The built-in packs' YAML, parsed, keyed by each file's SHA-256: a `fairdebt gate` reads the
# packs at every start, and PyYAML's import and parsing cost it more than its decision. A file
# whose text is not in the snapshot (edited since) is parsed as YAML, so the snapshot can only
# be slow, never wrong; a test fails while it is stale (`python -m fairdebt.compliance.docs .`
# rewrites it with the docs).
SNAPSHOT = "parsed.json"


def load_yaml(text: str, source: str) -> Any:
    """The YAML document in `text` (libyaml's safe loader when PyYAML has it: ~10× faster)."""
    import yaml  # here: the built-in packs come from the snapshot, and yaml costs ~25 ms

    from fairdebt.yamltext import safe_load

    try:
        return safe_load(text, fast=True)
    except yaml.YAMLError as exc:
        raise PackError(f"{source}: not YAML: {exc}", hint="check indentation") from None


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_pack_text(
    text: str, source: str, parsed: Mapping[str, Any] | None = None
) -> PackModel | ForkModel:
    """A pack or fork file's model; `parsed` may hold its YAML already parsed (by text_key)."""
    known = parsed.get(text_key(text)) if parsed else None
    data = known if known is not None else load_yaml(text, source)
    if not isinstance(data, dict):
        raise PackError(f"{source}: a pack is a mapping", hint="start with `id:`")
    model: type[PackModel] | type[ForkModel] = ForkModel if "extends" in data else PackModel
    try:
        return msgspec.convert(data, type=model, strict=False)
    except msgspec.ValidationError as exc:
        where = _override_at_fault(data) or describe(exc)
        raise PackError(f"{source}: {where}", hint="see docs/rules.md") from None


def _override_at_fault(data: dict[str, Any]) -> str | None:
    """msgspec names a mapping's key `[...]`; a fork's overrides are keyed by rule id, which the
    author needs to see: read them one by one to say which (only once the file is refused)."""
    overrides = data.get("overrides")
    if not isinstance(overrides, dict):
        return None
    for rule_id, override in overrides.items():
        try:
            msgspec.convert(override, type=OverrideModel, strict=False)
        except msgspec.ValidationError as exc:
            return describe(exc, "overrides", str(rule_id))
    return None


def build_packs(
    sources: Iterable[tuple[str, str]],
    base: Packs | None = None,
    *,
    parsed: Mapping[str, Any] | None = None,
    check: bool = True,
) -> Packs:
    """Compile (source name, YAML text) pairs; forks may extend packs loaded before them.
    `parsed` and `check`: see parse_pack_text and compile_rule (the built-in packs' shortcuts)."""
    packs = base or Packs({})
    pending = [parse_pack_text(text, name, parsed) for name, text in sources]
    for model in [m for m in pending if isinstance(m, PackModel)]:
        packs = packs.with_packs([compile_pack(model, check=check)])
    forks = [m for m in pending if isinstance(m, ForkModel)]
    while forks:
        ready = [f for f in forks if _resolvable(packs, f.extends)]
        if not ready:
            raise UnknownPackError(forks[0].extends, packs.available())
        for fork in ready:
            packs = packs.with_packs([fork_pack(fork, packs.resolve(fork.extends), check)])
            forks.remove(fork)
    return packs


def _resolvable(packs: Packs, name: str) -> bool:
    try:
        packs.resolve(name)
    except UnknownPackError:
        return False
    return True


def builtin_sources() -> list[tuple[str, str]]:
    """(file name, text) of every pack shipped in `compliance/packs/`."""
    folder = files("fairdebt.compliance").joinpath("packs")
    return sorted(
        (entry.name, entry.read_text("utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


@cache
def builtin_packs() -> Packs:
    """The packs shipped in `compliance/packs/` (read and compiled once per process)."""
    snapshot = files("fairdebt.compliance").joinpath("packs", SNAPSHOT)
    try:
        parsed = msgspec.json.decode(snapshot.read_bytes())
    except (OSError, msgspec.DecodeError):
        parsed = {}  # no snapshot (or a broken one): parse the YAML
    return build_packs(builtin_sources(), parsed=parsed, check=False)


def snapshot_text(sources: Iterable[tuple[str, str]] | None = None) -> str:
    """The snapshot of the built-in packs' parsed YAML (SNAPSHOT), as JSON text. Refuses a
    document JSON would not carry unchanged (a YAML date, say)."""
    parsed = {}
    for name, text in sources if sources is not None else builtin_sources():
        data = load_yaml(text, name)
        if json.loads(json.dumps(data)) != data:
            raise PackError(f"{name}: holds values JSON cannot carry", hint="quote them")
        parsed[text_key(text)] = data
    return json.dumps(parsed, ensure_ascii=False, indent=1) + "\n"  # in document order


def write_snapshot(folder: Path) -> Path:
    """Rewrite the snapshot in `folder` (the source tree's compliance/packs/)."""
    path = folder / SNAPSHOT
    path.write_text(snapshot_text(), encoding="utf-8")
    return path
