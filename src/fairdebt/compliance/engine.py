"""The contact gate: one cited answer before every contact (docs/gate.md).

`decide(request, packs=...)` takes the request as a JSON object (validated while it is read;
every error reported with its JSON pointer) or as a typed GateRequest, runs every rule
of the pack that can apply to the attempt, and returns a Decision:

- `deny` if any rule of severity deny objects, else `review` if any review rule does, else
  `allow`; every rule that fired is listed (info rules too) with its citation and a message in
  the request's locale;
- `allowed_from`: when every objection is time- or count-based, the earliest instant at which
  all the pack's deny rules would let the same attempt through — found as a fixpoint: start at
  now, and while some rule objects at t, move t to that rule's own earliest allowed instant.
  Each move stays at or before the true answer (every rule allows the true answer), so the
  fixpoint is exact. When any objection cannot be waited out (a hold, a forbidden party or
  content), it is null;
- `pack`: the exact version used; `digest`: SHA-256 of the canonical request.

Only rules that can object are asked: the pack's index leaves out the rules whose `needs` the
request lacks (a hold rule when there is no hold, a content rule when there is no text).

The function is pure: the same request always gives the same decision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from fairdebt.compliance.context import Context
from fairdebt.compliance.errors import GateRequestError
from fairdebt.compliance.pack import Pack, Packs
from fairdebt.compliance.request import digest, read_body, read_object, request_to_dict
from fairdebt.compliance.rules.base import Hit, Rule
from fairdebt.compliance.types import Decision, FiredRule, GateRequest, Severity, Verdict

HORIZON = timedelta(days=400)  # no count or window in any pack reaches further
MAX_ROUNDS = 64


def decide(request: dict[str, Any] | GateRequest, *, packs: Packs) -> Decision:
    """The gate's decision for one request (JSON object or typed), with the given packs."""
    typed = read_request(request)
    return evaluate(packs.resolve(typed.pack), typed)


def decide_body(body: bytes | str, *, packs: Packs) -> Decision:
    """The decision for a request as JSON text: the API's work. request.NotJsonError when
    the text is not JSON; GateRequestError, UnknownPackError as `decide`."""
    typed = read_body(body)
    return evaluate(packs.resolve(typed.pack), typed)


def read_request(request: dict[str, Any] | GateRequest) -> GateRequest:
    """Validate and type a JSON request; give a typed one its digest if it has none."""
    if isinstance(request, GateRequest):
        if request.digest:
            return request
        return replace(request, digest=digest(request_to_dict(request)))
    return read_object(request)


def evaluate(pack: Pack, request: GateRequest) -> Decision:
    """Run `pack` on a typed request. The reader keeps every date in the years 1900 to 9000
    (docs/gate.md), where no rule's step leaves the calendar; should one ever do so (a typed
    request built in code), it is GateRequestError at `/now`, not a crash."""
    try:
        return _evaluate(pack, request)
    except OverflowError:
        where = (("/now", f"{request.now.isoformat()} is too near the end of the calendar"),)
        raise GateRequestError(where) from None


def _evaluate(pack: Pack, request: GateRequest) -> Decision:
    ctx = Context(request)
    attempt = request.attempt
    rules, waitable = pack.active_for(attempt, request.borrower)
    hits: list[tuple[Rule, Hit]] = []
    now = ctx.now
    for rule in rules:
        hit = rule.check(ctx, now)
        if hit is not None:
            hits.append((rule, hit))
    severities = {rule.spec.severity for rule, _ in hits}
    if Severity.DENY in severities:
        verdict, allowed_from = Verdict.DENY, _allowed_from(ctx, waitable, hits)
    else:
        verdict = Verdict.REVIEW if Severity.REVIEW in severities else Verdict.ALLOW
        allowed_from = None
    locale = request.locale
    fired = tuple(
        FiredRule(r.spec.id, r.spec.citation, r.spec.severity, r.spec.message(locale, h.details))
        for r, h in hits
    )
    if allowed_from is not None:
        allowed_from = allowed_from.astimezone(request.now.tzinfo)
    return Decision(verdict, fired, allowed_from, pack.ref, request.digest)


def _allowed_from(
    ctx: Context, deny_rules: tuple[Rule, ...], hits: list[tuple[Rule, Hit]]
) -> datetime | None:
    """`deny_rules`: the pack's deny rules for the request that are not timeless. A timeless
    rule answers the same at every instant: it did not object at now (or we would have
    returned below), so it will not object later either."""
    denials = [hit for rule, hit in hits if rule.spec.severity is Severity.DENY]
    if any(hit.next_at is None for hit in denials):
        return None
    t = max(hit.next_at for hit in denials if hit.next_at is not None)
    horizon = ctx.now + HORIZON
    # Round robin: t is the answer once every rule in a row has let it through; after a move
    # the count starts again, so rules already asked since the move are not asked twice.
    count, passed = len(deny_rules), 0
    for i in range(MAX_ROUNDS * count):
        hit = deny_rules[i % count].check(ctx, t)
        if hit is None:
            passed += 1
            if passed == count:
                return t
            continue
        if hit.next_at is None or hit.next_at <= t or hit.next_at > horizon:
            return None
        t, passed = hit.next_at, 0
    return None
