"""`weekends_after_the_data`: the calendar of fakes.rest_days for a whole test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.rest_days import weekends_after_the_data as _calendar


@pytest.fixture(scope="module")
def weekends_after_the_data() -> Iterator[None]:
    with _calendar():
        yield
