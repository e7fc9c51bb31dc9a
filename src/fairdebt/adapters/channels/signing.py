"""The request signature shared by the SMS gateway protocol and the inbound webhooks.

A request carries three headers: `X-Fairdebt-Key` (which key signed it), `X-Fairdebt-Timestamp`
(Unix seconds, as decimal text) and `X-Fairdebt-Signature`, the lowercase hex HMAC-SHA256 of
`timestamp + "." + body` under the shared secret. For a request without a body (GET) the
signed "body" is the request target, path and query (`/messages?client_ref=...`), so a
captured signature cannot be replayed for another query. A receiver refuses a timestamp more
than `MAX_SKEW` seconds from its own clock: a captured request cannot be replayed later.
docs/channels.md has a worked example.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

KEY = "X-Fairdebt-Key"
TIMESTAMP = "X-Fairdebt-Timestamp"
SIGNATURE = "X-Fairdebt-Signature"
MAX_SKEW = 300  # seconds either way


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """hex HMAC-SHA256(secret, timestamp + "." + body)."""
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(key_id: str, secret: str, body: bytes, now: float) -> dict[str, str]:
    """The three headers for a request sent at `now` (Unix seconds)."""
    timestamp = str(int(now))
    return {KEY: key_id, TIMESTAMP: timestamp, SIGNATURE: signature(secret, timestamp, body)}


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now: float, max_skew: int = MAX_SKEW
) -> str | None:
    """None when the request is signed with `secret` within the allowed skew; otherwise why
    not (for the receiver's log; callers answer every refusal alike). `headers` must look
    names up case-insensitively (Starlette's and http.server's headers do)."""
    timestamp = headers.get(TIMESTAMP) or ""
    sent = headers.get(SIGNATURE) or ""
    if not secret:
        return "no secret is configured for this sender"
    if not timestamp.isdigit() or len(timestamp) > 12:
        return "missing or malformed timestamp"
    if abs(now - int(timestamp)) > max_skew:
        return "timestamp outside the allowed skew"
    expected = signature(secret, timestamp, body).encode()
    if not hmac.compare_digest(sent.encode("ascii", "replace"), expected):
        return "bad signature"
    return None
