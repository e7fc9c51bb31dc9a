"""The template catalogue: load the YAML files once, render one in a language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from fairdebt.errors import FairdebtError
from fairdebt.yamltext import safe_load

LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    file: str
    pack: str
    channel: str
    party: str
    purpose: str
    text: Mapping[str, str]  # language → Jinja2 source
    # Written for debts past their limitation period: linted as if the debt were time-barred,
    # so the packs' no-threat-of-suit rules read it too (US-TBD, 12 CFR 1006.26(b)).
    time_barred: bool = False
    version: int = 1  # the packaged file is version 1; later ones live in the database


@cache
def templates() -> tuple[Template, ...]:
    """Every packaged template, sorted by id (read once per process)."""
    root = files("fairdebt.messages").joinpath("templates")
    found = []
    for folder in sorted(root.iterdir(), key=lambda p: p.name):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".yaml"):
                data = safe_load(entry.read_text("utf-8"))
                found.append(_template(data, f"{folder.name}/{entry.name}"))
    return tuple(sorted(found, key=lambda t: t.id))


def _template(data: Any, file: str) -> Template:
    try:
        return Template(
            id=data["id"],
            file=file,
            pack=data["pack"],
            channel=data["channel"],
            party=data["party"],
            purpose=data["purpose"],
            text=dict(data["text"]),
            time_barred=bool(data.get("time_barred", False)),
        )
    except (KeyError, TypeError) as exc:
        raise FairdebtError(
            f"template {file} lacks {exc}", hint="see messages/__init__.py"
        ) from None


def template(template_id: str) -> Template:
    for t in templates():
        if t.id == template_id:
            return t
    known = ", ".join(t.id for t in templates())
    raise FairdebtError(f"no template {template_id!r}", hint=f"templates: {known}")


def render(template_id: str, language: str, context: Mapping[str, Any]) -> str:
    """The template's text in `language` with `context` filled in (a missing value is an
    error, never an empty gap in a letter)."""
    return render_template(template(template_id), language, context)


def render_template(t: Template, language: str, context: Mapping[str, Any]) -> str:
    from jinja2 import Environment, StrictUndefined

    source = t.text.get(language)
    if source is None:
        raise FairdebtError(f"template {t.id} has no {language} text", hint="add it")
    env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    return env.from_string(source).render(**context)
