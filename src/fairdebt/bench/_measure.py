"""Shared measuring helpers: wall time and peak resident memory of this process tree."""

from __future__ import annotations

import resource
import sys


def peak_rss_mb() -> float:
    """Peak RSS of this process (and waited-for children), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB, macOS bytes
    return round(max(own, children) * scale / (1 << 20), 1)
