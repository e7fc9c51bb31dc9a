"""In-memory fakes of the service ports (fairdebt.services.ports), for unit tests without a
database. `FakeUnitOfWork` behaves as SqlUnitOfWork does: re-entrant, only the outermost commit
keeps the writes, and leaving the outermost `with` without one rolls them back (the fake keeps a
deep copy of its repositories from the moment it was entered).
"""

from __future__ import annotations

import copy
from typing import Any

from fakes.api_tokens import FakeApiTokenRepositories
from fakes.cases import FakeCaseRepositories
from fakes.checkpoints import FakeCheckpointRepositories
from fakes.complaints import FakeComplaintRepositories
from fakes.field_media import FakeFieldMediaRepositories
from fakes.identity import FakeIdentityRepositories
from fakes.inbound import FakeInboundRepositories
from fakes.outbox import FakeOutboxRepositories
from fakes.portal import FakePortalRepositories
from fakes.records import FakeRecordRepositories
from fakes.repayment import FakeRepaymentRepositories
from fakes.second_factor import FakeSecondFactorRepositories
from fakes.sessions import FakeSessionRepositories
from fakes.templates import FakeTemplateRepositories
from fakes.verify import FakeVerifyRepositories
from fakes.visits import FakeVisitRepositories
from fakes.worklist import FakeWorklistRepositories

_CONTROL = frozenset({"_depth", "_saved", "commits"})


class FakeUnitOfWork(
    FakeCaseRepositories,
    FakeRepaymentRepositories,
    FakeIdentityRepositories,
    FakeRecordRepositories,
    FakeWorklistRepositories,
    FakeOutboxRepositories,
    FakeInboundRepositories,
    FakeTemplateRepositories,
    FakeVerifyRepositories,
    FakeApiTokenRepositories,
    FakeSessionRepositories,
    FakeComplaintRepositories,
    FakePortalRepositories,
    FakeVisitRepositories,
    FakeCheckpointRepositories,
    FakeFieldMediaRepositories,
    FakeSecondFactorRepositories,
):
    def __init__(self) -> None:
        self._depth = 0
        self._saved: dict[str, Any] | None = None
        self.commits = 0  # how many outermost commits happened (tests assert on it)
        for base in type(self).__mro__[1:]:
            init = base.__dict__.get("setup")
            if init is not None:
                init(self)

    def _state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in _CONTROL}

    def __enter__(self) -> FakeUnitOfWork:
        if self._depth == 0:
            self._saved = copy.deepcopy(self._state())
        self._depth += 1
        return self

    def __exit__(self, _type: object, error: object, _tb: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._saved is not None:
            vars(self).update(self._saved)  # not committed: back to how it was
            self._saved = None

    def commit(self) -> None:
        if self._depth > 1:
            return
        self._saved = copy.deepcopy(self._state())
        self.commits += 1
