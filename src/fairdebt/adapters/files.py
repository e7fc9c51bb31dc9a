"""Files written whole or not at all: what the evidence store and the letter directory share."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CHUNK = 1 << 20  # a recording of many megabytes is written a mebibyte at a time


def _write(fd: int, data: memoryview) -> int:
    """One write(2): how many bytes it took (a full disk raises OSError ENOSPC)."""
    return os.write(fd, data)


def write_atomically(target: Path, data: bytes, *, mode: int | None = None) -> None:
    """`target` holds `data` whole or is left as it was: a temporary file beside it, fsync,
    (`mode` set), rename over the target, fsync of the directory so the rename is durable.
    Any failure (a full disk at the first or any later chunk) removes the temporary file."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        try:
            view, done = memoryview(data), 0
            while done < len(view):
                done += _write(fd, view[done : done + CHUNK])
            os.fsync(fd)
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new entry in `directory` durable (a no-op where directories cannot be
    opened, e.g. on Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
