"""The letter provider: posts each letter as a PDF and a JSON manifest into a directory, where
a print-and-mail service (or a person at a printer) picks them up.

For a message with idempotency key K it writes `<dir>/K.pdf`, then `<dir>/K.json`, each
atomically (a temporary file in the same directory, flushed and fsynced, then renamed over the
name; the directory is fsynced after). The manifest is written last, so a manifest means a
complete letter: a reader takes only letters that have one, and a crash between the two leaves
a PDF without a manifest, which the next delivery of the same key simply writes again.

The manifest (docs/channels.md, "Letters"): `key`, `case_id`, `kind` (the message's subject),
`address` (the postal address), `language`, `sha256` and `bytes` of the PDF, `pages`.

A key already posted (its manifest exists) is not written again: `deliver` returns the earlier
delivery, so the provider is idempotent and a message whose outcome was lost may be handed over
again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from fairdebt.adapters.channels.base import ChannelError, Delivery, OutboundMessage, Prepared
from fairdebt.adapters.files import write_atomically
from fairdebt.letters.render import is_pdf, pdf_page_count

PDF = "application/pdf"
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


class LetterDirChannel:
    """Letters as files in `directory` (module docstring)."""

    idempotent = True

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()

    def prepare(self, message: OutboundMessage) -> Prepared:
        """The letter's PDF, unchanged: the message carries it already rendered."""
        if not is_pdf(message.payload):
            raise ChannelError(
                f"letter {message.key or '(no key)'} is not a PDF",
                hint="render it with fairdebt.letters.render_letter and pass it as the payload",
                permanent=True,
            )
        return Prepared(message.payload, PDF)

    def deliver(self, message: OutboundMessage) -> Delivery:
        """Write the PDF, then the manifest; a key posted before returns its earlier delivery."""
        key = _checked_key(message.key)
        data = self.prepare(message).data
        with self._lock:
            earlier = self.lookup(key)
            if earlier is not None:
                return earlier
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                write_atomically(self.directory / f"{key}.pdf", data)
                manifest = _manifest(message, key, data)
                text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
                write_atomically(self.directory / f"{key}.json", text.encode("utf-8"))
            except OSError as exc:
                raise ChannelError(
                    f"cannot write letter {key} into {self.directory}: {exc.strerror}",
                    hint="check FAIRDEBT_LETTER_DIR exists and is writable",
                ) from None
        return _delivery(manifest)

    def lookup(self, key: str) -> Delivery | None:
        """The delivery of the letter posted under `key`, read from its manifest."""
        try:
            path = self.directory / f"{_checked_key(key)}.json"
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ChannelError(
                f"cannot read the manifest of letter {key}: {exc}",
                hint=f"look at {self.directory}",
            ) from None
        return _delivery(manifest)


def _checked_key(key: str) -> str:
    """A key is a file name: no separators, nothing hidden, never empty."""
    if not key or key.startswith(".") or not set(key) <= _SAFE:
        raise ChannelError(
            f"letter key {key!r} cannot name a file",
            hint="keys are letters, digits and - _ . : (a gate decision id is one)",
            permanent=True,
        )
    return key


def _manifest(message: OutboundMessage, key: str, data: bytes) -> dict[str, Any]:
    return {
        "key": key,
        "case_id": message.case_id,
        "kind": message.subject,
        "address": message.to,
        "language": message.language,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "pages": pdf_page_count(data),
    }


def _delivery(manifest: dict[str, Any]) -> Delivery:
    """Posted is delivered, as far as fairdebt can know: the mail service takes it from here."""
    return Delivery("delivered", provider_ref=f"letter:{manifest['key']}:{manifest['sha256']}")
