"""Use cases: versions of the message templates — add a draft, activate it after the lint.

A template (messages/templates/<pack>/*.yaml: id, pack, channel, party, purpose, time_barred,
text per language) is versioned in the database (ports.templates). Its packaged file is version
1. A new version is added as a `draft` (`add_version`: the YAML is checked — id, both languages,
channel/party/purpose words the gate knows, Jinja2 syntax — and every error names the template,
the language and the line). It reaches borrowers only once `activate`d: each language is
rendered with the lint's sample values (messages.lint.SAMPLE) and read by the pack's content
rules, and the activation is refused, naming the template, language, line and rule ids, when a
rule finds a fault or the text names a value the sample lacks. Activating retires the version
that was active; who did what and when stays on the rows.

The packaged files are stored as version 1 lazily, by the first write (`add_version`,
`activate`: `store_packaged`); until then reads (`active`, `active_templates`, `listing`) merge
the packaged files in as version 1, active, not yet stored (`created_at` None). So reads never
write (a page or a worker never races another to insert them), a fresh database works at once,
and a template file that a later release adds appears without a migration. A packaged file
changed by a release does not replace a stored version 1: add it as a new version and activate
it (docs/channels.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fairdebt.errors import FairdebtError
from fairdebt.messages.catalog import LANGUAGES, Template, templates
from fairdebt.services.ports import UnitOfWork
from fairdebt.services.ports.templates import ACTIVE, DRAFT, RETIRED, TemplateVersion

if TYPE_CHECKING:
    from fairdebt.compliance.pack import Packs
    from fairdebt.messages.lint import Problem

PACKAGED_BY = "fairdebt (packaged)"  # created_by / activated_by of a packaged version 1
ID_PATTERN = re.compile(r"[a-z][a-z0-9-]*\.[a-z][a-z0-9_]*")  # `<pack prefix>.<name>`
ID_WIDTH = 64  # message_templates.template_id
FIELDS = ("id", "pack", "channel", "party", "purpose", "text")
OPTIONAL_FIELDS = ("time_barred",)
HINT = "see docs/channels.md#templates for the format"


class TemplateRefused(FairdebtError):
    """A version that may not be added or activated; `problems` lists each fault on a line."""

    def __init__(self, cause: str, problems: Sequence[str], hint: str = "") -> None:
        super().__init__(f"{cause}: " + "; ".join(problems), hint)
        self.summary = cause  # without the problems (a CLI prints them a line each)
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class Check:
    """What the lint says of one version: per language, the faults (empty: clean)."""

    problems: Sequence[Problem]

    @property
    def clean(self) -> bool:
        return not self.problems

    def of(self, language: str) -> list[Problem]:
        return [p for p in self.problems if p.language == language]

    def report(self) -> list[dict[str, Any]]:
        """The lint report kept on the row (JSON)."""
        keep = ("language", "rule", "line", "text")
        return [{k: v for k, v in asdict(p).items() if k in keep} for p in self.problems]


# --- reading ---------------------------------------------------------------------------------


def packaged() -> list[TemplateVersion]:
    """The packaged files as version 1, active, not stored (created_at None)."""
    return [
        TemplateVersion(
            template_id=t.id,
            version=1,
            pack=t.pack,
            channel=t.channel,
            party=t.party,
            purpose=t.purpose,
            text=dict(t.text),
            status=ACTIVE,
            created_by=PACKAGED_BY,
            created_at=None,
            time_barred=t.time_barred,
            activated_by=PACKAGED_BY,
        )
        for t in templates()
    ]


def _unstored(uow: UnitOfWork) -> list[TemplateVersion]:
    stored = uow.templates.ids()
    return [v for v in packaged() if v.template_id not in stored]


def active(uow: UnitOfWork, template_id: str) -> TemplateVersion | None:
    """The template's active version (the packaged file while nothing is stored for it)."""
    with uow:
        found = uow.templates.active(template_id)
        if found:
            return found[0]
        return next((v for v in _unstored(uow) if v.template_id == template_id), None)


def active_templates(uow: UnitOfWork, pack: str, channel: str) -> list[TemplateVersion]:
    """The pack's active versions for a channel, by template id."""
    with uow:
        stored = uow.templates.active(pack=pack, channel=channel)
        extra = [v for v in _unstored(uow) if v.pack == pack and v.channel == channel]
    return sorted([*stored, *extra], key=lambda v: v.template_id)


def listing(uow: UnitOfWork) -> list[TemplateVersion]:
    """Every version of every template (the packaged ones included), by id then version."""
    with uow:
        found = [*uow.templates.all(), *_unstored(uow)]
    return sorted(found, key=lambda v: (v.template_id, v.version))


def versions(uow: UnitOfWork, template_id: str) -> list[TemplateVersion]:
    """The template's versions, oldest first; an unknown id is an error naming the known ones."""
    found = [v for v in listing(uow) if v.template_id == template_id]
    if not found:
        known = ", ".join(sorted({v.template_id for v in listing(uow)}))
        raise FairdebtError(f"no template {template_id!r}", hint=f"templates: {known}")
    return found


def version_of(uow: UnitOfWork, template_id: str, version: int | None = None) -> TemplateVersion:
    """One version; None: the active one, else the newest."""
    found = versions(uow, template_id)
    if version is None:
        return next((v for v in found if v.status == ACTIVE), found[-1])
    chosen = next((v for v in found if v.version == version), None)
    if chosen is None:
        numbers = ", ".join(str(v.version) for v in found)
        raise FairdebtError(
            f"template {template_id} has no version {version}", hint=f"versions: {numbers}"
        )
    return chosen


def as_template(v: TemplateVersion) -> Template:
    """The version as the renderer and the lint take it (messages.catalog.Template)."""
    return Template(
        id=v.template_id,
        file=f"{v.template_id} v{v.version}",
        pack=v.pack,
        channel=v.channel,
        party=v.party,
        purpose=v.purpose,
        text=dict(v.text),
        time_barred=v.time_barred,
        version=v.version,
    )


# --- writing ---------------------------------------------------------------------------------


def store_packaged(uow: UnitOfWork, now: datetime, packs: Packs | None = None) -> int:
    """Store every packaged file whose template has no row as version 1, active, with the lint
    report it has now; how many were stored. Idempotent, also when two processes race."""
    with uow:
        missing = _unstored(uow)
        if missing:
            linted = _packs(packs)
            uow.templates.store_missing(
                replace(v, created_at=now, activated_at=now, lint_report=check(v, linted).report())
                for v in missing
            )
        uow.commit()
    return len(missing)


def add_version(
    uow: UnitOfWork, source_yaml_text: str, actor: str, now: datetime, *, packs: Packs | None = None
) -> TemplateVersion:
    """A new draft version of the template the YAML names (a new id starts at version 1)."""
    data = parse_source(source_yaml_text)
    template_id = data["id"]
    _known_pack(_packs(packs), data["pack"], template_id)
    with uow:
        store_packaged(uow, now, packs)
        earlier = uow.templates.versions(template_id)
        if earlier and (earlier[-1].pack, earlier[-1].channel) != (data["pack"], data["channel"]):
            raise FairdebtError(
                f"template {template_id} is for {earlier[-1].pack} {earlier[-1].channel}, "
                f"not {data['pack']} {data['channel']}",
                hint="a template for another pack or channel needs an id of its own",
            )
        added = TemplateVersion(
            template_id=template_id,
            version=(earlier[-1].version if earlier else 0) + 1,
            pack=data["pack"],
            channel=data["channel"],
            party=data["party"],
            purpose=data["purpose"],
            text=data["text"],
            status=DRAFT,
            created_by=actor,
            created_at=now,
            time_barred=data["time_barred"],
        )
        uow.templates.add(added)
        uow.commit()
    return added


def activate(
    uow: UnitOfWork,
    template_id: str,
    version: int,
    actor: str,
    now: datetime,
    *,
    packs: Packs | None = None,
) -> TemplateVersion:
    """Make the version the one the worklist sends, if the lint finds nothing in any language;
    the version active before is retired. Refused (TemplateRefused) with every fault found."""
    linted = _packs(packs)
    with uow:
        store_packaged(uow, now, packs)
        chosen = version_of(uow, template_id, version)
        if chosen.status == ACTIVE:
            raise FairdebtError(
                f"template {template_id} version {version} is already active", hint="nothing to do"
            )
        _known_pack(linted, chosen.pack, template_id)
        found = check(chosen, linted)
        if not found.clean:
            raise TemplateRefused(
                f"template {template_id} version {version} not activated",
                [_described(p) for p in found.problems],
                hint="fix the text, add it as a new version (`fairdebt templates add`) and "
                "activate that",
            )
        uow.templates.activate(template_id, version, actor, now, found.report())
        uow.commit()
        activated = uow.templates.get(template_id, version)
    assert activated is not None
    return activated


# --- checking --------------------------------------------------------------------------------


def check(v: TemplateVersion, packs: Packs) -> Check:
    """The lint of one version: each language's values the sample lacks (with their line),
    then, if it renders, the pack's content rules over the rendered text."""
    from fairdebt.messages.lint import Problem, lint_template

    t = as_template(v)
    unknown = [
        Problem(t.file, t.id, language, "placeholder", f"{{{{ {name} }}}} has no value", line)
        for language in LANGUAGES
        for name, line in missing_placeholders(t.text.get(language, ""))
    ]
    broken = {p.language for p in unknown}
    linted = [p for p in lint_template(t, packs) if p.language not in broken]
    return Check([*unknown, *linted])


def missing_placeholders(source: str) -> list[tuple[str, int]]:
    """The names the text fills in that the lint's sample values lack, each with its first line
    (Jinja2's own parse: a name set or looped over inside the text is not missing)."""
    from jinja2 import Environment, meta, nodes

    from fairdebt.messages.lint import SAMPLE

    tree = Environment().parse(source)
    unknown = meta.find_undeclared_variables(tree) - SAMPLE.keys()
    first: dict[str, int] = {}
    for node in tree.find_all(nodes.Name):
        if node.name in unknown and node.ctx == "load":
            first.setdefault(node.name, node.lineno)
    return sorted(first.items(), key=lambda item: (item[1], item[0]))


def _described(p: Problem) -> str:
    return f"{p.where()}: {p.rule}: {p.text}"


def parse_source(text: str) -> dict[str, Any]:
    """The YAML of one template, checked: fields, id, the gate's words, both languages, Jinja2."""
    import yaml

    from fairdebt.yamltext import safe_load

    try:
        data = safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise FairdebtError(f"the template is not YAML{at}: {exc.problem}", hint=HINT) from None
    except yaml.YAMLError as exc:
        raise FairdebtError(f"the template is not YAML: {exc}", hint=HINT) from None
    if not isinstance(data, dict):
        raise FairdebtError("the template is not a YAML mapping", hint=HINT)
    name = str(data.get("id", "(no id)"))
    problems = _field_problems(data) + _word_problems(data) + _text_problems(data.get("text"))
    if problems:
        raise TemplateRefused(f"template {name} not added", problems, hint=HINT)
    return {
        **{k: str(data[k]) for k in FIELDS if k != "text"},
        "text": {language: data["text"][language] for language in LANGUAGES},
        "time_barred": bool(data.get("time_barred", False)),
    }


def _field_problems(data: Mapping[str, Any]) -> list[str]:
    problems = [f"no {k}" for k in FIELDS if k not in data]
    unknown = sorted(set(map(str, data)) - set(FIELDS) - set(OPTIONAL_FIELDS))
    problems += [f"unknown field {k}" for k in unknown]
    template_id = data.get("id")
    if "id" in data and (
        not isinstance(template_id, str)
        or not ID_PATTERN.fullmatch(template_id)
        or len(template_id) > ID_WIDTH
    ):
        problems.append(
            f"id {template_id!r} is not `<pack prefix>.<name>` "
            f"(lower case, digits, _ ; at most {ID_WIDTH} characters)"
        )
    if not isinstance(data.get("time_barred", False), bool):
        problems.append("time_barred is not true or false")
    return problems


def _word_problems(data: Mapping[str, Any]) -> list[str]:
    """channel, party and purpose must be words the gate knows (a template for a word it does
    not know would never be read by any rule)."""
    from fairdebt.compliance.types import Channel, Party, Purpose

    problems = []
    for key, words in (("channel", Channel), ("party", Party), ("purpose", Purpose)):
        if key in data and data[key] not in {w.value for w in words}:
            known = ", ".join(w.value for w in words)
            problems.append(f"{key} {data[key]!r} is not one of {known}")
    return problems


def _text_problems(text: object) -> list[str]:
    """Both languages present, text, and each one valid Jinja2 (the error's line named)."""
    from jinja2 import Environment, TemplateSyntaxError

    if text is None:
        return []  # reported as a missing field
    if not isinstance(text, dict):
        return [f"text is not a mapping of {' and '.join(LANGUAGES)}"]
    problems = [f"[{language}] no text" for language in LANGUAGES if not text.get(language)]
    problems += [
        f"[{k}] is not a language here ({', '.join(LANGUAGES)})"
        for k in map(str, text)
        if k not in LANGUAGES
    ]
    for language in LANGUAGES:
        source = text.get(language)
        if source and not isinstance(source, str):
            problems.append(f"[{language}] is not text")
        elif source:
            try:
                Environment().parse(source)
            except TemplateSyntaxError as exc:
                problems.append(f"[{language}] line {exc.lineno}: Jinja2: {exc.message}")
    return problems


def _packs(packs: Packs | None) -> Packs:
    if packs is not None:
        return packs
    from fairdebt.compliance.pack import builtin_packs

    return builtin_packs()


def _known_pack(packs: Packs, pack: str, template_id: str) -> None:
    from fairdebt.compliance.errors import UnknownPackError

    try:
        packs.resolve(pack)
    except UnknownPackError:
        known = ", ".join(packs.available())
        raise FairdebtError(f"template {template_id}: no pack {pack!r}", hint=known) from None


__all__ = [
    "ACTIVE",
    "DRAFT",
    "RETIRED",
    "Check",
    "TemplateRefused",
    "activate",
    "active",
    "active_templates",
    "add_version",
    "check",
    "listing",
    "store_packaged",
    "version_of",
    "versions",
]
