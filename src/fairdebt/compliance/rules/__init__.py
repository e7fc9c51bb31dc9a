"""The rule families: one module per family, registered in the tuple FAMILIES.

A pack's rule names its family; the family's module validates the rule's parameters and
builds the rule. A new kind of rule is a new module here, never a new branch in the engine.
"""

from __future__ import annotations

from fairdebt.compliance.rules import (
    content,
    conversation,
    debt_state,
    frequency,
    hold,
    inconvenient,
    opt_out,
    party,
    time_window,
    visit,
)
from fairdebt.compliance.rules.family import Family

FAMILIES: tuple[Family, ...] = (
    time_window.FAMILY,
    inconvenient.FAMILY,
    frequency.FAMILY,
    conversation.FAMILY,
    hold.FAMILY,
    party.FAMILY,
    opt_out.FAMILY,
    visit.FAMILY,
    content.FAMILY,
    debt_state.FAMILY,
)
