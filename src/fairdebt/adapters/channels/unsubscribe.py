"""The signed token of an e-mail's unsubscribe link: which case and which address.

The link is `<public base>/api/v1/inbound/email/unsubscribe?t=<token>` (RFC 2369
List-Unsubscribe, RFC 8058 one-click). The token is signed with the deployment's secret key
(itsdangerous, its own salt), so nobody can unsubscribe an address they did not receive mail
at; it does not expire, because an unsubscribe link must keep working long after the mail was
sent. It is deterministic: the same case and address give the same token (an e-mail's bytes
do not change when it is prepared again).
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "fairdebt.email-unsubscribe"
PATH = "/api/v1/inbound/email/unsubscribe"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    case_id: str
    address: str


def token(secret: str, case_id: str, address: str) -> str:
    return URLSafeSerializer(secret, salt=SALT).dumps({"c": case_id, "a": address})


def link(base: str, secret: str, case_id: str, address: str) -> str:
    return f"{base.rstrip('/')}{PATH}?t={token(secret, case_id, address)}"


def read(secret: str, text: str) -> Unsubscribe | None:
    """What a token names, or None when it is not one of ours (tampered, truncated)."""
    try:
        found = URLSafeSerializer(secret, salt=SALT).loads(text)
    except BadSignature:
        return None
    if not isinstance(found, dict):
        return None
    case_id, address = found.get("c"), found.get("a")
    if not isinstance(case_id, str) or not isinstance(address, str) or not address:
        return None
    return Unsubscribe(case_id, address)
