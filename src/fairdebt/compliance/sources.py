"""Where each rule of a built-in pack comes from, and how sure we are of it.

A pack's YAML says what a rule checks; `packs/sources/<pack>.yaml` says what it rests on: the
instruments (laws, regulations, judicial interpretations, self-regulatory conventions, standards)
with where to read them, one entry per source id (the rule id without its `.facet`, or the full
id of a fairdebt policy rule) giving the article and what it says, and a confidence tag for
every number a rule's parameters hold. `docs.render_sources_md` turns both into
docs/packs/<pack>-sources.md; a test fails when a rule, a cited id or a number has no entry.

Confidence tags: P (the primary text itself was read), T (read in a translation that keeps the
article numbers), S (secondary reports only: news, law-firm or compliance pages), M (not found in
any text: background knowledge or our own choice, kept as a parameter), policy (a fairdebt
choice, not a legal requirement).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

Confidence = Literal["P", "T", "S", "M", "policy"]
POLICY = "policy"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Instrument(_Model):
    """A law, regulation or convention a pack rests on, and where its text can be read."""

    name: str
    kind: str
    confidence: Confidence
    where: tuple[str, ...] = ()
    note: str = ""


class Source(_Model):
    """What one provision says, in our words, with its article and (if not the instrument's) its
    own confidence and the reason for it."""

    instrument: str = Field(alias="in")
    article: str = ""
    says: str
    confidence: Confidence | None = None
    why: str = ""


class Number(_Model):
    """How sure we are of the value of one or more parameters of a rule."""

    params: tuple[str, ...] = Field(min_length=1)
    confidence: Confidence
    why: str


class PackSources(_Model):
    pack: str
    intro: str
    instruments: dict[str, Instrument]
    sources: dict[str, Source]
    numbers: dict[str, tuple[Number, ...]] = Field(default_factory=dict)
    figures: str = ""
    cases: str = ""
    gaps: str = ""

    def source_of(self, rule_id: str) -> tuple[str, Source] | None:
        """The entry a rule rests on: its full id first (policy rules, facets with their own
        source), then the id without its `.facet`."""
        for key in (rule_id, rule_id.split(".")[0]):
            if key in self.sources:
                return key, self.sources[key]
        return None

    def confidence(self, source: Source) -> Confidence:
        if source.confidence:
            return source.confidence
        if source.instrument == POLICY:
            return "policy"
        return self.instruments[source.instrument].confidence


@cache
def pack_sources(pack_id: str) -> PackSources:
    """The sources of a built-in pack (`cn`, `us-regf`), read once per process."""
    entry = files("fairdebt.compliance").joinpath("packs", "sources", f"{pack_id}.yaml")
    return PackSources.model_validate(yaml.safe_load(entry.read_text("utf-8")))
