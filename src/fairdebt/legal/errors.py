"""The one error of the legal package: a request it cannot compute an answer for.

"Expired" or "above the cap" are answers, never errors; this is only for malformed or
unanswerable requests (a bad date, a state without a sourced limitation figure).
"""

from __future__ import annotations

from fairdebt.errors import FairdebtError


class LegalRequestError(FairdebtError):
    """A legal-math request is malformed or asks what the tables cannot answer."""
