"""Evidence stores: where the exact bytes of every message sent are kept (by SHA-256).

`open_evidence_store(url, data_dir)` turns the setting FAIRDEBT_EVIDENCE_URL into a store:
- empty: the directory `<data_dir>/evidence`;
- `file:///absolute/path`, or a plain path: that directory (fs.FileEvidenceStore);
- `s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=eu-west-1`: a bucket on S3 or an
  S3-compatible server (s3.S3EvidenceStore; boto3, the extra `s3`). `endpoint` is for servers
  other than AWS; credentials come from the standard AWS environment variables.
Either keeps its objects sealed under the personal-data keys (sealing.py).
Only the store asked for is imported: a file store never loads boto3.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from fairdebt.errors import FairdebtError

if TYPE_CHECKING:
    from fairdebt.services.ports.evidence import EvidenceBackend

S3_OPTIONS = frozenset({"endpoint", "region"})
_HINT = "use file:///absolute/path, a plain path, or s3://bucket/prefix?endpoint=URL&region=NAME"


def open_evidence_store(url: str, data_dir: Path) -> EvidenceBackend:
    """The store `url` names (module docstring)."""
    url = url.strip()
    if not url:
        return _file_store(data_dir / "evidence")
    if url.startswith("s3://"):
        return _s3_store(url)
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise FairdebtError(f"evidence URL {url!r} is not an absolute file URL", hint=_HINT)
        return _file_store(Path(unquote(parts.path)))
    if "://" in url:
        scheme = url.split("://", 1)[0]
        raise FairdebtError(f"evidence URL scheme {scheme!r} is not supported", hint=_HINT)
    return _file_store(Path(url).expanduser())


def _file_store(root: Path) -> EvidenceBackend:
    from fairdebt.adapters.evidence.fs import FileEvidenceStore

    return FileEvidenceStore(root)


def _s3_store(url: str) -> EvidenceBackend:
    from fairdebt.adapters.evidence.s3 import S3EvidenceStore

    parts = urlsplit(url)
    if not parts.netloc:
        raise FairdebtError(f"evidence URL {url!r} names no bucket", hint=_HINT)
    options = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(options) - S3_OPTIONS)
    if unknown:
        raise FairdebtError(
            f"evidence URL option(s) not understood: {', '.join(unknown)}", hint=_HINT
        )
    endpoint = options.get("endpoint", [""])[-1] or None
    if endpoint is not None and not endpoint.startswith(("http://", "https://")):
        raise FairdebtError(f"evidence URL endpoint {endpoint!r} is not an http(s) URL", _HINT)
    region = options.get("region", [""])[-1] or None
    return S3EvidenceStore(
        parts.netloc, unquote(parts.path).strip("/"), endpoint_url=endpoint, region=region
    )
