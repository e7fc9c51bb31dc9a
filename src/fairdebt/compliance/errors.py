"""The gate's errors: a request it cannot read, a pack it does not have, a pack that is wrong.

"Not allowed" is never an error (it is a Decision). These are for input nobody can answer:
each carries a one-line cause and a hint (fairdebt.errors.FairdebtError); a malformed request
also carries every problem with its JSON pointer, so a caller can fix them all at once.
"""

from __future__ import annotations

from fairdebt.errors import FairdebtError


class GateRequestError(FairdebtError):
    """The request is not a gate request (schema or impossible value); every error's pointer."""

    def __init__(self, errors: tuple[tuple[str, str], ...]) -> None:
        count = len(errors)
        first = f"{errors[0][0] or '(the request)'}: {errors[0][1]}" if errors else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(
            f"the gate request does not match the schema: {first}{more}",
            hint=(
                "each error names its JSON pointer; the request's JSON Schema is "
                "fairdebt/compliance/schemas/gate-request.schema.json in the installed package"
            ),
        )
        self.errors = errors

    def as_json(self) -> list[dict[str, str]]:
        return [{"pointer": p, "message": m} for p, m in self.errors]


class UnknownPackError(FairdebtError):
    """The request names a rule pack (or a version of one) that is not loaded."""

    def __init__(self, asked: str, available: tuple[str, ...]) -> None:
        super().__init__(
            f"unknown rule pack {asked!r}; available: {', '.join(available) or 'none'}",
            hint="use a bare id for the latest version (cn) or id@version (cn@2026.1)",
        )
        self.asked = asked
        self.available = available


class PackError(FairdebtError):
    """A rule-pack file is malformed, or a fork relaxes a rule it may only tighten."""
