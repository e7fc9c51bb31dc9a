"""A fired rule's message in the page's language.

The gate writes each fired rule's message in the request's locale (the decisions services.contact
logs are in English), and a pack declares every rule's message in zh-CN and en with the same
`{field}` placeholders (compliance/rules/base.RuleSpec.messages). So a logged English message is
read back against its rule's English template to recover the fields, which then fill the
template of the page's language: the pack stays the one source of both texts. A message the
pack did not write (the application's own rules, e.g. CN-RATE-29's above-cap check) is looked up
in the Babel catalogue by the message itself, and otherwise shown as logged. The rule id is
always shown beside it by the pages.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Any

from fairdebt.compliance.pack import Packs
from fairdebt.errors import FairdebtError
from fairdebt.web.i18n import gettext_for


def localized(rule: dict[str, Any], pack_ref: str, locale: str, packs: Packs) -> str:
    """The rule's message in `locale` (module docstring); `rule` as a logged decision has it."""
    message = str(rule.get("message", ""))
    if locale == "en":
        return message
    templates = _templates(packs, pack_ref, str(rule.get("id", "")))
    if templates is not None and locale in templates:
        fields = _fields(templates["en"], message)
        if fields is not None:
            return templates[locale].format_map(_Keep(fields))
    return gettext_for(locale)(message) if message else message


def _templates(packs: Packs, pack_ref: str, rule_id: str) -> dict[str, str] | None:
    try:
        pack = packs.resolve(pack_ref)
    except FairdebtError:
        return None
    spec = next((r.spec for r in pack.rules if r.spec.id == rule_id), None)
    return dict(spec.messages) if spec is not None and "en" in spec.messages else None


def _fields(template: str, message: str) -> dict[str, str] | None:
    """The values of the template's placeholders in `message`, or None if it does not match."""
    found = _pattern(template).fullmatch(message)
    return found.groupdict() if found else None


@lru_cache(maxsize=512)
def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name in seen:  # a field used twice must say the same both times
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.*?)")
    return re.compile("".join(parts), re.DOTALL)


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"
