"""`python tests/crash_clock.py INSTANT ARGS...`: the real `fairdebt ARGS`, its system clock
reading INSTANT when it starts and then running at the real pace. The crash tests start the
worker (which takes the wall clock) this way, so the gate's quiet hours never depend on the
hour the test runs."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta


def main() -> None:
    from fairdebt.adapters.clock import SystemClock

    start = datetime.fromisoformat(sys.argv[1])
    offset: timedelta = start - SystemClock().now()
    real = SystemClock.now
    SystemClock.now = lambda self: real(self) + offset  # type: ignore[method-assign]
    sys.argv = ["fairdebt", *sys.argv[2:]]
    from fairdebt.cli import main as fairdebt

    fairdebt()


if __name__ == "__main__":
    main()
