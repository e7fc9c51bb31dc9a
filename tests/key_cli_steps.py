"""Steps the `fairdebt keys` command-line tests share: after a rotation, a value written under
the old key by a process not yet on the new key file; then retiring the old key is refused,
and allowed once a second rotation has re-sealed that value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from fairdebt.adapters.db import crypto


def old_key_active(data_dir: Path) -> None:
    """This process seals with k1 again, as one that has not re-read the key file would."""
    now = crypto.read_key_file(data_dir / "data-keys")
    assert [kid for kid, _ in now.data] == ["k2", "k1"]
    crypto.use_keyring(replace(now, data=now.data[::-1], file=None, _ciphers={}))


def retire_refused_then_done(fairdebt: Callable[..., Any], data_dir: Path, still_used: str) -> None:
    """`--retire k1` refused while a value uses k1 (`still_used`: how the refusal counts it),
    nothing lost from the key file; a rotation, then the retire goes through."""
    refused = fairdebt("keys", "rotate", "--retire", "k1")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"still encrypted with key 'k1' ({still_used})" in refused.stderr
    assert "data k1 " in (data_dir / "data-keys").read_text(encoding="utf-8")

    again = fairdebt("keys", "rotate")
    assert again.returncode == 0, again.stderr
    retired = fairdebt("keys", "rotate", "--retire", "k1")
    assert retired.returncode == 0, retired.stderr
    crypto.use_keyring(None)
