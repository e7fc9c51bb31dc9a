"""Click-to-call providers: what places a collector's call to the borrower.

A call is not a message: nothing is rendered or handed over, a person speaks. So a call
provider is a `Dialer`, not a `Channel`: asked to connect the collector (`agent_id` at
`agent_phone`) with the borrower's number `to`, it answers with its own reference for the
call. `key` is the gate decision's id: a provider that dials through an API uses it as the
idempotency key, so a retried request is one call, not two.

`manual`: the provider does nothing by itself. A collector dials by hand, so the page shows the
number to dial (only to the collector assigned to the case, and only once the attempt is on the
record). FAIRDEBT_CALL_PROVIDER chooses the provider (`manual` is the only one so far).

Services call a dialer only after the attempt is committed (services.calls.start_call), never
inside a transaction, as services.contact.ContactGuard does for messages.
"""

from __future__ import annotations

from typing import Protocol


class Dialer(Protocol):
    """A click-to-call provider (module docstring)."""

    manual: bool  # True: nothing is dialled; the collector dials the number by hand

    def dial(self, agent_id: str, agent_phone: str, to: str, key: str) -> str:
        """Connect the agent with `to`; return the provider's reference of the call."""
        ...


class ManualDial:
    """The collector dials by hand: nothing to do, and a reference that names the decision."""

    manual = True

    def dial(self, agent_id: str, agent_phone: str, to: str, key: str) -> str:
        return f"manual:{key[:16]}"


PROVIDERS = ("manual",)


def dialer_for(provider: str) -> Dialer:
    """The dialer a deployment's FAIRDEBT_CALL_PROVIDER names (settings validated it)."""
    if provider == "manual":
        return ManualDial()
    raise ValueError(f"unknown call provider {provider!r}; known: {', '.join(PROVIDERS)}")
